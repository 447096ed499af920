// The test run's own temporary folders (lab/temp.ts): listed by the workers in one manifest, removed
// when the run ends, whatever happened to the tests and their workers.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const manifest = process.env.VIGIE_LAB_MANIFEST ?? join(tmpdir(), `vigie-lab-manifest-${process.pid}.txt`);
  // Set before the workers fork: they inherit it.
  process.env.VIGIE_LAB_MANIFEST = manifest;
  writeFileSync(manifest, '', { flag: 'a' });
  return () => {
    let listed: string[];
    try {
      listed = readFileSync(manifest, 'utf8').split('\n').filter(Boolean);
    } catch {
      return;
    }
    for (const dir of listed) rmSync(dir, { recursive: true, force: true });
    rmSync(manifest, { force: true });
  };
}
