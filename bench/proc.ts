// What the benchmarks read of another process from /proc: CPU time and memory.

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** User + system CPU seconds a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * A memory line of /proc/PID/status, in MiB: VmRSS now, VmHWM peak; RssAnon the process's own pages,
 * RssFile the pages of files it maps (the node binary, ICU data: shared, and given back under pressure).
 */
export function memoryMiB(pid: number, field: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile'): number {
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

/**
 * How the probe image runs node, read from deploy/Dockerfile: the environment it sets (NODE_ENV,
 * NODE_OPTIONS, MALLOC_ARENA_MAX, and VIGIE_RUN_NODE_FLAGS, the V8 flags bin/vigie.js gives
 * `vigie run`) and any flags its ENTRYPOINT gives node before bin/vigie.js.
 */
export function imageRuntime(dockerfile = join(import.meta.dirname, '..', 'deploy', 'Dockerfile')): { env: Record<string, string>; nodeArgs: string[] } {
  const text = readFileSync(dockerfile, 'utf8');
  const env: Record<string, string> = {};
  for (const name of ['NODE_ENV', 'NODE_OPTIONS', 'MALLOC_ARENA_MAX', 'VIGIE_RUN_NODE_FLAGS']) {
    const m = new RegExp(`^\\s*(?:ENV\\s+)?${name}=(?:"([^"]*)"|(\\S+))`, 'm').exec(text);
    if (m) env[name] = m[1] ?? m[2]!;
  }
  const entrypoint = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(text);
  const argv = entrypoint ? (JSON.parse(entrypoint[1]!) as string[]) : [];
  const node = argv.indexOf('node');
  const script = argv.findIndex((a) => a.endsWith('/bin/vigie.js'));
  return { env, nodeArgs: node >= 0 && script > node ? argv.slice(node + 1, script) : [] };
}

/**
 * Runs a bench script (`args`: the script and its arguments) in a child Node from the repository's
 * root and parses what it prints as JSON. Asynchronous: the lab servers answer from this process.
 */
export function runJson<T>(args: string[], env: Record<string, string> = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

export interface ContainerProcess {
  pid: number;
  /** One letter of /proc/PID/stat: R, S, Z… */
  state: string;
  comm: string;
  cmdline: string[];
}

/** The processes in the PID namespace of `initPid` (a container's first process), read from the host's /proc. */
export function containerProcesses(initPid: number): ContainerProcess[] {
  const ns = readlinkSync(`/proc/${initPid}/ns/pid`);
  const out: ContainerProcess[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/ns/pid`) !== ns) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      out.push({ pid: Number(name), state: stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3), comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0') });
    } catch {
      // ended
    }
  }
  return out;
}

/** The probe's node processes among them: node running bin/vigie.js (not tini, whose arguments name the same script). */
export const probeProcesses = (processes: readonly ContainerProcess[]): ContainerProcess[] => processes.filter((p) => /(^|\/)node$/.test(p.cmdline[0] ?? '') && p.cmdline.some((a) => a.endsWith('/bin/vigie.js')));
