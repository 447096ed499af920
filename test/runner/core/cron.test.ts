// Cron expressions as the config, the scheduler and the freshness alerts read them.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cronProblem, cronSchedule, cronTimer } from '../../../runner/core/cron.ts';

describe('cron expressions', () => {
  it('accepts what node-cron accepted (the syntax configs were written in) and says what is wrong otherwise', () => {
    for (const ok of ['*/5 * * * *', '*/30 * * * * *', '0 8-18/2 * * MON-FRI', '0 9 * JAN,JUL *', '0 9 * * 0,7', '0 9 * * 1#2', '0 9 * * 5L', '0 9 L * *', '0 9 ? * *', '@daily']) expect(cronProblem(ok), ok).toBeUndefined();
    expect(cronProblem('every five minutes')).toBe('it has 3 fields');
    expect(cronProblem('  ')).toBe('it is empty');
    expect(cronProblem('@fortnightly')).toBe('unknown shorthand @fortnightly (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)');
    expect(cronProblem('* * * * * * *')).toBe('it has 7 fields');
    expect(cronProblem('60 * * * *')).toMatch(/minute/);
    expect(cronProblem('*/0 * * * *')).toMatch(/stepping/);
  });

  it('reads day of month AND day of week when both are given (node-cron did; Vixie cron ORs them)', () => {
    // Friday the 13th: February 2026, then March 2026.
    const runs = cronSchedule('0 9 13 * 5').nextRuns(2, new Date(2026, 0, 1));
    expect(runs.map((d) => [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getDay(), d.getHours()])).toEqual([
      [2026, 2, 13, 5, 9],
      [2026, 3, 13, 5, 9],
    ]);
    // '?' is '*', not "the time the probe started".
    expect(cronSchedule('0 9 ? * *').nextRuns(2, new Date(2026, 0, 1)).map((d) => d.getDate())).toEqual([1, 2]);
  });
});

describe('cron timer', () => {
  afterEach(() => vi.useRealTimers());

  it('fires on each match, reports a time passed beyond the tolerance as missed once, and survives the clock stepping back', () => {
    vi.useFakeTimers({ now: new Date(2026, 0, 1, 12, 0, 0, 500) });
    const fired: number[] = [];
    let missed = 0;
    const t = cronTimer('*/5 * * * * *', 1000, () => fired.push(Date.now()), () => missed++);
    vi.advanceTimersByTime(10_000);
    expect(fired.map((x) => new Date(x).getSeconds())).toEqual([5, 10]);
    // The wall clock steps forward a minute between two timers: the time it jumped over is missed, not run late.
    vi.setSystemTime(Date.now() + 60_000);
    vi.advanceTimersByTime(4_600);
    expect(missed).toBe(1);
    expect(fired).toHaveLength(2);
    vi.advanceTimersByTime(5_000);
    expect(fired).toHaveLength(3);
    // Stepped back an hour: the schedule goes on from the new time within a minute, not in an hour.
    vi.setSystemTime(Date.now() - 3_600_000);
    vi.advanceTimersByTime(65_000);
    expect(fired.length).toBeGreaterThanOrEqual(3 + 11);
    expect(missed).toBe(1);
    t.stop();
    const stoppedAt = fired.length;
    vi.advanceTimersByTime(60_000);
    expect(fired).toHaveLength(stoppedAt);
  });
});
