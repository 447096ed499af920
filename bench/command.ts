// The whole `vigie check` command on a catalog of 1,000 TLS rows, as the image runs it (dist/, its
// environment; the daemon's V8 flags are for `vigie run` only), start-up excluded: the CPU of the
// command on 1,000 rows minus the same command on one row. Each row is its own name under
// *.lab.test (the lab DNS answers 127.0.0.1, the lab leaf covers *.lab.test), all served by one
// loopback HTTPS server; concurrency 8. Alternated three times with the floor (bench/floor.ts: the
// same 1,000 names asked of the same DNS server, the same handshakes, closed as Vigie closes them)
// and blackbox_exporter (1,000 handshakes to localhost: it cannot be pointed at the lab DNS).
// `node bench/command.ts` prints the table alone; bench/run.ts includes it.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabPki } from '../lab/pki.ts';
import { startDns } from '../lab/servers.ts';
import { startBlackbox } from './blackbox.ts';
import { imageRuntime, runJson } from './proc.ts';

const root = join(import.meta.dirname, '..');
const image = imageRuntime();
const ROWS = 1000;
const RUNS = 3;

/** The rows' names, '#' their number (bench/floor.ts reads the same pattern). */
const NAMES = 'h#.lab.test';
const name = (i: number) => NAMES.replace('#', String(i).padStart(4, '0'));

export function writeInputs(dir: string, rows: number, port: number, dnsPort: number, caFile: string): string {
  const flows = Array.from({ length: rows }, (_, i) => `  - { host: ${name(i)}, ips: [127.0.0.1], port: ${port}, transport: tcp, direction: out, checks: [tls], source: banc }`);
  writeFileSync(join(dir, `rows-${rows}.yaml`), `platform: banc-${rows}\ntitle: Banc\noperator: Vigie bench\nflows:\n${flows.join('\n')}\n`);
  const config = join(dir, `command-${rows}.yaml`);
  writeFileSync(
    config,
    `dns: { servers: ["127.0.0.1:${dnsPort}"] }\nchecks: { clock: { enabled: false }, proxy: { enabled: false } }\ncatalogs: { platforms: [banc-${rows}], files: [rows-${rows}.yaml] }\ntrust: { extra_ca_files: ["${caFile}"] }\nconcurrency: 8\njitter: 0s\n`,
  );
  return config;
}

/** CPU seconds of one `vigie check --kind tls` (every thread, read at exit by a preload), its checks all ok. */
function vigieCheck(dir: string, config: string, rows: number): Promise<number> {
  const out = join(dir, `cpu-${rows}.json`);
  const preload = join(dir, 'cpu-at-exit.mjs');
  writeFileSync(preload, `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => { const u = process.cpuUsage(); writeFileSync(${JSON.stringify(out)}, String((u.user + u.system) / 1e6)); });\n`);
  const env = { ...process.env, ...image.env, VIGIE_COMPILED: '1', NODE_OPTIONS: `${image.env.NODE_OPTIONS ?? ''} --import=${preload}` };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...image.nodeArgs, join(root, 'bin', 'vigie.js'), 'check', '--config', config, '--kind', 'tls', '--format', 'json'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'], env });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('close', (code) => {
      const results = code === 0 ? (JSON.parse(stdout) as { results: { status: string }[] }).results : [];
      if (results.length !== rows || results.some((r) => r.status !== 'ok')) reject(new Error(`vigie check on ${rows} rows: exit ${code}, ${results.filter((r) => r.status === 'ok').length} ok of ${rows}`));
      else resolve(Number(readFileSync(out, 'utf8')));
    });
  });
}

/** The floor on the same 1,000 names, each asked of the same DNS server. */
async function floorRun(port: number, caFile: string, dnsPort: number): Promise<number> {
  return (await runJson<{ cpuSeconds: number }>([join(root, 'bench', 'floor.ts'), 'tls', NAMES, String(port), String(ROWS), '8', caFile, `127.0.0.1:${dnsPort}`])).cpuSeconds;
}

export interface CommandCost {
  /** CPU seconds for 1,000 rows beyond the one-row command, per run. */
  vigie: number[];
  floor: number[];
  blackbox: number[];
}

export async function commandCost(pki: LabPki, httpsPort: number, dir: string): Promise<CommandCost> {
  const dns = await startDns(Object.fromEntries(Array.from({ length: ROWS }, (_, i) => [name(i), { A: ['127.0.0.1'] }])));
  const blackbox = await startBlackbox(pki.caFile);
  try {
    const big = writeInputs(dir, ROWS, httpsPort, dns.port, pki.caFile);
    const one = writeInputs(dir, 1, httpsPort, dns.port, pki.caFile);
    const out: CommandCost = { vigie: [], floor: [], blackbox: [] };
    for (let i = 0; i < RUNS; i++) {
      out.vigie.push((await vigieCheck(dir, big, ROWS)) - (await vigieCheck(dir, one, 1)));
      out.floor.push(await floorRun(httpsPort, pki.caFile, dns.port));
      out.blackbox.push((await blackbox.probe('tls', `localhost:${httpsPort}`, ROWS, 8)).cpuSeconds);
    }
    return out;
  } finally {
    await blackbox.stop();
    await dns.close();
  }
}

export function commandTable(c: CommandCost): string[] {
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const f = (x: number) => x.toFixed(2);
  return [
    `| 1,000 TLS handshakes, concurrency 8 | CPU (s), ${RUNS} runs | mean (s) | Vigie / this |`,
    '|---|---|---|---|',
    `| whole \`vigie check --kind tls\` as the image runs it, 1,000 rows minus one row (loading, validating and planning the rows, the checks, the JSON output) | ${c.vigie.map(f).join(', ')} | ${f(mean(c.vigie))} | |`,
    `| floor: bare Node, each name asked of the same DNS server, \`tls.connect\` + \`getPeerCertificate\`, close_notify (bench/floor.ts) | ${c.floor.map(f).join(', ')} | ${f(mean(c.floor))} | ${f(mean(c.vigie) / mean(c.floor))} |`,
    `| blackbox_exporter, 1,000 handshakes to localhost, no DNS (its CPU, start-up excluded) | ${c.blackbox.map(f).join(', ')} | ${f(mean(c.blackbox))} | ${f(mean(c.vigie) / mean(c.blackbox))} |`,
  ];
}

if (process.argv[1] === import.meta.filename) {
  const { makePki } = await import('../lab/pki.ts');
  const { startHttps } = await import('../lab/servers.ts');
  const { labTempDir } = await import('../lab/temp.ts');
  const { rmSync } = await import('node:fs');
  const pki = makePki();
  const https = await startHttps(pki.leaves.valid);
  const dir = labTempDir('vigie-command-');
  try {
    console.log(commandTable(await commandCost(pki, https.port, dir)).join('\n'));
  } finally {
    await https.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(pki.dir, { recursive: true, force: true });
  }
}
