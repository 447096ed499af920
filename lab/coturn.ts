// coturn (Debian's turnserver) on loopback for the STUN/TURN tests: UDP, TCP and TLS listeners,
// either a long-term user or `use-auth-secret` (REST API), and its admin CLI to read which
// allocations are open.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { closedPort } from './servers.ts';
import type { LabCert } from './pki.ts';
import { killAtExit, labTempDir } from './temp.ts';

export interface Coturn {
  port: number;
  tlsPort: number;
  realm: string;
  /** Sessions (allocations) the server holds, read from its CLI `ps`. */
  sessions(): Promise<number>;
  /** Polls `sessions()` until it is 0 or `ms` have passed (coturn drops a released session asynchronously). */
  settledSessions(ms?: number): Promise<number>;
  /** Its working folder (config with the shared secret or password, certificate, key): removed by stop(). */
  dir: string;
  stop(): Promise<void>;
}

export type CoturnAuth = { user: string; password: string } | { secret: string };

const freePort = closedPort;

/**
 * `netns` and `ip` place the server inside a lab namespace (its CLI is then not reachable from
 * here); `ports` sets the listeners (a namespace has its own port space, so the documented ones).
 */
export async function startCoturn(
  cert: LabCert,
  auth: CoturnAuth,
  where: { netns?: string; ip?: string; extra?: string[]; ports?: { port: number; tlsPort: number } } = {},
): Promise<Coturn> {
  const ip = where.ip ?? '127.0.0.1';
  const dir = labTempDir('vigie-coturn-');
  const [port, tlsPort, cliPort] = [where.ports?.port ?? (await freePort()), where.ports?.tlsPort ?? (await freePort()), await freePort()];
  writeFileSync(join(dir, 'cert.pem'), cert.chain);
  writeFileSync(join(dir, 'key.pem'), cert.key);
  const realm = 'lab.vigie';
  const authLines = 'secret' in auth ? ['use-auth-secret', `static-auth-secret=${auth.secret}`] : ['lt-cred-mech', `user=${auth.user}:${auth.password}`];
  writeFileSync(
    join(dir, 'turnserver.conf'),
    [
      `listening-ip=${ip}`,
      `listening-port=${port}`,
      `tls-listening-port=${tlsPort}`,
      `cert=${join(dir, 'cert.pem')}`,
      `pkey=${join(dir, 'key.pem')}`,
      `realm=${realm}`,
      ...authLines,
      'fingerprint',
      'no-dtls',
      'allow-loopback-peers',
      'no-multicast-peers',
      `relay-ip=${ip}`,
      'min-port=50000',
      'max-port=59999',
      'cli-ip=127.0.0.1',
      `cli-port=${cliPort}`,
      'cli-password=lab-cli',
      `pidfile=${join(dir, 'turn.pid')}`,
      `userdb=${join(dir, 'turndb')}`,
      'log-file=stdout',
      'simple-log',
      'no-software-attribute',
      ...(where.extra ?? []),
    ].join('\n'),
  );
  const argv = ['turnserver', '-c', join(dir, 'turnserver.conf')];
  const child: ChildProcess = where.netns
    ? killAtExit(spawn('ip', ['netns', 'exec', where.netns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] }))
    : killAtExit(spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }));
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  for (let i = 0; i < 100 && !/Total auth threads|SQLite DB connection success/.test(log); i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 200));
  if (child.exitCode !== null) throw new Error(`turnserver exited: ${log.slice(-500)}`);

  const sessions = () =>
    new Promise<number>((resolve, reject) => {
      const s = net.connect(cliPort, '127.0.0.1');
      let out = '';
      s.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Enter password:') && !out.includes('#sent')) {
          out += '#sent';
          s.write('lab-cli\r\n');
          setTimeout(() => s.write('ps\r\n'), 100);
        }
        const m = /Total sessions: (\d+)/.exec(out);
        if (m) {
          s.destroy();
          resolve(Number(m[1]));
        }
      });
      s.on('error', reject);
      setTimeout(() => (s.destroy(), reject(new Error(`no answer from the coturn CLI: ${out}`))), 3000);
    });

  const settledSessions = async (ms = 2000) => {
    const end = Date.now() + ms;
    let n = await sessions();
    while (n > 0 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 200));
      n = await sessions();
    }
    return n;
  };
  return {
    port,
    tlsPort,
    realm,
    sessions,
    settledSessions,
    dir,
    stop: async () => {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      });
      // The config holds the TURN secret: nothing of it stays behind.
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
