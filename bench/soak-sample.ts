// What the soak reads of the probe every 15 s: its process tree in the lab's hospital namespace
// (descendants, Chromium processes, zombies, browsers left over by a killed probe), its memory and
// descriptors from /proc, and its /metrics.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statfsSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  state: string;
}

function procInfo(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    return { pid, comm: stat.slice(stat.indexOf('(') + 1, close), state: fields[0]!, ppid: Number(fields[1]) };
  } catch {
    return undefined; // gone between the listing and the read
  }
}

/** Every process in a network namespace. */
export function namespaceProcesses(ns: string): ProcInfo[] {
  let out: string;
  try {
    out = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return out.split('\n').filter(Boolean).map(Number).map(procInfo).filter((p): p is ProcInfo => p !== undefined);
}

export interface TreeCounts {
  /** Descendants of the probe. */
  children: number;
  /** Chromium processes among them. */
  chromium: number;
  /** Chromium processes in the namespace that are not the probe's (left by a killed probe). */
  leakedChromium: number;
  /** Zombies among the probe's descendants (`ip netns pids` cannot list a zombie: its namespace is gone). */
  zombies: number;
  /** Their pids: a zombie seen again in the next sample is one its parent never reaped. */
  zombiePids: number[];
}

const isChromium = (p: ProcInfo) => /chrom/i.test(p.comm);

/** Every process of the machine, from /proc. */
function allProcesses(): ProcInfo[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .map(procInfo)
    .filter((p): p is ProcInfo => p !== undefined);
}

export function treeCounts(ns: string, probePid: number | undefined): TreeCounts {
  const inNs = namespaceProcesses(ns);
  const all = allProcesses();
  const descendants = new Set<number>();
  if (probePid !== undefined) {
    const frontier = [probePid];
    while (frontier.length) {
      const parent = frontier.pop()!;
      for (const p of all.filter((x) => x.ppid === parent && !descendants.has(x.pid))) {
        descendants.add(p.pid);
        frontier.push(p.pid);
      }
    }
  }
  const mine = all.filter((p) => descendants.has(p.pid));
  return {
    children: mine.length,
    chromium: mine.filter(isChromium).length,
    leakedChromium: inNs.filter((p) => isChromium(p) && !descendants.has(p.pid)).length,
    zombies: mine.filter((p) => p.state === 'Z').length,
    zombiePids: mine.filter((p) => p.state === 'Z').map((p) => p.pid),
  };
}

/** Resident memory (MiB) and open descriptors of a process, from /proc. */
export function processFootprint(pid: number): { rssMiB: number; fds: number } | undefined {
  try {
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
    return { rssMiB: rss, fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
}

/** Share (0-1) of a filesystem in use. */
export function usedShare(path: string): number {
  const s = statfsSync(path);
  return 1 - s.bavail / s.blocks;
}

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text exposition, one entry per sample line. */
export function parseExposition(text: string): MetricSample[] {
  const out: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of every sample of a family (0 when absent). */
export const total = (samples: readonly MetricSample[], name: string): number => samples.filter((s) => s.name === name).reduce((n, s) => n + s.value, 0);
