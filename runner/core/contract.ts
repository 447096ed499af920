// The one contract every probe kind implements (after blackbox_exporter's ProbeFn):
// an async function that never throws for a network outcome and always returns a CheckResult.
import type { z } from 'zod';
import type { Reason } from './reasons.ts';
import type { HostResolver } from '../../probes/lib/resolve.ts';

export type Transport = 'tcp' | 'udp';
export type CheckStatus = 'ok' | 'degraded' | 'failed';

/** A value the probe observed: kept flat so it maps to JSON, the status page and the report alike. */
export type Observation = string | number | boolean | null | readonly string[];

/** What one check is aimed at, after the catalog row and the config have been merged. */
export interface CheckTarget {
  /** Platform identifier from the catalog (`telercp`, `covotem`, …) or `site` for site-wide checks. */
  platform: string;
  host: string;
  /** Port, or undefined for checks that have none (dns). */
  port?: number;
  transport: Transport;
  /** Full URL for http checks. */
  url?: string;
  /** Addresses the seed document lists for this host; empty when none are documented. */
  documentedIps: readonly string[];
  /** False when the document says the addresses move (CDN): drift is then observed, not degraded. */
  ipsStable: boolean;
}

/** Services a probe may use; provided by the runner, replaceable in tests. */
export interface ProbeContext {
  /** Aborts when the check's timeout elapses or the runner shuts down. */
  signal: AbortSignal;
  /** The check's timeout, so a probe can phrase "no answer in 2 s". */
  timeoutMs: number;
  /** Resolved outbound proxy, when one applies (config or environment). */
  proxy?: ProxySettings;
  resolver: HostResolver;
  /** TURN credentials by host or platform id, already read from env/files; never logged. */
  credentials?: Readonly<Record<string, ServiceCredentials>>;
}

export interface ServiceCredentials {
  username?: string;
  /** Long-term password. */
  password?: string;
  /** Shared secret of a REST-API (use-auth-secret) TURN server. */
  secret?: string;
}

export interface ProxySettings {
  url: URL;
  /** Hosts (or suffixes starting with a dot) that bypass the proxy. */
  noProxy: readonly string[];
  /** Proxy credentials, already read from their env var or file; never logged. */
  auth?: { username: string; password: string };
}

export interface CheckResult {
  platform: string;
  host: string;
  port: number | null;
  transport: Transport;
  kind: string;
  target: string;
  status: CheckStatus;
  /** Stable snake_case word from docs/failure-reasons.md; `ok` when status is ok. */
  reason: Reason;
  /** One precise English sentence for logs and JSON; user-facing text comes from the reason. */
  message: string;
  durationSeconds: number;
  phases: Record<string, number>;
  observations: Record<string, Observation>;
}

export type ProbeFn<Options> = (target: CheckTarget, options: Options, ctx: ProbeContext) => Promise<CheckResult>;

/** The `target` string as users see it: a URL, or host:port. */
export function targetLabel(t: CheckTarget): string {
  if (t.url) return t.url;
  return t.port === undefined ? t.host : `${formatHost(t.host)}:${t.port}`;
}

export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** How a kind is applied: per catalog row, or once for the site (clock, proxy). */
export type ProbeScope = 'row' | 'site';

/** Everything the runner, the config validator and the docs need to know about one kind. */
export interface ProbeDefinition<S extends z.ZodType = z.ZodType> {
  description: string;
  scope: ProbeScope;
  /** Phase names, all present in every result of this kind. */
  phases: readonly string[];
  /** Kind-specific options (snake_case, with defaults); part of the config schema. */
  options: S;
  /** Default timeout and node-cron schedule of this kind. */
  defaults: { timeout: string; schedule: string };
  run: ProbeFn<z.output<S>>;
}
