// The scheduler: one cron timer per (kind, schedule), each with a random start offset chosen
// once (so a fleet of probes does not hit a platform on the same second), a p-limit pool shared by
// all checks, no overlap of the same check, and a bounded, orderly stop.
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { CheckResult } from '../core/contract.ts';
import { executeCheck } from './execute.ts';
import { type CronTimer, cronTimer } from '../core/cron.ts';
import type { CheckSpec } from './plan.ts';
import type { SharedContext } from './shared-context.ts';

/** Where the scheduler reports what happened (the results store and the metrics). */
export interface RunSink {
  result(spec: CheckSpec, result: CheckResult): void;
  /** A scheduled run skipped because the previous run of the same check was still going. */
  skipped(spec: CheckSpec): void;
  /** A scheduled time that passed without a run (event loop blocked past the tolerance, or the wall clock stepped over it). */
  missed?(kind: string): void;
}

/**
 * How late a scheduled time may be served and still run. A second (node-cron's default, used
 * before) drops a tick whenever the event loop is busy for a second (a browser starting on two
 * cores): a run a few seconds late says more than no run at all.
 */
export const MISSED_TOLERANCE_MS = 10_000;

export interface SchedulerOptions {
  concurrency: number;
  jitterMs: number;
  /** How late a tick may run (default MISSED_TOLERANCE_MS). */
  missedToleranceMs?: number;
  /** Random source, replaceable in tests. */
  random?: () => number;
}

export class Scheduler {
  private readonly limit;
  private readonly inFlight = new Map<string, Promise<CheckResult | undefined>>();
  private readonly cronTimers: CronTimer[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly stopController = new AbortController();
  private stopping = false;
  private readonly checks: readonly CheckSpec[];
  private readonly shared: SharedContext;
  private readonly sink: RunSink;
  private readonly log: Logger;
  private readonly options: SchedulerOptions;
  /** Start offset of each schedule group, for the status page and tests. */
  readonly offsets = new Map<string, number>();

  constructor(checks: readonly CheckSpec[], shared: SharedContext, sink: RunSink, log: Logger, options: SchedulerOptions) {
    this.checks = checks;
    this.shared = shared;
    this.sink = sink;
    this.log = log;
    this.options = options;
    this.limit = pLimit(options.concurrency);
  }

  /** Runs one check through the pool unless the same check is still running. */
  run(spec: CheckSpec): Promise<CheckResult | undefined> | undefined {
    if (this.stopping) return undefined;
    if (this.inFlight.has(spec.id)) {
      this.sink.skipped(spec);
      this.log.warn({ check: spec.id }, 'previous run still in flight, skipping');
      return undefined;
    }
    const p = this.limit(async () => {
      // Queued when the stop came: settle at once instead of starting.
      if (this.stopping) return undefined;
      const result = await executeCheck(spec, this.shared, this.stopController.signal);
      // Cut short by the shutdown: says nothing of the network, so it is neither kept, exported nor logged as a failure.
      if (this.stopController.signal.aborted) {
        this.log.debug({ check: spec.id }, 'cut short by the shutdown: no result');
        return undefined;
      }
      this.sink.result(spec, result);
      this.log[result.status === 'failed' ? 'warn' : 'debug'](
        { check: spec.id, status: result.status, reason: result.reason, duration: result.durationSeconds },
        result.message,
      );
      return result;
    }).finally(() => this.inFlight.delete(spec.id));
    this.inFlight.set(spec.id, p);
    return p;
  }

  /** Every check once, now; resolves with all results (vigie check). */
  async runAll(): Promise<CheckResult[]> {
    const results = await Promise.all(this.checks.map((c) => this.run(c)));
    return results.filter((r): r is CheckResult => r !== undefined);
  }

  /** Starts the schedules; the first run of each group happens after its start offset. */
  start(): void {
    const groups = new Map<string, CheckSpec[]>();
    for (const c of this.checks) {
      const key = `${c.kind} ${c.schedule}`;
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    const random = this.options.random ?? Math.random;
    for (const [key, specs] of groups) {
      const offset = Math.floor(random() * this.options.jitterMs);
      this.offsets.set(key, offset);
      const fire = () => this.later(offset, () => specs.forEach((s) => void this.run(s)));
      fire();
      const kind = specs[0]!.kind;
      this.cronTimers.push(
        cronTimer(specs[0]!.schedule, this.options.missedToleranceMs ?? MISSED_TOLERANCE_MS, fire, () => {
          this.sink.missed?.(kind);
          this.log.warn({ schedule: key }, 'scheduled time missed (event loop blocked, or the clock stepped forward)');
        }),
      );
    }
    this.log.info({ groups: groups.size, checks: this.checks.length }, 'scheduler started');
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** Stops scheduling, lets in-flight checks finish for up to `graceMs`, then aborts them. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const t of this.cronTimers) t.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const pending = [...this.inFlight.values()];
    if (!pending.length) return;
    let graceTimer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((r) => (graceTimer = setTimeout(r, graceMs)));
    await Promise.race([Promise.allSettled(pending), grace]);
    clearTimeout(graceTimer);
    this.stopController.abort();
    await Promise.allSettled(pending);
  }

  get activeCount(): number {
    return this.inFlight.size;
  }
}
