// A lab server run as a child process on a loopback port picked for it. A port found free can be
// taken before the child binds it (another test's listen(0), or the local port of an outgoing
// connection), so a child that exits saying so is started again on another port; any other early
// exit or a child never ready is an error that carries the end of its log.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closedPort } from './servers.ts';
import { killAtExit } from './temp.ts';

export interface ListeningChild {
  child: ChildProcess;
  port: number;
}

export interface ListeningChildOptions {
  command: string;
  args: (port: number) => string[];
  env?: NodeJS.ProcessEnv;
  /** True once the child answers on its port; bounded in time (an AbortSignal.timeout on a fetch). */
  ready: (port: number) => Promise<boolean>;
  /** A fixed port (a restart on the same address): no second try elsewhere. */
  port?: number;
  timeoutMs?: number;
}

/** Readiness of the Prometheus family (Prometheus, its agent, Alertmanager) on plain HTTP: `/-/ready` answers 200. */
export const readyEndpointOk = (port: number): Promise<boolean> => fetch(`http://127.0.0.1:${port}/-/ready`, { signal: AbortSignal.timeout(5000) }).then((r) => r.ok);

const PORT_TAKEN = /address already in use|EADDRINUSE/i;

export async function startListeningChild(opts: ListeningChildOptions): Promise<ListeningChild> {
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await closedPort());
    let log = '';
    const child = killAtExit(spawn(opts.command, opts.args(port), { stdio: ['ignore', 'ignore', 'pipe'], env: opts.env } satisfies SpawnOptions));
    // Read for the child's whole life (a full pipe would block it); only the end is kept.
    child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4096)));
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    const end = Date.now() + (opts.timeoutMs ?? 60_000);
    while (Date.now() < end && !exited()) {
      if (await opts.ready(port).catch(() => false)) return { child, port };
      await new Promise((r) => setTimeout(r, 200));
    }
    if (exited()) await Promise.race([new Promise((r) => child.once('close', r)), new Promise((r) => setTimeout(r, 1000))]); // the rest of its log
    const tail = log.trim().split('\n').slice(-6).join('\n');
    if (exited() && opts.port === undefined && attempt < 3 && PORT_TAKEN.test(log)) continue;
    const state = exited() ? `exited (${child.exitCode ?? child.signalCode})` : 'never became ready';
    if (!exited()) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    throw new Error(`${opts.command} on 127.0.0.1:${port} ${state}; its log ends with:\n${tail || '(nothing)'}`);
  }
}
