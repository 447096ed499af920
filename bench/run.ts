// `npm run bench`: the foundation's cost figures, written to bench/RESULTS.md.
//  1. one full cycle of the embedded catalog with every endpoint unreachable (lab DNS fails every name);
//  2. 1,000 TCP and 1,000 TLS checks against loopback servers;
//  3. idle RSS of `vigie run` with the embedded catalog;
//  4. blackbox_exporter side by side (bench/blackbox.ts), coturn's own clients (bench/coturn-peer.ts),
//     scale from 100 to 1,000 endpoints (bench/scale.ts), fidelity against the wire and nftables
//     (bench/fidelity.ts), browser scenarios with Janus's own figures and a kept browser (bench/scenarios.ts);
//  5. the parity matrix's size, agreement with Chrome and run time (bench/parity.ts).
import { runJson } from './proc.ts';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fleetSection } from './fleet-section.ts';
import { paritySection } from './parity.ts';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { startCoturn } from '../lab/coturn.ts';
import { makeOcspLab } from '../lab/ocsp-pki.ts';
import { runRcpScenario } from '../lab/rcp-scenario.ts';
import { median, startCapture, wireStunRtts } from './pcap.ts';
import { benchScenarios } from './scenarios.ts';
import { benchScale } from './scale.ts';
import { relayFidelity, wireFidelity } from './fidelity.ts';
import { networkFootprint } from './footprint.ts';
import { idleFootprint, idleTable, startIdleLab } from './idle.ts';
import { scrapeCosts, scrapeTable } from './scrape.ts';
import { stunClientCost, uclientCost } from './coturn-peer.ts';
import { type BlackboxCost, startBlackbox } from './blackbox.ts';
import { commandCost, commandTable } from './command.ts';
import { endpointCost, endpointTable } from './endpoint-cost.ts';
import { makeShared } from '../runner/engine/shared-context.ts';
import { executeCheck } from '../runner/engine/execute.ts';
import { spec, target } from '../test/helpers.ts';
import { makePki } from '../lab/pki.ts';
import { startDns, startHttps, startUdpBlackhole } from '../lab/servers.ts';
import { labTempDir } from '../lab/temp.ts';

const root = join(import.meta.dirname, '..');
const tmp = labTempDir('vigie-bench-');
const lines: string[] = [];
const log = (s: string) => {
  console.log(s);
  lines.push(s);
};

const pki = makePki();
const servfail = await startDns({}, 'SERVFAIL');
const hole = await startUdpBlackhole();

// 1. Embedded catalog, nothing reachable; the cycle runs in a child so lab CPU is not counted.
const cfg = join(tmp, 'offline.yaml');
writeFileSync(cfg, `dns: { servers: ["127.0.0.1:${servfail.port}"] }\nclock: { server: 127.0.0.1, port: ${hole.port} }\nchecks: { proxy: { enabled: false } }\n`);
const t0 = performance.now();
const c = await runJson<{ cpuSeconds: number; checks: number }>([join(root, 'bench', 'cycle.ts'), cfg]);
const cycle = { wall: (performance.now() - t0) / 1000, cpu: c.cpuSeconds, checks: c.checks };

// 2. 1,000 TCP and TLS checks.
const https = await startHttps(pki.leaves.valid);
const workers: Record<string, { wallSeconds: number; cpuSeconds: number; ok: number; count: number; maxRssMiB: number; medianRttMs: number | null }> = {};
// Side by side with blackbox_exporter: the same target, 1,000 probes each, concurrency 8, alternating.
const blackbox = await startBlackbox(pki.caFile);
const peers: Record<string, BlackboxCost> = {};
// And the floor: bare Node doing the same connections (bench/floor.ts), alternated with Vigie three times.
const floors: Record<string, { vigie: number[]; floor: number[] }> = {};
for (const kind of ['tcp', 'tls', 'http'] as const) {
  workers[kind] = await runJson([join(root, 'bench', 'worker.ts'), kind, 'localhost', String(https.port), '1000', '8', pki.caFile]);
  peers[kind] = await blackbox.probe(kind, kind === 'http' ? `https://localhost:${https.port}/` : `localhost:${https.port}`, 1000, 8);
  floors[kind] = { vigie: [workers[kind].cpuSeconds], floor: [] };
  for (let i = 0; i < 3; i++) {
    floors[kind].floor.push((await runJson<{ cpuSeconds: number }>([join(root, 'bench', 'floor.ts'), kind, 'localhost', String(https.port), '1000', '8', pki.caFile])).cpuSeconds);
    if (i < 2) floors[kind].vigie.push((await runJson<{ cpuSeconds: number }>([join(root, 'bench', 'worker.ts'), kind, 'localhost', String(https.port), '1000', '8', pki.caFile])).cpuSeconds);
  }
}
await blackbox.stop();
// The whole `vigie check` command on 1,000 TLS rows, start-up excluded (bench/command.ts).
const command = await commandCost(pki, https.port, tmp);
// What the default plan costs one HTTPS endpoint per hour (bench/endpoint-cost.ts).
const endpoint = await endpointCost();
// STUN Binding over UDP against Debian's coturn: cost at concurrency 8, then fidelity at
// concurrency 1 with tcpdump timing the same packets on the wire.
// A throw-away lab credential, made per run.
const turnLogin = { username: 'bench', password: randomBytes(12).toString('hex') };
const coturn = await startCoturn(pki.leaves.valid, { user: turnLogin.username, password: turnLogin.password });
workers.stun = await runJson([join(root, 'bench', 'worker.ts'), 'stun', '127.0.0.1', String(coturn.port), '1000', '8']);
// coturn's own clients doing the same work: 200 Bindings; 20 client pairs (40 allocations) against 200 Vigie allocations.
const stunPeer = stunClientCost(coturn.port, 200);
const turnPeer = uclientCost(coturn.port, turnLogin.username, turnLogin.password, 20);
const turnVigie = await runJson<{ count: number; ok: number; wallSeconds: number; cpuSeconds: number }>([join(root, 'bench', 'worker.ts'), 'turn', '127.0.0.1', String(coturn.port), '200', '8'], {
  VIGIE_BENCH_TURN_USER: turnLogin.username,
  VIGIE_BENCH_TURN_PASSWORD: turnLogin.password,
});
const pcap = join(tmp, 'stun.pcap');
const stopDump = await startCapture(pcap, 'lo', ['udp', 'port', String(coturn.port)]);
const serial = await runJson<{ rttsMs: number[] }>([join(root, 'bench', 'worker.ts'), 'stun', '127.0.0.1', String(coturn.port), '1000', '1']);
await stopDump();
const wire = wireStunRtts(pcap, coturn.port);
const fidelity = { probeMs: median(serial.rttsMs), wireMs: median(wire), pairs: wire.length };
// One relay test with the defaults (1.5 Mbps, 1200-byte packets, 5 s) through coturn over UDP.
const relaySpec = spec('relay', target({ host: '127.0.0.1', port: coturn.port, transport: 'udp' }), { timeoutMs: 15_000 });
const relay = await executeCheck(relaySpec, makeShared({ credentials: { '127.0.0.1': turnLogin } }));
const relayPackets = relay.observations.packets_sent as number;
const relayWire = relayPackets * (1200 + 4 + 28) + (relay.observations.packets_received as number) * (13 + 4 + 28);
await coturn.stop();

// OCSP: cost per endpoint against openssl ocsp (cache off, so every check asks).
const ocspLab = await makeOcspLab();
await ocspLab.startResponder();
const ocspServer = await startHttps(ocspLab.leaves.good);
const ocspCost = await runJson<{ count: number; ok: number; wallSeconds: number; cpuSeconds: number; requestBytes: number; responseBytes: number }>([
  join(root, 'bench', 'ocsp-worker.ts'),
  String(ocspServer.port),
  '200',
  ocspLab.rootPem,
]);
await ocspServer.close();
await ocspLab.stop();

// RCP detection latency with the shipped intervals: in-window re-check 60 s, TURN timeout 5 s,
// Prometheus scrape and evaluation 15 s, Alertmanager group_wait 10 s for RcpSessionAtRisk.
const rcp = await runRcpScenario({ scrapeSeconds: 15, inWindowSeconds: 60, checkTimeout: '5s', maxWaitMs: 240_000 });

// 3. Idle RSS of vigie run with the embedded catalog and one reachable HTTPS row (bench/idle.ts).
const idleLab = await startIdleLab();
const idle = await idleFootprint(idleLab.config);
const idleSource = idle.checkout;
const scrape = await scrapeCosts(idleLab);
await idleLab.close();
const idleRssMiB = idleSource.rss15;
const idleCpuSeconds = idleSource.cpu;
await Promise.all([https.close(), servfail.close(), hole.close()]);

const f = (n: number, d = 2) => n.toFixed(d);
log(`# Benchmark results`);
log('');
log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${f(totalmem() / 2 ** 30, 0)} GiB; Node ${process.version}; ${new Date().toISOString()}.`);
log('Command: `npm run bench` (bench/run.ts). Noisy shared machine: read as orders of magnitude.');
log('');
log('| measurement | checks | wall (s) | CPU (s) | notes |');
log('|---|---|---|---|---|');
log(`| embedded catalog, one full cycle, every endpoint unreachable (lab DNS answers SERVFAIL, NTP black hole) | ${cycle.checks} | ${f(cycle.wall)} | ${f(cycle.cpu)} | wall includes process start; bounded by the clock check (NTP gets 3 s of its 5 s, then the HTTP Date fallback) |`);
for (const k of ['tcp', 'tls', 'stun']) {
  const w = workers[k]!;
  const against = k === 'stun' ? 'coturn (UDP)' : 'a loopback HTTPS server';
  log(`| ${k.toUpperCase()} checks against ${against}, concurrency 8${w.medianRttMs !== null ? `, median RTT reported ${f(w.medianRttMs, 3)} ms` : ''} | ${w.count} (${w.ok} ok) | ${f(w.wallSeconds)} | ${f(w.cpuSeconds)} | ${f((w.cpuSeconds / w.count) * 1000, 3)} ms CPU per check; peak RSS ${f(w.maxRssMiB, 0)} MiB |`);
}
log(`| HTTP checks (GET over TLS, phases timed) against a loopback HTTPS server, concurrency 8 | ${workers.http!.count} (${workers.http!.ok} ok) | ${f(workers.http!.wallSeconds)} | ${f(workers.http!.cpuSeconds)} | ${f((workers.http!.cpuSeconds / workers.http!.count) * 1000, 3)} ms CPU per check; peak RSS ${f(workers.http!.maxRssMiB, 0)} MiB |`);
log(`| OCSP checks (TLS handshake, CA issuers GET, OCSP POST, full verification; cache off) against openssl ocsp | ${ocspCost.count} (${ocspCost.ok} ok) | ${f(ocspCost.wallSeconds)} | ${f(ocspCost.cpuSeconds)} | ${f((ocspCost.cpuSeconds / ocspCost.count) * 1000, 2)} ms CPU per check; 2 HTTP requests per check (CA issuers + OCSP); OCSP request ${ocspCost.requestBytes} B, response ${ocspCost.responseBytes} B |`);
log('');
log('Side by side with Debian\'s prometheus-blackbox-exporter 0.23 (the same loopback HTTPS server, 1,000 probes of each kind, concurrency 8, one after the other in this run; the exporter\'s CPU read from /proc without its start-up, requests sent from the bench process for both):');
log('');
log('| kind | Vigie CPU (s) | blackbox CPU (s) | ratio Vigie/blackbox | Vigie wall (s) | blackbox wall (s) | peak RSS Vigie / blackbox (MiB) | ok Vigie / blackbox |');
log('|---|---|---|---|---|---|---|---|');
for (const k of ['tcp', 'tls', 'http']) {
  const v = workers[k]!;
  const b = peers[k]!;
  log(`| ${k} | ${f(v.cpuSeconds)} | ${f(b.cpuSeconds)} | ${f(v.cpuSeconds / b.cpuSeconds)} | ${f(v.wallSeconds)} | ${f(b.wallSeconds)} | ${f(v.maxRssMiB, 0)} / ${f(b.maxRssMiB, 0)} | ${v.ok} / ${b.ok} |`);
}
log('');
log('');
const perUnit = (cpu: number, n: number) => f((cpu / n) * 1000, 3);
log(`Side by side with coturn's own clients against the same coturn: STUN Binding — Vigie ${perUnit(workers.stun!.cpuSeconds, workers.stun!.count)} ms CPU per check (1,000 at concurrency 8), \`turnutils_stunclient\` ${perUnit(stunPeer.cpuSeconds, stunPeer.units)} ms per Binding (${stunPeer.runs} runs, one process each; ratio ${f(workers.stun!.cpuSeconds / workers.stun!.count / (stunPeer.cpuSeconds / stunPeer.units))}). TURN allocation — Vigie ${perUnit(turnVigie.cpuSeconds, turnVigie.count)} ms CPU per check (${turnVigie.ok}/${turnVigie.count} ok: Allocate with the 401 challenge, CreatePermission, release), \`turnutils_uclient -y\` ${perUnit(turnPeer.cpuSeconds, turnPeer.units)} ms per allocation (${turnPeer.units} allocations in one run, with a channel and one message each; ratio ${f(turnVigie.cpuSeconds / turnVigie.count / (turnPeer.cpuSeconds / turnPeer.units))}).`);
log('');
log('Against the floor: bare Node doing the same work in a child process (bench/floor.ts: `net.connect`; `tls.connect` with the CA and Node\'s own hostname check, then `getPeerCertificate`, then close_notify as Vigie\'s checks end; one `https.get` without keep-alive), 1,000 at concurrency 8, alternated with Vigie three times in this run:');
log('');
log('| kind | Vigie CPU per 1,000 (s), three runs | floor CPU per 1,000 (s), three runs | ratio Vigie/floor (means) |');
log('|---|---|---|---|');
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
for (const k of ['tcp', 'tls', 'http']) log(`| ${k} | ${floors[k]!.vigie.map((x) => f(x)).join(', ')} | ${floors[k]!.floor.map((x) => f(x)).join(', ')} | ${f(mean(floors[k]!.vigie) / mean(floors[k]!.floor))} |`);
log('');
log('The whole command (bench/command.ts): `vigie check --kind tls` on a catalog of 1,000 TLS rows (one name each under *.lab.test, one loopback HTTPS server), compiled and with the image\'s environment (the daemon\'s V8 flags are for `vigie run` only), start-up excluded (the same command on one row subtracted), alternated three times with the floor (the same 1,000 names asked of the same DNS server, the same handshakes and close) and blackbox_exporter (1,000 handshakes to localhost):');
log('');
for (const line of commandTable(command)) log(line);
log('');
log('The default plan for one HTTPS endpoint whose certificate names an OCSP responder and a CA issuers URL (bench/endpoint-cost.ts: the lab\'s openssl ocsp PKI; connections and completed handshakes counted by the endpoint\'s server, the probe\'s CPU over 20 runs of each kind in a child process, each with a fresh outcome cache):');
log('');
for (const line of endpointTable(endpoint)) log(line);
log('');
log('The goal is a ratio of 1 or less for each kind. Vigie\'s peak RSS is the Node process with its OpenTelemetry SDK and type stripping; the exporter is one Go binary.');
log('');
log(`Relay test with the defaults (${relay.status}): ${relayPackets} packets, ${relay.observations.bytes_sent} payload bytes sent (${f(relayWire / 1e6, 2)} MB on the wire with ChannelData, UDP and IP headers and the short echoes), loss ${relay.observations.loss_ratio}, jitter ${f((relay.observations.jitter_seconds as number) * 1000, 2)} ms; with the default schedule (every 15 min, per relay-checked flow) that is ${f((relayWire * 4) / 1e6, 1)} MB per hour and flow.`);
log('');
log(`RCP detection latency, shipped intervals (in-window re-check 60 s, TURN timeout 5 s, scrape and rule evaluation 15 s, for: 0, Alertmanager group_wait 10 s): TURN flow blocked by nftables → RcpSessionAtRisk at the on-call webhook in ${rcp.seconds === undefined ? 'NOT DELIVERED' : `${f(rcp.seconds, 1)} s`}. Worst case by construction: 60 + 5 + 15 + 15 + 10 = 105 s inside the window. Outside the window (no session within 60 min) the same fault is an EstablishmentFlowBlocked ticket: TURN schedule 5 min + 15 + 15 + for 10 min + group_wait 1 min ≈ 16.5 min, by design not a page.`);
log('');
log(`Idle \`vigie run\` with the embedded catalog (${cycle.checks} checks scheduled) and one reachable HTTPS row (its http, tls and ocsp checks carry whole exchanges, as in production), 15 s after start: RSS ${f(idleRssMiB, 1)} MiB, CPU ${f(idleCpuSeconds)} s since start (start-up and first cycle included).`);
log('');
for (const line of idleTable(idle)) log(line);
log('');
for (const line of scrapeTable(scrape)) log(line);
// Scale: one vigie run with 100, then 1,000 loopback endpoints.
const scale = await benchScale(pki, tmp, [100, 1000]);
log('');
log(`## Scale`);
log('');
log('One `vigie run` with a catalog of N loopback HTTPS endpoints, each checked for TCP and TLS (plus the OCSP check every TLS endpoint gets), concurrency 8, every 15 s:');
log('');
log('| endpoints | checks | first full cycle (s, start included) | CPU per cycle (s) | CPU per check (ms) | RSS (MiB) |');
log('|---|---|---|---|---|---|');
for (const x of scale) log(`| ${x.endpoints} | ${x.checks} | ${f(x.firstCycleSeconds)} | ${f(x.cpuPerCycleSeconds)} | ${f((x.cpuPerCycleSeconds / x.checks) * 1000, 2)} | ${f(x.rssMiB, 0)} |`);
const [small, large] = scale as [(typeof scale)[number], (typeof scale)[number]];
log('');
log(`From 100 to 1,000 endpoints (×10): CPU per cycle ×${f(large.cpuPerCycleSeconds / small.cpuPerCycleSeconds, 1)}, first cycle ×${f(large.firstCycleSeconds / small.firstCycleSeconds, 1)}, RSS +${f(large.rssMiB - small.rssMiB, 0)} MiB (${f(((large.rssMiB - small.rssMiB) / (large.checks - small.checks)) * 1024, 1)} KiB per added check).`);

// Fidelity: the probe's timings against the wire, the relay's loss and jitter against nftables.
const onWire = await wireFidelity(pki, tmp, runJson, root);
const relayRows = await relayFidelity(tmp);
log('');
log('## Fidelity');
log('');
log('What the probe reports against what happened, measured outside the probe. Timings: checks run one at a time against loopback servers while tcpdump timestamps the same packets.');
log('');
log('| measurement | checks | probe reports (median) | wire (median) | difference |');
log('|---|---|---|---|---|');
log(`| TCP connect (phase \`connect\`) vs SYN → SYN-ACK | ${onWire.tcp.checks} (${onWire.tcp.pairs} handshakes captured) | ${f(onWire.tcp.probeMs, 3)} ms | ${f(onWire.tcp.wireMs, 3)} ms | +${f((onWire.tcp.probeMs - onWire.tcp.wireMs) * 1000, 0)} µs |`);
log(`| STUN Binding RTT vs request → response | ${fidelity.pairs} | ${f(fidelity.probeMs, 3)} ms | ${f(fidelity.wireMs, 3)} ms | +${f((fidelity.probeMs - fidelity.wireMs) * 1000, 0)} µs |`);
log(`| TURN allocation (phase \`allocate\`: the 401 challenge and the authenticated Allocate) vs the two Allocate round trips | ${onWire.turn.checks} (${onWire.turn.pairs} pairs captured) | ${f(onWire.turn.probeMs, 3)} ms | ${f(onWire.turn.wireMs, 3)} ms | +${f((onWire.turn.probeMs - onWire.turn.wireMs) * 1000, 0)} µs |`);
log('');
log('The difference is the probe\'s own cost between the socket and its clock (event loop, message encoding and integrity): a constant of tens to hundreds of microseconds, negligible against real RTTs of 5 to 50 ms.');
log('');
log('The relay test (defaults: 1.5 Mbit/s of 1,200-byte packets for 5 s) run by `vigie check` inside the fault lab\'s hospital namespace (`lab/fault/fault-lab.ts`), coturn in the platform namespace, with faults applied on the hospital side; tcpdump on the hospital\'s interface sees each stream packet leave and come back relayed:');
log('');
log('| fault | result | stream packets sent | dropped by nftables (counter) | loss reported | loss on the wire | jitter reported (ms) | jitter on the wire, RFC 3550 (ms) |');
log('|---|---|---|---|---|---|---|---|');
for (const r of relayRows) log(`| ${r.fault} | ${r.status} | ${r.sent} | ${r.nftDropped === null ? '–' : `${r.nftDropped} (${f((r.nftDropped / r.sent) * 100, 2)} %)`} | ${f(r.reportedLoss * 100, 2)} % | ${f(r.wireLoss * 100, 2)} % | ${f(r.reportedJitterMs, 3)} | ${f(r.wireJitterMs, 3)} |`);
log('');
log('Loss is exact: nftables\' counter, the capture and the probe count the same packets. Jitter agrees within 0.15 ms when nothing queues (a lost packet makes both sides compare non-consecutive packets; the probe\'s clock adds its few tens of microseconds). Under the tbf cap the probe reports the jitter the queue adds while the capture cannot: tcpdump timestamps an outgoing packet when it leaves the queue, so the delay spent in the hospital\'s own egress queue (what a saturated uplink does to media) is visible only to the sender\'s clock.');

// Bytes per hour on the hospital's link with the default schedules (embedded catalog, default config).
const planKinds = await runJson<Record<string, { checks: number; schedule: string }>>([join(root, 'bench', 'plan-kinds.ts')]);
const footprint = await networkFootprint(tmp, planKinds);
const totalPerHour = footprint.reduce((a, k) => a + k.bytesPerHour, 0);
log('');
log('## Network footprint of the default schedules');
log('');
log('Bytes on the wire per check (IP, both ways, DNS lookups included) measured by tcpdump on the fault lab\'s hospital interface while `vigie check --kind K` runs there; times the checks the embedded catalog plans with the default config and the runs per hour of each kind\'s default schedule:');
log('');
log('| kind | bytes per check (lab) | checks planned (embedded catalog) | default schedule | runs per hour | MB per hour |');
log('|---|---|---|---|---|---|');
for (const k of footprint) log(`| ${k.kind} | ${f(k.bytesPerCheck, 0)} | ${k.checks} | \`${k.schedule}\` | ${f(k.runsPerHour, 0)} | ${f(k.bytesPerHour / 1e6, 2)} |`);
log(`| **all** | | ${footprint.reduce((a, k) => a + k.checks, 0)} | | | **${f(totalPerHour / 1e6, 1)}** (${f((totalPerHour * 8) / 3600 / 1000, 1)} kbit/s on average) |`);
log('');
log('Not in this total: the relay test (planned only for flows with TURN credentials: about 1 MB per run, 4 MB per hour and flow, above) and the browser scenarios (below), which a site enables per platform. The lab\'s certificates are small (one P-256 leaf and its root); real chains (Sectigo: leaf, intermediate, RSA) add about 3 kB to each TLS, OCSP and HTTP check.');

await benchScenarios(pki, log);
log('');
// The parity matrix's run, as npm test runs it (its own vitest child).
log(paritySection());
const resultsFile = join(root, 'bench', 'RESULTS.md');
// The fleet simulation runs apart (an hour of wall time): its section is kept as it was.
const fleet = existsSync(resultsFile) ? fleetSection(readFileSync(resultsFile, 'utf8')) : '';
writeFileSync(resultsFile, `${lines.join('\n')}\n${fleet ? `\n${fleet}\n` : ''}`);
