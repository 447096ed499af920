// Expands catalogs + config into the list of checks to run. A check's identity is its metric label
// set (kind, platform, host, port, transport): rows that share it (the dns check of a host with
// six flows, two URLs on one host) are covered by one check, listed in `rows`.
import type { ProbeKind } from '../../probes/index.ts';
import { SCENARIOS, type ScenarioKind } from '../../scenarios/index.ts';
import type { ScenarioEntry } from '../../scenarios/lib/contract.ts';
import { checkId } from '../core/check-id.ts';
import type { CheckTarget, ProxySettings } from '../core/contract.ts';
import { type Catalog, type CatalogRow, catalogRows } from '../config/catalog.ts';
import type { VigieConfig } from '../config/config.ts';

export type CheckKind = ProbeKind | ScenarioKind;

export interface CheckSpec {
  /** Stable identity: `kind|platform|host|port|transport`. */
  id: string;
  kind: CheckKind;
  /** Name of the config's scenario entry, for browser scenarios. */
  scenario?: string;
  target: CheckTarget;
  /** Kind options after config defaults and catalog overrides. */
  options: Record<string, unknown>;
  timeoutMs: number;
  schedule: string;
  /** Indices in `Plan.rows` that this check covers. */
  rows: number[];
}

export interface Plan {
  catalogs: Catalog[];
  rows: CatalogRow[];
  checks: CheckSpec[];
}

export { checkId };

function kindSettings(config: VigieConfig, kind: ProbeKind) {
  const { enabled, schedule, timeout, ...options } = config.checks[kind] as { enabled: boolean; schedule: string; timeout: number } & Record<string, unknown>;
  return { enabled, schedule, timeoutMs: timeout, options };
}

function defaultPort(url: URL): number {
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}

export interface PlanFilter {
  platforms?: readonly string[];
  kinds?: readonly string[];
  /** Browser scenarios: all (default), none, or only these names. */
  scenarios?: 'all' | 'none' | readonly string[];
}

export function buildPlan(catalogs: Catalog[], config: VigieConfig, proxy: ProxySettings | undefined, filter: PlanFilter = {}): Plan {
  const wantedPlatforms = filter.platforms?.length ? filter.platforms : undefined;
  const selected = catalogs.filter((c) => !wantedPlatforms || wantedPlatforms.includes(c.platform));
  const rows = catalogRows(selected);
  const envs = config.catalogs.environments;
  const byId = new Map<string, CheckSpec>();
  const wantKind = (k: ProbeKind) => kindSettings(config, k).enabled && (!filter.kinds?.length || filter.kinds.includes(k));

  const add = (kind: ProbeKind, target: CheckTarget, rowIndex: number | undefined, extra: Record<string, unknown> = {}) => {
    if (!wantKind(kind)) return;
    const id = checkId(kind, target);
    const existing = byId.get(id);
    if (existing) {
      if (rowIndex !== undefined && !existing.rows.includes(rowIndex)) existing.rows.push(rowIndex);
      // A host documented with addresses in one row and none in another keeps the documented ones.
      if (kind === 'dns') existing.target.documentedIps = [...new Set([...existing.target.documentedIps, ...target.documentedIps])];
      return;
    }
    const s = kindSettings(config, kind);
    byId.set(id, { id, kind, target, options: { ...s.options, ...extra }, timeoutMs: s.timeoutMs, schedule: s.schedule, rows: rowIndex === undefined ? [] : [rowIndex] });
  };

  rows.forEach((row, i) => {
    if (row.environment && envs && !envs.includes(row.environment)) return;
    const catalog = selected.find((c) => c.platform === row.platform)!;
    const entry = 'url' in row ? catalog.urls.find((u) => u.url === row.url) : catalog.flows.find((f) => f.host === row.host && f.port === row.port && f.transport === row.transport);
    const tlsExtra = {
      ...(catalog.min_tls_version ? { min_version: catalog.min_tls_version } : {}),
      ...(entry?.tls_expect ? { expect_issuers: entry.tls_expect.issuers, expect_spki_sha256: entry.tls_expect.spki_sha256 } : {}),
    };

    const stable = entry?.ips_stable ?? true;
    let host: string;
    let port: number | undefined;
    let url: string | undefined;
    if ('url' in row) {
      const u = new URL(row.url);
      host = u.hostname;
      port = defaultPort(u);
      url = row.url;
    } else {
      host = row.host;
      port = typeof row.port === 'number' ? row.port : undefined;
      // A flow checked for TLS speaks https; the default port is left out of the URL as a browser would.
      const scheme = port === 443 || row.checks.includes('tls') ? 'https' : 'http';
      if (port !== undefined) url = `${scheme}://${host}${port === (scheme === 'https' ? 443 : 80) ? '' : `:${port}`}/`;
    }
    const base = { platform: row.platform, host, documentedIps: row.ips, ipsStable: stable };
    const flowTransport = 'url' in row ? 'udp' : row.transport;
    for (const kind of row.checks as ProbeKind[]) {
      switch (kind) {
        case 'dns':
          add('dns', { ...base, transport: 'udp', documentedIps: [...row.ips] }, i);
          break;
        case 'tls':
          add('tls', { ...base, port, transport: 'tcp' }, i, tlsExtra);
          // Every TLS endpoint also gets its certificate's revocation status checked.
          add('ocsp', { ...base, port, transport: 'tcp' }, i);
          break;
        case 'tcp':
        case 'ocsp':
        case 'turns':
          add(kind, { ...base, port, transport: 'tcp' }, i);
          break;
        case 'http':
          add('http', { ...base, port, transport: 'tcp', url }, i);
          break;
        case 'stun':
        case 'turn':
          add(kind, { ...base, port, transport: flowTransport }, i);
          break;
        case 'relay':
          // The relay test needs credentials to allocate: planned only where the config provides them.
          if (config.service_credentials[host] ?? config.service_credentials[row.platform]) add('relay', { ...base, port, transport: flowTransport }, i);
          break;
      }
    }
  });

  const checks = [...byId.values()];
  const firstHttps = checks.find((c) => c.kind === 'http' && c.target.url?.startsWith('https:'))?.target.url;
  const firstTls = checks.find((c) => c.kind === 'tls');
  const addSite = (kind: 'clock' | 'proxy', host: string, port: number, transport: 'tcp' | 'udp', options: (o: Record<string, unknown>) => Record<string, unknown>) => {
    const s = kindSettings(config, kind);
    const target: CheckTarget = { platform: 'site', documentedIps: [], ipsStable: true, host, port, transport };
    checks.push({ id: checkId(kind, target), kind, target, options: options(s.options), timeoutMs: s.timeoutMs, schedule: s.schedule, rows: [] });
  };
  if (wantKind('clock')) addSite('clock', config.clock.server, config.clock.port, 'udp', (o) => ({ ...o, http_fallback_url: o.http_fallback_url ?? firstHttps }));
  if (proxy && wantKind('proxy'))
    addSite('proxy', proxy.url.hostname, Number(proxy.url.port || 80), 'tcp', (o) => ({ ...o, connect_to: o.connect_to ?? (firstTls ? `${firstTls.target.host}:${firstTls.target.port}` : undefined) }));
  checks.push(...scenarioChecks(config, filter));
  return { catalogs: selected, rows, checks };
}

/** The checks of the config's browser scenarios (turn-relay gives one per transport). */
export function scenarioChecks(config: VigieConfig, filter: PlanFilter = {}): CheckSpec[] {
  const which = filter.scenarios ?? 'all';
  if (which === 'none') return [];
  const out: CheckSpec[] = [];
  for (const entry of config.scenarios) {
    if (!entry.enabled && which === 'all') continue;
    if (which !== 'all' && !which.includes(entry.name)) continue;
    if (which === 'all' && filter.kinds?.length && !filter.kinds.includes(entry.kind)) continue;
    if (filter.platforms?.length && !filter.platforms.includes(entry.platform)) continue;
    const def = SCENARIOS[entry.kind] as unknown as { targets(e: ScenarioEntry): { suffix: string; target: CheckTarget; options: Record<string, unknown> }[] };
    for (const t of def.targets(entry as ScenarioEntry)) {
      out.push({ id: checkId(entry.kind, t.target), kind: entry.kind, scenario: entry.name, target: t.target, options: t.options, timeoutMs: entry.timeout, schedule: entry.schedule, rows: [] });
    }
  }
  return out;
}
