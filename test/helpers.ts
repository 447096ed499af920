// Shared test helpers: build a check spec for one kind and run it through the real executor.
import { spawn, type SpawnOptions } from 'node:child_process';
import type { CheckResult, CheckTarget, ProxySettings } from '../runner/core/contract.ts';
import { PROBES, type ProbeKind } from '../probes/index.ts';
import { createHostResolver } from '../probes/lib/resolve.ts';
import { executeCheck } from '../runner/engine/execute.ts';
import { checkId, type CheckSpec } from '../runner/engine/plan.ts';
import { ResultsStore } from '../runner/engine/results-store.ts';
import { makeShared, type SharedContext } from '../runner/engine/shared-context.ts';
import { ProbeMetrics } from '../runner/telemetry/metrics.ts';

export function target(t: Partial<CheckTarget> & { host: string }): CheckTarget {
  return { platform: 'lab', transport: 'tcp', documentedIps: [], ipsStable: true, ...t };
}

export interface RunOptions {
  timeoutMs?: number;
  options?: Record<string, unknown>;
  dnsServers?: string[];
  proxy?: ProxySettings;
  /** Services to use (a trust store with the lab's roots, an OCSP cache shared by several runs). */
  shared?: Partial<SharedContext>;
}

export function spec(kind: ProbeKind, t: CheckTarget, o: RunOptions = {}): CheckSpec {
  return {
    id: checkId(kind, t),
    kind,
    target: t,
    options: PROBES[kind].options.parse(o.options ?? {}) as Record<string, unknown>,
    timeoutMs: o.timeoutMs ?? 2000,
    schedule: '* * * * *',
    rows: [],
  };
}

export function runProbe(kind: ProbeKind, t: CheckTarget, o: RunOptions = {}): Promise<CheckResult> {
  return executeCheck(spec(kind, t, o), makeShared({ resolver: createHostResolver(o.dnsServers), ...(o.proxy ? { proxy: o.proxy } : {}), ...o.shared }));
}

/** The /metrics exposition after these results, as a scrape of the probe would read it. */
export async function scrape(runs: readonly [CheckSpec, CheckResult][]): Promise<string> {
  const store = new ResultsStore();
  const metrics = new ProbeMetrics({ store });
  for (const [s, r] of runs) {
    store.record(s, r);
    metrics.countRun(r);
  }
  const text = await metrics.text();
  await metrics.shutdown();
  return text;
}

/** Runs a command without blocking this process (the lab's servers answer from its event loop). */
export function runProcess(cmd: string, args: readonly string[], opts: SpawnOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}
