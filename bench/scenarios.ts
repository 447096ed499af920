// Browser scenario figures for bench/RESULTS.md: per kind, wall time, time to ICE connected, time
// to the first 720p frame, peak memory of the browser's process tree and bytes per run, against
// the lab (Janus, coturn, the flow pages); the bandwidth per hour of the default schedules; and the
// measurement behind "one browser per run" versus one kept browser with a fresh context per run.
import { chromium, type BrowserContext } from 'playwright-core';
import { probeContext } from '../runner/engine/shared-context.ts';
import { CheckRecorder } from '../runner/core/recorder.ts';
import type { ObservationKey } from '../runner/core/observations.ts';
import type { RunContext } from '../runner/core/definition.ts';
import { BROWSER } from '../scenarios/lib/browser-resource.ts';
import { executeCheck } from '../runner/engine/execute.ts';
import { readRecording } from './janus-recording.ts';
import { median } from './pcap.ts';
import type { CheckResult } from '../runner/core/contract.ts';
import { BrowserSession, launchArgs, processTree, treeMemoryBytes } from '../scenarios/lib/browser.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import { ensureFakeMedia } from '../scenarios/lib/fake-media.ts';
import { startCoturn } from '../lab/coturn.ts';
import { startFlowPages } from '../lab/flow-pages.ts';
import { startJanus, type JanusLab } from '../lab/janus.ts';
import type { LabPki } from '../lab/pki.ts';
import { LOOPBACK_ARGS, scenarioLab, TEST_CACHE, type ScenarioLab } from '../lab/scenario-run.ts';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const RUNS = 3;

/** Janus's own figure for the video it receives now (bytes in the last second), over every handle. */
async function janusVideoBytesPerSecond(janus: JanusLab): Promise<number> {
  let total = 0;
  for (const h of await janus.handles()) {
    const media = (h.webrtc as { media?: Record<string, { type?: string; stats?: { in?: { bytes_lastsec?: number } } }> } | undefined)?.media ?? {};
    for (const m of Object.values(media)) if (m.type === 'video') total += m.stats?.in?.bytes_lastsec ?? 0;
  }
  return total;
}

/**
 * The same scenarios with one browser kept across runs: the scenario gets a wrapper of the kept
 * session that remembers the contexts it opens, and those are closed after each run (the runner
 * would close the whole browser). Rows in the launched table's units, for both modes.
 */
async function reusedBrowserRuns(lab: ScenarioLab, names: string[]): Promise<string[]> {
  const rows: string[] = [];
  const media = await ensureFakeMedia(join(TEST_CACHE, 'media'));
  const cfg = lab.shared.browserSettings!;
  for (const name of names) {
    const spec = lab.specs.find((s) => s.scenario === name)!;
    const def = SCENARIOS[spec.kind as keyof typeof SCENARIOS];
    const kept = await BrowserSession.launch({ executablePath: cfg.executablePath, args: cfg.args, media });
    const launched: CheckResult[] = [];
    const results: CheckResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      launched.push(await executeCheck(spec, lab.shared));
      const contexts: BrowserContext[] = [];
      const session = new Proxy(kept, {
        get(target, prop) {
          if (prop === 'newContext') return async () => (contexts.push(await target.newContext()), contexts.at(-1)!);
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const t = performance.now();
      // The scenario's own resource, but its browser is the kept one.
      const keptBrowser: typeof BROWSER = {
        ...BROWSER,
        open: (base) => {
          const lease = BROWSER.open(base);
          lease.ctx.browser = async () => session;
          return lease;
        },
      };
      const base: RunContext = { ...probeContext(lab.shared, spec.timeoutMs), rec: new CheckRecorder(spec.target, spec.kind, def.phases), scenario: { name } };
      const started = def.start(spec.target, spec.options, base, keptBrowser);
      const r = await started.lease.close(await started.result);
      r.durationSeconds = (performance.now() - t) / 1000;
      results.push(r);
      await Promise.all(contexts.map((c) => c.close()));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const idle = kept.sample();
    const peak = kept.peakMemoryBytes;
    await kept.close();
    const row = (mode: string, runs: CheckResult[], peakBytes: number) => {
      const o = (k: ObservationKey) => runs.map((r) => r.observations[k]).filter((v): v is number => typeof v === 'number');
      return `| ${runs[0]!.kind} \`${name}\` | ${mode} | ${runs.filter((r) => r.status === 'ok').length}/${runs.length} | ${f(mean(runs.map((r) => r.durationSeconds)), 1)} | ${f(mean(o('ice_connected_seconds')), 3)} | ${f(mean(o('time_to_720p_seconds')), 3)} | ${f(peakBytes / 2 ** 20, 0)} |`;
    };
    rows.push(row('launched per run', launched, Math.max(...launched.map((r) => Number(r.observations.browser_memory_peak_bytes ?? 0)))));
    rows.push(row(`kept (idles at ${f(idle / 2 ** 20, 0)} MiB)`, results, peak));
  }
  return rows;
}
const f = (n: number | undefined, d = 2) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(d));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Runs per hour of a "*\/N * * * *" schedule. */
function perHour(schedule: string): number {
  const m = /^\*\/(\d+) \* \* \* \*$/.exec(schedule);
  return m ? 60 / Number(m[1]) : 60;
}

export async function benchScenarios(pki: LabPki, log: (s: string) => void): Promise<void> {
  // A fresh TURN secret per run: it reaches the probe through the environment, as in production.
  const secret = randomBytes(16).toString('hex');
  process.env.VIGIE_BENCH_TURN_SECRET = secret;
  // Janus records what it receives (.mjr) and reports bytes per second on its admin API: the
  // fidelity of the room scenario's resolution and bitrate is read against both.
  const [janus, coturn, pages] = await Promise.all([startJanus({ record: true }), startCoturn(pki.leaves.valid, { secret }), startFlowPages()]);
  const lab = scenarioLab(`browser: { args: ${JSON.stringify(LOOPBACK_ARGS)}, cache_dir: ${TEST_CACHE}, sandbox: false }
trust: { extra_ca_files: [${pki.caFile}] }
credentials: { turn: { secret: { env: VIGIE_BENCH_TURN_SECRET } } }
service_credentials: { 127.0.0.1: turn }
scenarios:
  - { name: room, kind: janus-videoroom, platform: lab, url: "${janus.demos}/videoroomtest.html", room: ${janus.room} }
  - { name: pair, kind: janus-videoroom, platform: lab2, participants: 2, url: "${janus.demos}/videoroomtest.html", room: ${janus.room} }
  - { name: relay, kind: turn-relay, platform: lab, server: 127.0.0.1, port: ${coturn.port}, tls_port: ${coturn.tlsPort} }
  - { name: sara, kind: page-flow, platform: lab, flow: sara-testvisio, url: "${pages.base}/testvisio" }
`);
  const rows: string[] = [];
  const hourly: string[] = [];
  const janusRows: string[] = [];
  for (const name of ['room', 'pair', 'relay', 'sara']) {
    const results: CheckResult[][] = [];
    for (let i = 0; i < RUNS; i++) {
      if (name !== 'room') {
        results.push(await lab.run(name));
        continue;
      }
      const before = new Set(janus.recordings());
      const seen: number[] = [];
      const poll = setInterval(() => void janusVideoBytesPerSecond(janus).then((b) => b && seen.push(b), () => {}), 1000);
      const run = await lab.run(name);
      clearInterval(poll);
      results.push(run);
      const video = janus.recordings().filter((f) => !before.has(f)).map(readRecording).find((r) => r.kind === 'video');
      const o = run[0]!.observations;
      const last = video?.keyframes.at(-1);
      janusRows.push(
        `| ${i + 1} | ${o.outbound_frame_width}×${o.outbound_frame_height} | ${last ? `${last.width}×${last.height}` : '–'} (${video?.keyframes.length ?? 0} keyframes) | ${f(Number(o.outbound_bytes_per_second) / 1000, 1)} | ${f(median(seen.slice(-6)) / 1000, 1)} | ${video ? f(video.bytes / video.seconds / 1000, 1) : '–'} |`,
      );
    }
    const byCheck = results[0]!.map((_, j) => results.map((r) => r[j]!));
    for (const runs of byCheck) {
      const o = (k: ObservationKey) => runs.map((r) => r.observations[k]).filter((v): v is number => typeof v === 'number');
      const label = `${runs[0]!.kind} \`${name}\`${runs[0]!.observations.relay_transport ? ` (${String(runs[0]!.observations.relay_transport).toUpperCase()})` : ''}`;
      const bytes = mean(o('bytes_sent')) + mean(o('bytes_received'));
      rows.push(
        `| ${label} | ${runs.filter((r) => r.status === 'ok').length}/${runs.length} | ${f(mean(runs.map((r) => r.durationSeconds)), 1)} | ${f(mean(o('ice_connected_seconds')), 3)} | ${f(mean(o('time_to_720p_seconds')), 3)} | ${f(Math.max(...o('browser_memory_peak_bytes')) / 2 ** 20, 0)} | ${f(mean(o('bytes_sent')) / 1e6)} / ${f(mean(o('bytes_received')) / 1e6)} |`,
      );
      const def = SCENARIOS[runs[0]!.kind as keyof typeof SCENARIOS];
      const n = perHour(def.defaults.schedule);
      if (Number.isNaN(bytes)) {
        hourly.push(`${label}: media not measured (the flow has no expect_media step; the page runs its own test)`);
        continue;
      }
      hourly.push(`${label}: ${f(bytes / 1e6)} MB per run × ${n} runs/h (default \`${def.defaults.schedule}\`) = ${f((bytes * n) / 1e6, 1)} MB/h, ${f((bytes * n * 8) / 3600 / 1000, 1)} kbit/s on average`);
    }
  }
  const reused = await reusedBrowserRuns(lab, ['room', 'relay']);
  await Promise.all([janus.stop(), coturn.stop(), pages.close()]);

  // One browser per run versus one kept browser with a fresh context per run.
  const media = await ensureFakeMedia(join(TEST_CACHE, 'media'));
  const launches: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const s = await BrowserSession.launch({ executablePath: '/usr/bin/chromium', args: [], media });
    const c = await s.newContext();
    await (await c.newPage()).goto('about:blank');
    launches.push(performance.now() - t);
    await s.close();
  }
  const kept = await chromium.launch({ executablePath: '/usr/bin/chromium', args: launchArgs({ args: [], media }) });
  const contexts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const c = await kept.newContext();
    await (await c.newPage()).goto('about:blank');
    contexts.push(performance.now() - t);
    await c.close();
  }
  await new Promise((r) => setTimeout(r, 2000));
  // The kept browser is this process's only Chromium child: its idle tree between runs.
  const mainPid = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .find((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('chromium');
      } catch {
        return false;
      }
    });
  const idle = mainPid ? treeMemoryBytes(processTree(Number(mainPid))) : NaN;
  await kept.close();

  log('');
  log(`## Browser scenarios`);
  log('');
  log(`${RUNS} runs of each against the lab (Janus 1.1 with the stock demo page, coturn on loopback, the lab flow pages), Debian Chromium, the generated 1280×720 MJPEG camera; one browser per run. Memory is the peak PSS of the browser's whole process tree (pages shared between its processes counted once).`);
  log('');
  log('| scenario | ok | wall (s) | ICE connected (s) | first 720p frame after ICE (s) | browser memory peak (MiB) | MB sent / received per run |');
  log('|---|---|---|---|---|---|---|');
  for (const r of rows) log(r);
  log('');
  log('What Janus itself received during the `room` runs, against what the scenario reported (Janus is an SFU and never decodes: the frame size comes from the VP8 keyframe headers in its recording of the stream, `.mjr`; the bitrate from its admin API, `handle_info` → `webrtc.media` → video `stats.in.bytes_lastsec`, median of the last 6 one-second samples, and from the recording, RTP headers included):');
  log('');
  log('| run | frame size reported (outbound) | frame size Janus received (last keyframe) | video kB/s reported | Janus admin API kB/s | Janus recording kB/s |');
  log('|---|---|---|---|---|---|');
  for (const r of janusRows) log(r);
  log('');
  log('The recording agrees with the scenario within a few percent (it counts RTP headers, the scenario counts payload). The admin API counts more: every byte that reaches the video m-line, including the padding and retransmissions Chromium sends to probe the bandwidth, which the recording leaves out.');
  log('');
  log('Bandwidth of the default schedules (bytes sent plus received by the browser, per scenario entry):');
  log('');
  for (const h of hourly) log(`- ${h}`);
  log('');
  log('');
  log(`Full runs with one browser kept across ${RUNS} runs (a fresh context per run, closed after it) against the same runs launching a browser each (the table above). Memory: peak PSS of the browser tree over the runs; the kept browser also idles at its figure between runs:`);
  log('');
  log('| scenario | mode | ok | wall (s) | ICE connected (s) | first 720p frame after ICE (s) | browser memory peak (MiB) |');
  log('|---|---|---|---|---|---|---|');
  for (const r of reused) log(r);
  log('');
  log(
    `Browser lifecycle: launch + context + blank page + close, 5 times: median ${f(launches.sort((a, b) => a - b)[2]!, 0)} ms; a fresh context + page in a kept browser: median ${f(contexts.sort((a, b) => a - b)[2]!, 0)} ms; the kept browser idles at ${f(idle / 2 ** 20, 0)} MiB (PSS of its tree) between runs. Runs are minutes apart, so the probe launches one browser per run: it pays well under a second per run and holds no browser memory between runs, and a crash cannot leak into the next run.`,
  );
}
