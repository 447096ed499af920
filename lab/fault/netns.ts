// Two network namespaces joined by a veth pair: a "hospital" where the probe runs and a "platform"
// where the servers run, on addresses that exist only inside them. Faults are applied in the
// hospital namespace with nftables (random loss with numgen, counted) and tc tbf (bandwidth cap).
import { execFileSync, spawn } from 'node:child_process';

export interface NetLab {
  hospital: string;
  platform: string;
  hospitalIp: string;
  platformIp: string;
  /** Interfaces of each side (for tc). */
  hospitalIf: string;
  platformIf: string;
  run(ns: string, cmd: string, args: string[], input?: string): string;
  /** Runs a command in a namespace without blocking this process; resolves with its exit code and output. */
  runAsync(ns: string, cmd: string, args: string[], opts?: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** A further platform address, by last octet (see `extraPlatformHosts`). */
  platformAddress(hostOctet: number): string;
  destroy(): void;
}

const sh = (args: string[], input?: string): string => execFileSync(args[0]!, args.slice(1), { input, encoding: 'utf8', stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });

/** `extraPlatformHosts`: more addresses on the platform side, by last octet (one per service, as real platforms have). */
export function createNetLab(opts: { extraPlatformHosts?: number[] } = {}): NetLab {
  const id = `${process.pid % 10000}${Math.floor(Math.random() * 90 + 10)}`;
  const octet = (Number(id) % 250) + 1;
  const hospital = `vigie-h-${id}`;
  const platform = `vigie-p-${id}`;
  const hospitalIf = `vh${id}`;
  const platformIf = `vp${id}`;
  const hospitalIp = `10.231.${octet}.2`;
  const platformIp = `10.231.${octet}.1`;
  const destroy = () => {
    for (const ns of [hospital, platform]) {
      try {
        sh(['ip', 'netns', 'del', ns]);
      } catch {}
    }
  };
  try {
    sh(['ip', 'netns', 'add', hospital]);
    sh(['ip', 'netns', 'add', platform]);
    sh(['ip', 'link', 'add', hospitalIf, 'netns', hospital, 'type', 'veth', 'peer', 'name', platformIf, 'netns', platform]);
    sh(['ip', '-n', hospital, 'addr', 'add', `${hospitalIp}/24`, 'dev', hospitalIf]);
    sh(['ip', '-n', platform, 'addr', 'add', `${platformIp}/24`, 'dev', platformIf]);
    for (const h of opts.extraPlatformHosts ?? []) sh(['ip', '-n', platform, 'addr', 'add', `10.231.${octet}.${h}/24`, 'dev', platformIf]);
    for (const [ns, dev] of [[hospital, hospitalIf], [platform, platformIf]] as const) {
      sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      sh(['ip', '-n', ns, 'link', 'set', dev, 'up']);
    }
  } catch (e) {
    destroy();
    throw e;
  }
  return {
    hospital,
    platform,
    hospitalIp,
    platformIp,
    hospitalIf,
    platformIf,
    platformAddress: (h) => `10.231.${octet}.${h}`,
    run: (ns, cmd, args, input) => sh(['ip', 'netns', 'exec', ns, cmd, ...args], input),
    runAsync: (ns, cmd, args, o = {}) =>
      new Promise((resolve) => {
        const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { ...o, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      }),
    destroy,
  };
}

export function netnsAvailable(): boolean {
  try {
    sh(['ip', 'netns', 'list']);
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
}
