// Compiles the probe to dist/ (tsconfig.build.json) and copies the files it reads at run time next
// to the compiled modules, at the same relative places: the embedded catalogs and the page flows.
// Run by `npm test` set-up and by the image build; never committed.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
/** Data files the compiled modules load relative to themselves. */
const ASSETS = ['catalog', join('scenarios', 'flows')];

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
for (const dir of ASSETS) cpSync(join(root, dir), join(dist, dir), { recursive: true });
