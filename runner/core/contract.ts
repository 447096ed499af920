// What a check is aimed at, what it may use, and what it returns: the types every probe and
// scenario kind shares (after blackbox_exporter's ProbeFn). A check never throws for a network
// outcome; it returns a CheckResult.
import type { Observation, Observations } from './observations.ts';
import type { CheckStatus, Reason } from './reasons.ts';
import type { HostResolver, OutcomeCache, TrustStore } from './services.ts';

export type Transport = 'tcp' | 'udp';
export type { CheckStatus };

/**
 * What a documented port is for, when a check must read its silence differently: `ice-media` is the
 * ICE port of a WebRTC media server (Jitsi Videobridge, Janus/libnice, LiveSwitch), which never
 * answers a Binding without a live session's credentials.
 */
export const PORT_ROLES = ['ice-media'] as const;
export type PortRole = (typeof PORT_ROLES)[number];

export type { Observation, Observations };

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
  /** The port's role from the catalog row, when it has one. */
  role?: PortRole;
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
  /** The roots the probe validates against (system store, NODE_EXTRA_CA_CERTS, the config's extra CAs). */
  trust: TrustStore;
  /** Outcomes a kind may reuse across runs (OCSP answers per certificate), owned by the runner. */
  outcomes: OutcomeCache;
  /** TURN credentials by host or platform id, already read from env/files; never logged. */
  credentials?: Readonly<Record<string, ServiceCredentials>>;
  /** Where the browser of the scenario kinds comes from; their default when absent. */
  browserSettings?: BrowserSettings;
}

export interface BrowserSettings {
  executablePath: string;
  /** Extra Chromium flags (the config's, and the SPKI list of the establishment's own roots). */
  args: readonly string[];
  /** Fake media under media/, failure screenshots under artefacts/. */
  cacheDir: string;
  /** Chromium's sandbox (config browser.sandbox); false only when the operator turned it off. */
  sandbox: boolean;
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
  observations: Observations;
}

/** The `target` string as users see it: a URL, or host:port. */
export function targetLabel(t: CheckTarget): string {
  if (t.url) return t.url;
  return t.port === undefined ? t.host : `${formatHost(t.host)}:${t.port}`;
}

export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
