// The latest result of every check of the current plan: what the status page, /api/results,
// readiness, the report and the metrics read. Owned by the runner, it outlives a plan change (a
// region bundle), keeping the results of the checks the new plan still has.
import type { CheckResult } from '../core/contract.ts';
import type { CheckSpec } from './plan.ts';

export interface Latest {
  result: CheckResult;
  /** Unix time (seconds) at which the run ended. */
  endedAt: number;
}

export class ResultsStore {
  private readonly latest = new Map<string, Latest>();
  /** Checks of the current plan; a late result of a check that left it is not kept. */
  private planIds: Set<string> | undefined;

  /** Restricts the store to these checks, forgetting the results of the others. */
  setPlan(checks: readonly CheckSpec[]): void {
    this.planIds = new Set(checks.map((c) => c.id));
    for (const id of this.latest.keys()) if (!this.planIds.has(id)) this.latest.delete(id);
  }

  /** Keeps `result` as the latest of `spec`; false when the check is not in the plan. */
  record(spec: CheckSpec, result: CheckResult, endedAt = Date.now() / 1000): boolean {
    if (this.planIds && !this.planIds.has(spec.id)) return false;
    this.latest.set(spec.id, { result, endedAt });
    return true;
  }

  get(id: string): Latest | undefined {
    return this.latest.get(id);
  }

  has(id: string): boolean {
    return this.latest.has(id);
  }

  /** The latest result of every check, by check id. */
  all(): ReadonlyMap<string, Latest> {
    return this.latest;
  }
}
