// Vigie's STUN and TURN checks side by side with coturn's own clients doing the same work against
// the same coturn: turnutils_stunclient (one Binding per run) and turnutils_uclient -y (two
// client-to-client allocations with permission, channel and one message each). Their CPU is the
// children's time reported by bash's `times`; Vigie's comes from bench/worker.ts.
import { execFileSync } from 'node:child_process';

export interface PeerCost {
  runs: number;
  /** Units of work done (bindings, allocations). */
  units: number;
  cpuSeconds: number;
  wallSeconds: number;
}

/** Runs `cmd` in bash and returns the CPU its children used (the second line of `times`). */
function childrenCpu(cmd: string): { cpuSeconds: number; wallSeconds: number } {
  const t0 = performance.now();
  const out = execFileSync('bash', ['-c', `${cmd} >/dev/null 2>&1; times`], { encoding: 'utf8', timeout: 300_000 });
  const wallSeconds = (performance.now() - t0) / 1000;
  const line = out.trim().split('\n').at(-1)!;
  const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { cpuSeconds: secs.reduce((a, b) => a + b, 0), wallSeconds };
}

export function stunClientCost(port: number, runs: number): PeerCost {
  return { runs, units: runs, ...childrenCpu(`for i in $(seq ${runs}); do turnutils_stunclient -p ${port} 127.0.0.1; done`) };
}

/** `clients` client pairs in one uclient run: 2 × clients allocations. */
export function uclientCost(port: number, user: string, password: string, clients: number): PeerCost {
  return { runs: 1, units: 2 * clients, ...childrenCpu(`turnutils_uclient -y -c -n 1 -m ${clients} -u ${user} -w ${password} -p ${port} 127.0.0.1`) };
}
