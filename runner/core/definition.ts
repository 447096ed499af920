// The one check contract: everything about a kind, probe or browser scenario, in its definition —
// phases, options and defaults, how it is planned, its flow class for the SLO rules, its metric
// families, the resource it needs, and `run`. The registries (probes/index.ts, scenarios/index.ts)
// list definitions; the config schema, the catalog vocabulary, the planner, the executor, the
// metrics and the rules all read them, so adding a kind is its file and one registry line.
import type { z } from 'zod';
import type { CheckResult, CheckTarget, PortRole, ProbeContext, ProxySettings, ServiceCredentials, Transport } from './contract.ts';
import type { MetricSpec } from './metric-spec.ts';
import type { CheckRecorder } from './recorder.ts';

/** What a hospital network team recognises; each class has its SLO (deploy/prometheus/rules.ts). */
export const FLOW_CLASSES = ['signalling', 'media', 'pki', 'web', 'site', 'browser'] as const;
export type FlowClass = (typeof FLOW_CLASSES)[number];

/** A run's context: the shared services, its own deadline signal, and the recorder of its result. */
export interface RunContext extends ProbeContext {
  /** Built by the executor from the kind's name and phases; the kind fills it and finishes it. */
  rec: CheckRecorder;
  /** The config entry of a browser scenario run: its name and its own credentials (never logged). */
  scenario?: { name: string; login?: ServiceCredentials };
}

/** One metric family a kind exports, and how to read it from that kind's results. */
export interface KindMetric {
  spec: MetricSpec;
  /** Calls `emit` for each series of this result (none when the result has nothing to say). */
  read(result: CheckResult, emit: (value: number, labels?: Record<string, string>) => void): void;
}

/** The facts of one catalog row that planning needs (derived by the planner from the row). */
export interface PlanRow {
  platform: string;
  host: string;
  /** The row's port; undefined for a port range. */
  port: number | undefined;
  /** The URL of a URL row, or the https/http URL of a flow with a port. */
  url: string | undefined;
  /** The row's transport (URL rows: udp, as their dns check). */
  transport: Transport;
  documentedIps: readonly string[];
  ipsStable: boolean;
  /** TLS expectations of the row and its platform (min_version, expect_issuers, expect_spki_sha256). */
  tls: Record<string, unknown>;
  /** Whether the config gives credentials for this host or platform. */
  hasCredentials: boolean;
  /** The row's port role (an ICE media port), when it has one. */
  role: PortRole | undefined;
  /** The platform's application goes « hors proxy »: its flows are checked on the direct path. */
  direct: boolean;
  /** The platform's document rejects NTLM proxies. */
  rejectsNtlmProxy: boolean;
}

/** What the site-wide kinds are planned from. */
export interface PlanSite {
  clock: { host: string; port: number };
  proxy: ProxySettings | undefined;
  /** The row checks planned so far, in order (the clock's HTTP fallback, the proxy's CONNECT test). */
  planned: readonly { kind: string; target: CheckTarget }[];
}

/** A config entry of a browser scenario, after validation (kind options included). */
export interface ScenarioEntry {
  name: string;
  kind: string;
  platform: string;
  enabled: boolean;
  schedule: string;
  timeout: number;
  /** Name of a `credentials` entry (test account, TURN secret); read by the runner, never logged. */
  credentials?: string;
}

export interface Planned<O = Record<string, unknown>> {
  target: CheckTarget;
  /** Options beyond the config's for this check (catalog expectations, derived targets). */
  options?: Partial<O>;
}

/** How a kind becomes checks: per catalog row, once for the site, or per scenario entry of the config. */
export type Planning<O> =
  | {
      scope: 'row';
      /** Row transports it can check (the catalog rejects others). */
      transports: readonly Transport[];
      /** Whether it can run on a URL row (not only on host/port flow rows). */
      urls: boolean;
      /** Whether it can run on a port range (only dns can). */
      portRanges: boolean;
      /** Other check names of a row that bring this kind along (every TLS endpoint gets ocsp). */
      alsoFor?: readonly string[];
      plan(row: PlanRow): Planned<O> | undefined;
    }
  | { scope: 'site'; plan(site: PlanSite, options: O): Planned<O> | undefined }
  | { scope: 'scenario'; plan(entry: ScenarioEntry & O): (Planned<O> & { suffix: string })[] };

/** What a run may need beyond the shared services; the executor opens it after the slot and closes it after the run. */
export interface Resource<C extends RunContext> {
  /** Runs that share this slot go one at a time (two cores cannot encode two 720p streams twice over). */
  slot?: string;
  /** Extra time past the timeout before the hard deadline answers for a run that ignored its signal. */
  graceMs: number;
  /**
   * Whether the run ends at once when its signal aborts (a scenario, cut short mid-step, says where
   * it stood) rather than being left to answer its own abort (a probe: "no STUN response in 2 s").
   */
  endsOnAbort: boolean;
  open(base: RunContext): Lease<C>;
}

export interface Lease<C extends RunContext> {
  ctx: C;
  /** Where the run stood, for a result cut short ("at: joining the room"). */
  where(): string | undefined;
  /** A result for what the run threw, when the resource can tell (browser crashed, launch failed). */
  failure(e: unknown): CheckResult | undefined;
  /** Releases what the run opened; may replace the result (a browser that had to be killed). */
  close(result: CheckResult): Promise<CheckResult>;
}

/** The resource of a kind that needs only the shared services. */
export const DIRECT: Resource<RunContext> = {
  graceMs: 500,
  endsOnAbort: false,
  open: (base) => ({ ctx: base, where: () => undefined, failure: () => undefined, close: async (r) => r }),
};

export interface CheckDefinition<S extends z.ZodObject, C extends RunContext = RunContext> {
  description: string;
  /** Phase names, all present in every result of this kind. */
  phases: readonly string[];
  /** Kind-specific options (snake_case, with defaults); part of the config schema. */
  options: S;
  /** Default timeout and cron schedule of this kind. */
  defaults: { timeout: string; schedule: string };
  flowClass: FlowClass;
  planning: Planning<z.output<S>>;
  /** Metric families beyond the core set (probe_success, probe_duration_seconds, …). */
  metrics: readonly KindMetric[];
  resource: Resource<C>;
  run(target: CheckTarget, options: z.output<S>, ctx: C): Promise<CheckResult>;
}

/** A definition as the registry holds it: its run and resource closed over, so callers need no casts. */
export interface CheckKind<S extends z.ZodObject = z.ZodObject, C extends RunContext = RunContext> {
  description: string;
  phases: readonly string[];
  options: S;
  defaults: { timeout: string; schedule: string };
  flowClass: FlowClass;
  planning: Planning<Record<string, unknown>>;
  metrics: readonly KindMetric[];
  resource: Resource<C>;
  /**
   * Opens the kind's resource (or `resource`, a stand-in of the same shape: the benchmark's kept
   * browser) and starts `run`; the executor races it against the deadline.
   */
  start(target: CheckTarget, options: Readonly<Record<string, unknown>>, base: RunContext, resource?: Resource<C>): Started;
}

export interface Started {
  result: Promise<CheckResult>;
  lease: Lease<RunContext>;
}

export function defineCheck<S extends z.ZodObject, C extends RunContext>(def: CheckDefinition<S, C>): CheckKind<S, C> {
  return {
    ...def,
    // Planning reads options the config validated against this same schema.
    planning: def.planning as Planning<Record<string, unknown>>,
    start(target, options, base, resource = def.resource) {
      const lease = resource.open(base);
      // The planner built these options from this kind's own schema (config defaults, catalog overrides).
      const result = def.run(target, options as z.output<S>, lease.ctx);
      return { result, lease };
    },
  };
}

/** The target of a row check: the row's host and (unless `withPort` is false: a name, as dns checks it) its port, over `transport`. */
export function rowTarget(row: PlanRow, transport: Transport, withPort = true): CheckTarget {
  return { platform: row.platform, host: row.host, port: withPort ? row.port : undefined, transport, documentedIps: row.documentedIps, ipsStable: row.ipsStable, ...(withPort && row.role ? { role: row.role } : {}) };
}
