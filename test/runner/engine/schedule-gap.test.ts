// probe_check_interval_seconds: the longest gap between two scheduled runs of a check, which the
// alert rules compare with the age of its last result (freshness).
import { describe, expect, it } from 'vitest';
import { ResultsStore } from '../../../runner/engine/results-store.ts';
import { longestGapSeconds } from '../../../runner/engine/schedule-gap.ts';
import { ProbeMetrics } from '../../../runner/telemetry/metrics.ts';
import { runProbe, spec, target } from '../../helpers.ts';

describe('longest gap between scheduled runs', () => {
  it('reads cron expressions as a week of runs', () => {
    expect(longestGapSeconds('* * * * *')).toBe(60);
    expect(longestGapSeconds('*/15 * * * * *')).toBe(15);
    expect(longestGapSeconds('*/15 * * * *')).toBe(900);
    // Office hours: from 18:55 to 08:00 the next day.
    expect(longestGapSeconds('*/5 8-18 * * *')).toBe(13 * 3600 + 5 * 60);
    // Weekdays at 8: Friday to Monday.
    expect(longestGapSeconds('0 8 * * 1-5')).toBe(3 * 86_400);
    // Sunday written 0 or 7 is one day.
    expect(longestGapSeconds('0 9 * * 0,7')).toBe(7 * 86_400);
    expect(longestGapSeconds('0 0 1 * *')).toBe(31 * 86_400);
    // The nth or last weekday of a month: monthly.
    expect(longestGapSeconds('0 9 * * 1#2')).toBe(31 * 86_400);
    expect(longestGapSeconds('0 9 * * 5L')).toBe(31 * 86_400);
    expect(longestGapSeconds('0 9 L * *')).toBe(31 * 86_400);
    expect(longestGapSeconds('0 9 * JAN-JUN *')).toBe(31 * 86_400);
    // Six fields, seconds first; '?' is '*'.
    expect(longestGapSeconds('0 0 9 ? * MON-FRI')).toBe(3 * 86_400);
    expect(longestGapSeconds('@hourly')).toBe(3600);
  });

  it('is exported for every check with a result, with the labels of its last run', async () => {
    const check = { ...spec('tcp', target({ host: '127.0.0.1', port: 9 })), schedule: '*/5 * * * *' };
    const store = new ResultsStore();
    store.record(check, await runProbe('tcp', check.target, { timeoutMs: 500 }), 1000);
    const metrics = new ProbeMetrics({ store });
    metrics.setPlan([check]);
    const text = await metrics.text();
    const labels = /probe_last_run_timestamp_seconds(\{[^}]*\}) 1000/.exec(text)?.[1];
    expect(labels).toBeDefined();
    expect(text).toContain(`probe_check_interval_seconds${labels} 300`);
  });
});
