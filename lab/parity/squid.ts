// squid (Debian) as the establishment's explicit proxy, inside a lab namespace: CONNECT to 443 only
// (its stock rule), some destinations denied by the establishment's policy, no cache.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killAtExit, labTempDir } from '../temp.ts';

export interface Squid {
  url: string;
  stop(): Promise<void>;
}

export async function startSquid(netns: string, ip: string, port: number, deny: readonly string[] = []): Promise<Squid> {
  // squid drops to its own user: its folder must be reachable by it.
  const dir = labTempDir('vigie-squid-');
  chmodSync(dir, 0o777);
  const conf = join(dir, 'squid.conf');
  writeFileSync(
    conf,
    `http_port ${ip}:${port}
acl SSL_ports port 443
acl CONNECT method CONNECT
${deny.length ? `acl denied dstdomain ${deny.join(' ')}\nhttp_access deny denied\n` : ''}http_access deny CONNECT !SSL_ports
http_access allow all
cache deny all
access_log none
cache_log ${join(dir, 'cache.log')}
pid_filename ${join(dir, 'squid.pid')}
coredump_dir ${dir}
cache_effective_user proxy
hosts_file /etc/hosts
shutdown_lifetime 0 seconds
`,
  );
  const child: ChildProcess = killAtExit(spawn('ip', ['netns', 'exec', netns, 'squid', '-N', '-f', conf], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const log = () => (existsSync(join(dir, 'cache.log')) ? readFileSync(join(dir, 'cache.log'), 'utf8') : '') + out;
  const deadline = Date.now() + 15_000;
  while (!/Accepting HTTP Socket connections/.test(log())) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`squid did not start: ${log().slice(-1500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://${ip}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      }),
  };
}
