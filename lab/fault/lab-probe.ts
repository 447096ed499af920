// A `vigie run` inside the fault lab's hospital namespace, and its HTTP server (status page,
// /metrics, /healthz) brought out to 127.0.0.1:PORT here: what the demo and the soak run.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { join } from 'node:path';
import type { FaultLab } from './fault-lab.ts';
import { forwardTo } from './ns-forward.ts';
import type { Closable } from '../servers.ts';

/** Where the probe listens inside the hospital namespace, which has its own port space. */
export const PROBE_LISTEN = 9464;

/** Starts `vigie run --config` (the lab's config file) in the hospital namespace; its cwd is `dir`; `nodeArgs` go to node. */
export function spawnLabProbe(lab: FaultLab, dir: string, stdio: StdioOptions = ['ignore', 'inherit', 'inherit'], env: Record<string, string> = {}, nodeArgs: readonly string[] = []): ChildProcess {
  const [cmd, ...args] = lab.vigie(['run', '--config', lab.configFile], nodeArgs);
  return spawn(cmd!, args, { cwd: dir, stdio, env: { ...process.env, ...lab.env, ...env } });
}

/**
 * Brings the probe's server out to 127.0.0.1:`port` through a Unix socket in `dir` (a forwarder
 * inside the namespace); it keeps working across probe restarts.
 */
export async function exposeLabProbe(lab: FaultLab, dir: string, port: number): Promise<Closable> {
  const socket = join(dir, 'probe.sock');
  const forwarder = spawn('ip', ['netns', 'exec', lab.net.hospital, process.execPath, join(import.meta.dirname, 'ns-forward.ts'), socket, String(PROBE_LISTEN)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    forwarder.stdout!.once('data', resolve);
    forwarder.once('exit', (code) => reject(new Error(`the namespace forwarder exited (${code})`)));
  });
  const outside = await forwardTo(socket, '127.0.0.1', port);
  return {
    port,
    close: async () => {
      await outside.close();
      if (forwarder.exitCode === null && forwarder.signalCode === null) {
        forwarder.kill('SIGTERM');
        await new Promise((r) => forwarder.once('exit', r));
      }
    },
  };
}

/** Resolves once `url` answers 200, or rejects after `timeoutMs`. */
export async function waitForOk(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
