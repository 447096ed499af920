// The metrics layer: one MeterProvider with the Prometheus exporter (served by our own HTTP server),
// instruments created once, gauges read from the results store at scrape time: the core families
// for every check, then each kind's own families from its definition. Nothing here throws into the
// hot path: counting a run only updates a counter.
import type { Attributes, Meter, ObservableResult } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { readdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KINDS } from '../config/kinds.ts';
import type { CheckResult } from '../core/contract.ts';
import { VERSION } from '../core/version.ts';
import type { KindMetric } from '../core/definition.ts';
import type { CheckSpec } from '../engine/plan.ts';
import type { FlowStatus } from '../engine/flow-evidence.ts';
import type { RunHistory } from '../engine/history.ts';
import type { Latest, ResultsStore } from '../engine/results-store.ts';
import type { RunSink } from '../engine/scheduler.ts';
import { longestGapSeconds } from '../engine/schedule-gap.ts';
import { zoneOffsetMs } from '../engine/zone-offset.ts';
import { TIME_ZONE } from '../config/rcp-sessions.ts';
import { METRICS, type MetricSpec } from './metric-names.ts';

/** The OTel exporter appends `_total` to counters itself. */
const otelName = (m: MetricSpec): string => (m.type === 'counter' ? m.name.replace(/_total$/, '') : m.name);

/** The common labels; a browser scenario's results also carry its name (two may share a page host and port). */
export function commonLabels(r: Pick<CheckResult, 'platform' | 'host' | 'port' | 'transport' | 'kind'> & { observations?: CheckResult['observations'] }): Attributes {
  const labels: Attributes = { platform: r.platform, host: r.host, port: r.port === null ? '' : String(r.port), transport: r.transport, kind: r.kind };
  const scenario = r.observations?.scenario;
  if (typeof scenario === 'string') labels.scenario = scenario;
  return labels;
}

export interface SessionGauge {
  occurrence: { platform: string; name: string; start: Date };
  inWindow: boolean;
  /** Platforms the session relies on: its own, its dependencies, and `site`. */
  needs?: readonly string[];
}

/** What the gauges read at scrape time. */
export interface MetricSources {
  store: ResultsStore;
  /** The RCP sessions ahead (the pre-session planner). */
  sessions?: () => readonly SessionGauge[];
  /** Unix time of the last successful poll of the region's bundle. */
  remoteLastOk?: () => number | undefined;
  /** Destinations of the applied bundle refused by the establishment's settings (when a bundle is used). */
  remoteRefused?: () => number | undefined;
  /** The documented flows' verdicts (runner/engine/flow-evidence.ts). */
  flows?: () => readonly FlowStatus[];
}

/** Every kind's own metric families, by name, each with the reader of every kind that exports it. */
export function kindMetricFamilies(): Map<string, { spec: MetricSpec; readers: Map<string, KindMetric['read']> }> {
  const out = new Map<string, { spec: MetricSpec; readers: Map<string, KindMetric['read']> }>();
  for (const [kind, def] of Object.entries(KINDS)) {
    for (const m of def.metrics) {
      const family = out.get(m.spec.name) ?? { spec: m.spec, readers: new Map() };
      family.readers.set(kind, m.read);
      out.set(m.spec.name, family);
    }
  }
  return out;
}

export class ProbeMetrics {
  private readonly exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, withoutTargetInfo: true });
  private readonly provider = new MeterProvider({ readers: [this.exporter] });
  private readonly runs;
  private readonly skipped;
  private readonly remotePolls;
  private readonly missed;
  private configured = new Map<string, number>();
  /** Longest gap between scheduled runs, by check id. */
  private intervals = new Map<string, number>();
  private readonly sources: MetricSources;

  constructor(sources: MetricSources) {
    this.sources = sources;
    const meter = this.provider.getMeter('vigie', VERSION);
    this.runs = meter.createCounter(otelName(METRICS.runs), { description: METRICS.runs.help });
    this.skipped = meter.createCounter(otelName(METRICS.skipped), { description: METRICS.skipped.help });
    this.remotePolls = meter.createCounter(otelName(METRICS.remotePolls), { description: METRICS.remotePolls.help });
    this.missed = meter.createCounter(otelName(METRICS.missed), { description: METRICS.missed.help });
    this.coreGauges(meter);
    this.kindGauges(meter);
    this.probeGauges(meter);
  }

  private gauge(meter: Meter, m: MetricSpec, observe: (o: ObservableResult, l: Latest) => void): void {
    meter.createObservableGauge(m.name, { description: m.help }).addCallback((o) => {
      for (const l of this.sources.store.all().values()) observe(o, l);
    });
  }

  /** The families every check exports. */
  private coreGauges(meter: Meter): void {
    // An unproven flow has no success value: neither a 0 that pages nor a 1 that reassures.
    this.gauge(meter, METRICS.success, (o, { result: r }) => r.status !== 'unproven' && o.observe(r.status === 'failed' ? 0 : 1, commonLabels(r)));
    this.gauge(meter, METRICS.unproven, (o, { result: r }) => o.observe(r.status === 'unproven' ? 1 : 0, commonLabels(r)));
    this.gauge(meter, METRICS.degraded, (o, { result: r }) => o.observe(r.status === 'degraded' ? 1 : 0, commonLabels(r)));
    this.gauge(meter, METRICS.duration, (o, { result: r }) => o.observe(r.durationSeconds, commonLabels(r)));
    this.gauge(meter, METRICS.lastRun, (o, l) => o.observe(l.endedAt, commonLabels(l.result)));
    meter.createObservableGauge(METRICS.interval.name, { description: METRICS.interval.help }).addCallback((o) => {
      for (const [id, l] of this.sources.store.all()) {
        const gap = this.intervals.get(id);
        if (gap !== undefined) o.observe(gap, commonLabels(l.result));
      }
    });
    this.gauge(meter, METRICS.phase, (o, { result: r }) => {
      for (const [phase, s] of Object.entries(r.phases)) o.observe(s, { ...commonLabels(r), phase });
    });
  }

  /** Each kind's own families, read from that kind's results by its definition. */
  private kindGauges(meter: Meter): void {
    for (const { spec, readers } of kindMetricFamilies().values()) {
      this.gauge(meter, spec, (o, { result: r }) => {
        const read = readers.get(r.kind);
        if (!read) return;
        const labels = commonLabels(r);
        read(r, (value, extra) => o.observe(value, extra ? { ...labels, ...extra } : labels));
      });
    }
  }

  /** The probe's own families: RCP sessions, region bundle, build, plan size. */
  private probeGauges(meter: Meter): void {
    const sessions = () => this.sources.sessions?.() ?? [];
    const sessionLabels = (o: { platform: string; name: string }) => ({ platform: o.platform, session: o.name });
    meter.createObservableGauge(METRICS.rcpNextStart.name, { description: METRICS.rcpNextStart.help }).addCallback((o) => {
      for (const s of sessions()) o.observe(s.occurrence.start.getTime() / 1000, sessionLabels(s.occurrence));
    });
    meter.createObservableGauge(METRICS.rcpStartOffset.name, { description: METRICS.rcpStartOffset.help }).addCallback((o) => {
      for (const s of sessions()) o.observe(zoneOffsetMs(s.occurrence.start.getTime(), TIME_ZONE) / 1000, sessionLabels(s.occurrence));
    });
    meter.createObservableGauge(METRICS.rcpInWindow.name, { description: METRICS.rcpInWindow.help }).addCallback((o) => {
      for (const s of sessions()) o.observe(s.inWindow ? 1 : 0, sessionLabels(s.occurrence));
    });
    meter.createObservableGauge(METRICS.rcpNeeds.name, { description: METRICS.rcpNeeds.help }).addCallback((o) => {
      for (const s of sessions()) {
        // Stable labels only: the SDK keeps exporting every label set it once saw, at its last value.
        const labels = { session: s.occurrence.name, session_platform: s.occurrence.platform };
        for (const p of s.needs ?? []) o.observe(s.inWindow ? 1 : 0, { platform: p, ...labels });
      }
    });
    meter.createObservableGauge(METRICS.remoteLastOk.name, { description: METRICS.remoteLastOk.help }).addCallback((o) => {
      const t = this.sources.remoteLastOk?.();
      if (t !== undefined) o.observe(t);
    });
    meter.createObservableGauge(METRICS.remoteRefused.name, { description: METRICS.remoteRefused.help }).addCallback((o) => {
      const n = this.sources.remoteRefused?.();
      if (n !== undefined) o.observe(n);
    });
    meter.createObservableGauge(METRICS.flowStatus.name, { description: METRICS.flowStatus.help }).addCallback((o) => {
      // Rows of one flow documented twice (two usages) give one series.
      const seen = new Set<string>();
      for (const f of this.sources.flows?.() ?? []) {
        const labels = { platform: f.platform, host: f.host, port: f.port, transport: f.transport, direction: f.direction, status: f.verdict };
        const key = `${f.platform}|${f.host}|${f.port}|${f.transport}|${f.direction}`;
        if (!seen.has(key)) o.observe(1, labels);
        seen.add(key);
      }
    });
    meter.createObservableGauge(METRICS.buildInfo.name, { description: METRICS.buildInfo.help }).addCallback((o) => o.observe(1, { version: VERSION, node_version: process.version }));
    // The probe's own footprint, under the names Prometheus client libraries use, so fleet dashboards find them.
    meter.createObservableGauge(METRICS.residentMemory.name, { description: METRICS.residentMemory.help }).addCallback((o) => o.observe(process.memoryUsage.rss()));
    meter.createObservableGauge(METRICS.heapUsed.name, { description: METRICS.heapUsed.help }).addCallback((o) => o.observe(process.memoryUsage().heapUsed));
    meter.createObservableGauge(METRICS.openFds.name, { description: METRICS.openFds.help }).addCallback((o) => {
      const n = openFds();
      if (n !== undefined) o.observe(n);
    });
    meter.createObservableGauge(METRICS.checksConfigured.name, { description: METRICS.checksConfigured.help }).addCallback((o) => {
      for (const [kind, n] of this.configured) o.observe(n, { kind });
    });
  }

  recordRemotePoll(result: 'ok' | 'error' | 'refused_signature'): void {
    this.remotePolls.add(1, { result });
  }

  setPlan(checks: readonly CheckSpec[]): void {
    this.intervals = new Map(checks.map((c) => [c.id, longestGapSeconds(c.schedule)]));
    this.configured = new Map();
    for (const c of checks) this.configured.set(c.kind, (this.configured.get(c.kind) ?? 0) + 1);
  }

  countRun(result: CheckResult): void {
    try {
      this.runs.add(1, { ...commonLabels(result), result: result.status, reason: result.reason });
    } catch {
      // Metrics never break a check run.
    }
  }

  countMissed(kind: string): void {
    this.missed.add(1, { kind });
  }

  countSkip(spec: CheckSpec): void {
    this.skipped.add(1, { ...commonLabels({ ...spec.target, port: spec.target.port ?? null, kind: spec.kind, observations: spec.scenario ? { scenario: spec.scenario } : {} }), cause: 'overlap' });
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    this.exporter.getMetricsRequestHandler(req, res);
  }

  /** The exposition text, as a scrape would see it (for tests and benchmarks). */
  text(): Promise<string> {
    return new Promise((resolve) => {
      const fake = { statusCode: 200, setHeader: () => {}, end: (body: string) => resolve(body) } as unknown as ServerResponse;
      this.exporter.getMetricsRequestHandler({} as IncomingMessage, fake);
    });
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown().catch(() => {});
  }
}

/** The scheduler's sink: a result goes to the store and, when its check is in the plan, counts as a run. */
export function recordingSink(store: ResultsStore, metrics: () => ProbeMetrics, history?: RunHistory): RunSink {
  return {
    result: (spec, r) => {
      if (!store.record(spec, r)) return;
      metrics().countRun(r);
      history?.record(spec.id, r, Date.now() / 1000);
    },
    skipped: (spec) => metrics().countSkip(spec),
    missed: (kind) => metrics().countMissed(kind),
  };
}

/** Open descriptors of this process, where /proc tells (Linux); undefined elsewhere. */
function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}
