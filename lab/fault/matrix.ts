// docs/fault-matrix.md read as data: per fault profile, what each check must report. The fault
// matrix test and the soak both hold the probe to it.
import { join } from 'node:path';
import type { CheckResult } from '../../runner/core/contract.ts';
import { REPO_ROOT } from '../paths.ts';

export const MATRIX_FILE = join(REPO_ROOT, 'docs', 'fault-matrix.md');

export interface Expected {
  status: string;
  reason: string;
  says: string;
}

export interface Section {
  rows: Map<string, Expected>;
  fix?: string;
}

/** The tables of docs/fault-matrix.md, one section per profile (`## \`name\``). */
export function readMatrix(text: string): Map<string, Section> {
  const sections = new Map<string, Section>();
  let current: Section | undefined;
  for (const line of text.split('\n')) {
    const heading = /^## `([a-z0-9-]+)`$/.exec(line);
    if (heading) {
      current = { rows: new Map() };
      sections.set(heading[1]!, current);
      continue;
    }
    if (!current) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim().replace(/^`(.*)`$/, '$1'));
    if (cells.length === 4 && ['ok', 'degraded', 'failed', 'unproven'].includes(cells[1]!)) current.rows.set(cells[0]!, { status: cells[1]!, reason: cells[2]!, says: cells[3]! });
    const fix = /^\*\*Ask the network team:\*\* (.*)$/.exec(line);
    if (fix) current.fix = fix[1];
  }
  return sections;
}

/** How the matrix names a check: `kind host:port/transport`, `dns host`, or the kind alone for the site checks. */
export const checkName = (r: Pick<CheckResult, 'kind' | 'host' | 'port' | 'transport'>): string =>
  r.kind === 'clock' || r.kind === 'proxy' ? r.kind : r.kind === 'dns' ? `dns ${r.host}` : `${r.kind} ${r.host}:${r.port}/${r.transport}`;

/**
 * Holds results to the matrix's section for `profile`: the checks that ran against the ones planned
 * (the healthy network's, plus the profile's own rows), and every result that differs from what
 * the matrix documents (a check the profile does not list reports what it does on a healthy network).
 * Results of checks the matrix does not name (browser scenarios) are left out. `liveCalls`: the
 * probe runs browser scenarios against the media server meanwhile.
 */
export function compareToMatrix(
  matrix: Map<string, Section>,
  profile: string,
  results: readonly CheckResult[],
  opts: { liveCalls?: boolean } = {},
): { checks: string[]; planned: string[]; mismatches: string[] } {
  const healthy = matrix.get('none')!.rows;
  const section = matrix.get(profile);
  if (!section) throw new Error(`docs/fault-matrix.md has no section for "${profile}"`);
  const planned = [...new Set([...healthy.keys(), ...section.rows.keys()])].sort();
  const kinds = new Set([...matrix.values()].flatMap((sec) => [...sec.rows.keys()].map((k) => k.split(' ')[0]!)));
  const got = new Map(results.filter((r) => kinds.has(r.kind)).map((r) => [checkName(r), r]));
  const mismatches: string[] = [];
  for (const [check, r] of got) {
    const want = section.rows.get(check) ?? healthy.get(check) ?? { status: 'ok', reason: '', says: '' };
    const reason = r.status === 'ok' ? '' : r.reason;
    // While the probe's own scenario holds a call on the media server (vigie run), the ICE port the
    // matrix documents as unproven (no session, no answer) answers that call's port: proven open.
    if (opts.liveCalls && want.reason === 'ice_port_unproven' && r.status === 'ok') continue;
    if (r.status !== want.status || reason !== want.reason || !r.message.includes(want.says))
      mismatches.push(`${check}: got ${r.status} ${reason} "${r.message}", documented ${want.status} ${want.reason} "${want.says}"`);
  }
  return { checks: [...got.keys()].sort(), planned, mismatches };
}
