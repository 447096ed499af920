// The parity matrix as documented: current with the cells, large enough, every group present, and
// every cell agreeing (each row is proven against Chromium by its group's test in this folder).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../lab/paths.ts';
import { agrees, PARITY_GROUPS } from '../../lab/parity/cell.ts';
import { PARITY_CELLS } from '../../lab/parity/cells.ts';
import { renderParityDoc } from '../../lab/parity/report.ts';

describe('docs/parity.md', () => {
  it('is current (npm run docs)', () => {
    expect(readFileSync(join(REPO_ROOT, 'docs', 'parity.md'), 'utf8')).toBe(renderParityDoc(PARITY_CELLS));
  });
  it('holds at least 40 cells, in the four groups, each id once', () => {
    expect(PARITY_CELLS.length).toBeGreaterThanOrEqual(40);
    for (const g of PARITY_GROUPS) expect(PARITY_CELLS.filter((c) => c.group === g).length, g).toBeGreaterThan(0);
    expect(new Set(PARITY_CELLS.map((c) => c.id)).size).toBe(PARITY_CELLS.length);
  });
  it('agrees with Chrome in every cell, and a failing Chrome is never met by a generic reason where the cause is known', () => {
    const disagreeing = PARITY_CELLS.flatMap((c) => c.probe.filter((p) => !agrees(c.chrome, p)).map((p) => `${c.id} ${p.kind}`));
    expect(disagreeing).toEqual([]);
    expect(PARITY_CELLS.flatMap((c) => c.probe).filter((p) => p.reason === 'internal_error')).toEqual([]);
  });
});
