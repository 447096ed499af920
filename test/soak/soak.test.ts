// The short soak (10 minutes, 2-minute cycles) that CI runs: `npm run soak` itself, as a user runs
// it, must end with a passing verdict, and its report must show each event the soak is for.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyse, type SoakData } from '../../bench/soak-report.ts';
import { REPO_ROOT } from '../../lab/paths.ts';
import { netnsAvailable } from '../../lab/fault/netns.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigie-soak-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('soak (10 minutes)', () => {
  it('keeps the probe healthy through faults, a SIGKILL, a full data volume and clock steps', async () => {
    expect(netnsAvailable(), 'the soak runs as root with iproute2 and nftables (npm test installs them)').toBe(true);
    const out = join(dir, 'SOAK.md');
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bench', 'soak.ts'), '--minutes', '10', '--cycle-minutes', '2', '--out', out, '--port', '9475'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code, log.slice(-4000)).toBe(0);

    const data = JSON.parse(readFileSync(join(dir, 'soak', 'samples.json'), 'utf8')) as SoakData;
    const kinds = data.events.map((e) => e.kind);
    for (const k of ['kill', 'fill', 'free', 'clock-forward', 'clock-back', 'restart', 'stop'] as const) expect(kinds, k).toContain(k);
    expect(new Set(data.verifications.map((v) => v.profile)).size, 'profiles held to the matrix').toBe(5);
    // Every judged criterion passes; the memory slopes are not judged on 10 minutes.
    const { criteria } = analyse({ ...data, logLines: [] });
    expect(criteria.filter((c) => c.pass === false).map((c) => `${c.criterion}: ${c.measured}`)).toEqual([]);
    expect(data.samples.filter((s) => s.scrapeOk).length).toBeGreaterThan(30);
    expect(Math.max(...data.samples.map((s) => s.chromium)), 'a browser ran under the probe').toBeGreaterThan(0);
    expect(Math.max(...data.samples.map((s) => s.dataUsed)), 'the data volume was full once').toBeGreaterThan(0.99);
    // The forward clock step jumps over scheduled times: the probe counts them (vigie_schedule_missed_total).
    const step = data.events.find((e) => e.kind === 'clock-forward')!.t;
    const missedBy = (t: number) => Math.max(0, ...data.samples.filter((s) => s.t <= t && s.missed !== undefined).map((s) => s.missed!));
    expect(missedBy(step + 60), 'ticks the clock step skipped, counted').toBeGreaterThan(missedBy(step));
    const report = readFileSync(out, 'utf8');
    expect(report).toContain('## Verdict: pass');
    for (const svg of ['memory', 'descriptors', 'processes', 'schedules', 'metrics']) expect(readFileSync(join(dir, 'soak', `${svg}.svg`), 'utf8')).toMatch(/^<svg[\s\S]*<polyline/);
  });
});
