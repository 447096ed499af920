// The soak's zombie criterion: a zombie caught in passing (a browser helper exiting mid-run, reaped
// by the next sample) is not a leak; one still there 15 s later, or after the stop, is.
import { describe, expect, it } from 'vitest';
import { analyse, type SoakData, type SoakSample } from '../../bench/soak-report.ts';

const sample = (t: number, extra: Partial<SoakSample> = {}): SoakSample => ({ t, wall: 1_800_000_000 + t, profile: 'none', pid: 100, rssMiB: 180, fds: 30, children: 0, chromium: 0, leakedChromium: 0, zombies: 0, zombiePids: [], scrapeOk: true, late: [], dataUsed: 0.1, ...extra });
const run = (samples: SoakSample[], zombiesAfterStop = 0): SoakData => ({
  command: 'test',
  startedAt: new Date(0).toISOString(),
  seconds: 600,
  cycleSeconds: 120,
  checkPeriod: 15,
  scenarioPeriod: 120,
  samples,
  events: [],
  verifications: [],
  exitCode: 0,
  leftAfterStop: 0,
  zombiesAfterStop,
  logLines: [],
});
const zombieVerdict = (d: SoakData) => analyse(d).criteria.find((c) => c.criterion.startsWith('No zombie'))!;
const series = (at: Record<number, number[]>) => Array.from({ length: 40 }, (_, i) => sample(i * 15, at[i] ? { zombies: at[i].length, zombiePids: at[i], children: 12, chromium: 12 } : {}));

describe('soak report: zombies', () => {
  it('two zombies caught in one sample and gone 15 s later pass, and are reported', () => {
    const v = zombieVerdict(run(series({ 20: [501, 502] })));
    expect(v.pass).toBe(true);
    expect(v.measured).toBe('0 samples with a zombie still there 15 s later; max 2 at one instant in 1 samples; 0 after the stop');
  });
  it('the same zombie in two samples in a row fails', () => {
    expect(zombieVerdict(run(series({ 20: [501], 21: [501] }))).pass).toBe(false);
  });
  it('different zombies in two samples in a row (each reaped in time) pass', () => {
    expect(zombieVerdict(run(series({ 20: [501], 21: [777] }))).pass).toBe(true);
  });
  it('a run recorded without pids: zombies in two samples in a row fail', () => {
    const d = run(series({ 20: [501], 21: [777] }).map(({ zombiePids: _, ...s }) => s));
    expect(zombieVerdict(d).pass).toBe(false);
  });
  it('a zombie left after the stop fails', () => {
    expect(zombieVerdict(run(series({}), 1)).pass).toBe(false);
  });
});

// How many descriptors a probe holds depends on the fault in force; a leak is a profile holding
// more on a later visit than on its first, or a rising trend. A fall (a connection closed) is not.
describe('soak report: descriptors', () => {
  const fdVerdict = (fds: (i: number) => number, profile: (i: number) => string) => {
    const d = run(Array.from({ length: 480 }, (_, i) => sample(i * 15, { fds: fds(i), profile: profile(i) })));
    return analyse({ ...d, seconds: 7200 }).criteria.find((c) => c.criterion.startsWith('Descriptors'))!;
  };
  // Two profiles, each held 5 min, visited alternately.
  const alternate = (i: number) => (Math.floor(i / 20) % 2 ? 'slow-dns' : 'none');
  it('a profile that holds more descriptors while in force, the same on every visit, passes', () => {
    const v = fdVerdict((i) => (alternate(i) === 'slow-dns' ? 33 : 25), alternate);
    expect(v.pass).toBe(true);
    expect(v.measured).toContain('none 25→25, slow-dns 33→33');
  });
  it('a profile that keeps one descriptor more every third visit fails, though the slope stays under 2 per hour', () => {
    const leak = fdVerdict((i) => 25 + (alternate(i) === 'slow-dns' ? Math.floor(i / 120) : 0), alternate);
    expect(leak.pass).toBe(false);
    expect(Number(/^(-?[\d.]+) \/h/.exec(leak.measured)![1])).toBeLessThan(2);
    expect(leak.measured).toContain('slow-dns 25→28');
  });
  it('a fall of two descriptors passes; a steady rise fails', () => {
    expect(fdVerdict((i) => (i < 240 ? 25 : 23), alternate).pass).toBe(true);
    expect(fdVerdict((i) => 25 + Math.floor(i / 60), () => 'none').pass).toBe(false);
  });
});
