// The longest a check may go between two scheduled runs, from its node-cron expression: what
// Prometheus compares a result's age with (probe_check_interval_seconds), so that an alert never
// reads a result its probe stopped renewing.
import { parse } from 'node-cron';

const DAY = 86_400;

/** Largest gap in seconds between consecutive times the expression matches (a week at most looked at; 31 days when it names days of the month or months). */
const known = new Map<string, number>();

export function longestGapSeconds(expression: string): number {
  let gap = known.get(expression);
  if (gap === undefined) known.set(expression, (gap = computeGap(expression)));
  return gap;
}

function computeGap(expression: string): number {
  const f = parse(expression);
  // Restricted to some days of the month or some months, or to the nth or last weekday of a month
  // ("1#2", "5L"): rare runs, bounded by a month.
  if (f.dayOfMonth.length < 31 || f.month.length < 12 || f.dayOfWeek.some((d) => !Number.isInteger(Number(d)))) return 31 * DAY;
  const daily = f.hour.flatMap((h) => f.minute.flatMap((m) => f.second.map((s) => h * 3600 + m * 60 + s))).sort((a, b) => a - b);
  const days = f.dayOfWeek.map((d) => Number(d) % 7);
  const weekly = [...new Set(days)].sort((a, b) => a - b).flatMap((d) => daily.map((t) => d * DAY + t));
  if (!weekly.length) return 7 * DAY;
  let gap = weekly[0]! + 7 * DAY - weekly.at(-1)!;
  for (let i = 1; i < weekly.length; i++) gap = Math.max(gap, weekly[i]! - weekly[i - 1]!);
  return gap;
}
