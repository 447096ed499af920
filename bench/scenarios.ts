// Browser scenario figures for bench/RESULTS.md: per kind, wall time, time to ICE connected, time
// to the first 720p frame, peak memory of the browser's process tree and bytes per run, against
// the lab (Janus, coturn, the flow pages); the bandwidth per hour of the default schedules; and the
// measurement behind "one browser per run" versus one kept browser with a fresh context per run.
import { chromium } from 'playwright-core';
import type { CheckResult } from '../probes/contract.ts';
import { BrowserSession, launchArgs, processTree, treeMemoryBytes } from '../scenarios/browser.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import { ensureFakeMedia } from '../scenarios/media.ts';
import { startCoturn } from '../test/lab/coturn.ts';
import { startFlowPages } from '../test/lab/flow-pages.ts';
import { startJanus } from '../test/lab/janus.ts';
import type { LabPki } from '../test/lab/pki.ts';
import { LOOPBACK_ARGS, scenarioLab, TEST_CACHE } from '../test/lab/scenario-run.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const RUNS = 3;
const f = (n: number | undefined, d = 2) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(d));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Runs per hour of a "*\/N * * * *" schedule. */
function perHour(schedule: string): number {
  const m = /^\*\/(\d+) \* \* \* \*$/.exec(schedule);
  return m ? 60 / Number(m[1]) : 60;
}

export async function benchScenarios(pki: LabPki, log: (s: string) => void): Promise<void> {
  const secret = 'bench-scenario-secret';
  process.env.VIGIE_BENCH_TURN_SECRET = secret;
  const [janus, coturn, pages] = await Promise.all([startJanus(), startCoturn(pki.leaves.valid, { secret }), startFlowPages()]);
  const lab = scenarioLab(`browser: { args: ${JSON.stringify(LOOPBACK_ARGS)}, cache_dir: ${TEST_CACHE} }
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
  for (const name of ['room', 'pair', 'relay', 'sara']) {
    const results: CheckResult[][] = [];
    for (let i = 0; i < RUNS; i++) results.push(await lab.run(name));
    const byCheck = results[0]!.map((_, j) => results.map((r) => r[j]!));
    for (const runs of byCheck) {
      const o = (k: string) => runs.map((r) => r.observations[k]).filter((v): v is number => typeof v === 'number');
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
  log('Bandwidth of the default schedules (bytes sent plus received by the browser, per scenario entry):');
  log('');
  for (const h of hourly) log(`- ${h}`);
  log('');
  log(
    `Browser lifecycle: launch + context + blank page + close, 5 times: median ${f(launches.sort((a, b) => a - b)[2]!, 0)} ms; a fresh context + page in a kept browser: median ${f(contexts.sort((a, b) => a - b)[2]!, 0)} ms; the kept browser idles at ${f(idle / 2 ** 20, 0)} MiB (PSS of its tree) between runs. Runs are minutes apart, so the probe launches one browser per run: it pays well under a second per run and holds no browser memory between runs, and a crash cannot leak into the next run.`,
  );
}
