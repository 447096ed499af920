// `vigie run`: schedules every check, serves metrics, health and the status page, follows the
// region's catalog bundle when one is configured, and on SIGTERM stops scheduling, lets in-flight
// checks finish or abort within the grace period, then exits 0.
import { dirname, resolve } from 'node:path';
import type { Catalog } from '../config/catalog.ts';
import type { Inputs } from './main.ts';
import { sharedContext } from '../engine/shared-context.ts';
import { withRegionConfig } from '../config/config.ts';
import { fetchText } from '../config/fetch-url.ts';
import { createLogger } from '../telemetry/logging.ts';
import { ProbeMetrics } from '../telemetry/metrics.ts';
import { buildPlan, type Plan } from '../engine/plan.ts';
import { PreSessionRuns } from '../engine/pre-session.ts';
import { RemoteCatalogs } from '../config/region-bundle.ts';
import { readLogin } from '../config/secrets.ts';
import { Scheduler } from '../engine/scheduler.ts';
import { serverAddress, startServer } from '../ui/server.ts';

export async function runDaemon(inputs: Inputs, _err: NodeJS.WritableStream): Promise<number> {
  const { configFile } = inputs;
  // The effective config: the file's, with the region's checks and scenarios under it when its
  // bundle carries them. Site, proxy, secrets, RCP sessions and the server stay the file's own.
  let config = inputs.config;
  const log = createLogger();
  let shared = sharedContext(config, configFile);
  let metrics = new ProbeMetrics();
  const remote = config.remote ? new RemoteCatalogs(config.remote, shared.proxy, (region, source) => withRegionConfig(inputs.raw, region, source)) : undefined;
  // The region's last good bundle replaces the embedded catalogs; local extra files stay.
  const local = inputs.catalogs.filter((c) => inputs.extraFiles.includes(c.file));
  const withRemote = (bundle: Catalog[]) => [...bundle.filter((b) => !local.some((l) => l.platform === b.platform)), ...local];
  const cached = remote?.cached();
  if (cached?.config) {
    config = cached.config;
    shared = sharedContext(config, configFile);
  }
  let plan: Plan = buildPlan(cached ? withRemote(cached.catalogs) : inputs.catalogs, config, shared.proxy);
  const newScheduler = (p: Plan, m: ProbeMetrics) => new Scheduler(p.checks, shared, m, log, { concurrency: config.concurrency, jitterMs: config.jitter });
  let scheduler = newScheduler(plan, metrics);
  metrics.setPlan(plan.checks);
  // The pre-session planner is built after the server starts; until then the page shows no session.
  let sessionSource: () => ReturnType<PreSessionRuns['next']> = () => [];
  const basicAuth = config.server.basic_auth ? readLogin(config, config.server.basic_auth, configFile, 'vigie') : undefined;
  const server = await startServer(config.server.listen, {
    metrics: () => metrics,
    ready: () => plan.checks.every((c) => metrics.results().has(c.id)),
    snapshot: () => ({ plan, site: config.site, lang: config.lang, sessions: sessionSource() }),
    ...(basicAuth ? { basicAuth } : {}),
  });
  // The daemon keeps serving whatever a single check does: a stray error is logged, never fatal.
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection (ignored, probe keeps running)'));
  process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception (ignored, probe keeps running)'));
  const preSession = new PreSessionRuns(config.rcp, plan.checks, (s) => void scheduler.run(s), log, {
    baseDir: configFile === '(defaults)' ? process.cwd() : dirname(resolve(configFile)),
    offsetsMs: config.rcp.offsets_minutes.map((m) => m * 60_000),
    windowMs: config.rcp.window_minutes * 60_000,
    inWindowIntervalMs: config.rcp.in_window_interval_seconds * 1000,
    fetchText: (url) => fetchText(url, shared.proxy),
  });
  sessionSource = () => preSession.next();
  metrics.setSessions(() => preSession.next());
  log.info({ address: serverAddress(server), checks: plan.checks.length, platforms: plan.catalogs.map((c) => c.platform) }, 'vigie run started');
  scheduler.start();
  await preSession.start();

  let stopping = false;
  /** Swaps in a new plan: the old schedules stop (in-flight checks finish), the new ones start. */
  const apply = async (bundle: Catalog[], nextConfig: typeof config | undefined) => {
    if (nextConfig) {
      config = nextConfig;
      shared = sharedContext(config, configFile);
    }
    const next = buildPlan(withRemote(bundle), config, shared.proxy);
    const old = scheduler;
    const oldMetrics = metrics;
    metrics = new ProbeMetrics();
    metrics.setPlan(next.checks);
    metrics.adopt(oldMetrics);
    scheduler = newScheduler(next, metrics);
    plan = next;
    preSession.setChecks(next.checks);
    await old.stop(config.shutdown_grace);
    await oldMetrics.shutdown();
    if (stopping) return;
    scheduler.start();
    log.info({ checks: next.checks.length, platforms: next.catalogs.map((c) => c.platform) }, 'catalog bundle applied');
  };
  let polling: NodeJS.Timeout | undefined;
  if (remote && config.remote) {
    const poll = async () => {
      const r = await remote.poll();
      metrics.recordRemotePoll(r.error === undefined);
      if (r.error) log.warn({ url: config.remote!.url }, r.error);
      else if (r.changed && r.catalogs && !stopping) await apply(r.catalogs, r.config);
    };
    void poll();
    polling = setInterval(() => void poll(), config.remote.interval_seconds * 1000);
  }

  return new Promise<number>((done) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      clearInterval(polling);
      log.info({ signal, inFlight: scheduler.activeCount, graceMs: config.shutdown_grace }, 'stopping');
      preSession.stop();
      void scheduler
        .stop(config.shutdown_grace)
        .then(() => new Promise<void>((r) => server.close(() => r())))
        .then(() => metrics.shutdown())
        .then(() => {
          log.info('stopped');
          log.flush();
          done(0);
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
