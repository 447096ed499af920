// docs/parity.md, generated from the cells' statements (which test/parity/ proves against Chromium
// and the probe on every run): one table of every cell, Chrome's outcome and error, the probe's
// verdicts and fix, and whether they agree.
import type { CheckResult } from '../../runner/core/contract.ts';
import { fixText } from '../../runner/ui/fix-text.ts';
import { agrees, CAUSES, PARITY_GROUPS, type ParityCell } from './cell.ts';

const PORTS: Record<string, { port: number; transport: 'tcp' | 'udp' }> = {
  tls: { port: 443, transport: 'tcp' },
  http: { port: 443, transport: 'tcp' },
  turn: { port: 3478, transport: 'udp' },
  turns: { port: 443, transport: 'tcp' },
  stun: { port: 10000, transport: 'udp' },
  tcp: { port: 10000, transport: 'tcp' },
  nontls: { port: 10000, transport: 'tcp' },
};

/** The result a cell states for one check, as the fix text reads results. */
function stated(cell: ParityCell, p: ParityCell['probe'][number]): CheckResult {
  const where = p.flow ?? PORTS[p.kind] ?? { port: 443, transport: 'tcp' as const };
  return { platform: 'parity', host: `${cell.id}.parity.test`, port: where.port, transport: where.transport, kind: p.kind, target: '', status: p.status, reason: p.reason, message: '', durationSeconds: 0, phases: {}, observations: {} };
}

const cellAgrees = (c: ParityCell): boolean => c.probe.every((p) => agrees(c.chrome, p));
const esc = (s: string): string => s.replace(/\|/g, '\\|');

export function renderParityDoc(cells: readonly ParityCell[]): string {
  const agreeing = cells.filter(cellAgrees).length;
  const byGroup = PARITY_GROUPS.map((g) => `${g} ${cells.filter((c) => c.group === g).length}`).join(', ');
  const rows = cells.map((c) => {
    const verdicts = c.probe.map((p) => `${p.kind}: ${p.status}${p.status === 'ok' ? '' : ` \`${p.reason}\``}`).join('<br>');
    const fixes = [...new Set(c.probe.filter((p) => p.status !== 'ok').map((p) => fixText(stated(c, p), [], 'en')).filter(Boolean))].join('<br>');
    return `| \`${c.id}\` | ${esc(c.behaviour)} | ${c.group} | ${esc(c.by)} | ${c.chrome.outcome} | \`${c.chrome.error}\` | ${verdicts} | ${esc(fixes) || '–'} | ${cellAgrees(c) ? 'yes' : 'no'} |`;
  });
  const causes = Object.entries(CAUSES).map(([error, reasons]) => `| \`${error}\` | ${reasons.map((r) => `\`${r}\``).join(', ')} |`);
  return `# Parity matrix: the probe's verdicts against Chrome's

Generated from \`lab/parity/\` by \`npm run docs\`; do not edit by hand. \`test/parity/\` proves every row on
each run of \`npm test\`: it builds the cell in the lab, drives Chromium against it and runs the probe's checks
against it, and fails when Chrome or the probe does anything other than this table says.

A verdict is worth what it predicts: whether the flow works for the people who use the platform, in
Chrome or Edge. Each cell is one real endpoint behaviour: a real server (nginx, coturn, Janus, OpenSSL) or
a real middlebox (nftables, squid, an inspecting or filtering appliance) between the probe and the server,
inside the lab's network namespaces. Chromium (Debian's, driven by playwright-core) trusts the lab's roots
the way an establishment's managed CA is trusted, through the NSS database in its home, never with a flag
that turns verification off; it loads the page (\`fetch\`/navigation), gathers TURN relay candidates with
\`iceTransportPolicy: 'relay'\`, or makes a real call. Its error is its own: the net error of the
navigation, the \`icecandidateerror\` code of the gathering, or what the call got.

**Agreement**: Chrome works and the check is \`ok\`, \`degraded\` with a reason someone can act on (a
misconfiguration the browser tolerates, and its fix), or \`unproven\` (it claims nothing, asks nothing);
Chrome fails and the check is \`failed\` with a reason that names Chrome's cause (the table at the end).

**${cells.length} cells** (${byGroup}); **${agreeing} of ${cells.length} agree** (${((agreeing / Math.max(1, cells.length)) * 100).toFixed(0)} %).

| cell | behaviour | group | by | Chrome | Chrome's error | the probe | fix | agree |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

## Chrome's errors and the reasons that name the same cause

| Chrome's error | the probe's reasons |
|---|---|
${causes.join('\n')}
`;
}
