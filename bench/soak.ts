// `npm run soak -- --hours 2 [--cycle-minutes 10] [--out bench/SOAK.md]`: `vigie run` in the fault
// lab's hospital namespace for hours, with accelerated schedules (every check every 15 s, a Janus
// browser scenario every 2 min), the fault profiles applied in turn (one per cycle), one SIGKILL and
// restart, the data volume (a tmpfs for the browser cache and run history) filled once, and the
// wall clock stepped forward and back once. Every 15 s it samples the probe's memory, descriptors,
// process tree and /metrics; after each profile it holds the probe's results to
// docs/fault-matrix.md. It writes the samples (JSON) and a report with SVG plots and a verdict.
// The probe runs as the image runs it: the compiled dist/ (`npm run build`) with the Dockerfile's
// NODE_ENV, MALLOC_ARENA_MAX and VIGIE_RUN_NODE_FLAGS (the daemon's V8 flags), since that is the
// process that lives for months.
// Root only (network namespaces, mount, clock). `--minutes N` runs a short version (the CI test).
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startFaultLab, type FaultLab } from '../lab/fault/fault-lab.ts';
import { exposeLabProbe, PROBE_LISTEN, spawnLabProbe, waitForOk } from '../lab/fault/lab-probe.ts';
import { compareToMatrix, MATRIX_FILE, readMatrix } from '../lab/fault/matrix.ts';
import { netnsAvailable } from '../lab/fault/netns.ts';
import { loadProfile, profileNames } from '../lab/fault/profiles.ts';
import type { Closable } from '../lab/servers.ts';
import { KIND_NAMES, isScenarioKind } from '../runner/config/kinds.ts';
import type { CheckResult } from '../runner/core/contract.ts';
import { imageRuntime } from './proc.ts';
import { parseExposition, processFootprint, total, treeCounts, usedShare } from './soak-sample.ts';
import { writeSoakReport, type SoakData, type SoakEvent, type SoakSample, type SoakVerification } from './soak-report.ts';

const { values } = parseArgs({
  options: {
    hours: { type: 'string' },
    minutes: { type: 'string' },
    'cycle-minutes': { type: 'string', default: '10' },
    out: { type: 'string', default: join(import.meta.dirname, 'SOAK.md') },
    port: { type: 'string', default: '9474' },
  },
});
if (!netnsAvailable()) {
  console.error('soak: the fault lab runs in network namespaces: run as root with iproute2 and nftables (npm run setup)');
  process.exit(2);
}
const totalSeconds = values.minutes ? Number(values.minutes) * 60 : Number(values.hours ?? '2') * 3600;
const cycleSeconds = Number(values['cycle-minutes']) * 60;
if (!(totalSeconds >= 120) || !(cycleSeconds >= 60) || cycleSeconds > totalSeconds) {
  console.error('soak: --hours/--minutes must give at least 2 minutes, and --cycle-minutes at least 1 and no more than the run');
  process.exit(2);
}
const root = join(import.meta.dirname, '..');
if (!existsSync(join(root, 'dist', 'runner', 'cli', 'main.js'))) {
  console.error('soak: the probe runs compiled, as in the image: run "npm run build" first (npm run soak does)');
  process.exit(2);
}
/** The image's runtime environment, and its compiled probe. */
const image = imageRuntime();
const probeEnv = { ...image.env, VIGIE_COMPILED: '1' };
const probeArgs = image.nodeArgs;
const outFile = resolve(values.out);
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: import.meta.dirname, encoding: 'utf8' }).trim();
  } catch {
    return undefined; // not a checkout
  }
})();
const assetsDir = join(dirname(outFile), 'soak');
const port = Number(values.port);

/** Schedules of the soak: every protocol check every 15 s, the browser scenario every 2 min. */
export const CHECK_PERIOD_S = 15;
export const SCENARIO_PERIOD_S = 120;
const SAMPLE_EVERY_MS = 15_000;
/** A check older than this at a scrape is late: its period, its longest timeout and a margin. */
const lateAfter = (kind: string) => (isScenarioKind(kind) ? SCENARIO_PERIOD_S + 150 : CHECK_PERIOD_S + 30);
const CLOCK_STEP_S = 120;

const t0 = performance.now();
const now = () => (performance.now() - t0) / 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const until = (t: number) => sleep((t - now()) * 1000);

const samples: SoakSample[] = [];
const events: SoakEvent[] = [];
const verifications: SoakVerification[] = [];
const note = (kind: SoakEvent['kind'], detail = '') => {
  events.push({ t: now(), kind, detail });
  console.log(`[${(now() / 60).toFixed(1)} min] ${kind} ${detail}`);
};

let lab: FaultLab | undefined;
let exposed: Closable | undefined;
let probe: ChildProcess | undefined;
let clockAhead = 0;
let dataDir = '';
let mounted = false;
let filler = '';
const base = `http://127.0.0.1:${port}`;

function stepClock(seconds: number): void {
  execFileSync('date', ['-s', `${seconds >= 0 ? '+' : ''}${seconds} seconds`], { stdio: 'ignore' });
  clockAhead += seconds;
}

let sampling = false;
let sampler: Promise<void> | undefined;

async function cleanup(): Promise<void> {
  // Also after a failure: the sampler must not keep the process alive.
  sampling = false;
  await sampler;
  if (probe && probe.exitCode === null && probe.signalCode === null) {
    probe.kill('SIGTERM');
    await Promise.race([new Promise((r) => probe!.once('exit', r)), sleep(25_000)]);
    probe.kill('SIGKILL');
  }
  if (clockAhead) stepClock(-clockAhead);
  await exposed?.close();
  if (mounted) {
    try {
      execFileSync('umount', [dataDir]);
    } catch {}
  }
  await lab?.stop();
}

let probeLog: ReturnType<typeof createWriteStream> | undefined;
function startProbe(): ChildProcess {
  const child = spawnLabProbe(lab!, lab!.dir, ['ignore', 'pipe', 'pipe'], probeEnv, probeArgs);
  child.stdout!.pipe(probeLog!, { end: false });
  child.stderr!.pipe(probeLog!, { end: false });
  probe = child;
  return child;
}

async function stopProbe(): Promise<number> {
  const child = probe!;
  const start = now();
  child.kill('SIGTERM');
  await Promise.race([new Promise((r) => child.once('exit', r)), sleep(30_000)]);
  if (child.exitCode === null && child.signalCode === null) {
    note('stop', 'did not stop within 30 s of SIGTERM: killed');
    child.kill('SIGKILL');
  }
  return now() - start;
}

/** Starts the probe and waits for /readyz (every check has a first result). */
async function startAndWait(why: string): Promise<void> {
  startProbe();
  const start = now();
  await waitForOk(`${base}/readyz`, 180_000);
  note('ready', `${why}: ready ${(now() - start).toFixed(1)} s after start`);
}

async function scrape(): Promise<ReturnType<typeof parseExposition> | undefined> {
  try {
    const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) });
    return res.ok ? parseExposition(await res.text()) : undefined;
  } catch {
    return undefined;
  }
}

async function sample(profile: string): Promise<void> {
  const pid = probe && probe.exitCode === null && probe.signalCode === null ? probe.pid : undefined;
  const fp = pid !== undefined ? processFootprint(pid) : undefined;
  const tree = treeCounts(lab!.net.hospital, pid);
  const m = pid !== undefined ? await scrape() : undefined;
  const wall = Date.now() / 1000;
  const late: string[] = [];
  for (const s of m?.filter((x) => x.name === 'probe_last_run_timestamp_seconds') ?? []) {
    if (wall - s.value > lateAfter(s.labels.kind!)) late.push(`${s.labels.kind} ${s.labels.host}:${s.labels.port}/${s.labels.transport}${s.labels.scenario ? ` ${s.labels.scenario}` : ''}`);
  }
  samples.push({
    t: now(),
    wall,
    profile,
    ...(pid !== undefined ? { pid } : {}),
    ...(fp ?? {}),
    ...tree,
    scrapeOk: m !== undefined,
    ...(m
      ? {
          heapMiB: total(m, 'nodejs_heap_size_used_bytes') / 2 ** 20,
          metricRssMiB: total(m, 'process_resident_memory_bytes') / 2 ** 20,
          series: m.length,
          checkSeries: m.filter((x) => x.name === 'probe_last_run_timestamp_seconds').length,
          runs: total(m, 'probe_check_runs_total'),
          skipped: total(m, 'probe_check_skipped_total'),
          missed: total(m, 'vigie_schedule_missed_total'),
          browserPeakMiB: Math.max(0, ...m.filter((x) => x.name === 'probe_browser_peak_memory_bytes').map((x) => x.value)) / 2 ** 20,
        }
      : {}),
    late,
    dataUsed: usedShare(dataDir),
  });
}

const matrix = readMatrix(readFileSync(MATRIX_FILE, 'utf8'));

/** Waits until every protocol check has ended a run that started after `sinceWall`, then holds the results to the matrix. */
async function verify(profile: string, phase: SoakVerification['phase'], sinceWall: number): Promise<void> {
  const deadline = now() + 120;
  for (;;) {
    const m = await scrape();
    const last = m?.filter((x) => x.name === 'probe_last_run_timestamp_seconds' && !isScenarioKind(x.labels.kind!)) ?? [];
    if (last.length && last.every((x) => x.value > sinceWall + 12)) break;
    if (now() > deadline) {
      verifications.push({ t: now(), profile, phase, mismatches: ['no fresh results within 120 s'], missing: [], extra: [] });
      return;
    }
    await sleep(2000);
  }
  const res = (await (await fetch(`${base}/api/results`, { signal: AbortSignal.timeout(5000) })).json()) as { results: CheckResult[] };
  const { checks, planned, mismatches } = compareToMatrix(matrix, profile, res.results, { liveCalls: true });
  verifications.push({ t: now(), profile, phase, mismatches, missing: planned.filter((c) => !checks.includes(c)), extra: checks.filter((c) => !planned.includes(c)) });
  const last = verifications.at(-1)!;
  console.log(`  ${profile} (${phase}): ${last.mismatches.length + last.missing.length + last.extra.length ? `MISMATCH ${JSON.stringify(last)}` : 'as the matrix says'}`);
}

/**
 * The profile of each cycle: `none`, then the profiles that change the probe's config (each change,
 * and the return to the plain config, restarts the probe), then the others over and over. After the
 * last restart one probe process lives for the rest of the run, and a second pass shows whether its
 * memory still grows once every fault's series exist.
 */
function profileOrder(cycles: number, names: string[], configured: string[]): string[] {
  const rest = names.filter((n) => !configured.includes(n));
  return Array.from({ length: cycles }, (_, c) => (c === 0 ? 'none' : c <= configured.length ? configured[c - 1]! : rest[(c - 1 - configured.length) % rest.length]!));
}

function fill(): void {
  filler = join(dataDir, 'filler');
  // Fills every free block; dd stops with ENOSPC, which is the point.
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1M'], { stdio: 'ignore' });
  } catch {}
  note('fill', `data volume ${(usedShare(dataDir) * 100).toFixed(0)} % used`);
}

function free(): void {
  rmSync(filler, { force: true });
  note('free', `data volume ${(usedShare(dataDir) * 100).toFixed(0)} % used`);
}

async function main(): Promise<void> {
  lab = await startFaultLab();
  dataDir = join(lab.dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m,mode=0700', 'vigie-soak-data', dataDir]);
  mounted = true;
  probeLog = createWriteStream(join(lab.dir, 'probe.log'));
  exposed = await exposeLabProbe(lab, lab.dir, port);
  const config = {
    site: { establishment: 'soak', name: 'Soak', region: 'lab' },
    catalogs: { platforms: ['lab'], files: ['lab-catalog.yaml'] },
    server: { listen: `127.0.0.1:${PROBE_LISTEN}` },
    browser: { args: [lab.chromiumResolverRules], cache_dir: dataDir, sandbox: process.getuid?.() !== 0 },
    scenarios: [{ name: 'salle-test', kind: 'janus-videoroom', platform: 'lab', participants: 2, url: `${lab.janus.pages}/videoroomtest.html`, room: lab.janus.room, schedule: `*/${SCENARIO_PERIOD_S / 60} * * * *` }],
    // The OCSP answer cache stays below the period, as it is in production (30 s against 15 min),
    // so that each round proves the path to the responder again.
    checks: Object.fromEntries(KIND_NAMES.filter((k) => !isScenarioKind(k)).map((k) => [k, { schedule: `*/${CHECK_PERIOD_S} * * * * *`, ...(k === 'ocsp' ? { cache_seconds: 10 } : {}) }])),
  };
  const cycles = Math.floor(totalSeconds / cycleSeconds);
  const names = profileNames();
  const configured = names.filter((n) => loadProfile(n).config !== undefined);
  const order = profileOrder(cycles, names, configured);
  // Early: in the cycle that returns to the plain config (a restart), so the process started then lives on.
  const killCycle = Math.min(Math.floor(cycles * 0.4), configured.length + 1);
  const fillCycle = Math.min(cycles - 1, Math.max(killCycle + 1, Math.floor(cycles * 0.6)));
  const clockCycle = Math.min(cycles - 1, Math.max(fillCycle + 1, Math.floor(cycles * 0.8)));
  sampling = true;
  let current = 'none';
  sampler = (async () => {
    while (sampling) {
      const next = now() + SAMPLE_EVERY_MS / 1000;
      await sample(current).catch((e: Error) => console.error(`sample: ${e.message}`));
      await until(next);
    }
  })();

  let configText = '';
  for (let c = 0; c < cycles; c++) {
    const start = c * cycleSeconds;
    await until(start);
    const profile = order[c]!;
    await lab.apply(profile, config);
    const applied = Date.now() / 1000;
    current = profile;
    note('profile', profile);
    const text = readFileSync(lab.configFile, 'utf8');
    if (text !== configText) {
      // The profile changes the probe's config (a proxy, a CA): restarted, as an operator would.
      if (probe) {
        // Noted first: the shutdown itself belongs to the restart's excused window.
        note('restart', 'config changed');
        console.log(`  stopped in ${(await stopProbe()).toFixed(1)} s`);
      }
      configText = text;
      await startAndWait(probe ? 'restart for the new config' : 'first start');
    }
    await verify(profile, 'settled', applied);
    const end = start + cycleSeconds;
    if (c === killCycle) {
      // While a browser runs under it, so that what a killed probe leaves behind is seen.
      const by = now() + SCENARIO_PERIOD_S + 60;
      while (treeCounts(lab.net.hospital, probe!.pid).chromium === 0 && now() < by) await sleep(500);
      const pid = probe!.pid!;
      note('kill', `SIGKILL to the probe (pid ${pid}), ${treeCounts(lab.net.hospital, pid).chromium} Chromium processes under it`);
      probe!.kill('SIGKILL');
      await new Promise((r) => probe!.once('exit', r));
      await sleep(5000);
      note('after-kill', `${treeCounts(lab.net.hospital, undefined).leakedChromium} Chromium processes left 5 s after the kill`);
      await startAndWait('restart after SIGKILL');
      await verify(profile, 'after-kill', Date.now() / 1000);
    }
    if (c === fillCycle) {
      await until(start + cycleSeconds * 0.1);
      fill();
      await until(end - cycleSeconds * 0.1);
      free();
    }
    if (c === clockCycle) {
      await until(start + cycleSeconds * 0.25);
      stepClock(CLOCK_STEP_S);
      note('clock-forward', `wall clock stepped +${CLOCK_STEP_S} s`);
      await until(start + cycleSeconds * 0.55);
      stepClock(-CLOCK_STEP_S);
      note('clock-back', `wall clock stepped -${CLOCK_STEP_S} s`);
    }
    await until(end - 25);
    await verify(profile, 'steady', Date.now() / 1000 - 20);
  }
  await until(cycles * cycleSeconds);
  sampling = false;
  await sampler;
  const stopSeconds = await stopProbe();
  note('stop', `SIGTERM: exited in ${stopSeconds.toFixed(1)} s with ${probe!.exitCode ?? probe!.signalCode}`);
  await sleep(2000);
  const after = treeCounts(lab.net.hospital, undefined);
  const data: SoakData = {
    command: `npm run soak -- ${values.minutes ? `--minutes ${values.minutes}` : `--hours ${values.hours ?? '2'}`} --cycle-minutes ${values['cycle-minutes']}`,
    startedAt: new Date(Date.now() - now() * 1000).toISOString(),
    probeEnv,
    probeArgs,
    seconds: now(),
    cycleSeconds,
    checkPeriod: CHECK_PERIOD_S,
    scenarioPeriod: SCENARIO_PERIOD_S,
    samples,
    events,
    verifications,
    exitCode: probe!.exitCode,
    leftAfterStop: after.leakedChromium,
    zombiesAfterStop: after.zombies,
    logLines: readFileSync(join(lab.dir, 'probe.log'), 'utf8').split('\n').filter((l) => /"level":(4|5|6)\d/.test(l)),
    ...(commit ? { commit } : {}),
  };
  mkdirSync(assetsDir, { recursive: true });
  writeFileSync(join(assetsDir, 'samples.json'), JSON.stringify(data));
  const verdict = writeSoakReport(data, outFile, assetsDir);
  const pass = verdict.every((v) => v.pass !== false);
  console.log(`\n${outFile} written: ${pass ? 'PASS' : 'FAIL'}`);
  for (const v of verdict) console.log(`  ${v.pass === null ? 'n/a ' : v.pass ? 'ok  ' : 'FAIL'} ${v.criterion}: ${v.measured}`);
  process.exitCode = pass ? 0 : 1;
}

process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
process.on('SIGTERM', () => void cleanup().then(() => process.exit(143)));
try {
  await main();
} catch (e) {
  console.error(`soak: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
