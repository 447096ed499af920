// `vigie run`: schedules every check, serves metrics, health and the status page, and on SIGTERM
// stops scheduling, lets in-flight checks finish or abort within the grace period, then exits 0.
import type { Inputs } from './cli.ts';
import { sharedContext } from './context.ts';
import { createLogger } from './logging.ts';
import { ProbeMetrics } from './metrics.ts';
import { buildPlan } from './plan.ts';
import { dirname, resolve } from 'node:path';
import { fetchCalendar } from './calendar-fetch.ts';
import { PreSessionRuns } from './rcp-schedule.ts';
import { readLogin } from './secrets.ts';
import { Scheduler } from './scheduler.ts';
import { serverAddress, startServer } from './server.ts';

export async function runDaemon(inputs: Inputs, _err: NodeJS.WritableStream): Promise<number> {
  const { config, configFile, catalogs } = inputs;
  const log = createLogger();
  const shared = sharedContext(config, configFile);
  const plan = buildPlan(catalogs, config, shared.proxy);
  const metrics = new ProbeMetrics();
  metrics.setPlan(plan.checks);
  const basicAuth = config.server.basic_auth ? readLogin(config, config.server.basic_auth, configFile, 'vigie') : undefined;
  const scheduler = new Scheduler(plan.checks, shared, metrics, log, { concurrency: config.concurrency, jitterMs: config.jitter });
  const server = await startServer(config.server.listen, {
    metrics,
    ready: () => metrics.results().size >= plan.checks.length,
    snapshot: () => ({ plan, site: config.site, lang: config.lang }),
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
    fetchText: (url) => fetchCalendar(url, shared),
  });
  metrics.setSessions(() => preSession.next());
  log.info({ address: serverAddress(server), checks: plan.checks.length, platforms: catalogs.map((c) => c.platform) }, 'vigie run started');
  scheduler.start();
  await preSession.start();

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal, inFlight: scheduler.activeCount, graceMs: config.shutdown_grace }, 'stopping');
      preSession.stop();
      void scheduler
        .stop(config.shutdown_grace)
        .then(() => new Promise<void>((r) => server.close(() => r())))
        .then(() => metrics.shutdown())
        .then(() => {
          log.info('stopped');
          log.flush();
          resolve(0);
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
