// Runs N checks of one kind against host:port in this process and prints wall time, CPU seconds
// and peak RSS as JSON. Started by bench/run.ts so the lab servers' CPU is not counted.
import { createLogger } from '../runner/telemetry/logging.ts';
import { Scheduler } from '../runner/engine/scheduler.ts';
import { makeShared } from '../runner/engine/shared-context.ts';
import { SystemTrustStore } from '../probes/lib/tls/trust.ts';
import { readFileSync } from 'node:fs';
import { spec, target } from '../test/helpers.ts';

const [kind, host, port, count, concurrency, ca] = process.argv.slice(2) as [string, string, string, string, string, string?];
const transport = kind === 'stun' || kind === 'turn' ? 'udp' : 'tcp';
const url = kind === 'http' ? `https://${host}:${port}/` : undefined;
const specs = Array.from({ length: Number(count) }, (_, i) => spec(kind as 'tcp', target({ platform: `bench${i}`, host, port: Number(port), transport, ...(url ? { url } : {}) }), { timeoutMs: 5000 }));
// TURN credentials for the allocation benchmark come from the environment, as a probe's would.
const turnUser = process.env.VIGIE_BENCH_TURN_USER;
const credentials = turnUser ? { [host]: { username: turnUser, password: process.env.VIGIE_BENCH_TURN_PASSWORD ?? '' } } : undefined;
const scheduler = new Scheduler(specs, makeShared({ trust: new SystemTrustStore(ca ? [readFileSync(ca, 'utf8')] : []), ...(credentials ? { credentials } : {}) }), { result: () => {}, skipped: () => {} }, createLogger({ level: 'silent' }), { concurrency: Number(concurrency), jitterMs: 0 });
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const results = await scheduler.runAll();
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const ok = results.filter((r) => r.status === 'ok').length;
const rtts = results.map((r) => r.observations.rtt_seconds).filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
const medianRttMs = rtts.length ? rtts[Math.floor(rtts.length / 2)]! * 1000 : null;
// Each check's phase timings (ms), in run order, for comparison with a capture of the same run.
const phasesMs: Record<string, number[]> = {};
for (const r of results) for (const [phase, s] of Object.entries(r.phases)) if (typeof s === 'number') (phasesMs[phase] ??= []).push(s * 1000);
console.log(JSON.stringify({ kind, count: results.length, ok, medianRttMs, rttsMs: rtts.map((x) => x * 1000), phasesMs, wallSeconds: wall, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
