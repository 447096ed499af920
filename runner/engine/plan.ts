// Expands catalogs + config into the list of checks to run. Each kind's definition says how it is
// planned (per catalog row, once for the site, or per scenario entry); this module only walks the
// rows and merges. A check's identity is its metric label set (kind, platform, host, port,
// transport): rows that share it (the dns check of a host with six flows, two URLs on one host)
// are covered by one check, listed in `rows`.
import type { Catalog, CatalogRow } from '../config/catalog.ts';
import { catalogRows, stageOf } from '../config/catalog.ts';
import type { VigieConfig } from '../config/config.ts';
import { KINDS, type KindName, PROBE_KINDS, PROBES, type ProbeKind } from '../config/kinds.ts';
import { checkId } from '../core/check-id.ts';
import type { CheckTarget, ProxySettings } from '../core/contract.ts';
import type { PlanRow, Planned } from '../core/definition.ts';

export interface CheckSpec {
  /** Stable identity: `kind|platform|host|port|transport`. */
  id: string;
  kind: KindName;
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

export interface PlanFilter {
  platforms?: readonly string[];
  kinds?: readonly string[];
  /** Browser scenarios: all (default), none, or only these names. */
  scenarios?: 'all' | 'none' | readonly string[];
}

function kindSettings(config: VigieConfig, kind: ProbeKind) {
  const { enabled, schedule, timeout, ...options } = config.checks[kind] as { enabled: boolean; schedule: string; timeout: number } & Record<string, unknown>;
  return { enabled, schedule, timeoutMs: timeout, options };
}

/** The port a URL reaches (its own, else its scheme's). */
export const defaultPort = (url: URL): number => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

/** What the kinds' planners need of one catalog row: where it points, and what the row and its platform expect. */
function planRow(row: CatalogRow, catalog: Catalog, config: VigieConfig): PlanRow {
  const entry = 'url' in row ? catalog.urls.find((u) => u.url === row.url) : catalog.flows.find((f) => f.host === row.host && f.port === row.port && f.transport === row.transport);
  const tls = {
    ...(catalog.min_tls_version ? { min_version: catalog.min_tls_version } : {}),
    ...(entry?.tls_expect ? { expect_issuers: entry.tls_expect.issuers, expect_spki_sha256: entry.tls_expect.spki_sha256 } : {}),
  };
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
  return {
    platform: row.platform,
    host,
    port,
    url,
    transport: 'url' in row ? 'udp' : row.transport,
    documentedIps: row.ips,
    ipsStable: entry?.ips_stable ?? true,
    tls,
    hasCredentials: (config.service_credentials[host] ?? config.service_credentials[row.platform]) !== undefined,
    role: 'url' in row ? undefined : row.role,
    direct: entry?.bypasses_proxy ?? catalog.bypasses_proxy,
    rejectsNtlmProxy: catalog.rejects_ntlm_proxy,
  };
}

/** The kinds a row's check name brings: the kind itself, then those planned along with it (tls → ocsp). */
function kindsFor(check: string): ProbeKind[] {
  return PROBE_KINDS.filter((k) => {
    const p = PROBES[k].planning;
    return p.scope === 'row' && (k === check || (p.alsoFor?.includes(check) ?? false));
  }).sort((a, b) => Number(b === check) - Number(a === check));
}

export function buildPlan(catalogs: Catalog[], config: VigieConfig, proxy: ProxySettings | undefined, filter: PlanFilter = {}): Plan {
  const selected = catalogs.filter((c) => !filter.platforms?.length || filter.platforms.includes(c.platform));
  const rows = catalogRows(selected);
  const envs = config.catalogs.environments;
  const byId = new Map<string, CheckSpec>();
  const wantKind = (k: ProbeKind) => kindSettings(config, k).enabled && (!filter.kinds?.length || filter.kinds.includes(k));

  const add = (kind: ProbeKind, planned: Planned, rowIndex: number | undefined) => {
    const { target } = planned;
    const id = checkId(kind, target);
    const existing = byId.get(id);
    if (existing) {
      if (rowIndex !== undefined && !existing.rows.includes(rowIndex)) existing.rows.push(rowIndex);
      // A host documented with addresses in one row and none in another keeps the documented ones.
      existing.target.documentedIps = [...new Set([...existing.target.documentedIps, ...target.documentedIps])];
      return;
    }
    const s = kindSettings(config, kind);
    byId.set(id, { id, kind, target, options: { ...s.options, ...planned.options }, timeoutMs: s.timeoutMs, schedule: s.schedule, rows: rowIndex === undefined ? [] : [rowIndex] });
  };

  rows.forEach((row, i) => {
    if (envs && stageOf(row.environment) === 'preproduction' && !envs.includes('preproduction')) return;
    const facts = planRow(row, selected.find((c) => c.platform === row.platform)!, config);
    for (const kind of row.checks.flatMap(kindsFor)) {
      const planning = PROBES[kind].planning;
      const planned = wantKind(kind) && planning.scope === 'row' ? planning.plan(facts) : undefined;
      if (planned) add(kind, planned, i);
    }
    // A documented alias (the CDN name behind Covotem's OCSP host) is a name a DNS or proxy filter
    // must let through too: it gets its own dns check, its addresses expected to move.
    const dns = PROBES.dns.planning;
    if (!('url' in row) && row.checks.includes('dns') && wantKind('dns') && dns.scope === 'row') {
      const entry = selected.find((c) => c.platform === row.platform)!.flows.find((f) => f.host === row.host && f.port === row.port && f.transport === row.transport);
      for (const alias of entry?.aliases ?? []) {
        const planned = dns.plan({ ...facts, host: alias, documentedIps: [], ipsStable: false });
        if (planned) add('dns', planned, i);
      }
    }
  });

  const checks = [...byId.values()];
  const site = { clock: { host: config.clock.server, port: config.clock.port }, proxy, planned: [...checks] };
  for (const kind of PROBE_KINDS) {
    const planning = PROBES[kind].planning;
    if (planning.scope !== 'site' || !wantKind(kind)) continue;
    const s = kindSettings(config, kind);
    const planned = planning.plan(site, s.options);
    if (planned) checks.push({ id: checkId(kind, planned.target), kind, target: planned.target, options: { ...s.options, ...planned.options }, timeoutMs: s.timeoutMs, schedule: s.schedule, rows: [] });
  }
  checks.push(...scenarioChecks(config, filter));
  return { catalogs: selected, rows, checks };
}

/** The platforms an RCP session of `platform` relies on: itself and what it depends on, transitively. */
export function sessionPlatforms(catalogs: readonly Pick<Catalog, 'platform' | 'depends_on'>[], platform: string): string[] {
  const out = [platform];
  for (let i = 0; i < out.length; i++) for (const d of catalogs.find((c) => c.platform === out[i])?.depends_on ?? []) if (!out.includes(d)) out.push(d);
  return out;
}

/** What a session of `platform` needs checked: its platforms' checks (dependencies included) and the site's (clock, proxy). */
export function sessionChecks(checks: readonly CheckSpec[], catalogs: readonly Pick<Catalog, 'platform' | 'depends_on'>[], platform: string): CheckSpec[] {
  const platforms = sessionPlatforms(catalogs, platform);
  return checks.filter((c) => platforms.includes(c.target.platform) || c.target.platform === 'site');
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
    const planning = KINDS[entry.kind].planning;
    if (planning.scope !== 'scenario') continue;
    for (const t of planning.plan(entry)) {
      out.push({ id: checkId(entry.kind, t.target, entry.name), kind: entry.kind, scenario: entry.name, target: t.target, options: { ...t.options }, timeoutMs: entry.timeout, schedule: entry.schedule, rows: [] });
    }
  }
  return out;
}
