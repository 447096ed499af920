// Cron expressions: the one place that reads them (config validation, the scheduler's timers, the
// longest gap between runs). croner evaluates them with the Date's local-time getters; node-cron,
// used before, built an Intl.DateTimeFormat for every tick, which alone kept 8.8 MiB of ICU data
// and code resident in an idle probe.
import { Cron, CronPattern } from 'croner';

// 5 or 6 fields (seconds first); day of month AND day of week when both are restricted, as
// node-cron read them (Vixie cron ORs them), so that no schedule written for it changes meaning.
const OPTIONS = { mode: '5-or-6-parts', domAndDow: true } as const;

/** The pattern of a valid expression; throws an Error saying what is wrong with an invalid one. */
export function cronPattern(expression: string): CronPattern {
  return new CronPattern(expression, undefined, OPTIONS);
}

const SHORTHANDS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** Why `expression` is not a valid cron expression, or undefined when it is. */
export function cronProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (!text) return 'it is empty';
  const fields = text.split(/\s+/).length;
  if (text.startsWith('@')) {
    if (!SHORTHANDS.includes(text.toLowerCase())) return `unknown shorthand ${text} (${SHORTHANDS.join(', ')})`;
  } else if (fields !== 5 && fields !== 6) return `it has ${fields} field${fields === 1 ? '' : 's'}`;
  try {
    cronPattern(expression);
    return undefined;
  } catch (e) {
    return (e as Error).message.replace(/^CronPattern: /, '');
  }
}

/** The times an expression matches (croner's Cron, not started: nextRun, nextRuns). */
export function cronSchedule(expression: string): Cron {
  return new Cron(expression, OPTIONS);
}

/** The longest a timer waits before it looks at the clock again: a wall clock stepped back is noticed within it. */
const RECHECK_MS = 60_000;

export interface CronTimer {
  stop(): void;
}

/**
 * Calls `fire` at each time `expression` matches. A time that passes more than `toleranceMs`
 * before its timer runs (event loop blocked, wall clock stepped forward) is reported to `missed`
 * once instead of fired late, and the timer goes on from the next match after now.
 */
export function cronTimer(expression: string, toleranceMs: number, fire: () => void, missed: () => void): CronTimer {
  const cron = cronSchedule(expression);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let due = cron.nextRun()?.getTime();
  const arm = () => {
    if (stopped || due === undefined) return;
    timer = setTimeout(tick, Math.min(Math.max(due - Date.now(), 0), RECHECK_MS));
  };
  const tick = () => {
    const now = Date.now();
    if (due === undefined) return;
    if (now < due) {
      // Woken to look at the clock: from now, in case it stepped back.
      due = cron.nextRun(new Date(now))?.getTime();
      return arm();
    }
    if (now - due > toleranceMs) missed();
    else fire();
    due = cron.nextRun(new Date(Math.max(now, due)))?.getTime();
    arm();
  };
  arm();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
