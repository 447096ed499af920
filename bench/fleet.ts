// Fleet simulation (`node bench/fleet.ts [establishments] [minutes] [--incident MINUTES]`, default
// 200 and 10): the series of one real probe (a `vigie run` with the embedded catalogs, scraped once)
// are remote-written every 15 s by N simulated establishments, each with its own establishment and
// region labels (as the agent adds them), to one central Prometheus on loopback (remote-write
// receiver, the shipped rules loaded, alerts sent to the shipped Alertmanager configuration and a
// webhook that counts notifications). Every push renews each result's timestamp and run counters,
// as a live probe does. Two establishments have a flow of their own blocked throughout.
// With --incident M: 10 minutes of calm, then one platform endpoint fails from every establishment
// for M minutes, while every tenth establishment is inside an RCP session's window, then 10
// minutes of recovery (--calm and --recovery change those). Reports the series count, samples per second, the central Prometheus's CPU,
// memory and rule evaluation time, and the notifications each receiver got in each phase; with
// --write, the report replaces the fleet section of bench/RESULTS.md.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
// @ts-expect-error snappyjs ships no types; compress(Uint8Array) → Uint8Array (raw block format, as remote write wants)
import snappy from 'snappyjs';
import { closedPort } from '../lab/servers.ts';
import { startAlertmanager, startWebhook } from '../lab/monitoring.ts';
import { labTempDir } from '../lab/temp.ts';
import { cpuSeconds, memoryMiB } from './proc.ts';
import { parseExposition } from './soak-sample.ts';
import { FLEET_BEGIN, FLEET_END } from './fleet-section.ts';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args.splice(i, i + 1 < args.length && !args[i + 1]!.startsWith('--') ? 2 : 1)[1] ?? '';
};
const INCIDENT_MIN = Number(flag('--incident') ?? 0);
const WRITE = flag('--write') !== undefined;
const N = Number(args[0] ?? 200);
const CALM_MIN = Number(flag('--calm') ?? (INCIDENT_MIN > 0 ? 10 : (args[1] ?? 10)));
const RECOVERY_MIN = Number(flag('--recovery') ?? (INCIDENT_MIN > 0 ? 10 : 0));
const MINUTES = CALM_MIN + INCIDENT_MIN + RECOVERY_MIN;
const INTERVAL_S = 15;
const root = join(import.meta.dirname, '..');
const dir = labTempDir('vigie-fleet-');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The remote-write 1.0 message (prometheus/prompb), declared for protobufjs.
const pb = protobuf.Root.fromJSON({
  nested: {
    WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
    TimeSeries: { fields: { labels: { rule: 'repeated', type: 'Label', id: 1 }, samples: { rule: 'repeated', type: 'Sample', id: 2 } } },
    Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
    Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
  },
}).lookupType('WriteRequest');

// 1. One real probe's series.
const probePort = await closedPort();
writeFileSync(join(dir, 'vigie.yaml'), `server: { listen: "127.0.0.1:${probePort}" }\njitter: 0s\nchecks: { clock: { enabled: false } }\n`);
const probe = spawn(process.execPath, [join(root, 'bin', 'vigie.js'), 'run', '--config', join(dir, 'vigie.yaml')], { stdio: 'ignore' });
// Read once every check has a result (the count of results stops growing), so that runs compare:
// a fixed 20 s gave 1,461 to 1,587 series depending on how many checks had ended.
const scrape = () => fetch(`http://127.0.0.1:${probePort}/metrics`).then((r) => r.text(), () => '');
const results = (text: string) => text.split('\n').filter((l) => l.startsWith('probe_success{')).length;
let exposition = '';
for (let i = 0, seen = -1; i < 24; i++) {
  await sleep(5_000);
  exposition = await scrape();
  if (results(exposition) > 0 && results(exposition) === seen) break;
  seen = results(exposition);
}
probe.kill('SIGTERM');
// __name__ among the labels: remote write carries the name as one.
const series = parseExposition(exposition).map((x) => ({ labels: { __name__: x.name, ...x.labels } as Record<string, string>, value: x.value }));

// 2. The central Prometheus and Alertmanager, as deploy/central runs them (evaluation every 15 s).
const webhook = await startWebhook();
const am = await startAlertmanager(join(root, 'deploy', 'alertmanager', 'alertmanager.yml'), webhook.port);
const promPort = await closedPort();
writeFileSync(
  join(dir, 'prometheus.yml'),
  `global: { evaluation_interval: 15s }\nrule_files: ["${join(root, 'deploy', 'prometheus', 'vigie-rules.yaml')}"]\nalerting: { alertmanagers: [{ static_configs: [{ targets: ["127.0.0.1:${am.port}"] }] }] }\n`,
);
const prom = spawn('prometheus', [`--config.file=${dir}/prometheus.yml`, `--storage.tsdb.path=${dir}/data`, `--web.listen-address=127.0.0.1:${promPort}`, '--web.enable-remote-write-receiver'], { stdio: 'ignore' });
for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${promPort}/-/ready`).then((r) => r.ok, () => false)); i++) await sleep(200);
const cpu0 = cpuSeconds(prom.pid!);
const ownCpu0 = process.cpuUsage();

// 3. What fails: one platform endpoint for everyone during the incident; one flow of its own at
// establishments 1 and 2 throughout. Every tenth establishment has an RCP session on the
// incident's platform whose window is open during the incident.
const checkKey = (l: Record<string, string>) => ['platform', 'host', 'port', 'transport', 'kind'].map((k) => l[k]).join('|');
const successes = series.filter((s) => s.labels.__name__ === 'probe_success');
const incident = successes.find((s) => s.labels.platform === 'covotem' && s.labels.kind === 'tcp' && s.labels.port === '443') ?? successes[0]!;
const ownBlocked = successes.find((s) => s.labels.platform !== incident.labels.platform && s.labels.kind === 'tcp') ?? successes[1]!;
const t0 = Date.now();
const incidentStart = t0 + CALM_MIN * 60_000;
const incidentEnd = incidentStart + INCIDENT_MIN * 60_000;
const end = t0 + MINUTES * 60_000;
const inIncident = (t: number) => INCIDENT_MIN > 0 && t >= incidentStart && t < incidentEnd;
const failing = (e: number, key: string, t: number) => (key === checkKey(incident.labels) && inIncident(t)) || (key === checkKey(ownBlocked.labels) && (e === 1 || e === 2));
const sessionPlatform = incident.labels.platform!;

/** One establishment's series at time t: results renewed, each check's run counted ok or failed. */
const runs = new Map<string, number>();
function snapshot(e: number, t: number): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const s of series) {
    const name = s.labels.__name__!;
    if (name === 'probe_check_runs_total') continue;
    const key = checkKey(s.labels);
    let value = s.value;
    if (name === 'probe_success') value = failing(e, key, t) ? 0 : 1;
    else if (name === 'probe_last_run_timestamp_seconds') value = t / 1000;
    out.push({ labels: s.labels, value });
  }
  // One run per check and push; a failing check's runs count as failed (a connect timeout).
  for (const s of successes) {
    const bad = failing(e, checkKey(s.labels), t);
    const { __name__: _, ...labels } = s.labels;
    const counter = { __name__: 'probe_check_runs_total', ...labels, result: bad ? 'failed' : 'ok', ...(bad ? { reason: 'timeout' } : {}) };
    const id = `${e}|${JSON.stringify(counter)}`;
    runs.set(id, (runs.get(id) ?? 0) + 1);
    out.push({ labels: counter, value: runs.get(id)! });
  }
  if (INCIDENT_MIN > 0 && e % 10 === 0) {
    const session = { session: 'RCP thoracique', session_platform: sessionPlatform };
    out.push({ labels: { __name__: 'rcp_session_dependency_in_window', platform: sessionPlatform, ...session }, value: inIncident(t) ? 1 : 0 });
    out.push({ labels: { __name__: 'rcp_session_next_start_timestamp_seconds', platform: sessionPlatform, session: session.session }, value: (incidentStart + 30 * 60_000) / 1000 });
  }
  return out;
}

// 4. N establishments, each pushing every 15 s (spread over the interval, as real agents are).
let sent = 0;
let errors = 0;
let peakRss = 0;
const push = async (e: number) => {
  const ts = Date.now();
  const timeseries = snapshot(e, ts).map((s) => ({
    labels: Object.entries({ ...s.labels, establishment: `etab-${String(e).padStart(3, '0')}`, region: `region-${e % 4}`, job: 'vigie', instance: 'vigie:9464' })
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, value]) => ({ name, value })),
    samples: [{ value: s.value, timestamp: ts }],
  }));
  const body = snappy.compress(pb.encode(pb.create({ timeseries })).finish()) as Uint8Array;
  const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/write`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' } }).catch(() => undefined);
  if (res?.ok) sent += timeseries.length;
  else errors++;
};
// Rule evaluation time of one whole cycle (every group's last evaluation), read every minute.
const evaluations: number[] = [];
const groupMax: Record<string, number> = {};
const ruleMax: Record<string, number> = {};
const readEvaluation = async () => {
  type Rules = { data: { groups: { name: string; evaluationTime: number; rules: { name: string; evaluationTime: number }[] }[] } };
  const rules = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/rules`)).json()) as Rules;
  evaluations.push(rules.data.groups.reduce((a, g) => a + g.evaluationTime, 0));
  for (const g of rules.data.groups) {
    groupMax[g.name] = Math.max(groupMax[g.name] ?? 0, +g.evaluationTime.toFixed(3));
    // Rules of one name (a burn-rate alert per flow class) add up: that is what one cycle pays for it.
    const byName: Record<string, number> = {};
    for (const r of g.rules) byName[r.name] = (byName[r.name] ?? 0) + r.evaluationTime;
    for (const [name, t] of Object.entries(byName)) ruleMax[name] = Math.max(ruleMax[name] ?? 0, +t.toFixed(3));
  }
};
let nextRead = t0 + 60_000;
while (Date.now() < end) {
  const round = Date.now();
  for (let e = 0; e < N; e++) {
    await push(e);
    const due = round + ((e + 1) * INTERVAL_S * 1000) / N;
    if (Date.now() < due) await sleep(due - Date.now());
  }
  peakRss = Math.max(peakRss, memoryMiB(prom.pid!, 'VmRSS'));
  if (Date.now() >= nextRead) {
    await readEvaluation().catch(() => undefined);
    nextRead += 60_000;
  }
}
const seconds = (Date.now() - t0) / 1000;
const cpu = cpuSeconds(prom.pid!) - cpu0;
const ownCpu = process.cpuUsage(ownCpu0);
const head = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/status/tsdb`)).json()) as { data: { headStats: { numSeries: number } } };
// Resolutions leave after keep_firing_for (5 min) and the next group interval (5 min for the regional routes).
if (INCIDENT_MIN > 0) await sleep(Math.max(0, incidentEnd + 11 * 60_000 - Date.now()));
prom.kill('SIGTERM');
await new Promise((r) => prom.once('exit', r));
await am.stop();
await webhook.stop();
const { execFileSync } = await import('node:child_process');
const diskMiB = Number(execFileSync('du', ['-sm', join(dir, 'data')], { encoding: 'utf8' }).split('\t')[0]);
rmSync(dir, { recursive: true, force: true });

const phaseOf = (t: number) => (t < incidentStart ? 'calm' : t < incidentEnd ? 'incident' : 'recovery');
const notifications: Record<string, Record<string, { firing: number; resolved: number; alerts: string[] }>> = {};
for (const n of webhook.received) {
  const byPhase = (notifications[n.path] ??= {});
  const cell = (byPhase[phaseOf(n.at)] ??= { firing: 0, resolved: 0, alerts: [] });
  cell[n.body.status === 'resolved' ? 'resolved' : 'firing']++;
  for (const a of n.body.alerts) if (!cell.alerts.includes(a.labels.alertname!)) cell.alerts.push(a.labels.alertname!);
}
const sorted = [...evaluations].sort((a, b) => a - b);
const result = {
  establishments: N,
  minutes: MINUTES,
  incidentMinutes: INCIDENT_MIN,
  incidentEndpoint: checkKey(incident.labels),
  seriesPerEstablishment: snapshot(0, t0).length,
  headSeries: head.data.headStats.numSeries,
  samplesPerSecond: Math.round(sent / seconds),
  pushErrors: errors,
  centralCpuCores: +(cpu / seconds).toFixed(3),
  generatorCpuCores: +((ownCpu.user + ownCpu.system) / 1e6 / seconds).toFixed(3),
  centralPeakRssMiB: Math.round(peakRss),
  ruleEvaluationSeconds: { median: +(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(3), max: +(sorted.at(-1) ?? 0).toFixed(3), reads: sorted.length, groupMax, slowestRules: Object.fromEntries(Object.entries(ruleMax).sort(([, a], [, b]) => b - a).slice(0, 5)) },
  diskMiB,
  notifications,
};
console.log(JSON.stringify(result, null, 1));
if (WRITE) writeFleetSection(result);

/** Replaces the fleet section of bench/RESULTS.md (bench/run.ts keeps it when it rewrites the rest). */
function writeFleetSection(r: typeof result): void {
  const file = join(root, 'bench', 'RESULTS.md');
  const rows = Object.entries(r.notifications)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .flatMap(([path, phases]) => Object.entries(phases).map(([phase, c]) => `| ${path} | ${phase} | ${c.firing} | ${c.resolved} | ${c.alerts.sort().join(', ')} |`));
  const section = [
    FLEET_BEGIN,
    `## Fleet simulation: ${r.establishments} establishments, a ${r.incidentMinutes}-minute platform incident`,
    '',
    `Command: \`node bench/fleet.ts ${r.establishments} --incident ${r.incidentMinutes} --write\` (${new Date().toISOString()}). ${r.establishments} establishments remote-write one real probe's series (${r.seriesPerEstablishment} each, results and run counters renewed every 15 s) to one central Prometheus 2.42 (the shipped rules, evaluated every 15 s) and the shipped Alertmanager 0.25 routes. 10 minutes calm (establishments 1 and 2 each have a flow of their own blocked), then \`${r.incidentEndpoint}\` fails from every establishment for ${r.incidentMinutes} minutes while every tenth establishment (${Math.ceil(r.establishments / 10)}) is inside an RCP session's window, then 10 minutes of recovery and the 5-minute group interval for the resolutions.`,
    '',
    `| head series | samples/s | central CPU (cores) | central peak RSS (MiB) | rule evaluation per cycle, median / max (s) | TSDB on disk (MiB) |`,
    '|---|---|---|---|---|---|',
    `| ${r.headSeries} | ${r.samplesPerSecond} | ${r.centralCpuCores} | ${r.centralPeakRssMiB} | ${r.ruleEvaluationSeconds.median} / ${r.ruleEvaluationSeconds.max} (${r.ruleEvaluationSeconds.reads} reads) | ${r.diskMiB} |`,
    '',
    `Longest evaluation of each rule group (s): ${Object.entries(r.ruleEvaluationSeconds.groupMax).map(([g, t]) => `${g} ${t}`).join(', ')}. Slowest rules (longest evaluation, s): ${Object.entries(r.ruleEvaluationSeconds.slowestRules).map(([g, t]) => `${g} ${t}`).join(', ')}. The simulated establishments (${r.generatorCpuCores} cores to encode and send) share the machine's ${cpus().length} cores with the central Prometheus, so evaluation times are upper bounds.`,
    '',
    'Notifications delivered, by receiver and phase:',
    '',
    '| receiver | phase | firing | resolved | alerts |',
    '|---|---|---|---|---|',
    ...rows,
    FLEET_END,
  ].join('\n');
  const old = readFileSync(file, 'utf8');
  const at = old.indexOf(FLEET_BEGIN);
  const before = at < 0 ? `${old.trimEnd()}\n\n` : old.slice(0, at);
  const after = at < 0 ? '\n' : old.slice(old.indexOf(FLEET_END) + FLEET_END.length);
  writeFileSync(file, `${before}${section}${after}`);
}
