// Bytes per hour on the hospital's link with the default schedules: each check kind run by
// `vigie check --kind K` in the fault lab's hospital namespace while tcpdump counts every IP byte on
// its interface, then multiplied by the embedded catalog's plan (checks per kind, default schedule).
import { join } from 'node:path';
import { startFaultLab } from '../lab/fault/fault-lab.ts';
import { readPcap, startCapture } from './pcap.ts';

export interface KindFootprint {
  kind: string;
  /** Bytes on the wire (IP, both ways) per check in the lab. */
  bytesPerCheck: number;
  /** The embedded catalog with the default config. */
  checks: number;
  schedule: string;
  runsPerHour: number;
  bytesPerHour: number;
}

/** Runs per hour of a cron schedule of the shapes the defaults use. */
export function runsPerHour(schedule: string): number {
  const f = schedule.trim().split(/\s+/);
  const minute = f.length === 6 ? f[1]! : f[0]!;
  const perMinute = f.length === 6 ? (f[0] === '*' ? 60 : /^\*\/(\d+)$/.test(f[0]!) ? 60 / Number(f[0]!.slice(2)) : 1) : 1;
  const minutes = minute === '*' ? 60 : /^\*\/(\d+)$/.test(minute) ? 60 / Number(minute.slice(2)) : minute.split(',').length;
  return minutes * perMinute;
}

export async function networkFootprint(tmp: string, plan: Record<string, { checks: number; schedule: string }>): Promise<KindFootprint[]> {
  const lab = await startFaultLab();
  const out: KindFootprint[] = [];
  try {
    for (const kind of ['dns', 'tcp', 'tls', 'ocsp', 'http', 'stun', 'turn', 'turns', 'clock']) {
      const pcap = join(tmp, `footprint-${kind}.pcap`);
      const stop = await startCapture(pcap, lab.net.hospitalIf, ['ip'], lab.net.hospital);
      const { results } = await lab.check(['--kind', kind]);
      await stop();
      const n = results.filter((r) => r.kind === kind).length;
      const bytes = readPcap(pcap).reduce((sum, p) => sum + p.ipBytes, 0);
      const p = plan[kind];
      const perCheck = n ? bytes / n : 0;
      const rate = p ? runsPerHour(p.schedule) : 0;
      out.push({ kind, bytesPerCheck: perCheck, checks: p?.checks ?? 0, schedule: p?.schedule ?? '–', runsPerHour: rate, bytesPerHour: perCheck * (p?.checks ?? 0) * rate });
    }
  } finally {
    await lab.stop();
  }
  return out;
}
