#!/usr/bin/env node
// Entry point. Vigie runs on Node 24: from a checkout, the TypeScript sources through Node's type
// stripping; in the image (no sources) or with VIGIE_COMPILED=1, the JavaScript that `npm run build`
// writes to dist/ (less memory, faster start). When started by an older system Node, it re-executes
// itself with the Node 24 the project pins (npm package `node`).
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
// The daemon's V8 flags (VIGIE_RUN_NODE_FLAGS; the image sets them): an idle probe trades
// JavaScript speed for memory, a one-shot command (check, report) keeps V8's defaults. V8 reads
// its flags only at start, so `run` replaces itself (same PID, under tini) with a Node given them.
const daemonFlags = process.argv[2] === 'run' ? (process.env.VIGIE_RUN_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean) : [];
if (daemonFlags.some((f) => !process.execArgv.includes(f))) {
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...daemonFlags, fileURLToPath(import.meta.url), ...process.argv.slice(2)]);
}
const source = new URL('../runner/cli/main.ts', import.meta.url);
const compiled = process.env.VIGIE_COMPILED === '1' || !existsSync(source);
const { main } = await import(compiled ? '../dist/runner/cli/main.js' : source.href);
process.exitCode = await main(process.argv.slice(2));
