// The scheduler: no overlap of the same check (the skipped run counted in the metrics), bounded
// stop, start offsets within the jitter bound.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttp, type Closable } from '../../../lab/servers.ts';
import { ResultsStore } from '../../../runner/engine/results-store.ts';
import { Scheduler } from '../../../runner/engine/scheduler.ts';
import { makeShared } from '../../../runner/engine/shared-context.ts';
import { createLogger } from '../../../runner/telemetry/logging.ts';
import { ProbeMetrics, recordingSink } from '../../../runner/telemetry/metrics.ts';
import { spec, target } from '../../helpers.ts';

let web: Closable;
beforeAll(async () => (web = await startHttp()));
afterAll(async () => web.close());

const silent = createLogger({ level: 'silent' });
const shared = makeShared();
const NO_SINK = { result: () => {}, skipped: () => {} };
const slow = () => spec('http', target({ host: '127.0.0.1', port: web.port, url: `http://127.0.0.1:${web.port}/slow` }), { timeoutMs: 20_000 });

describe('scheduler', () => {
  it('never runs the same check twice at once, and counts the skipped run', async () => {
    const metrics = new ProbeMetrics({ store: new ResultsStore() });
    const s = new Scheduler([], shared, recordingSink(new ResultsStore(), () => metrics), silent, { concurrency: 4, jitterMs: 0 });
    const check = spec('http', target({ host: '127.0.0.1', port: web.port, url: `http://127.0.0.1:${web.port}/slow` }), { timeoutMs: 300 });
    const first = s.run(check);
    expect(first).toBeDefined();
    expect(s.run(check)).toBeUndefined();
    expect((await first)?.reason).toBe('timeout');
    const text = await metrics.text();
    expect(text).toMatch(/probe_check_skipped_total\{[^}]*kind="http",cause="overlap"\} 1/);
    // The probe's own footprint, as a fleet dashboard reads it.
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(20 * 2 ** 20);
    expect(value('nodejs_heap_size_used_bytes')).toBeGreaterThan(2 ** 20);
    expect(value('nodejs_heap_size_used_bytes')).toBeLessThan(value('process_resident_memory_bytes'));
    expect(value('process_open_fds')).toBeGreaterThan(3);
  });

  it('stop() lets in-flight checks run for the grace period, then aborts them without a result', async () => {
    const recorded: string[] = [];
    const s = new Scheduler([], shared, { result: (spec) => recorded.push(spec.id), skipped: () => {} }, silent, { concurrency: 4, jitterMs: 0 });
    const running = s.run(slow())!;
    await new Promise((r) => setTimeout(r, 50)); // let it start
    const t0 = Date.now();
    await s.stop(300);
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(2000);
    // A check cut short by the shutdown is not a network failure: nothing is kept or exported for it.
    expect(await running).toBeUndefined();
    expect(recorded).toEqual([]);
    expect(s.run(slow())).toBeUndefined(); // no new run after stop
  });

  // A busy event loop (a browser starting on two cores) delays the cron timer: late by less than
  // the tolerance it still runs; later than that it is counted, never silently lost.
  const busyTick = async (missedToleranceMs: number | undefined) => {
    const metrics = new ProbeMetrics({ store: new ResultsStore() });
    const runs: number[] = [];
    const check = { ...spec('tcp', target({ host: '127.0.0.1', port: web.port })), schedule: '*/5 * * * * *' };
    const s = new Scheduler([check], shared, { ...recordingSink(new ResultsStore(), () => metrics), result: () => runs.push(Date.now()) }, silent, { concurrency: 1, jitterMs: 0, ...(missedToleranceMs === undefined ? {} : { missedToleranceMs }) });
    s.start();
    // The event loop held for 2.5 s from 1 s before the next tick (every 5 s on the clock).
    await new Promise((r) => setTimeout(r, 5000 - (Date.now() % 5000) - 1000 + (Date.now() % 5000 > 3500 ? 5000 : 0)));
    const blockedAt = Date.now();
    while (Date.now() - blockedAt < 2500);
    await new Promise((r) => setTimeout(r, 1000));
    await s.stop(1000);
    return { runsAfter: runs.filter((t) => t >= blockedAt).length, text: await metrics.text() };
  };

  it('runs a tick the event loop delayed by seconds, and counts a tick later than the tolerance as missed', async () => {
    const tolerant = await busyTick(undefined);
    expect(tolerant.text).not.toMatch(/vigie_schedule_missed_total\{kind="tcp"\} [1-9]/);
    expect(tolerant.runsAfter, 'the delayed tick ran').toBe(1);
    const strict = await busyTick(300);
    expect(strict.text).toMatch(/vigie_schedule_missed_total\{kind="tcp"\} 1/);
    expect(strict.runsAfter).toBe(0);
  }, 30_000);

  it('gives each schedule group a start offset within the jitter bound', async () => {
    const checks = [spec('tcp', target({ host: '127.0.0.1', port: web.port })), spec('dns', target({ host: 'localhost', transport: 'udp' }))];
    const s = new Scheduler(checks, shared, NO_SINK, silent, { concurrency: 2, jitterMs: 10_000, random: () => 0.5 });
    s.start();
    expect([...s.offsets.values()]).toEqual([5000, 5000]);
    await s.stop(0);
  });
});

