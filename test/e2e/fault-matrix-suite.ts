// The end-to-end fault matrix (test/e2e/fault-matrix*.test.ts run it, half the profiles each):
// `vigie check --format json` runs inside the lab's "hospital" network namespace against real servers in a "platform" namespace (coturn, OpenSSL's OCSP responder,
// HTTPS, DNS, NTP, an NTLM-only proxy, a TLS-intercepting middlebox, Janus's ICE media ports), under every named fault
// profile, and each result must be what docs/fault-matrix.md says a user will see.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeMediaCpuLock } from '../../lab/cpu-lock.ts';
import { startFaultLab, type FaultLab } from '../../lab/fault/fault-lab.ts';
import { netnsAvailable } from '../../lab/fault/netns.ts';
import { loadProfile, profileNames } from '../../lab/fault/profiles.ts';
import { fixText } from '../../runner/ui/fix-text.ts';
import { checkName, compareToMatrix, MATRIX_FILE, readMatrix, type Expected } from '../../lab/fault/matrix.ts';

const matrixText = readFileSync(MATRIX_FILE, 'utf8');
const matrix = readMatrix(matrixText);
const healthy = matrix.get('none')!.rows;
/** The overview table: per profile, its failed, degraded and unproven cells ("2: `a`, `b`"). */
const overview = new Map([...matrixText.matchAll(/^\| \[`([a-z0-9-]+)`\]\(#[a-z0-9-]+\) \| [^|]+ \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$/gm)].map((m) => [m[1]!, [m[2]!.trim(), m[3]!.trim(), m[4]!.trim()]]));

/**
 * The fault matrix for `profiles` (a share of them: the matrix runs in two files at once, each
 * with a lab of its own); `withOverview` also checks the document's overview and fix lines.
 */
export function faultMatrixSuite(profiles: readonly string[], withOverview: boolean): void {
describe(`fault matrix (${profiles[0]} …)`, () => {
  let lab: FaultLab;
  // The relay test measures loss on a 1.5 Mbit/s stream: a probe starved of CPU loses packets of its
  // own. One media-measuring file at a time (lab/cpu-lock.ts); given back last.
  let release: (() => void) | undefined;
  afterAll(() => release?.());
  beforeAll(async () => {
    release = await takeMediaCpuLock();
  }, 20 * 60_000);
  beforeAll(async () => {
    expect(netnsAvailable(), 'the fault lab runs as root with iproute2 and nftables (npm test installs them)').toBe(true);
    lab = await startFaultLab();
  }, 90_000);
  afterAll(async () => {
    await lab?.stop();
  });

  if (withOverview) {
    it('documents every profile file, and only those, with the fix each file gives and an overview line that adds up', () => {
      expect([...matrix.keys()].sort()).toEqual(['none', ...profileNames()].sort());
      for (const name of profileNames()) expect(matrix.get(name)!.fix, name).toBe(loadProfile(name).fix);
      const counted = (rows: Map<string, Expected>, status: string) => {
        const reasons = [...rows.values()].filter((e) => e.status === status).map((e) => e.reason);
        return `${reasons.length}: ${reasons.length ? [...new Set(reasons)].sort().map((r) => `\`${r}\``).join(', ') : '–'}`;
      };
      for (const name of profileNames()) {
        const rows = new Map([...healthy, ...matrix.get(name)!.rows]);
        expect(overview.get(name), `overview line of ${name}`).toEqual(['failed', 'degraded', 'unproven'].map((st) => counted(rows, st)));
      }
    });
  }

  for (const name of profiles) {
    it(`${name}: every check reports what docs/fault-matrix.md says`, async () => {
      const profile = await lab.apply(name);
      const { code, results, stderr } = await lab.check();
      const { checks, planned, mismatches } = compareToMatrix(matrix, name, results);
      // The same checks as on a healthy network (plus the proxy check where a proxy is configured).
      expect(checks, 'checks run').toEqual(planned);
      expect(mismatches).toEqual([]);
      // Every result that is not ok says what to ask for, in French and in English; only a flow seen
      // refused, reset or silent where an answer was due is to be opened; no TLS advice for UDP.
      for (const r of results.filter((x) => x.status !== 'ok')) {
        const [fr, en] = [fixText(r, [], 'fr'), fixText(r, [], 'en')];
        expect(fr && en, `${checkName(r)}: fix text in both languages`).toBeTruthy();
        if (fr.startsWith('Ouvrir') || en.startsWith('Open ')) expect(['timeout', 'refused', 'unreachable', 'connection_reset', 'stun_no_response', 'ocsp_unreachable', 'relay_no_media', 'clock_unreachable']).toContain(r.reason);
        if (r.transport === 'udp') expect(en, checkName(r)).not.toMatch(/certificate chain/);
      }
      expect(code).toBe(results.some((r) => r.status === 'failed') ? 1 : 0);
      if (profile?.filter || profile?.filter_in || profile?.nat || profile?.rate) expect(lab.faultPackets(), 'packets the fault hit').toBeGreaterThan(0);
      // The fault is on the way out of the hospital, not on the probe's own loopback (its status page).
      expect(await lab.loopbackWorks(), 'loopback inside the hospital namespace').toBe(true);
      const secret = lab.env.VIGIE_LAB_TURN_SECRET!;
      expect(JSON.stringify(results) + stderr).not.toContain(secret);
    }, 60_000);
  }
});
}
