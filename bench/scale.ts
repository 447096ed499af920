// Scale: one `vigie run` with a catalog of N loopback endpoints (TCP + TLS + the OCSP check every
// TLS endpoint gets), for N = 100 and 1,000: time to the first full cycle, CPU per cycle in steady
// state, RSS. Each endpoint is its own HTTPS listener, so every check is a distinct one.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { LabPki } from '../lab/pki.ts';
import { closedPort } from '../lab/servers.ts';
import { cpuSeconds, memoryMiB } from './proc.ts';

export interface ScaleFigure {
  endpoints: number;
  checks: number;
  firstCycleSeconds: number;
  cpuPerCycleSeconds: number;
  rssMiB: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CYCLE_S = 15;

export async function benchScale(pki: LabPki, dir: string, sizes: readonly number[]): Promise<ScaleFigure[]> {
  const root = join(import.meta.dirname, '..');
  const out: ScaleFigure[] = [];
  for (const n of sizes) {
    const servers = await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<https.Server>((resolve) => {
            const s = https.createServer({ cert: pki.leaves.valid.chain, key: pki.leaves.valid.key }, (_q, res) => res.end('ok'));
            s.listen(0, '127.0.0.1', () => resolve(s));
          }),
      ),
    );
    const flows = servers.map((s) => `  - { host: localhost, ips: [], port: ${(s.address() as AddressInfo).port}, transport: tcp, direction: out, checks: [tcp, tls], source: scale }`);
    writeFileSync(join(dir, `scale-${n}.yaml`), `platform: scale\ntitle: Scale\noperator: bench\nflows:\n${flows.join('\n')}\n`);
    const port = await closedPort();
    const every = `{ schedule: "*/${CYCLE_S} * * * * *" }`;
    writeFileSync(
      join(dir, `scale-${n}-vigie.yaml`),
      `server: { listen: "127.0.0.1:${port}" }\njitter: 0s\ntrust: { extra_ca_files: [${pki.caFile}] }\ncatalogs: { platforms: [scale], files: [scale-${n}.yaml] }\nchecks: { clock: { enabled: false }, tcp: ${every}, tls: ${every}, ocsp: ${every} }\n`,
    );
    const t0 = performance.now();
    const probe = spawn(process.execPath, [join(root, 'bin', 'vigie.js'), 'run', '--config', join(dir, `scale-${n}-vigie.yaml`)], { cwd: dir, stdio: 'ignore' });
    while (!(await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false))) await sleep(100);
    const firstCycleSeconds = (performance.now() - t0) / 1000;
    const cpu = () => cpuSeconds(probe.pid!);
    // Steady state: four scheduled cycles.
    const c0 = cpu();
    await sleep(4 * CYCLE_S * 1000);
    const cpuPerCycleSeconds = (cpu() - c0) / 4;
    const rssMiB = memoryMiB(probe.pid!, 'VmRSS');
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const checks = [...metrics.matchAll(/^vigie_checks_configured\{kind="\w+"\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
    probe.kill('SIGTERM');
    await new Promise((r) => probe.once('exit', r));
    await Promise.all(servers.map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r)))));
    out.push({ endpoints: n, checks, firstCycleSeconds, cpuPerCycleSeconds, rssMiB });
  }
  return out;
}
