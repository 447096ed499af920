// `node bench/parity.ts [--write]`: the parity matrix run as `npm test` runs it (test/parity/, the
// suite's files and the media group's calls), alone on the machine: its size, how many cells agree
// with Chrome and were proven so by the run, and its run time per group. `--write` puts the section
// in bench/RESULTS.md (npm run bench does too, bench/run.ts).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agrees, PARITY_GROUPS } from '../lab/parity/cell.ts';
import { PARITY_CELLS } from '../lab/parity/cells.ts';
import { labTempDir } from '../lab/temp.ts';

const ROOT = join(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'bench', 'RESULTS.md');
const BEGIN = '<!-- parity:begin -->';
const END = '<!-- parity:end -->';

interface JsonReport {
  testResults: { name: string; startTime: number; endTime: number; assertionResults: { status: string; title: string }[] }[];
}

/** Runs test/parity/ through vitest and returns the markdown section. */
export function paritySection(): string {
  const out = join(labTempDir('vigie-bench-parity-'), 'parity.json');
  const t0 = performance.now();
  // The media group's calls run in the media project, as in npm test: one after the other.
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'suite', '--project', 'media', 'test/parity', '--reporter=json', `--outputFile=${out}`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const wall = (performance.now() - t0) / 1000;
  const report = JSON.parse(readFileSync(out, 'utf8')) as JsonReport;
  const file = (g: string) => report.testResults.find((t) => t.name.endsWith(`test/parity/${g === 'certificates' ? 'certificates' : g}.test.ts`));
  const rows = PARITY_GROUPS.map((g) => {
    const cells = PARITY_CELLS.filter((c) => c.group === g);
    const f = file(g);
    const passed = new Set((f?.assertionResults ?? []).filter((a) => a.status === 'passed').map((a) => a.title.split(':')[0]));
    const proven = cells.filter((c) => c.probe.every((p) => agrees(c.chrome, p)) && passed.has(c.id)).length;
    const seconds = f ? ((f.endTime - f.startTime) / 1000).toFixed(1) : '–';
    return { g, cells: cells.length, proven, seconds };
  });
  const total = rows.reduce((n, x) => n + x.cells, 0);
  const proven = rows.reduce((n, x) => n + x.proven, 0);
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  return `${BEGIN}
## Parity matrix

\`node bench/parity.ts --write\` (${date} UTC, vitest exit ${r.status}): test/parity/ alone on this machine, as
\`npm test\` runs it (the certificate, TURN and middlebox groups in the suite's project, the media calls in
the media project). A cell agrees when the probe's verdicts predict what Chromium did (docs/parity.md);
"proven" counts the cells whose test passed in this run, Chrome's outcome and the probe's verdicts both
as stated.

| group | cells | agree and proven | run time of its file (s) |
|---|---|---|---|
${rows.map((x) => `| ${x.g} | ${x.cells} | ${x.proven} | ${x.seconds} |`).join('\n')}
| **all** | **${total}** | **${proven} (${((proven / total) * 100).toFixed(0)} %)** | ${wall.toFixed(1)} wall for the whole run |
${END}`;
}

if (process.argv[1] === import.meta.filename) {
  const section = paritySection();
  console.log(section);
  if (process.argv.includes('--write')) {
    const text = readFileSync(RESULTS, 'utf8');
    const at = text.indexOf(BEGIN);
    const next = at >= 0 ? text.slice(0, at) + section + text.slice(text.indexOf(END) + END.length) : `${text.trimEnd()}\n\n${section}\n`;
    writeFileSync(RESULTS, next);
  }
}
