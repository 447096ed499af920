// Fleet simulation (`node bench/fleet.ts [establishments] [minutes]`, default 200 and 10): the
// series of one real probe (a `vigie run` with the embedded catalogs, scraped once) are remote-
// written every 15 s by N simulated establishments, each with its own external labels, to one
// central Prometheus on loopback (remote-write receiver, the shipped rules loaded). Reports the
// series count, samples per second, and the central Prometheus's CPU and memory.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
// @ts-expect-error snappyjs ships no types; compress(Uint8Array) → Uint8Array (raw block format, as remote write wants)
import snappy from 'snappyjs';
import { closedPort } from '../lab/servers.ts';
import { cpuSeconds, memoryMiB } from './proc.ts';
import { labTempDir } from '../lab/temp.ts';

const N = Number(process.argv[2] ?? 200);
const MINUTES = Number(process.argv[3] ?? 10);
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

/** Parses the exposition text into label sets and values (enough for the probe's own output). */
function parseExposition(text: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = { __name__: m[1]! };
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ labels, value: Number(m[4]) });
  }
  return out;
}


// 1. One real probe's series.
const probePort = await closedPort();
writeFileSync(join(dir, 'vigie.yaml'), `server: { listen: "127.0.0.1:${probePort}" }\njitter: 0s\nchecks: { clock: { enabled: false } }\n`);
const probe = spawn(process.execPath, [join(root, 'bin', 'vigie.js'), 'run', '--config', join(dir, 'vigie.yaml')], { stdio: 'ignore' });
await sleep(20_000);
const exposition = await (await fetch(`http://127.0.0.1:${probePort}/metrics`)).text();
probe.kill('SIGTERM');
const series = parseExposition(exposition);

// 2. The central Prometheus.
const promPort = await closedPort();
writeFileSync(join(dir, 'prometheus.yml'), `global: { evaluation_interval: 15s }\nrule_files: ["${join(root, 'deploy', 'prometheus', 'vigie-rules.yaml')}"]\n`);
const prom = spawn('prometheus', [`--config.file=${dir}/prometheus.yml`, `--storage.tsdb.path=${dir}/data`, `--web.listen-address=127.0.0.1:${promPort}`, '--web.enable-remote-write-receiver'], { stdio: 'ignore' });
for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${promPort}/-/ready`).then((r) => r.ok, () => false)); i++) await sleep(200);
const cpu0 = cpuSeconds(prom.pid!);

// 3. N establishments, each pushing its copy every 15 s (spread over the interval, as real agents are).
let sent = 0;
let errors = 0;
let peakRss = 0;
const end = Date.now() + MINUTES * 60_000;
const push = async (e: number) => {
  const ts = Date.now();
  const timeseries = series.map((s) => ({
    labels: Object.entries({ ...s.labels, establishment: `etab-${String(e).padStart(3, '0')}`, region: `region-${e % 4}`, job: 'vigie', instance: 'vigie:9464' })
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, value]) => ({ name, value })),
    samples: [{ value: s.value === 1 && s.labels.__name__ === 'probe_success' && Math.random() < 0.01 ? 0 : s.value, timestamp: ts }],
  }));
  const body = snappy.compress(pb.encode(pb.create({ timeseries })).finish()) as Uint8Array;
  const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/write`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' } }).catch(() => undefined);
  if (res?.ok) sent += timeseries.length;
  else errors++;
};
const t0 = Date.now();
while (Date.now() < end) {
  const round = Date.now();
  for (let e = 0; e < N; e++) {
    await push(e);
    // Spread the establishments over the interval.
    const due = round + ((e + 1) * INTERVAL_S * 1000) / N;
    if (Date.now() < due) await sleep(due - Date.now());
  }
  peakRss = Math.max(peakRss, memoryMiB(prom.pid!, 'VmRSS'));
}
const seconds = (Date.now() - t0) / 1000;
const cpu = cpuSeconds(prom.pid!) - cpu0;
const head = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/status/tsdb`)).json()) as { data: { headStats: { numSeries: number } } };
const rules = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/rules`)).json()) as { data: { groups: { evaluationTime: number }[] } };
const ruleSeconds = rules.data.groups.reduce((a, g) => a + g.evaluationTime, 0);
prom.kill('SIGTERM');
await new Promise((r) => prom.once('exit', r));
const { execFileSync } = await import('node:child_process');
const diskMiB = Number(execFileSync('du', ['-sm', join(dir, 'data')], { encoding: 'utf8' }).split('\t')[0]);
console.log(
  JSON.stringify({
    establishments: N,
    minutes: MINUTES,
    seriesPerEstablishment: series.length,
    headSeries: head.data.headStats.numSeries,
    samplesPerSecond: Math.round(sent / seconds),
    pushErrors: errors,
    centralCpuCores: +(cpu / seconds).toFixed(3),
    centralPeakRssMiB: Math.round(peakRss),
    ruleEvaluationSeconds: +ruleSeconds.toFixed(3),
    diskMiB,
  }),
);
