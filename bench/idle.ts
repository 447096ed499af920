// Idle memory of `vigie run` with the embedded catalog, as a checkout runs it (type stripping, Node's
// defaults) and as the image runs it (dist/, the Dockerfile's MALLOC_ARENA_MAX and VIGIE_RUN_NODE_FLAGS):
// RSS 15 s and 60 s after start, split into the process's own pages and mapped files.
// What stays resident is what the kinds loaded when they ran, so beside the embedded catalog (whose
// names the offline lab DNS answers SERVFAIL) one lab row is reachable: a real HTTPS server whose
// certificate names an OCSP responder (openssl ocsp), so that http, tls and ocsp carry a whole
// exchange by 60 s, as in production.
// `node bench/idle.ts` prints the table alone; bench/run.ts includes it.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeOcspLab } from '../lab/ocsp-pki.ts';
import { closedPort, startDns, startHttps, startUdpBlackhole } from '../lab/servers.ts';
import { labTempDir } from '../lab/temp.ts';
import { cpuSeconds, imageRuntime, memoryMiB } from './proc.ts';

const root = join(import.meta.dirname, '..');

export interface IdleFigures {
  rss15: number;
  rss60: number;
  anon: number;
  file: number;
  cpu: number;
}

/** Runs `vigie run --config` with `env` and node's `nodeArgs` while `measure` looks at it, then stops it with SIGTERM. */
export async function withDaemon<T>(config: string, env: Record<string, string>, nodeArgs: readonly string[], measure: (pid: number) => Promise<T>): Promise<T> {
  const daemon = spawn(process.execPath, [...nodeArgs, join(root, 'bin', 'vigie.js'), 'run', '--config', config], { cwd: root, stdio: 'ignore', env: { ...process.env, ...env } });
  try {
    return await measure(daemon.pid!);
  } finally {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
  }
}

function idleRun(config: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<IdleFigures> {
  return withDaemon(config, env, nodeArgs, async (pid) => {
    await new Promise((r) => setTimeout(r, 15_000));
    const rss15 = memoryMiB(pid, 'VmRSS');
    await new Promise((r) => setTimeout(r, 45_000));
    return { rss15, rss60: memoryMiB(pid, 'VmRSS'), anon: memoryMiB(pid, 'RssAnon'), file: memoryMiB(pid, 'RssFile'), cpu: cpuSeconds(pid) };
  });
}

/** `config`: a config with the embedded catalogs, its DNS and clock servers reachable, and a free server.listen. */
export async function idleFootprint(config: string): Promise<{ checkout: IdleFigures; image: IdleFigures; imageEnv: Record<string, string>; imageArgs: string[] }> {
  const { env: imageEnv, nodeArgs: imageArgs } = imageRuntime();
  return { checkout: await idleRun(config, {}), image: await idleRun(config, { ...imageEnv, VIGIE_COMPILED: '1' }, imageArgs), imageEnv, imageArgs };
}

export function idleTable(r: Awaited<ReturnType<typeof idleFootprint>>): string[] {
  const f = (n: number) => n.toFixed(1);
  const row = (label: string, x: IdleFigures) => `| ${label} | ${f(x.rss15)} | ${f(x.rss60)} | ${f(x.anon)} | ${f(x.file)} |`;
  return [
    '| idle `vigie run`, embedded catalog | RSS at 15 s (MiB) | RSS at 60 s (MiB) | own pages at 60 s (RssAnon) | mapped files at 60 s (RssFile: node binary, ICU data) |',
    '|---|---|---|---|---|',
    row('checkout (type stripping, Node defaults)', r.checkout),
    row(`as the image runs it (dist/, ${[...r.imageArgs.map((a) => `node ${a}`), ...Object.entries(r.imageEnv).map(([k, v]) => `${k}=${v}`)].join(', ')})`, r.image),
  ];
}

/** The idle lab: offline DNS and clock, one reachable HTTPS row with OCSP; `config` is its vigie.yaml. */
export interface IdleLab {
  /** Its vigie.yaml. */
  config: string;
  /** Where the probe's server listens on 127.0.0.1. */
  listenPort: number;
  close: () => Promise<void>;
}

export async function startIdleLab(): Promise<IdleLab> {
  const dns = await startDns({}, 'SERVFAIL');
  const hole = await startUdpBlackhole();
  const ocsp = await makeOcspLab();
  await ocsp.startResponder();
  const https = await startHttps(ocsp.leaves.good);
  const dir = labTempDir('vigie-idle-');
  writeFileSync(join(dir, 'root.pem'), ocsp.rootPem);
  writeFileSync(
    join(dir, 'idle.yaml'),
    `platform: idle-lab
title: Serveur HTTPS du banc
operator: Vigie lab
flows:
  - { host: 127.0.0.1, ips: [127.0.0.1], port: ${https.port}, transport: tcp, direction: out, checks: [tcp, tls, ocsp], source: "banc : serveur HTTPS" }
urls:
  - { url: "https://127.0.0.1:${https.port}/", checks: [http], source: "banc : serveur HTTPS" }
`,
  );
  const listenPort = await closedPort();
  const config = join(dir, 'run.yaml');
  writeFileSync(
    config,
    `dns: { servers: ["127.0.0.1:${dns.port}"] }
clock: { server: 127.0.0.1, port: ${hole.port} }
checks: { proxy: { enabled: false } }
catalogs: { files: [idle.yaml] }
trust: { extra_ca_files: [root.pem] }
server: { listen: "127.0.0.1:${listenPort}" }
jitter: 0s
`,
  );
  return {
    config,
    listenPort,
    close: async () => {
      await Promise.all([dns.close(), hole.close(), https.close()]);
      await ocsp.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] === import.meta.filename) {
  const lab = await startIdleLab();
  try {
    console.log(idleTable(await idleFootprint(lab.config)).join('\n'));
  } finally {
    await lab.close();
  }
}
