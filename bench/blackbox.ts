// The same loopback TCP, TLS and HTTP targets probed by Debian's prometheus-blackbox-exporter, the
// tool users would otherwise pick: N probes through its /probe endpoint at the same concurrency as
// Vigie's worker; CPU seconds of the exporter process (from /proc, start-up excluded), wall time,
// peak RSS. The requests are sent from this process, whose CPU is not counted, as for Vigie.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { closedPort } from '../lab/servers.ts';
import { cpuSeconds, memoryMiB } from './proc.ts';
import { labTempDir } from '../lab/temp.ts';

export interface BlackboxCost {
  kind: string;
  count: number;
  ok: number;
  wallSeconds: number;
  cpuSeconds: number;
  maxRssMiB: number;
}


export async function startBlackbox(caFile: string): Promise<{ probe(kind: 'tcp' | 'tls' | 'http', target: string, count: number, concurrency: number): Promise<BlackboxCost>; stop(): Promise<void> }> {
  const dir = labTempDir('vigie-bbx-');
  const port = await closedPort();
  writeFileSync(
    join(dir, 'blackbox.yml'),
    `modules:
  tcp:
    prober: tcp
    timeout: 5s
    tcp: { preferred_ip_protocol: ip4 }
  tls:
    prober: tcp
    timeout: 5s
    tcp: { preferred_ip_protocol: ip4, tls: true, tls_config: { ca_file: ${caFile} } }
  http:
    prober: http
    timeout: 5s
    http: { preferred_ip_protocol: ip4, tls_config: { ca_file: ${caFile} } }
`,
  );
  const child = spawn('prometheus-blackbox-exporter', [`--config.file=${join(dir, 'blackbox.yml')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${port}/-/healthy`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
  return {
    probe: async (kind, target, count, concurrency) => {
      const limit = pLimit(concurrency);
      const cpu0 = cpuSeconds(child.pid!);
      const t0 = performance.now();
      const results = await Promise.all(
        Array.from({ length: count }, () =>
          limit(async () => {
            const text = await (await fetch(`http://127.0.0.1:${port}/probe?module=${kind}&target=${encodeURIComponent(target)}`)).text();
            return /^probe_success 1$/m.test(text);
          }),
        ),
      );
      const wallSeconds = (performance.now() - t0) / 1000;
      return { kind, count, ok: results.filter(Boolean).length, wallSeconds, cpuSeconds: cpuSeconds(child.pid!) - cpu0, maxRssMiB: memoryMiB(child.pid!, 'VmHWM') };
    },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
