// What the default plan costs for one HTTPS endpoint whose certificate names an OCSP responder and
// a CA issuers URL (the lab's openssl ocsp PKI): per kind, the connections and TLS handshakes the
// endpoint sees and the probe's CPU per run (the ocsp check's exchanges with the responder
// included) (a child process runs 20 checks of the kind one after the other, each with a fresh
// outcome cache as runs minutes apart have); times each kind's runs per hour from its default
// schedule. It tells what sharing one handshake between the kinds (TLS facts and the certificate
// for OCSP from the http check's handshake) could save.
// `node bench/endpoint-cost.ts` prints the table alone; bench/run.ts includes it.
import { join } from 'node:path';
import { makeOcspLab } from '../lab/ocsp-pki.ts';
import { type HandshakeLog, startHttps } from '../lab/servers.ts';
import { SystemTrustStore } from '../probes/lib/tls/trust.ts';
import { executeCheck } from '../runner/engine/execute.ts';
import { makeShared } from '../runner/engine/shared-context.ts';
import { MemoryOutcomeCache } from '../runner/core/services.ts';
import { spec, target } from '../test/helpers.ts';
import { runJson } from './proc.ts';

const root = join(import.meta.dirname, '..');
const RUNS = 20;
const KINDS = ['tcp', 'tls', 'ocsp', 'http'] as const;
type Kind = (typeof KINDS)[number];

export interface KindCost {
  kind: Kind;
  schedule: string;
  perHour: number;
  connections: number;
  handshakes: number;
  cpuMs: number;
  ok: number;
}

/** The child: RUNS checks of `kind`, one after the other; prints CPU seconds and how many were ok. */
async function child(kind: Kind, port: number, rootPem: string): Promise<void> {
  const trust = new SystemTrustStore([rootPem]);
  const s = spec(kind, target({ host: 'localhost', port, ...(kind === 'http' ? { url: `https://localhost:${port}/` } : {}) }), { timeoutMs: 5000 });
  await executeCheck(s, makeShared({ trust })); // loads the kind's modules and the trust store, as a long-lived probe has
  const cpu0 = process.cpuUsage();
  let ok = 0;
  for (let i = 0; i < RUNS; i++) if ((await executeCheck(s, makeShared({ trust, outcomes: new MemoryOutcomeCache() }))).status === 'ok') ok++;
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ cpuSeconds: (cpu.user + cpu.system) / 1e6, ok }));
}

/** Runs per hour of a five-field cron schedule whose minute field is `*` or `*\/N` (the defaults). */
function runsPerHour(schedule: string): number {
  const minute = schedule.trim().split(/\s+/)[0]!;
  if (minute === '*') return 60;
  const m = /^\*\/(\d+)$/.exec(minute);
  return m ? 60 / Number(m[1]) : 1;
}

export async function endpointCost(): Promise<KindCost[]> {
  const lab = await makeOcspLab();
  await lab.startResponder();
  const counts: HandshakeLog = { connections: 0, completed: 0, failed: [] };
  const server = await startHttps(lab.leaves.good, { log: counts });
  const port = server.port;
  const plan = await runJson<Record<string, { schedule: string }>>([join(root, 'bench', 'plan-kinds.ts')]);
  const out: KindCost[] = [];
  try {
    for (const kind of KINDS) {
      const before = { ...counts };
      const r = await runJson<{ cpuSeconds: number; ok: number }>([import.meta.filename, 'child', kind, String(port), lab.rootPem]);
      const schedule = plan[kind]?.schedule ?? '';
      // RUNS + 1: the warm-up run also reached the server.
      out.push({ kind, schedule, perHour: runsPerHour(schedule), connections: (counts.connections - before.connections) / (RUNS + 1), handshakes: (counts.completed - before.completed) / (RUNS + 1), cpuMs: (r.cpuSeconds / RUNS) * 1000, ok: r.ok });
    }
  } finally {
    await server.close();
    await lab.stop();
  }
  return out;
}

export function endpointTable(costs: readonly KindCost[]): string[] {
  const f = (x: number, d = 1) => x.toFixed(d);
  const hour = (k: KindCost, x: number) => k.perHour * x;
  const total = (x: (k: KindCost) => number) => costs.reduce((s, k) => s + hour(k, x(k)), 0);
  const shareable = costs.filter((k) => k.kind === 'tls' || k.kind === 'ocsp');
  const handshakeMs = costs.find((k) => k.kind === 'tls')!.cpuMs;
  const saved = shareable.reduce((s, k) => s + k.perHour * k.handshakes, 0);
  return [
    `| kind | default schedule | runs per hour | connections per run | TLS handshakes per run | CPU per run (ms) | per hour: connections | handshakes | CPU (ms) |`,
    '|---|---|---|---|---|---|---|---|---|',
    ...costs.map((k) => `| ${k.kind} | \`${k.schedule}\` | ${f(k.perHour, 0)} | ${f(k.connections, 0)} | ${f(k.handshakes, 0)} | ${f(k.cpuMs, 2)} | ${f(hour(k, k.connections), 0)} | ${f(hour(k, k.handshakes), 0)} | ${f(hour(k, k.cpuMs), 0)} |`),
    `| **one HTTPS endpoint** | | | | | | **${f(total((k) => k.connections), 0)}** | **${f(total((k) => k.handshakes), 0)}** | **${f(total((k) => k.cpuMs), 0)}** |`,
    '',
    `Taking the TLS facts and the OCSP check's certificate from the http check's handshake would save ${f(saved, 0)} of ${f(total((k) => k.handshakes), 0)} handshakes and ${f(saved, 0)} of ${f(total((k) => k.connections), 0)} connections per hour and endpoint, about ${f(saved * handshakeMs, 0)} ms of CPU of ${f(total((k) => k.cpuMs), 0)} (a tls check's CPU per saved handshake): the kinds run on different schedules with their own random offsets, so they are never due together; sharing would mean reusing an http handshake up to two minutes old, and a tls or ocsp verdict would no longer be the state of the endpoint when it ran.`,
  ];
}

if (process.argv[2] === 'child') await child(process.argv[3] as Kind, Number(process.argv[4]), process.argv[5]!);
else if (process.argv[1] === import.meta.filename) console.log(endpointTable(await endpointCost()).join('\n'));
