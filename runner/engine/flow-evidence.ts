// The verdict of each documented flow (a catalog row), built from its evidence: the protocol checks
// that cover it, and the media the browser scenarios actually sent (the selected candidate pair's
// remote address, port and protocol, matched to the row by its documented or resolved addresses and
// its port or range). A relayed path proves the TURN row, not the media row. Evidence older than
// `maxAgeMs` no longer proves. DNS alone proves a name, not a flow.
import type { Transport } from '../core/contract.ts';
import type { Reason } from '../core/reasons.ts';
import type { CatalogRow } from '../config/catalog.ts';
import { defaultPort, type Plan } from './plan.ts';
import type { Latest } from './results-store.ts';

export type FlowVerdict = 'proven' | 'failed' | 'unproven';

export interface FlowStatus {
  /** Index of the row in plan.rows. */
  row: number;
  platform: string;
  host: string;
  /** The row's port or range ("49152-65535"). */
  port: string;
  transport: Transport;
  direction: 'out' | 'in';
  verdict: FlowVerdict;
  /** What proved it or what failed: "stun ok", "janus-videoroom salle-test: media host/udp". */
  by: string[];
  /** The cause, when failed, and the check that saw it (its result holds the fix). */
  reason?: Reason;
  failedCheck?: string;
  /** Unix time (s) of the freshest evidence used (unproven: of the row's last check run). */
  at?: number;
}

/** Evidence older than this no longer proves a flow (the config's `evidence_max_age`). */
export const DEFAULT_EVIDENCE_MAX_AGE_MS = 2 * 3_600_000;


function rowFacts(row: CatalogRow): Pick<FlowStatus, 'platform' | 'host' | 'port' | 'transport' | 'direction'> {
  if ('url' in row) {
    const u = new URL(row.url);
    return { platform: row.platform, host: u.hostname, port: String(defaultPort(u)), transport: 'tcp', direction: 'out' };
  }
  return { platform: row.platform, host: row.host, port: String(row.port), transport: row.transport, direction: row.direction };
}

function portMatches(rowPort: string, port: number): boolean {
  const [lo, hi] = rowPort.split('-').map(Number);
  return hi === undefined ? lo === port : port >= (lo ?? 0) && port <= hi;
}

/** The addresses each host resolved to at its last dns check (what media is matched against). */
function resolved(plan: Plan, latest: ReadonlyMap<string, Latest>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of plan.checks.filter((x) => x.kind === 'dns')) {
    const o = latest.get(c.id)?.result.observations;
    const all = [o?.addresses, o?.addresses6].flatMap((v) => (Array.isArray(v) ? v.map(String) : []));
    out.set(c.target.host, [...(out.get(c.target.host) ?? []), ...all]);
  }
  return out;
}

interface Proof {
  by: string;
  at: number;
}

/** Rows a scenario's media proved: the path it took, matched to rows. */
function mediaProofs(plan: Plan, latest: ReadonlyMap<string, Latest>, freshAfter: number): Map<number, Proof[]> {
  const proofs = new Map<number, Proof[]>();
  const addresses = resolved(plan, latest);
  const add = (i: number, p: Proof) => proofs.set(i, [...(proofs.get(i) ?? []), p]);
  for (const c of plan.checks.filter((x) => x.scenario !== undefined)) {
    const l = latest.get(c.id);
    if (!l || l.endedAt < freshAfter || (l.result.status !== 'ok' && l.result.status !== 'degraded')) continue;
    const o = l.result.observations;
    const relayed = o.local_candidate_type === 'relay';
    const by = `${c.kind} ${c.scenario}: ${relayed ? `relay/${String(o.relay_protocol)}` : `${String(o.local_candidate_type)}/${String(o.candidate_protocol)}`}`;
    plan.rows.forEach((row, i) => {
      if ('url' in row || row.direction !== 'out') return;
      const f = rowFacts(row);
      if (relayed) {
        // Only the relay scenario knows its TURN server: the row of that server, port and transport.
        if (c.kind === 'turn-relay' && (row.host === c.target.host || row.ips.includes(c.target.host)) && c.target.port !== undefined && portMatches(f.port, c.target.port) && row.transport === c.target.transport) add(i, { by, at: l.endedAt });
        return;
      }
      const address = typeof o.remote_address === 'string' ? o.remote_address : undefined;
      const port = typeof o.remote_port === 'number' ? o.remote_port : undefined;
      if (!address || port === undefined || o.candidate_protocol !== row.transport || !portMatches(f.port, port)) return;
      if (row.ips.includes(address) || (addresses.get(row.host) ?? []).includes(address)) add(i, { by, at: l.endedAt });
    });
  }
  return proofs;
}

/**
 * Rows an answered OCSP request proved: the responder's host and port (the certificate's AIA
 * names it by name or address), a flow no check of its own row can open without asking.
 */
function responderProofs(plan: Plan, latest: ReadonlyMap<string, Latest>, freshAfter: number): Map<number, Proof[]> {
  const proofs = new Map<number, Proof[]>();
  for (const c of plan.checks.filter((x) => x.kind === 'ocsp')) {
    const l = latest.get(c.id);
    const url = l?.result.observations.responder_url;
    if (!l || l.endedAt < freshAfter || typeof url !== 'string' || l.result.status !== 'ok') continue;
    const u = new URL(url);
    const port = defaultPort(u);
    plan.rows.forEach((row, i) => {
      if ('url' in row || row.transport !== 'tcp' || !portMatches(String(row.port), port)) return;
      if (row.host === u.hostname || row.ips.includes(u.hostname)) proofs.set(i, [...(proofs.get(i) ?? []), { by: `ocsp ${c.target.host}: responder answered`, at: l.endedAt }]);
    });
  }
  return proofs;
}

const NOT_PROVING = new Set(['dns']);

/** Every row of the plan with its verdict, freshest evidence first. */
export function flowStatuses(plan: Plan, latest: ReadonlyMap<string, Latest>, now = Date.now() / 1000, maxAgeMs = DEFAULT_EVIDENCE_MAX_AGE_MS): FlowStatus[] {
  const freshAfter = now - maxAgeMs / 1000;
  const media = mediaProofs(plan, latest, freshAfter);
  const responders = responderProofs(plan, latest, freshAfter);
  return plan.rows.map((row, i): FlowStatus => {
    const facts = rowFacts(row);
    const failed: { by: string; at: number; reason: Reason; id: string }[] = [];
    const proofs: Proof[] = [...(media.get(i) ?? []), ...(responders.get(i) ?? [])];
    let lastRun: number | undefined;
    for (const c of plan.checks.filter((x) => x.rows.includes(i))) {
      const l = latest.get(c.id);
      if (!l || l.endedAt < freshAfter) continue;
      lastRun = Math.max(lastRun ?? 0, l.endedAt);
      const r = l.result;
      if (r.status === 'failed') failed.push({ by: `${c.kind} ${r.reason}`, at: l.endedAt, reason: r.reason, id: c.id });
      else if ((r.status === 'ok' || r.status === 'degraded') && !NOT_PROVING.has(c.kind)) proofs.push({ by: `${c.kind} ${r.status}`, at: l.endedAt });
    }
    // A failure seen now outweighs older proof: the flow is broken until a check says otherwise.
    if (failed.length) return { row: i, ...facts, verdict: 'failed', by: failed.map((f) => f.by), reason: failed[0]!.reason, failedCheck: failed[0]!.id, at: Math.max(...failed.map((f) => f.at)) };
    if (proofs.length) return { row: i, ...facts, verdict: 'proven', by: proofs.map((p) => p.by), at: Math.max(...proofs.map((p) => p.at)) };
    return { row: i, ...facts, verdict: 'unproven', by: [], ...(lastRun !== undefined ? { at: lastRun } : {}) };
  });
}
