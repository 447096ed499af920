// Every check of a plan once, through the scheduler's pool (vigie check, scenario, report), and the
// output as JSON or as a table.
import type { CatalogRow } from '../config/catalog.ts';
import { checkId } from '../core/check-id.ts';
import type { CheckResult } from '../core/contract.ts';
import { VERSION } from '../core/version.ts';
import type { Plan } from '../engine/plan.ts';
import { ResultsStore } from '../engine/results-store.ts';
import { type RunSink, Scheduler } from '../engine/scheduler.ts';
import type { SharedContext } from '../engine/shared-context.ts';
import { createLogger } from '../telemetry/logging.ts';
import type { Lang } from '../ui/i18n.ts';
import type { Inputs } from './inputs.ts';

/** Runs every check of the plan once; Ctrl-C stops what is in flight. */
export async function runChecks(inputs: Inputs, shared: SharedContext, plan: Plan): Promise<{ results: CheckResult[]; store: ResultsStore; code: number }> {
  const log = createLogger({ level: process.env.VIGIE_LOG_LEVEL ?? 'error' });
  const store = new ResultsStore();
  const sink: RunSink = { result: (spec, r) => void store.record(spec, r), skipped: () => {} };
  const scheduler = new Scheduler(plan.checks, shared, sink, log, { concurrency: inputs.config.concurrency, jitterMs: 0 });
  const onSignal = () => void scheduler.stop(0);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results = await scheduler.runAll();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return { results, store, code: results.some((r) => r.status === 'failed') ? 1 : 0 };
}

/** The catalog rows a result's check covers. */
export function rowsOf(plan: Plan): (r: CheckResult) => CatalogRow[] {
  const byId = new Map(plan.checks.map((c) => [c.id, c]));
  return (r) => (byId.get(checkId(r.kind, { ...r, port: r.port ?? undefined }))?.rows ?? []).map((i) => plan.rows[i]!);
}

export type Table = (results: readonly CheckResult[], rowsOf: (r: CheckResult) => CatalogRow[], lang: Lang, tty: boolean) => string;

/** Runs the plan once and writes its results; exit 1 when something failed. */
export async function runOnce(inputs: Inputs, shared: SharedContext, plan: Plan, output: { json: boolean; lang: Lang | undefined }, out: NodeJS.WritableStream, table: Table): Promise<number> {
  const lang = output.lang ?? inputs.config.lang;
  const startedAt = new Date().toISOString();
  const { results } = await runChecks(inputs, shared, plan);
  const summary = { ok: 0, degraded: 0, failed: 0, unproven: 0 };
  for (const r of results) summary[r.status]++;
  if (output.json) {
    out.write(`${JSON.stringify({ version: VERSION, site: inputs.config.site, startedAt, finishedAt: new Date().toISOString(), summary, results }, null, 2)}\n`);
  } else {
    out.write(table(results, rowsOf(plan), lang, (out as NodeJS.WriteStream).isTTY === true));
  }
  return summary.failed > 0 ? 1 : 0;
}
