// `vigie` command line: run (daemon), check (once, exit 0/1/2), catalog. Exit 2 for bad usage or input.
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PROBE_KINDS } from '../../probes/index.ts';
import { isScenarioKind, SCENARIO_KINDS } from '../../scenarios/index.ts';
import type { CheckResult } from '../core/contract.ts';
import { type Catalog, catalogRows, embeddedCatalogFiles, loadCatalogs } from '../config/catalog.ts';
import { loadRawConfig, type RawConfig, validateConfig, type VigieConfig } from '../config/config.ts';
import { sharedContext, type SharedContext } from '../engine/shared-context.ts';
import { runDaemon } from './daemon.ts';
import type { Lang } from '../ui/i18n.ts';
import { InputError, formatProblem } from '../config/input-error.ts';
import { createLogger } from '../telemetry/logging.ts';
import { ProbeMetrics, VERSION } from '../telemetry/metrics.ts';
import { buildPlan, checkId, scenarioChecks, type Plan } from '../engine/plan.ts';
import { renderReport, writePdf } from '../ui/report.ts';
import { writeFileSync } from 'node:fs';
import { Scheduler } from '../engine/scheduler.ts';
import { catalogTable, mediaTable, resultsTable } from '../ui/tables.ts';

const USAGE = `Usage:
  vigie run [--config FILE]
  vigie check [--config FILE] [--catalog FILE]... [--platform NAME]... [--kind KIND]... [--format table|json] [--lang fr|en]
  vigie catalog [--config FILE] [--catalog FILE]... [--format table|json] [--lang fr|en]
  vigie scenario NAME [--config FILE] [--format table|json] [--lang fr|en]
  vigie report [--config FILE] [--catalog FILE]... [--platform NAME]... --out FILE.html [--pdf FILE.pdf] [--lang fr|en]
  vigie --version`;

class UsageError extends Error {}

export interface Inputs {
  config: VigieConfig;
  /** The file's own mapping, under which a region's settings are merged (`remote`). */
  raw: RawConfig;
  configFile: string;
  catalogs: Catalog[];
  /** The config's own extra catalog files (kept when a region bundle replaces the embedded ones). */
  extraFiles: string[];
}

/** Config plus catalogs: `--catalog` replaces the embedded ones; the config's files are added. */
export function loadInputs(configPath: string | undefined, catalogArgs: readonly string[]): Inputs {
  const configFile = configPath ?? '(defaults)';
  const raw = loadRawConfig(configPath);
  const config = validateConfig(raw, configFile);
  const base = configPath ? dirname(resolve(configPath)) : process.cwd();
  const embedded = catalogArgs.length ? [...catalogArgs] : embeddedCatalogFiles();
  const extraFiles = config.catalogs.files.map((f) => resolve(base, f));
  const files = [...embedded, ...extraFiles];
  let catalogs = loadCatalogs(files);
  const wanted = config.catalogs.platforms;
  if (wanted) {
    const unknown = wanted.filter((p) => !catalogs.some((c) => c.platform === p));
    if (unknown.length)
      throw new InputError(unknown.map((p) => ({ file: configFile, path: 'catalogs.platforms', message: `unknown platform "${p}" (known: ${catalogs.map((c) => c.platform).join(', ')})` })));
    catalogs = catalogs.filter((c) => wanted.includes(c.platform));
  }
  const known = new Set(catalogs.map((c) => c.platform));
  const badSessions = [
    ...config.rcp.sessions.map((s, i) => ({ p: s.platform, path: `rcp.sessions[${i}].platform` })),
    ...config.rcp.ical.map((s, i) => ({ p: s.platform, path: `rcp.ical[${i}].platform` })),
  ].filter((x) => !known.has(x.p));
  if (badSessions.length) throw new InputError(badSessions.map((x) => ({ file: configFile, path: x.path, message: `unknown platform "${x.p}" (known: ${[...known].join(', ')})` })));
  return { config, raw, configFile, catalogs, extraFiles };
}

export function planFor(inputs: Inputs, shared: SharedContext, platforms: readonly string[] = [], kinds: readonly string[] = []): Plan {
  const unknownPlatforms = platforms.filter((p) => !inputs.catalogs.some((c) => c.platform === p) && p !== 'site');
  if (unknownPlatforms.length) throw new UsageError(`unknown platform: ${unknownPlatforms.join(', ')} (known: ${inputs.catalogs.map((c) => c.platform).join(', ')})`);
  const known = [...PROBE_KINDS, ...SCENARIO_KINDS] as readonly string[];
  const unknownKinds = kinds.filter((k) => !known.includes(k));
  if (unknownKinds.length) throw new UsageError(`unknown kind: ${unknownKinds.join(', ')} (known: ${known.join(', ')})`);
  // Browser scenarios are heavy: `vigie check` runs them only when --kind names their kind.
  const plan = buildPlan(inputs.catalogs, inputs.config, shared.proxy, { platforms: platforms.filter((p) => p !== 'site'), kinds, scenarios: kinds.some(isScenarioKind) ? 'all' : 'none' });
  // --platform site, or no platform filter, keeps the site-wide checks.
  if (platforms.length && !platforms.includes('site')) plan.checks = plan.checks.filter((c) => c.target.platform !== 'site');
  return plan;
}

function rowsOf(plan: Plan) {
  const byId = new Map(plan.checks.map((c) => [c.id, c]));
  return (r: CheckResult) => (byId.get(checkId(r.kind, { ...r, port: r.port ?? undefined }))?.rows ?? []).map((i) => plan.rows[i]!);
}

type Values = Record<string, string | string[] | boolean | undefined>;

async function check(values: Values, out: NodeJS.WritableStream): Promise<number> {
  const inputs = loadInputs(values.config as string | undefined, (values.catalog as string[] | undefined) ?? []);
  const shared = sharedContext(inputs.config, inputs.configFile);
  const plan = planFor(inputs, shared, (values.platform as string[] | undefined) ?? [], (values.kind as string[] | undefined) ?? []);
  return runOnce(inputs, shared, plan, values, out, resultsTable);
}

/** `vigie scenario NAME`: one browser scenario once (every transport of a turn-relay), with its media statistics. */
async function scenario(name: string | undefined, values: Values, out: NodeJS.WritableStream): Promise<number> {
  const inputs = loadInputs(values.config as string | undefined, []);
  const names = inputs.config.scenarios.map((s) => s.name);
  if (!name) throw new UsageError(`vigie scenario needs a scenario name (configured: ${names.join(', ') || 'none'})`);
  if (!names.includes(name)) throw new UsageError(`no scenario named "${name}" in the config (configured: ${names.join(', ') || 'none'})`);
  const shared = sharedContext(inputs.config, inputs.configFile);
  const plan = buildPlan([], inputs.config, shared.proxy, { scenarios: [name], kinds: ['__none__'] });
  return runOnce(inputs, shared, plan, values, out, (results, rowsOf, lang, tty) => `${resultsTable(results, rowsOf, lang, tty)}
${mediaTable(results, lang)}`);
}

/** `vigie report`: every check of the selected platforms (and the configured scenarios) once, written as the compliance report. */
async function report(values: Values, out: NodeJS.WritableStream): Promise<number> {
  const file = values.out as string | undefined;
  if (!file) throw new UsageError('vigie report needs --out FILE.html');
  const inputs = loadInputs(values.config as string | undefined, (values.catalog as string[] | undefined) ?? []);
  const shared = sharedContext(inputs.config, inputs.configFile);
  const platforms = (values.platform as string[] | undefined) ?? [];
  const plan = planFor(inputs, shared, platforms, []);
  plan.checks.push(...scenarioChecks(inputs.config, { platforms: platforms.filter((p) => p !== 'site') }).filter((c) => !plan.checks.some((x) => x.id === c.id)));
  const lang = ((values.lang as Lang | undefined) ?? inputs.config.lang) as Lang;
  const startedAt = new Date();
  const { latest, code } = await runChecks(inputs, shared, plan);
  const html = renderReport({ plan, latest, site: inputs.config.site, startedAt, finishedAt: new Date(), version: VERSION, lang });
  writeFileSync(file, html);
  if (values.pdf) await writePdf(html, values.pdf as string, inputs.config.browser.executable_path);
  out.write(`${file}${values.pdf ? `, ${String(values.pdf)}` : ''}\n`);
  return code;
}

async function runChecks(inputs: Inputs, shared: SharedContext, plan: Plan): Promise<{ results: CheckResult[]; latest: ReturnType<ProbeMetrics['results']>; code: number }> {
  const log = createLogger({ level: process.env.VIGIE_LOG_LEVEL ?? 'error' });
  const metrics = new ProbeMetrics();
  const scheduler = new Scheduler(plan.checks, shared, metrics, log, { concurrency: inputs.config.concurrency, jitterMs: 0 });
  const onSignal = () => void scheduler.stop(0);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results = await scheduler.runAll();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  await metrics.shutdown();
  return { results, latest: metrics.results(), code: results.some((r) => r.status === 'failed') ? 1 : 0 };
}

async function runOnce(inputs: Inputs, shared: SharedContext, plan: Plan, values: Values, out: NodeJS.WritableStream, table: typeof resultsTable): Promise<number> {
  const lang = ((values.lang as Lang | undefined) ?? inputs.config.lang) as Lang;
  const startedAt = new Date().toISOString();
  const { results } = await runChecks(inputs, shared, plan);
  const summary = { ok: 0, degraded: 0, failed: 0 };
  for (const r of results) summary[r.status]++;
  if (values.format === 'json') {
    out.write(`${JSON.stringify({ version: VERSION, site: inputs.config.site, startedAt, finishedAt: new Date().toISOString(), summary, results }, null, 2)}\n`);
  } else {
    out.write(table(results, rowsOf(plan), lang, (out as NodeJS.WriteStream).isTTY === true));
  }
  return summary.failed > 0 ? 1 : 0;
}

function catalog(values: Values, out: NodeJS.WritableStream): number {
  const inputs = loadInputs(values.config as string | undefined, (values.catalog as string[] | undefined) ?? []);
  const rows = catalogRows(inputs.catalogs);
  const lang = ((values.lang as Lang | undefined) ?? inputs.config.lang) as Lang;
  out.write(values.format === 'json' ? `${JSON.stringify(rows, null, 2)}\n` : catalogTable(rows, lang));
  return 0;
}

export async function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === '--version' || command === 'version') {
      out.write(`vigie ${VERSION}\n`);
      return 0;
    }
    if (!command || command === '--help' || command === 'help') {
      (command ? out : err).write(`${USAGE}\n`);
      return command ? 0 : 2;
    }
    const { values, positionals } = parseArgs({
      args: [...rest],
      allowPositionals: command === 'scenario',
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        catalog: { type: 'string', multiple: true },
        platform: { type: 'string', multiple: true },
        kind: { type: 'string', multiple: true },
        format: { type: 'string', default: 'table' },
        lang: { type: 'string' },
        out: { type: 'string' },
        pdf: { type: 'string' },
      },
    });
    if (values.format !== 'table' && values.format !== 'json') throw new UsageError(`--format must be table or json, not "${values.format}"`);
    if (values.lang !== undefined && values.lang !== 'fr' && values.lang !== 'en') throw new UsageError(`--lang must be fr or en, not "${values.lang}"`);
    switch (command) {
      case 'check':
        return await check(values, out);
      case 'catalog':
        return catalog(values, out);
      case 'run':
        return await runDaemon(loadInputs(values.config, []), err);
      case 'report':
        return await report(values, out);
      case 'scenario':
        if (positionals.length > 1) throw new UsageError('vigie scenario takes one scenario name');
        return await scenario(positionals[0], values, out);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof InputError) {
      err.write(`vigie: invalid input\n${e.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`);
      return 2;
    }
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err.write(`vigie: ${(e as Error).message}\n${USAGE}\n`);
      return 2;
    }
    err.write(`vigie: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 70;
  }
}
