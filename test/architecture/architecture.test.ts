// The architecture as the folders show it: imports go one way (core ← probes ← scenarios ← config
// ← engine ← telemetry, ui ← cli), no import cycle, and in everything that ships (plus the rules
// and dashboards generated from code) no folder past 16 files and no function past 80 lines.
// Measured by reading the import statements and functions of every non-test source file.
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cycles, layerOf, SHIPPED_ROOTS, sourceFiles } from './source-graph.ts';

const files = sourceFiles();
const shipped = sourceFiles(SHIPPED_ROOTS);

describe('architecture', () => {
  it('reads the whole source tree', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((f) => f.path === 'probes/index.ts')).toBe(true);
  });

  it('imports go from the application layers down to probes, scenarios and the core, never up', () => {
    const upward: string[] = [];
    for (const f of files) {
      const from = layerOf(f.path);
      for (const i of f.imports) {
        const to = layerOf(i);
        const sideways = from.rank === to.rank && from.name !== to.name;
        if (to.rank > from.rank || sideways) upward.push(`${f.path} → ${i}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles(files)).toEqual([]);
  });

  it('keeps every source folder at 16 files or fewer', () => {
    const counts = new Map<string, number>();
    for (const f of shipped) counts.set(dirname(f.path), (counts.get(dirname(f.path)) ?? 0) + 1);
    expect([...counts].filter(([, n]) => n > 16)).toEqual([]);
  });

  it('keeps every function at 80 lines or fewer', () => {
    const long = shipped.flatMap((f) => f.functions.filter((fn) => fn.lines > 80).map((fn) => `${f.path}:${fn.line} ${fn.name} (${fn.lines} lines)`));
    expect(long).toEqual([]);
  });
});
