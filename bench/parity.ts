// `node bench/parity.ts [--write]`: the parity matrix, each group alone on the machine: its size, how
// many cells agree with Chrome and were proven so by the run, and its run time per group. `--write` puts the section
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

/** One group's test file through vitest, alone: its wall time and the ids of the cells whose test passed. */
function runGroup(group: string): { seconds: number; passed: Set<string>; exit: number | null } {
  const out = join(labTempDir('vigie-bench-parity-'), `${group}.json`);
  // The media group's calls run in the media project, as in npm test.
  const project = group === 'media' ? 'media' : 'suite';
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', project, `test/parity/${group}.test.ts`, '--reporter=json', `--outputFile=${out}`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const seconds = (performance.now() - t0) / 1000;
  const report = JSON.parse(readFileSync(out, 'utf8')) as JsonReport;
  const passed = new Set(report.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === 'passed').map((a) => a.title.split(':')[0]!)));
  return { seconds, passed, exit: r.status };
}

/** Runs each group of test/parity/ through vitest, one after the other, and returns the markdown section. */
export function paritySection(): string {
  const rows = PARITY_GROUPS.map((g) => {
    const cells = PARITY_CELLS.filter((c) => c.group === g);
    const run = runGroup(g);
    const proven = cells.filter((c) => c.probe.every((p) => agrees(c.chrome, p)) && run.passed.has(c.id)).length;
    return { g, cells: cells.length, proven, seconds: run.seconds, exit: run.exit };
  });
  const total = rows.reduce((n, x) => n + x.cells, 0);
  const proven = rows.reduce((n, x) => n + x.proven, 0);
  const seconds = rows.reduce((n, x) => n + x.seconds, 0);
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  return `${BEGIN}
## Parity matrix

\`node bench/parity.ts --write\` (${date} UTC): each group of test/parity/ alone on this machine, one
after the other, each in the vitest project \`npm test\` runs it in (\`npm test\` runs the certificate,
TURN and middlebox groups at once with the rest of the suite). A cell agrees when the probe's verdicts
predict what Chromium did (docs/parity.md); "proven" counts the cells whose test passed in this run,
Chrome's outcome and error and the probe's verdicts all as stated. The time is the whole file: lab set-up
(namespaces, servers, PKI), the probe's \`vigie check\`, Chromium against every cell, tear-down.

| group | cells | agree and proven | vitest exit | wall time (s) |
|---|---|---|---|---|
${rows.map((x) => `| ${x.g} | ${x.cells} | ${x.proven} | ${x.exit} | ${x.seconds.toFixed(1)} |`).join('\n')}
| **all** | **${total}** | **${proven} (${((proven / total) * 100).toFixed(0)} %)** | | **${seconds.toFixed(1)}** |
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
