// The run history: 5-minute buckets keeping the worst status, 24 h kept, saved and read back (a
// restart keeps the night's failures), a damaged file never stopping the probe.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../runner/core/contract.ts';
import { CheckRecorder } from '../../../runner/core/recorder.ts';
import { BUCKET_SECONDS, RunHistory, WINDOW_SECONDS } from '../../../runner/engine/history.ts';
import { labTempDir } from '../../../lab/temp.ts';

const rec = () => new CheckRecorder({ platform: 'p', host: 'h', port: 1, transport: 'tcp', documentedIps: [], ipsStable: true }, 'tcp', []);
const ok: CheckResult = rec().ok('ok');
const failed: CheckResult = rec().fail('refused', 'refused');
const t0 = 1_800_000_000 - (1_800_000_000 % BUCKET_SECONDS);

describe('run history', () => {
  it('keeps the worst status of a 5-minute bucket and forgets what is older than 24 h', () => {
    const h = new RunHistory();
    h.record('c', ok, t0 + 10);
    h.record('c', failed, t0 + 70);
    h.record('c', ok, t0 + 130);
    expect(h.of('c', t0 + 200)).toEqual([{ t: t0, status: 'failed', reason: 'refused', durationSeconds: ok.durationSeconds }]);
    h.record('c', ok, t0 + WINDOW_SECONDS + 10);
    expect(h.of('c', t0 + WINDOW_SECONDS + 20).map((c) => c.status)).toEqual(['ok']);
  });

  it('survives a restart through its file; a damaged file is reported and replaced', () => {
    const file = join(labTempDir('vigie-hist-'), 'state', 'history.json');
    const a = new RunHistory(file);
    a.record('c', failed, t0);
    a.record('c', ok, t0 + BUCKET_SECONDS);
    a.save();
    const b = new RunHistory(file);
    expect(b.load()).toBeUndefined();
    expect(b.of('c', t0 + 2 * BUCKET_SECONDS).map((c) => c.status)).toEqual(['failed', 'ok']);
    writeFileSync(file, '{"version": 1, "checks": [');
    const c = new RunHistory(file);
    expect(c.load()).toMatch(/history\.json: .*JSON/);
    expect(c.of('c')).toEqual([]);
    c.record('c', ok, t0);
    c.save();
    expect(new RunHistory(file).load()).toBeUndefined();
  });
});
