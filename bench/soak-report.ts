// The soak's report: figures and verdict from the samples and events bench/soak.ts collected,
// written as bench/SOAK.md with one SVG plot per series (bench/soak/*.svg).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { median } from './pcap.ts';
import { linePlot, type PlotMarker } from './svg-plot.ts';

export interface SoakSample {
  /** Seconds since the soak started (monotonic). */
  t: number;
  /** Unix time of the sample (the wall clock, stepped once). */
  wall: number;
  profile: string;
  pid?: number;
  rssMiB?: number;
  fds?: number;
  children: number;
  chromium: number;
  leakedChromium: number;
  zombies: number;
  /** Absent from runs recorded before the pids were kept. */
  zombiePids?: number[];
  scrapeOk: boolean;
  heapMiB?: number;
  metricRssMiB?: number;
  series?: number;
  checkSeries?: number;
  runs?: number;
  skipped?: number;
  missed?: number;
  browserPeakMiB?: number;
  /** Checks whose last run was older than their period and timeout allow. */
  late: string[];
  /** Share of the data volume in use. */
  dataUsed: number;
}

export interface SoakEvent {
  t: number;
  kind: 'profile' | 'restart' | 'ready' | 'kill' | 'after-kill' | 'fill' | 'free' | 'clock-forward' | 'clock-back' | 'stop';
  detail: string;
}

export interface SoakVerification {
  t: number;
  profile: string;
  phase: 'settled' | 'steady' | 'after-kill';
  mismatches: string[];
  missing: string[];
  extra: string[];
}

export interface SoakData {
  command: string;
  /** The commit the probe ran (git rev-parse HEAD), when known. */
  commit?: string;
  startedAt: string;
  /** The environment the probe ran with beyond the lab's (the image's runtime settings). */
  probeEnv?: Record<string, string>;
  /** The node flags of the image's ENTRYPOINT (absent from runs before there were any). */
  probeArgs?: string[];
  seconds: number;
  cycleSeconds: number;
  checkPeriod: number;
  scenarioPeriod: number;
  samples: SoakSample[];
  events: SoakEvent[];
  verifications: SoakVerification[];
  exitCode: number | null;
  leftAfterStop: number;
  zombiesAfterStop: number;
  /** The probe's log lines at warn and above. */
  logLines: string[];
}

export interface Criterion {
  criterion: string;
  measured: string;
  /** null: not judged (a run too short to tell). */
  pass: boolean | null;
}

/** Windows in which a gap in the runs is the event's own doing: start, restarts, the kill, the clock steps. */
export function excusedWindows(d: SoakData): [number, number][] {
  const out: [number, number][] = [];
  const nextReady = (t: number) => d.events.find((e) => e.kind === 'ready' && e.t >= t)?.t ?? d.seconds;
  out.push([0, nextReady(0) + 60]);
  for (const e of d.events) {
    if (e.kind === 'restart' || e.kind === 'kill') out.push([e.t, nextReady(e.t) + 60]);
    // Ages are read on the wall clock: a step forward ages every result at once until its next run.
    if (e.kind === 'clock-forward') out.push([e.t, e.t + d.scenarioPeriod + 150]);
    // The scheduler sees a clock stepped back at its next look at the clock (within a minute), then waits for its next slot.
    if (e.kind === 'clock-back') out.push([e.t, e.t + 120 + d.scenarioPeriod + 150]);
    if (e.kind === 'stop') out.push([e.t, d.seconds]);
  }
  return out;
}

const inWindow = (t: number, w: [number, number][]) => w.some(([a, b]) => t >= a && t <= b);

/** Least-squares slope of y against hours. */
export function slopePerHour(points: [number, number][]): number {
  const n = points.length;
  if (n < 3) return 0;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const num = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return den ? (num / den) * 3600 : 0;
}

interface Segment {
  pid: number;
  from: number;
  to: number;
  samples: SoakSample[];
}

/** One segment per probe process (the kill and the restarts start a new one). */
function segments(d: SoakData): Segment[] {
  const out: Segment[] = [];
  for (const s of d.samples) {
    if (s.pid === undefined) continue;
    const last = out.at(-1);
    if (last?.pid === s.pid) {
      last.samples.push(s);
      last.to = s.t;
    } else out.push({ pid: s.pid, from: s.t, to: s.t, samples: [s] });
  }
  return out;
}

/** Samples of a segment after its warm-up (10 min, or its first fifth when shorter). */
const warm = (s: Segment) => s.samples.filter((x) => x.t >= s.from + Math.min(600, (s.to - s.from) / 5));

const fmt = (n: number, digits = 1) => n.toFixed(digits);

/**
 * Descriptor growth between visits of the same fault profile: how many a probe holds depends on
 * the fault in force (a slow DNS server keeps queries and their sockets open), so a leak shows as
 * a profile's baseline (the median while no browser runs) higher on its last visit than on its first.
 */
export function descriptorGrowth(samples: readonly SoakSample[]): { profile: string; first: number; last: number }[] {
  const visits: { profile: string; fds: number[] }[] = [];
  for (const s of samples) {
    if (s.fds === undefined || s.chromium > 0) continue;
    const last = visits.at(-1);
    if (last?.profile === s.profile) last.fds.push(s.fds);
    else visits.push({ profile: s.profile, fds: [s.fds] });
  }
  const out: { profile: string; first: number; last: number }[] = [];
  for (const profile of new Set(visits.map((v) => v.profile))) {
    const of = visits.filter((v) => v.profile === profile);
    if (of.length > 1) out.push({ profile, first: median(of[0]!.fds), last: median(of.at(-1)!.fds) });
  }
  return out;
}

export function analyse(d: SoakData): { criteria: Criterion[]; figures: [string, string][] } {
  const windows = excusedWindows(d);
  const segs = segments(d);
  const longest = [...segs].sort((a, b) => b.to - b.from - (a.to - a.from))[0];
  const long = d.seconds >= 3600;
  const slope = (key: 'rssMiB' | 'fds' | 'heapMiB') => (longest ? slopePerHour(warm(longest).filter((s) => s[key] !== undefined).map((s) => [s.t, s[key]!])) : 0);
  const rssSlope = slope('rssMiB');
  const fdSlope = slope('fds');
  const heapSlope = slope('heapMiB');
  const fdGrowth = longest ? descriptorGrowth(warm(longest)) : [];
  const live = d.samples.filter((s) => s.pid !== undefined);
  const max = (f: (s: SoakSample) => number | undefined) => Math.max(0, ...live.map(f).filter((x): x is number => x !== undefined));

  // Missed schedules: the probe's own count of ticks that passed without a run, and checks seen late, outside the excused windows.
  let missed = 0;
  for (let i = 1; i < d.samples.length; i++) {
    const [a, b] = [d.samples[i - 1]!, d.samples[i]!];
    if (a.pid === b.pid && a.missed !== undefined && b.missed !== undefined && b.missed > a.missed && !inWindow(b.t, windows)) missed += b.missed - a.missed;
  }
  const lateOutside = d.samples.filter((s) => !inWindow(s.t, windows) && s.late.length);
  const lateChecks = new Set(lateOutside.flatMap((s) => s.late));
  const scrapeFailures = d.samples.filter((s) => s.pid !== undefined && !s.scrapeOk && !inWindow(s.t, windows)).length;
  // Left behind: Chromium processes outside the probe's tree while it runs no browser, seen in two
  // samples in a row (while a browser runs, its crash handler re-parents itself; at the end of a run
  // one sample may catch the tree exiting).
  // Zombies: a process that has exited is a zombie until its parent reaps it, so a sample may
  // catch one in passing (a browser's helper exiting mid-run). One left unreaped is still there in
  // the next sample, 15 s later: the same pid, or, in runs recorded without pids, a zombie in the
  // next sample of the same probe.
  const unreaped = d.samples.filter((s, i) => {
    const next = d.samples[i + 1];
    if (!s.zombies || next === undefined || next.pid !== s.pid) return false;
    return s.zombiePids && next.zombiePids ? s.zombiePids.some((z) => next.zombiePids!.includes(z)) : next.zombies > 0;
  }).length;
  const leaked = d.samples.filter((s, i) => {
    const next = d.samples[i + 1];
    return s.leakedChromium > 0 && s.chromium === 0 && next !== undefined && next.leakedChromium > 0 && next.chromium === 0 && !inWindow(s.t, windows);
  }).length;
  const kill = d.events.find((e) => e.kind === 'kill');
  const readyAfterKill = kill ? d.events.find((e) => e.kind === 'ready' && e.t > kill.t) : undefined;
  const afterKill = d.events.find((e) => e.kind === 'after-kill');
  const bad = d.verifications.filter((v) => v.mismatches.length || v.missing.length || v.extra.length);
  const profiles = [...new Set(d.verifications.map((v) => v.profile))];

  const criteria: Criterion[] = [
    { criterion: 'Memory flat: RSS slope of the longest-lived probe after warm-up ≤ 3 MiB/h', measured: `${fmt(rssSlope, 2)} MiB/h (heap ${fmt(heapSlope, 2)} MiB/h) over ${fmt(longest ? (longest.to - longest.from) / 60 : 0, 0)} min`, pass: long ? Math.abs(rssSlope) <= 3 : null },
    {
      criterion: 'Descriptors do not grow: slope ≤ 2 per hour, and no fault profile holds more than one descriptor more on its last visit than on its first',
      measured: `${fmt(fdSlope, 2)} /h (max ${max((s) => s.fds)}); ${fdGrowth.length ? `baseline from first to last visit: ${fdGrowth.map((g) => `${g.profile} ${fmt(g.first, 0)}→${fmt(g.last, 0)}`).join(', ')}` : 'no profile visited twice'}`,
      pass: long ? fdSlope <= 2 && fdGrowth.every((g) => g.last - g.first <= 1) : null,
    },
    {
      criterion: 'No zombie process (none left unreaped from one sample to the next, 15 s apart)',
      measured: `${unreaped} samples with a zombie still there 15 s later; max ${max((s) => s.zombies)} at one instant in ${live.filter((s) => s.zombies > 0).length} samples; ${d.zombiesAfterStop} after the stop`,
      pass: unreaped === 0 && d.zombiesAfterStop === 0,
    },
    { criterion: 'No leaked browser (Chromium outside the probe while it runs none, 15 s apart)', measured: `${leaked} samples outside the kill window; ${afterKill?.detail ?? 'no kill'}; ${d.leftAfterStop} after the stop`, pass: leaked === 0 && d.leftAfterStop === 0 && !/^[1-9]/.test(afterKill?.detail ?? '0') },
    { criterion: 'No missed or late schedule outside the excused windows', measured: `${missed} ticks missed, ${lateChecks.size} checks seen late (${lateOutside.length} samples)${lateChecks.size ? `: ${[...lateChecks].slice(0, 5).join(', ')}` : ''}`, pass: missed === 0 && lateChecks.size === 0 },
    { criterion: '/metrics answers every scrape of a live probe', measured: `${scrapeFailures} failed scrapes outside the windows, ${live.filter((s) => s.scrapeOk).length} ok`, pass: scrapeFailures === 0 },
    { criterion: 'Every fault diagnosed as docs/fault-matrix.md says', measured: `${d.verifications.length - bad.length} of ${d.verifications.length} verifications over ${profiles.length} profiles${bad.length ? `; wrong: ${bad.map((v) => `${v.profile} (${v.phase})`).join(', ')}` : ''}`, pass: d.verifications.length > 0 && bad.length === 0 },
    { criterion: 'Ready again within one cycle after SIGKILL', measured: kill && readyAfterKill ? `${fmt(readyAfterKill.t - kill.t)} s (cycle ${d.cycleSeconds / 60} min)` : 'no kill', pass: kill && readyAfterKill ? readyAfterKill.t - kill.t <= d.cycleSeconds : false },
    { criterion: 'Stops on SIGTERM with exit 0', measured: `exit ${d.exitCode}; ${d.events.find((e) => e.kind === 'stop')?.detail ?? ''}`, pass: d.exitCode === 0 },
  ];
  // Growth that slows down (caches, allocator arenas filling up) shows as a smaller slope here.
  const secondHalf = longest ? slopePerHour(longest.samples.filter((s) => s.t >= (longest.from + longest.to) / 2 && s.rssMiB !== undefined).map((s) => [s.t, s.rssMiB!])) : 0;
  const firstRss = longest ? warm(longest)[0]?.rssMiB : undefined;
  const lastRss = longest?.samples.at(-1)?.rssMiB;
  const figures: [string, string][] = [
    ['Duration', `${fmt(d.seconds / 60, 0)} min, ${d.samples.length} samples every 15 s, cycle ${d.cycleSeconds / 60} min`],
    ['Probe processes', `${segs.length} (pids ${segs.map((s) => s.pid).join(', ')})`],
    ['RSS of the longest-lived probe', `${fmt(firstRss ?? 0)} MiB after warm-up → ${fmt(lastRss ?? 0)} MiB at the end; max ${fmt(max((s) => s.rssMiB))} MiB`],
    ['RSS slope of the longest-lived probe over its second half', `${fmt(secondHalf, 2)} MiB/h`],
    ['JS heap used', `max ${fmt(max((s) => s.heapMiB))} MiB`],
    ['Open descriptors', `max ${max((s) => s.fds)}`],
    ['Processes under the probe', `max ${max((s) => s.children)}, of which Chromium max ${max((s) => s.chromium)}`],
    ['Browser peak memory (scenario)', `max ${fmt(max((s) => s.browserPeakMiB))} MiB`],
    ['Check runs', `${live.at(-1)?.runs ?? 0} in the last process; ${max((s) => s.skipped)} skipped for overlap (max in one process)`],
    ['Metric series', `${Math.min(...live.filter((s) => s.series).map((s) => s.series!))}–${max((s) => s.series)}`],
    ['Data volume', `max ${fmt(Math.max(...d.samples.map((s) => s.dataUsed)) * 100, 0)} % used`],
  ];
  return { criteria, figures };
}

/** Log messages of the probe at warn and above, counted. */
function warnings(lines: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const line of lines) {
    try {
      const j = JSON.parse(line) as { level?: number; msg?: string };
      if ((j.level ?? 0) >= 40) counts.set(j.msg ?? '', (counts.get(j.msg ?? '') ?? 0) + 1);
    } catch {
      const key = `(not JSON) ${line.slice(0, 80)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

export function writeSoakReport(d: SoakData, outFile: string, assetsDir: string, notes = ''): Criterion[] {
  const { criteria, figures } = analyse(d);
  const min = (t: number) => t / 60;
  const markers: PlotMarker[] = d.events
    .filter((e) => e.kind !== 'ready' && e.kind !== 'after-kill')
    .map((e) => ({ x: min(e.t), label: `${e.kind} ${e.detail}`, color: ({ kill: '#d00', restart: '#888', fill: '#e80', free: '#e80', 'clock-forward': '#06c', 'clock-back': '#06c', profile: '#ccc', stop: '#000' } as Record<string, string>)[e.kind] ?? '#ccc' }));
  const series = (label: string, color: string, f: (s: SoakSample) => number | undefined) => ({ label, color, points: d.samples.map((s) => [min(s.t), f(s)] as [number, number | undefined]) });
  const plots: [string, string][] = [
    ['memory', linePlot('Probe memory (MiB)', 'minutes', 'MiB', [series('RSS', '#c33', (s) => s.rssMiB), series('JS heap used', '#36c', (s) => s.heapMiB)], markers)],
    ['descriptors', linePlot('Open file descriptors', 'minutes', 'fds', [series('fds', '#393', (s) => s.fds)], markers)],
    ['processes', linePlot('Processes under the probe, Chromium, zombies, leaked', 'minutes', 'count', [series('children', '#666', (s) => s.children), series('Chromium', '#c60', (s) => s.chromium), series('zombies', '#c00', (s) => s.zombies), series('leaked Chromium', '#909', (s) => s.leakedChromium)], markers)],
    ['schedules', linePlot('Checks late, ticks missed (cumulative), runs skipped', 'minutes', 'count', [series('late checks', '#c00', (s) => s.late.length), series('missed ticks', '#06c', (s) => s.missed), series('skipped (overlap)', '#999', (s) => s.skipped)], markers)],
    ['metrics', linePlot('Metric series exposed', 'minutes', 'series', [series('series', '#369', (s) => s.series)], markers)],
  ];
  const rel = relative(dirname(outFile), assetsDir) || '.';
  for (const [name, svg] of plots) writeFileSync(join(assetsDir, `${name}.svg`), svg);
  const pass = criteria.every((c) => c.pass !== false);
  const md: string[] = [
    '# Soak: `vigie run` for hours under changing faults',
    '',
    `Produced by \`${d.command}\` (bench/soak.ts)${d.commit ? ` at commit ${d.commit.slice(0, 7)}` : ''}, started ${d.startedAt}, as root on the machine described in /work/.library/env (2 cores). The samples are in [${rel}/samples.json](${rel}/samples.json).`,
    '',
    `The probe runs in the fault lab's hospital namespace (docs/fault-matrix.md) with every protocol check every ${d.checkPeriod} s and the \`janus-videoroom\` scenario (two participants, 720p) every ${d.scenarioPeriod / 60} min. ${d.probeEnv ? `It runs as the image runs it: ${[...(d.probeArgs ?? []).map((a) => `\`node ${a}\``), ...Object.entries(d.probeEnv).map(([k, v]) => `\`${k}=${v}\``)].join(', ')}. ` : ''}One fault profile per cycle: first those that change the probe's config (a proxy, a CA), which restart it as an operator would (so does the return to the plain config), then the others in the order of docs/fault-matrix.md, over and over, so that one probe process lives through most of the run and sees every fault at least twice when the run allows. During the run: one SIGKILL while a browser runs and a restart; the data volume (a 48 MiB tmpfs holding the browser cache and the run history) filled for most of a cycle; the wall clock stepped +120 s and, later in the same cycle, back.`,
    '',
    `## Verdict: ${pass ? 'pass' : 'FAIL'}`,
    '',
    '| criterion | measured | verdict |',
    '|---|---|---|',
    ...criteria.map((c) => `| ${c.criterion} | ${c.measured} | ${c.pass === null ? 'not judged (run under 1 h)' : c.pass ? 'pass' : '**FAIL**'} |`),
    '',
    'Excused windows (a gap in the runs there is the event itself): from the start and each restart or kill until ready plus 60 s; after the forward clock step, one scenario period and its timeout (ages are read on the wall clock); after the backward step, also the step itself (the scheduler notices the step within a minute, then waits for its next slot).',
    '',
    '## Figures',
    '',
    '| | |',
    '|---|---|',
    ...figures.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    '## Plots',
    '',
    'Dashed lines: grey a new profile, dark grey a restart, red the SIGKILL, orange the data volume filled and freed, blue the clock steps, black the stop.',
    '',
    ...plots.map(([name]) => `![${name}](${rel}/${name}.svg)\n`),
    '## Timeline',
    '',
    '| minute | event |',
    '|---|---|',
    ...d.events.map((e) => `| ${fmt(min(e.t))} | ${e.kind} ${e.detail.replace(/\|/g, '\\|')} |`),
    '',
    '## Diagnoses against the fault matrix',
    '',
    'After each profile is applied (settled: every check has run since), and 25 s before the cycle ends (steady), the probe\'s `/api/results` is held to the profile\'s table in docs/fault-matrix.md.',
    '',
    '| minute | profile | phase | result |',
    '|---|---|---|---|',
    ...d.verifications.map((v) => `| ${fmt(min(v.t))} | \`${v.profile}\` | ${v.phase} | ${v.mismatches.length + v.missing.length + v.extra.length ? [...v.mismatches, ...v.missing.map((m) => `missing ${m}`), ...v.extra.map((m) => `unexpected ${m}`)].join('; ').replace(/\|/g, '\\|') : 'as documented'} |`),
    '',
    '## Warnings the probe logged',
    '',
    '| count | message |',
    '|---|---|',
    ...warnings(d.logLines).slice(0, 20).map(([m, n]) => `| ${n} | ${m.replace(/\|/g, '\\|')} |`),
    '',
    ...(notes ? [notes.trim(), ''] : []),
  ];
  writeFileSync(outFile, md.join('\n'));
  return criteria;
}

// `node bench/soak-report.ts bench/soak/samples.json [bench/SOAK.md] [NOTES.md]`: the report again
// from the samples, with notes on the run appended.
if (process.argv[1] === import.meta.filename) {
  const file = process.argv[2] ?? join(import.meta.dirname, 'soak', 'samples.json');
  const data = JSON.parse(readFileSync(file, 'utf8')) as SoakData;
  const notes = process.argv[4] ? readFileSync(process.argv[4], 'utf8') : '';
  const verdict = writeSoakReport({ ...data, logLines: data.logLines ?? [] }, process.argv[3] ?? join(dirname(file), '..', 'SOAK.md'), dirname(file), notes);
  process.exitCode = verdict.every((c) => c.pass !== false) ? 0 : 1;
}
