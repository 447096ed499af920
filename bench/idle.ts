// Idle memory of `vigie run` with the embedded catalog, as a checkout runs it (type stripping, Node's
// defaults) and as the image runs it (dist/, the Dockerfile's NODE_OPTIONS and MALLOC_ARENA_MAX):
// RSS 15 s and 60 s after start, split into the process's own pages and mapped files.
// `node bench/idle.ts` prints the table alone (offline DNS and clock servers on loopback); bench/run.ts includes it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort, startDns, startUdpBlackhole } from '../lab/servers.ts';
import { cpuSeconds, imageRuntimeEnv, memoryMiB } from './proc.ts';

const root = join(import.meta.dirname, '..');

export interface IdleFigures {
  rss15: number;
  rss60: number;
  anon: number;
  file: number;
  cpu: number;
}

async function idleRun(config: string, env: Record<string, string>): Promise<IdleFigures> {
  const daemon = spawn(process.execPath, [join(root, 'bin', 'vigie.js'), 'run', '--config', config], { cwd: root, stdio: 'ignore', env: { ...process.env, ...env } });
  await new Promise((r) => setTimeout(r, 15_000));
  const rss15 = memoryMiB(daemon.pid!, 'VmRSS');
  await new Promise((r) => setTimeout(r, 45_000));
  const out = { rss15, rss60: memoryMiB(daemon.pid!, 'VmRSS'), anon: memoryMiB(daemon.pid!, 'RssAnon'), file: memoryMiB(daemon.pid!, 'RssFile'), cpu: cpuSeconds(daemon.pid!) };
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
  return out;
}

/** `config`: a config with the embedded catalogs, its DNS and clock servers reachable, and a free server.listen. */
export async function idleFootprint(config: string): Promise<{ checkout: IdleFigures; image: IdleFigures; imageEnv: Record<string, string> }> {
  const imageEnv = imageRuntimeEnv(join(root, 'deploy', 'Dockerfile'));
  return { checkout: await idleRun(config, {}), image: await idleRun(config, { ...imageEnv, VIGIE_COMPILED: '1' }), imageEnv };
}

export function idleTable(r: Awaited<ReturnType<typeof idleFootprint>>): string[] {
  const f = (n: number) => n.toFixed(1);
  const row = (label: string, x: IdleFigures) => `| ${label} | ${f(x.rss15)} | ${f(x.rss60)} | ${f(x.anon)} | ${f(x.file)} |`;
  return [
    '| idle `vigie run`, embedded catalog | RSS at 15 s (MiB) | RSS at 60 s (MiB) | own pages at 60 s (RssAnon) | mapped files at 60 s (RssFile: node binary, ICU data) |',
    '|---|---|---|---|---|',
    row('checkout (type stripping, Node defaults)', r.checkout),
    row(`as the image runs it (dist/, ${Object.entries(r.imageEnv).map(([k, v]) => `${k}=${v}`).join(', ')})`, r.image),
  ];
}

if (process.argv[1] === import.meta.filename) {
  const servfail = await startDns({}, 'SERVFAIL');
  const hole = await startUdpBlackhole();
  const dir = mkdtempSync(join(tmpdir(), 'vigie-idle-'));
  const config = join(dir, 'run.yaml');
  writeFileSync(config, `dns: { servers: ["127.0.0.1:${servfail.port}"] }\nclock: { server: 127.0.0.1, port: ${hole.port} }\nchecks: { proxy: { enabled: false } }\nserver: { listen: "127.0.0.1:${await closedPort()}" }\njitter: 0s\n`);
  try {
    console.log(idleTable(await idleFootprint(config)).join('\n'));
  } finally {
    await Promise.all([servfail.close(), hole.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
