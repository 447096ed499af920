// The one executor: runs one check, probe or browser scenario, within its timeout. It waits for the
// kind's slot when it has one (the browser: one at a time), builds the recorder from the kind's name
// and phases, opens the kind's resource, and races the run against a hard deadline, so a check that
// ignored its signal still cannot hold the runner. Whatever happens, the resource is closed.
import { KINDS } from '../config/kinds.ts';
import type { CheckResult } from '../core/contract.ts';
import type { CheckKind, RunContext, Started } from '../core/definition.ts';
import { CheckRecorder, formatMs } from '../core/recorder.ts';
import type { CheckSpec } from './plan.ts';
import { probeContext, type SharedContext, slotOf } from './shared-context.ts';

export function executeCheck(spec: CheckSpec, shared: SharedContext, stop?: AbortSignal): Promise<CheckResult> {
  const kind: CheckKind = KINDS[spec.kind];
  const { slot } = kind.resource;
  return slot ? slotOf(shared, slot)(() => runCheck(kind, spec, shared, stop)) : runCheck(kind, spec, shared, stop);
}

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';

async function runCheck(kind: CheckKind, spec: CheckSpec, shared: SharedContext, stop: AbortSignal | undefined): Promise<CheckResult> {
  const rec = new CheckRecorder(spec.target, spec.kind, kind.phases);
  // A scenario's name is part of its identity (the `scenario` label), whatever becomes of the run.
  rec.observe('scenario', spec.scenario);
  if (stop?.aborted) return rec.fail('timeout', 'the probe is stopping');
  const login = spec.scenario ? shared.scenarioLogins?.[spec.scenario] : undefined;
  const base: RunContext = { ...probeContext(shared, spec.timeoutMs, stop), rec, ...(spec.scenario ? { scenario: { name: spec.scenario, ...(login ? { login } : {}) } } : {}) };
  const refusal = guardResolver(base, spec, shared);
  let started: Started;
  try {
    started = kind.start(spec.target, spec.options, base);
  } catch (e) {
    return rec.fail('internal_error', `check threw: ${firstLine(e)}`);
  }
  const { lease } = started;
  started.result.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    const fire = () => resolve('deadline');
    if (kind.resource.endsOnAbort) base.signal.addEventListener('abort', fire, { once: true });
    timer = setTimeout(fire, spec.timeoutMs + kind.resource.graceMs);
  });
  let result: CheckResult;
  try {
    const outcome = await Promise.race([started.result, deadline]);
    if (outcome === 'deadline') {
      const at = lease.where();
      const why = stop?.aborted ? 'stopped by the probe shutdown' : `no result within ${formatMs(spec.timeoutMs)}`;
      result = rec.cutShort('timeout', at ? `${why} (at: ${at})` : why);
    } else result = outcome;
  } catch (e) {
    result = lease.failure(e) ?? rec.cutShort('internal_error', `check threw: ${firstLine(e)}`);
  } finally {
    clearTimeout(timer);
  }
  try {
    result = await lease.close(result);
  } catch (e) {
    return rec.fail('internal_error', `closing the check's resources failed: ${firstLine(e)}`);
  }
  // Never tried: nothing is proven of the flow either way, and nobody is asked to open it.
  const why = refusal?.();
  return why ? { ...result, status: 'unproven', reason: 'destination_refused', message: why } : result;
}

/**
 * For a check of the region bundle's platforms, the resolver refuses to hand out an address the
 * establishment's destinations settings refuse (checked on every lookup, so a name that changes
 * its answer between two lookups is caught too); returns what was refused, if anything. The dns
 * kind only reports answers and connects to nothing: it is left alone. The establishment's proxy is
 * not checked, and a target reached through it is resolved by the proxy, not here.
 */
function guardResolver(base: RunContext, spec: CheckSpec, shared: SharedContext): (() => string | undefined) | undefined {
  const guard = shared.destinationGuard;
  if (!guard || spec.kind === 'dns' || !guard.platforms.has(spec.target.platform)) return undefined;
  let refused: string | undefined;
  const { lookup } = base.resolver;
  base.resolver = {
    ...base.resolver,
    lookup: async (host, signal) => {
      const addresses = await lookup(host, signal);
      // The establishment's own proxy is its own word; a proxied target is resolved by the proxy.
      if (base.proxy && host === base.proxy.url.hostname) return addresses;
      const why = guard.policy.resolvedRefusal(host, addresses.map((a) => a.address));
      if (why) {
        refused = why;
        throw Object.assign(new Error(why), { code: 'EDESTREFUSED' });
      }
      return addresses;
    },
  };
  return () => refused;
}
