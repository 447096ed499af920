// The longest a check may go between two scheduled runs, from its cron expression: what
// Prometheus compares a result's age with (probe_check_interval_seconds), so that an alert never
// reads a result its probe stopped renewing.
import { cronPattern } from '../core/cron.ts';

const DAY = 86_400;

/** Largest gap in seconds between consecutive times the expression matches (a week at most looked at; 31 days when it names days of the month or months). */
const known = new Map<string, number>();

export function longestGapSeconds(expression: string): number {
  let gap = known.get(expression);
  if (gap === undefined) known.set(expression, (gap = computeGap(expression)));
  return gap;
}

/** The values a field of croner's pattern allows (it keeps one flag per value, from 0). */
const allowed = (flags: readonly number[]) => flags.flatMap((on, i) => (on ? [i] : []));

// croner's flag for a weekday that runs every week (other values name the nth or last one of a month).
const EVERY_WEEK = 0b111111;

function computeGap(expression: string): number {
  const p = cronPattern(expression);
  // Restricted to some days of the month or some months, or to the nth or last weekday of a month
  // ("1#2", "5L"): rare runs, bounded by a month.
  if (p.day.some((d) => !d) || p.month.some((m) => !m) || p.lastDayOfMonth || p.lastWeekday || p.nearestWeekdays.some(Boolean) || p.dayOfWeek.some((d) => d !== 0 && d !== EVERY_WEEK)) return 31 * DAY;
  const seconds = allowed(p.second);
  const minutes = allowed(p.minute);
  const daily = allowed(p.hour).flatMap((h) => minutes.flatMap((m) => seconds.map((s) => h * 3600 + m * 60 + s)));
  const weekly = allowed(p.dayOfWeek).flatMap((d) => daily.map((t) => d * DAY + t));
  if (!weekly.length) return 7 * DAY;
  let gap = weekly[0]! + 7 * DAY - weekly.at(-1)!;
  for (let i = 1; i < weekly.length; i++) gap = Math.max(gap, weekly[i]! - weekly[i - 1]!);
  return gap;
}
