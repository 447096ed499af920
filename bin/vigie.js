#!/usr/bin/env node
// Entry point. Vigie runs on Node 24 (TypeScript executed by Node's type stripping); when started
// by an older system Node, it re-executes itself with the Node 24 the project pins (npm package `node`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const pinned = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(pinned)) {
    process.stderr.write(`vigie: Node ${process.versions.node} is too old (24 required); run "npm install" first\n`);
    process.exit(2);
  }
  const r = spawnSync(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const { main } = await import('../runner/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
