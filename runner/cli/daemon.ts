// `vigie run`: schedules every check, serves metrics, health and the status page, follows the
// region's catalog bundle when one is configured, and on SIGTERM stops scheduling, lets in-flight
// checks finish or abort within the grace period, then exits 0. One object owns what changes over
// the probe's life (config, services, plan, scheduler, metrics registry); the results store
// outlives a plan change.
import type http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Catalog } from '../config/catalog.ts';
import type { VigieConfig } from '../config/config.ts';
import { fetchText } from '../config/fetch-url.ts';
import { InputError } from '../config/input-error.ts';
import { RemoteCatalogs, withRegionConfig } from '../config/region-bundle.ts';
import { DestinationPolicy, type RefusedDestination } from '../config/destinations.ts';
import { readLogin } from '../config/secrets.ts';
import { flowStatuses } from '../engine/flow-evidence.ts';
import { RunHistory } from '../engine/history.ts';
import { buildPlan, type Plan } from '../engine/plan.ts';
import { PreSessionRuns } from '../engine/pre-session.ts';
import { ResultsStore } from '../engine/results-store.ts';
import { Scheduler } from '../engine/scheduler.ts';
import { sharedContext, type SharedContext } from '../engine/shared-context.ts';
import { createLogger } from '../telemetry/logging.ts';
import { ProbeMetrics, recordingSink } from '../telemetry/metrics.ts';
import { serverAddress, startServer } from '../ui/server.ts';
import type { Inputs } from './inputs.ts';

export class ProbeDaemon {
  private readonly inputs: Inputs;
  private readonly log: Logger = createLogger();
  private readonly store = new ResultsStore();
  /** The effective config: the file's, with the region's checks and scenarios under it when its bundle carries them. */
  private config: VigieConfig;
  private shared: SharedContext;
  private plan: Plan;
  private metrics: ProbeMetrics;
  private scheduler: Scheduler;
  private readonly remote: RemoteCatalogs | undefined;
  private remoteLastOk: number | undefined;
  /** The last poll's refusal or failure, shown on the status page until a poll succeeds. */
  private remoteProblem: { refusedSignature: boolean; message: string } | undefined;
  /** Destinations of the bundle in use that the establishment's settings refuse. */
  private remoteRefused: RefusedDestination[] | undefined;
  /** The establishment's limits on where the region's bundle may send the probe. */
  private readonly destinations: DestinationPolicy;
  private preSession: PreSessionRuns | undefined;
  private server: http.Server | undefined;
  private polling: NodeJS.Timeout | undefined;
  private stopping = false;
  /** The last 24 h of every check, saved next to the browser cache (or `history_file`). */
  private readonly history: RunHistory;
  private saving: NodeJS.Timeout | undefined;

  constructor(inputs: Inputs) {
    this.inputs = inputs;
    this.config = inputs.config;
    this.shared = sharedContext(this.config, inputs.configFile);
    this.destinations = new DestinationPolicy(this.config.destinations);
    this.remote = this.config.remote ? new RemoteCatalogs(this.config.remote, this.shared.proxy, (region, source) => withRegionConfig(inputs.raw, region, source), this.destinations) : undefined;
    const cached = this.remote?.cached();
    if (cached) this.remoteRefused = cached.refused;
    if (cached?.config) this.useConfig(cached.config);
    if (cached) this.guardRegion(cached.catalogs);
    this.plan = buildPlan(cached ? this.withRemote(cached.catalogs) : inputs.catalogs, this.config, this.shared.proxy);
    const historyFile = this.config.history_file ? resolve(inputs.configFile === '(defaults)' ? process.cwd() : dirname(resolve(inputs.configFile)), this.config.history_file) : this.shared.browserSettings ? join(this.shared.browserSettings.cacheDir, 'history.json') : undefined;
    this.history = new RunHistory(historyFile);
    this.metrics = this.newMetrics();
    this.scheduler = this.newScheduler();
  }

  /** Site, proxy, secrets, RCP sessions and the server stay the file's own; checks and scenarios may come from the region. */
  private useConfig(config: VigieConfig): void {
    this.config = config;
    this.shared = sharedContext(config, this.inputs.configFile);
  }

  /** The catalogs of the config's own files (catalogs.files): the establishment's word, never replaced by the region. */
  private localCatalogs(): Catalog[] {
    return this.inputs.catalogs.filter((c) => this.inputs.extraFiles.includes(c.file));
  }

  /** The bundle's names may not resolve where the establishment's settings refuse (the file's own catalogs are the establishment's word). */
  private guardRegion(bundle: readonly Catalog[]): void {
    const local = new Set(this.localCatalogs().map((c) => c.platform));
    this.shared.destinationGuard = { platforms: new Set(bundle.map((b) => b.platform).filter((p) => !local.has(p))), policy: this.destinations };
  }

  /** The region's last good bundle replaces the embedded catalogs; the config's own extra files stay. */
  private withRemote(bundle: Catalog[]): Catalog[] {
    const local = this.localCatalogs();
    return [...bundle.filter((b) => !local.some((l) => l.platform === b.platform)), ...local];
  }

  private newMetrics(): ProbeMetrics {
    this.store.setPlan(this.plan.checks);
    const m = new ProbeMetrics({
      store: this.store,
      sessions: () => this.preSession?.next() ?? [],
      remoteLastOk: () => this.remoteLastOk,
      remoteRefused: () => this.remoteRefused?.length,
      flows: () => flowStatuses(this.plan, this.store.all(), Date.now() / 1000, this.config.evidence_max_age),
    });
    m.setPlan(this.plan.checks);
    return m;
  }

  private newScheduler(): Scheduler {
    return new Scheduler(this.plan.checks, this.shared, recordingSink(this.store, () => this.metrics, this.history), this.log, { concurrency: this.config.concurrency, jitterMs: this.config.jitter });
  }

  async run(): Promise<number> {
    const { configFile } = this.inputs;
    const basicAuth = this.config.server.basic_auth ? readLogin(this.config, this.config.server.basic_auth, configFile, 'vigie') : undefined;
    this.server = await listenOrExplain(configFile, this.config.server.listen, () =>
      startServer(this.config.server.listen, {
        metrics: (req, res) => this.metrics.handle(req, res),
        store: this.store,
        ready: () => this.plan.checks.every((c) => this.store.has(c.id)),
        snapshot: () => ({ plan: this.plan, site: this.config.site, lang: this.config.lang, sessions: this.preSession?.next() ?? [], evidenceMaxAgeMs: this.config.evidence_max_age, history: this.history, ...(this.remoteProblem ? { remoteProblem: this.remoteProblem } : {}), ...(this.remoteRefused?.length ? { remoteRefused: this.remoteRefused } : {}) }),
        ...(basicAuth ? { basicAuth } : {}),
      }),
    );
    // The daemon keeps serving whatever a single check does: a stray error is logged, never fatal.
    process.on('unhandledRejection', (reason) => this.log.error({ err: reason }, 'unhandled rejection (ignored, probe keeps running)'));
    process.on('uncaughtException', (err) => this.log.error({ err }, 'uncaught exception (ignored, probe keeps running)'));
    this.preSession = new PreSessionRuns(this.config.rcp, this.plan.checks, (s) => void this.scheduler.run(s), this.log, {
      baseDir: configFile === '(defaults)' ? process.cwd() : dirname(resolve(configFile)),
      offsetsMs: this.config.rcp.offsets_minutes.map((m) => m * 60_000),
      windowMs: this.config.rcp.window_minutes * 60_000,
      inWindowIntervalMs: this.config.rcp.in_window_interval_seconds * 1000,
      fetchText: (url) => fetchText(url, this.shared.proxy),
    }, this.plan.catalogs);
    this.log.info({ address: serverAddress(this.server), checks: this.plan.checks.length, platforms: this.plan.catalogs.map((c) => c.platform) }, 'vigie run started');
    const unreadable = this.history.load();
    if (unreadable) this.log.warn({ problem: unreadable }, 'run history not read; starting a new one');
    this.saving = setInterval(() => this.saveHistory(), 5 * 60_000);
    this.saving.unref();
    this.scheduler.start();
    await this.preSession.start();
    this.followRegion();
    return this.untilSignal();
  }

  /** Polls the region's bundle; a changed one is applied, a bad one keeps the last good. */
  private followRegion(): void {
    const { remote } = this;
    const cfg = this.config.remote;
    if (!remote || !cfg) return;
    const poll = async () => {
      const r = await remote.poll();
      this.metrics.recordRemotePoll(r.error === undefined ? 'ok' : r.refusedSignature ? 'refused_signature' : 'error');
      if (r.error === undefined) this.remoteLastOk = Date.now() / 1000;
      this.remoteProblem = r.error === undefined ? undefined : { refusedSignature: r.refusedSignature === true, message: r.error };
      if (r.error) this.log.warn({ url: cfg.url }, r.error);
      else if (r.changed && r.catalogs && !this.stopping) {
        this.remoteRefused = r.refused ?? [];
        for (const d of this.remoteRefused) this.log.warn({ platform: d.platform, destination: d.destination }, `bundle destination refused: ${d.why}`);
        await this.apply(r.catalogs, r.config);
      }
    };
    void poll();
    this.polling = setInterval(() => void poll(), cfg.interval_seconds * 1000);
  }

  /**
   * Swaps in a new plan: the old schedules stop (in-flight checks finish), the new ones start. A new
   * plan gets a new metrics registry because the OpenTelemetry SDK keeps exporting the attribute
   * sets an asynchronous gauge once observed; counters restart from zero, which rate() handles.
   */
  private async apply(bundle: Catalog[], nextConfig: VigieConfig | undefined): Promise<void> {
    if (nextConfig) this.useConfig(nextConfig);
    this.guardRegion(bundle);
    this.plan = buildPlan(this.withRemote(bundle), this.config, this.shared.proxy);
    const old = { scheduler: this.scheduler, metrics: this.metrics };
    this.metrics = this.newMetrics();
    this.scheduler = this.newScheduler();
    this.preSession?.setChecks(this.plan.checks, this.plan.catalogs);
    await old.scheduler.stop(this.config.shutdown_grace);
    await old.metrics.shutdown();
    if (this.stopping) return;
    this.scheduler.start();
    this.log.info({ checks: this.plan.checks.length, platforms: this.plan.catalogs.map((c) => c.platform) }, 'catalog bundle applied');
  }

  /** A history that cannot be written is logged, never fatal: the probe keeps probing. */
  private saveHistory(): void {
    try {
      this.history.save();
    } catch (e) {
      this.log.warn({ err: e }, 'cannot save the run history');
    }
  }

  private untilSignal(): Promise<number> {
    return new Promise<number>((done) => {
      const stop = (signal: string) => {
        if (this.stopping) return;
        this.stopping = true;
        clearInterval(this.polling);
        this.log.info({ signal, inFlight: this.scheduler.activeCount, graceMs: this.config.shutdown_grace }, 'stopping');
        this.preSession?.stop();
        clearInterval(this.saving);
        void this.scheduler
          .stop(this.config.shutdown_grace)
          .then(() => new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r())))
          .then(() => this.metrics.shutdown())
          .then(() => this.saveHistory())
          .then(() => {
            this.log.info('stopped');
            this.log.flush();
            done(0);
          });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
  }
}

/** The status page's address cannot be taken: exit 2 naming the setting, not an internal error. */
async function listenOrExplain<T>(configFile: string, listen: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'EADDRINUSE' ? 'address already in use (another vigie run, or another service, listens there)' : code === 'EADDRNOTAVAIL' ? 'no such address on this machine' : code === 'EACCES' ? 'permission denied (a port below 1024 needs privileges)' : undefined;
    if (!why) throw e;
    throw new InputError([{ file: configFile, path: 'server.listen', message: `${listen}: ${why}` }]);
  }
}
