// Runs one check within its timeout. The probe gets an AbortSignal that fires at the timeout or at
// shutdown; a probe that ignored it still cannot hold the runner: a hard deadline answers for it.
import { PROBES } from '../../probes/index.ts';
import type { CheckResult, ProbeContext } from '../core/contract.ts';
import { CheckRecorder, formatMs } from '../core/recorder.ts';
import { probeContext, type SharedContext } from './shared-context.ts';
import type { CheckSpec } from './plan.ts';
import { isScenarioKind } from '../../scenarios/index.ts';
import { executeScenario } from './execute-scenario.ts';

/** Grace past the timeout before the hard deadline answers for a probe that ignored its signal. */
const HARD_DEADLINE_GRACE_MS = 500;

export async function executeCheck(spec: CheckSpec, shared: SharedContext, stop?: AbortSignal): Promise<CheckResult> {
  if (isScenarioKind(spec.kind)) return executeScenario(spec, shared, stop);
  const ctx = probeContext(shared, spec.timeoutMs, stop);
  const def = PROBES[spec.kind];
  // Answers for the probe when it throws or overruns; its clock starts with the check.
  const fallback = new CheckRecorder(spec.target, spec.kind, def.phases);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(
      () => resolve(fallback.fail('timeout', `no result within ${formatMs(spec.timeoutMs)}`)),
      spec.timeoutMs + HARD_DEADLINE_GRACE_MS,
    );
    timer.unref();
  });
  try {
    const run = (def.run as (t: typeof spec.target, o: unknown, c: ProbeContext) => Promise<CheckResult>)(spec.target, spec.options, ctx);
    return await Promise.race([run, deadline]);
  } catch (e) {
    return fallback.fail('internal_error', `probe threw: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}
