// The metrics layer: one MeterProvider with the Prometheus exporter (served by our own HTTP server),
// instruments created once, gauges read from the latest results at scrape time. Nothing here
// throws into the hot path: record() only updates a map and a counter.
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { Attributes, ObservableResult } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CheckResult } from '../core/contract.ts';
import { METRICS, type MetricSpec } from './metric-names.ts';
import type { CheckSpec } from '../engine/plan.ts';

export const VERSION = '0.1.0';

interface Latest {
  result: CheckResult;
  endedAt: number;
}

/** The OTel exporter appends `_total` to counters itself. */
const otelName = (m: MetricSpec): string => (m.type === 'counter' ? m.name.replace(/_total$/, '') : m.name);

export function commonLabels(r: Pick<CheckResult, 'platform' | 'host' | 'port' | 'transport' | 'kind'>): Attributes {
  return { platform: r.platform, host: r.host, port: r.port === null ? '' : String(r.port), transport: r.transport, kind: r.kind };
}

export class ProbeMetrics {
  private readonly exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, withoutTargetInfo: true });
  private readonly provider = new MeterProvider({ readers: [this.exporter] });
  private readonly latest = new Map<string, Latest>();
  private readonly runs;
  private readonly skipped;
  private configured = new Map<string, number>();
  /** Checks of the current plan; a late result of a check that left it is not shown. */
  private planIds: Set<string> | undefined;
  private readonly remotePolls;
  private remoteLastOk: number | undefined;
  private sessions: () => { occurrence: { platform: string; name: string; start: Date }; inWindow: boolean }[] = () => [];

  constructor() {
    const meter = this.provider.getMeter('vigie', VERSION);
    this.runs = meter.createCounter(otelName(METRICS.runs), { description: METRICS.runs.help });
    this.skipped = meter.createCounter(otelName(METRICS.skipped), { description: METRICS.skipped.help });
    this.remotePolls = meter.createCounter(otelName(METRICS.remotePolls), { description: METRICS.remotePolls.help });
    meter.createObservableGauge(METRICS.remoteLastOk.name, { description: METRICS.remoteLastOk.help }).addCallback((o) => {
      if (this.remoteLastOk !== undefined) o.observe(this.remoteLastOk);
    });
    const gauge = (m: MetricSpec, observe: (o: ObservableResult, l: Latest) => void) =>
      meter.createObservableGauge(m.name, { description: m.help }).addCallback((o) => {
        for (const l of this.latest.values()) if (!m.kinds || m.kinds.includes(l.result.kind)) observe(o, l);
      });
    const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    gauge(METRICS.success, (o, { result: r }) => o.observe(r.status === 'failed' ? 0 : 1, commonLabels(r)));
    gauge(METRICS.degraded, (o, { result: r }) => o.observe(r.status === 'degraded' ? 1 : 0, commonLabels(r)));
    gauge(METRICS.duration, (o, { result: r }) => o.observe(r.durationSeconds, commonLabels(r)));
    gauge(METRICS.lastRun, (o, l) => o.observe(l.endedAt, commonLabels(l.result)));
    gauge(METRICS.phase, (o, { result: r }) => {
      for (const [phase, s] of Object.entries(r.phases)) o.observe(s, { ...commonLabels(r), phase });
    });
    gauge(METRICS.dnsDrift, (o, { result: r }) => o.observe(r.reason === 'dns_ip_drift' || (r.observations.undocumented as string[] | undefined)?.length ? 1 : 0, commonLabels(r)));
    gauge(METRICS.dnsAddresses, (o, { result: r }) =>
      o.observe(((r.observations.addresses as string[] | undefined)?.length ?? 0) + ((r.observations.addresses6 as string[] | undefined)?.length ?? 0), commonLabels(r)),
    );
    gauge(METRICS.tlsVersion, (o, { result: r }) => {
      if (typeof r.observations.tls_version === 'string') o.observe(1, { ...commonLabels(r), version: r.observations.tls_version });
    });
    gauge(METRICS.httpStatus, (o, { result: r }) => o.observe(num(r.observations.status_code) ?? 0, commonLabels(r)));
    gauge(METRICS.turnAllocate, (o, { result: r }) => {
      if (r.observations.auth === 'allocated' || r.observations.auth === 'challenge_only') o.observe(r.phases.allocate ?? 0, commonLabels(r));
    });
    const obs = (m: MetricSpec, key: string) =>
      gauge(m, (o, { result: r }) => {
        const v = num(r.observations[key]);
        if (v !== undefined) o.observe(v, commonLabels(r));
      });
    obs(METRICS.relayLoss, 'loss_ratio');
    obs(METRICS.relayJitter, 'jitter_seconds');
    obs(METRICS.relayThroughput, 'throughput_bytes_per_second');
    gauge(METRICS.relayRtt, (o, { result: r }) => {
      for (const stat of ['min', 'avg', 'max']) {
        const v = num(r.observations[`rtt_${stat}_seconds`]);
        if (v !== undefined) o.observe(v, { ...commonLabels(r), stat });
      }
    });
    obs(METRICS.tlsExpiry, 'not_after_timestamp');
    obs(METRICS.ocspResponse, 'responder_latency_seconds');
    obs(METRICS.ocspNextUpdate, 'next_update_timestamp');
    gauge(METRICS.tlsIntercepted, (o, { result: r }) => {
      const i = r.observations.interception;
      if (typeof i === 'string') o.observe(i === 'detected' ? 1 : i === 'suspected' ? 0.5 : 0, commonLabels(r));
    });
    gauge(METRICS.ocspStatus, (o, { result: r }) => {
      const st = r.observations.status;
      o.observe(1, { ...commonLabels(r), status: typeof st === 'string' ? st : 'error' });
    });
    gauge(METRICS.ocspStapled, (o, { result: r }) => {
      if (typeof r.observations.stapled === 'boolean') o.observe(r.observations.stapled ? 1 : 0, commonLabels(r));
    });
    obs(METRICS.stunRtt, 'rtt_seconds');
    // Browser scenarios: the scenario's name is a label (a config name, not a URL or a room).
    const scenarioGauge = (m: MetricSpec, observe: (o: ObservableResult, r: CheckResult, labels: Attributes) => void) =>
      gauge(m, (o, { result: r }) => observe(o, r, { ...commonLabels(r), scenario: String(r.observations.scenario ?? '') }));
    const perDirection = (m: MetricSpec, key: string) =>
      scenarioGauge(m, (o, r, labels) => {
        for (const direction of ['outbound', 'inbound']) {
          const v = num(r.observations[`${direction}_${key}`]);
          if (v !== undefined) o.observe(v, { ...labels, direction });
        }
      });
    const perScenario = (m: MetricSpec, key: string) =>
      scenarioGauge(m, (o, r, labels) => {
        const v = num(r.observations[key]);
        if (v !== undefined) o.observe(v, labels);
      });
    perDirection(METRICS.webrtcFrameHeight, 'frame_height');
    perDirection(METRICS.webrtcFrameWidth, 'frame_width');
    perDirection(METRICS.webrtcFps, 'fps');
    perDirection(METRICS.webrtcThroughput, 'bytes_per_second');
    perDirection(METRICS.webrtcLoss, 'packet_loss_ratio');
    perDirection(METRICS.webrtcJitter, 'jitter_seconds');
    perScenario(METRICS.webrtcRtt, 'rtt_seconds');
    perScenario(METRICS.webrtcIce, 'ice_connected_seconds');
    perScenario(METRICS.webrtcGathering, 'ice_gathering_seconds');
    perScenario(METRICS.webrtcTo720p, 'time_to_720p_seconds');
    perScenario(METRICS.webrtcFreeze, 'freeze_seconds');
    perScenario(METRICS.webrtcMos, 'audio_mos');
    perScenario(METRICS.browserMemory, 'browser_memory_peak_bytes');
    scenarioGauge(METRICS.webrtcCandidate, (o, r, labels) => {
      const x = r.observations;
      if (typeof x.local_candidate_type !== 'string') return;
      o.observe(1, { ...labels, local_type: x.local_candidate_type, remote_type: String(x.remote_candidate_type ?? ''), protocol: String(x.candidate_protocol ?? ''), relay_protocol: String(x.relay_protocol ?? '') });
    });
    scenarioGauge(METRICS.webrtcQuality, (o, r, labels) => {
      if (typeof r.observations.quality_limitation_reason === 'string') o.observe(1, { ...labels, reason: r.observations.quality_limitation_reason });
    });
    obs(METRICS.clockOffset, 'offset_seconds');
    const sessionLabels = (o: { platform: string; name: string }) => ({ platform: o.platform, session: o.name });
    meter.createObservableGauge(METRICS.rcpNextStart.name, { description: METRICS.rcpNextStart.help }).addCallback((o) => {
      for (const s of this.sessions()) o.observe(s.occurrence.start.getTime() / 1000, sessionLabels(s.occurrence));
    });
    meter.createObservableGauge(METRICS.rcpInWindow.name, { description: METRICS.rcpInWindow.help }).addCallback((o) => {
      for (const s of this.sessions()) o.observe(s.inWindow ? 1 : 0, sessionLabels(s.occurrence));
    });
    meter.createObservableGauge(METRICS.buildInfo.name, { description: METRICS.buildInfo.help }).addCallback((o) => o.observe(1, { version: VERSION, node_version: process.version }));
    meter.createObservableGauge(METRICS.checksConfigured.name, { description: METRICS.checksConfigured.help }).addCallback((o) => {
      for (const [kind, n] of this.configured) o.observe(n, { kind });
    });
  }

  recordRemotePoll(ok: boolean): void {
    this.remotePolls.add(1, { result: ok ? 'ok' : 'error' });
    if (ok) this.remoteLastOk = Date.now() / 1000;
  }

  /** Source of the RCP session gauges (the pre-session planner). */
  setSessions(next: () => { occurrence: { platform: string; name: string; start: Date }; inWindow: boolean }[]): void {
    this.sessions = next;
  }

  /**
   * Takes over the latest results of `previous` for the checks of this registry's plan. A new plan
   * gets a new registry because the OpenTelemetry SDK keeps exporting the attribute sets an
   * asynchronous gauge once observed: counters restart from zero, which rate() handles.
   */
  adopt(previous: ProbeMetrics): void {
    for (const [id, l] of previous.latest) if (!this.planIds || this.planIds.has(id)) this.latest.set(id, l);
    this.remoteLastOk = previous.remoteLastOk;
    this.sessions = previous.sessions;
  }

  setPlan(checks: readonly CheckSpec[]): void {
    const ids = new Set(checks.map((c) => c.id));
    this.planIds = ids;
    for (const id of this.latest.keys()) if (!ids.has(id)) this.latest.delete(id);
    this.configured = new Map();
    for (const c of checks) this.configured.set(c.kind, (this.configured.get(c.kind) ?? 0) + 1);
  }

  record(spec: CheckSpec, result: CheckResult): void {
    try {
      if (this.planIds && !this.planIds.has(spec.id)) return;
      this.latest.set(spec.id, { result, endedAt: Date.now() / 1000 });
      this.runs.add(1, { ...commonLabels(result), result: result.status, reason: result.reason });
    } catch {
      // Metrics never break a check run.
    }
  }

  recordSkip(spec: CheckSpec): void {
    this.skipped.add(1, { ...commonLabels({ ...spec.target, port: spec.target.port ?? null, kind: spec.kind }), cause: 'overlap' });
  }

  /** Latest result of every check, for the status page. */
  results(): Map<string, Latest> {
    return this.latest;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    this.exporter.getMetricsRequestHandler(req, res);
  }

  /** The exposition text, as a scrape would see it (for tests and `vigie check --metrics`). */
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
