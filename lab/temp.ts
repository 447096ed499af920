// Every folder the lab makes on disk (CA and server keys, configs holding TURN secrets, Prometheus
// and Alertmanager data) is listed for removal. Servers with a stop() remove their own; the rest go
// when the process ends: a test run's teardown (test/global-setup.ts) removes every folder listed
// in the manifest named by VIGIE_LAB_MANIFEST, even after a failed test or a killed worker; outside
// a test run (the demo, the benches) they go when the process exits, Ctrl-C included.
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const atExit = new Set<string>();
let hooked = false;

export function labTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const manifest = process.env.VIGIE_LAB_MANIFEST;
  if (manifest) {
    appendFileSync(manifest, `${dir}\n`);
    return dir;
  }
  atExit.add(dir);
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const d of atExit) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}
