// One parity group as a test: its lab, the probe's checks (`vigie check` in the hospital namespace)
// and Chromium against every cell, then one test per cell asserting what Chrome did, what the probe
// said, and that the two agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../runner/core/contract.ts';
import { netnsAvailable } from '../../lab/fault/netns.ts';
import { agrees, type ChromeResult, type ParityCell } from '../../lab/parity/cell.ts';
import type { GroupRun } from '../../lab/parity/group.ts';
import { createParityLab, type ParityLab } from '../../lab/parity/parity-lab.ts';

export interface Observed {
  chrome: Map<string, ChromeResult>;
  probe: CheckResult[];
  seconds: number;
}

/** The probe's result of `kind` for a cell (by its host name). */
export function probeResult(lab: ParityLab, results: readonly CheckResult[], cell: ParityCell, kind: string): CheckResult | undefined {
  const host = lab.host(cell.id);
  return results.find((r) => r.kind === kind && r.host === host);
}

export function parityGroup(name: string, cells: readonly ParityCell[], start: (lab: ParityLab) => Promise<GroupRun>, extraNames: readonly string[] = [], timeoutMs = 240_000): void {
  describe(`parity matrix: ${name}`, () => {
    let lab: ParityLab;
    let group: GroupRun | undefined;
    const seen: Observed = { chrome: new Map(), probe: [], seconds: 0 };
    beforeAll(async () => {
      expect(netnsAvailable(), 'the parity lab runs as root with iproute2 and nftables').toBe(true);
      const t0 = performance.now();
      lab = createParityLab([...cells.map((c) => c.id), ...extraNames]);
      group = await start(lab);
      const g = group;
      let probe: Promise<CheckResult[]> | undefined;
      const runProbe = () => (probe ??= lab.check(g.catalog, g.config, g.env).then((r) => r.results));
      if (!g.probeDuringCalls) void runProbe();
      const browser = await lab.chrome(g.roots, g.chromeArgs);
      seen.chrome = await g.chrome(browser, runProbe);
      seen.probe = await runProbe();
      seen.seconds = (performance.now() - t0) / 1000;
      if (process.env.VIGIE_PARITY_DUMP) {
        for (const cell of cells) {
          const c = seen.chrome.get(cell.id);
          const kinds = cell.probe.map((w) => probeResult(lab, seen.probe, cell, w.kind)).map((r) => (r ? `${r.kind} ${r.status} ${r.reason} «${r.message.slice(0, 140)}»` : 'none'));
          process.stderr.write(`PARITY ${cell.id} | chrome ${c?.outcome} ${c?.error} ${c?.detail ? `(${c.detail.slice(0, 160)})` : ''} | ${kinds.join(' | ')}\n`);
        }
      }
    }, timeoutMs);
    afterAll(async () => {
      await group?.stop();
      await lab?.stop();
    });

    for (const cell of cells) {
      it(`${cell.id}: ${cell.behaviour}`, () => {
        const chrome = seen.chrome.get(cell.id);
        expect(chrome, 'Chrome ran against the cell').toBeDefined();
        expect({ outcome: chrome!.outcome, error: chrome!.error }, `Chrome: ${chrome!.detail ?? ''}`).toEqual({ outcome: cell.chrome.outcome, error: cell.chrome.error });
        for (const want of cell.probe) {
          const r = probeResult(lab, seen.probe, cell, want.kind);
          expect(r, `the probe's ${want.kind} check ran`).toBeDefined();
          expect({ kind: want.kind, status: r!.status, reason: r!.reason }, `${want.kind}: ${r!.message}`).toEqual({ kind: want.kind, status: want.status, reason: want.reason });
          // Never an internal error for what a server or the network did.
          expect(r!.reason).not.toBe('internal_error');
          expect(agrees(cell.chrome, want), `${want.kind} ${want.status} ${want.reason} agrees with Chrome ${cell.chrome.outcome} ${cell.chrome.error}`).toBe(true);
        }
      });
    }
  });
}
