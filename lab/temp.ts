// Every folder the lab makes on disk (CA and server keys, configs holding TURN secrets, Prometheus
// and Alertmanager data) is listed for removal. Servers with a stop() remove their own; the rest go
// when the process ends: a test run's teardown (test/global-setup.ts) removes every folder listed
// in the manifest named by VIGIE_LAB_MANIFEST, even after a failed test or a killed worker; outside
// a test run (the demo, the benches) they go when the process exits, Ctrl-C included.
// The lab's server processes (OpenSSL's responder, coturn, Janus, Prometheus) are killed at exit
// too: a bench or a demo that crashes leaves none of them listening.
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const atExit = new Set<string>();
const children = new Set<ChildProcess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of children) c.kill('SIGKILL');
    for (const d of atExit) rmSync(d, { recursive: true, force: true });
  });
}

/** A lab server's process: killed when this process exits, however it ends. */
export function killAtExit<C extends ChildProcess>(child: C): C {
  children.add(child);
  child.once('exit', () => children.delete(child));
  hookExit();
  return child;
}

export function labTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const manifest = process.env.VIGIE_LAB_MANIFEST;
  if (manifest) {
    appendFileSync(manifest, `${dir}\n`);
    return dir;
  }
  atExit.add(dir);
  hookExit();
  return dir;
}
