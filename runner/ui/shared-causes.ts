// One cause, one line: when many checks fail for one establishment-wide cause (its resolver not
// answering, its proxy unreachable, no route out), the page, the report and `vigie check` lead with
// that cause and the one change to ask for, and the checks it explains refer to it instead of
// repeating a per-host fix two hundred times.
import type { CheckResult } from '../core/contract.ts';
import type { Reason } from '../core/reasons.ts';
import { type Lang, reasonText, t, type Word } from './i18n.ts';

/** Reasons that, seen on several hosts at once, point at the establishment rather than at each flow. */
const SITE_CAUSES: Partial<Record<Reason, Word>> = {
  dns_timeout: 'causeDns',
  dns_servfail: 'causeDns',
  proxy_unreachable: 'causeProxy',
  unreachable: 'causeRoute',
};

/** A cause shared by at least this many failed checks on at least two hosts. */
const MIN_CHECKS = 3;

export interface SharedCause {
  reason: Reason;
  text: string;
  fix: string;
  /** Failed checks it explains. */
  count: number;
  hosts: number;
}

export function sharedCauses(results: readonly CheckResult[], lang: Lang): SharedCause[] {
  const by = new Map<Reason, CheckResult[]>();
  for (const r of results) if (r.status === 'failed' && SITE_CAUSES[r.reason]) by.set(r.reason, [...(by.get(r.reason) ?? []), r]);
  return [...by.entries()]
    .map(([reason, rs]) => ({ reason, count: rs.length, hosts: new Set(rs.map((r) => r.host)).size }))
    .filter((c) => c.count >= MIN_CHECKS && c.hosts >= 2)
    .sort((a, b) => b.count - a.count)
    .map((c) => ({ ...c, text: reasonText(c.reason, lang), fix: t(SITE_CAUSES[c.reason]!, lang, { n: c.count, hosts: c.hosts }) }));
}

/** Whether `r` is explained by one of the shared causes (its own fix then refers to it). */
export function explainedBy(r: CheckResult, causes: readonly SharedCause[]): boolean {
  return r.status === 'failed' && causes.some((c) => c.reason === r.reason);
}
