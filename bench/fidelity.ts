// Fidelity of what the probe reports, measured outside the probe:
//  - TCP connect and TURN allocation times against tcpdump's timing of the same packets (loopback);
//  - the relay test's loss and jitter against what nftables dropped (its counters) and what the
//    wire carried (a capture on the hospital's interface), in the fault lab's namespaces.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { CheckResult } from '../runner/core/contract.ts';
import { startCoturn } from '../lab/coturn.ts';
import { startFaultLab } from '../lab/fault/fault-lab.ts';
import type { FaultProfile } from '../lab/fault/profiles.ts';
import type { LabPki } from '../lab/pki.ts';
import { startHttps } from '../lab/servers.ts';
import { median, readPcap, startCapture, stunTransactions, wireTcpHandshakes } from './pcap.ts';

type RunJson = <T>(args: string[], env?: Record<string, string>) => Promise<T>;
interface WorkerOut {
  count: number;
  ok: number;
  phasesMs: Record<string, number[]>;
}

export interface WireFidelity {
  tcp: { checks: number; probeMs: number; wireMs: number; pairs: number };
  turn: { checks: number; probeMs: number; wireMs: number; pairs: number };
}

/** TCP connect and TURN allocate phases of checks run one at a time, against the same handshakes on the wire. */
export async function wireFidelity(pki: LabPki, tmp: string, runJson: RunJson, root: string): Promise<WireFidelity> {
  const https = await startHttps(pki.leaves.valid);
  const tcpPcap = join(tmp, 'tcp.pcap');
  let stop = await startCapture(tcpPcap, 'lo', ['tcp', 'port', String(https.port)]);
  const tcp = await runJson<WorkerOut>([join(root, 'bench', 'worker.ts'), 'tcp', '127.0.0.1', String(https.port), '500', '1']);
  await stop();
  await https.close();
  const tcpWire = wireTcpHandshakes(tcpPcap, https.port);

  const login = { username: 'fidelity', password: randomBytes(12).toString('hex') };
  const coturn = await startCoturn(pki.leaves.valid, { user: login.username, password: login.password });
  const turnPcap = join(tmp, 'turn.pcap');
  stop = await startCapture(turnPcap, 'lo', ['udp', 'port', String(coturn.port)]);
  const turn = await runJson<WorkerOut>([join(root, 'bench', 'worker.ts'), 'turn', '127.0.0.1', String(coturn.port), '300', '1'], {
    VIGIE_BENCH_TURN_USER: login.username,
    VIGIE_BENCH_TURN_PASSWORD: login.password,
  });
  await stop();
  await coturn.stop();
  // A check's allocate phase is its two Allocate transactions (the 401 challenge, then the
  // authenticated one on the same socket): the wire's figure is the sum of both round trips.
  const allocates = stunTransactions(readPcap(turnPcap), coturn.port)
    .filter((t) => t.type === 0x0003)
    .sort((x, y) => x.ts - y.ts);
  const challenged = new Map<number, number>();
  const perCheck: number[] = [];
  for (const t of allocates) {
    if (t.answer === 0x0113) challenged.set(t.clientPort, t.rtt);
    else if (t.answer === 0x0103 && challenged.has(t.clientPort)) {
      perCheck.push(challenged.get(t.clientPort)! + t.rtt);
      challenged.delete(t.clientPort);
    }
  }
  return {
    tcp: { checks: tcp.ok, probeMs: median(tcp.phasesMs.connect ?? []), wireMs: median(tcpWire), pairs: tcpWire.length },
    turn: { checks: turn.ok, probeMs: median(turn.phasesMs.allocate ?? []), wireMs: median(perCheck), pairs: perCheck.length },
  };
}

export interface RelayFidelityRow {
  fault: string;
  status: string;
  sent: number;
  /** Stream packets nftables dropped (its counter). */
  nftDropped: number | null;
  reportedLoss: number;
  wireLoss: number;
  reportedJitterMs: number;
  wireJitterMs: number;
}

/** RFC 3550 interarrival jitter over transit times in arrival order, ms. */
function rfc3550Jitter(transits: number[]): number {
  let j = 0;
  for (let i = 1; i < transits.length; i++) j += (Math.abs(transits[i]! - transits[i - 1]!) - j) / 16;
  return j;
}

/**
 * The relay test (default 1.5 Mbit/s, 5 s) run by `vigie check` in the fault lab's hospital
 * namespace, under: nothing, random drops of the stream (nftables numgen, counted), and a tbf cap.
 * tcpdump on the hospital's interface sees each stream packet leave (after nftables) and come back
 * relayed: the wire's loss and its RFC 3550 jitter come from those two timestamps.
 */
export async function relayFidelity(tmp: string): Promise<RelayFidelityRow[]> {
  const lab = await startFaultLab();
  const rows: RelayFidelityRow[] = [];
  const media = lab.addresses.MEDIA!;
  // Drops of the stream only (its packets are the large ones), as inline profiles of the lab.
  const drop = (percent: number): FaultProfile => ({ name: `nftables drops ${percent} % of the stream`, summary: '', fix: '', filter: `udp dport 3478 meta length > 200 numgen random mod 100 < ${percent} counter drop` });
  const faults: { name: string; profile: string | FaultProfile }[] = [
    { name: 'none', profile: 'none' },
    { name: drop(2).name, profile: drop(2) },
    { name: drop(10).name, profile: drop(10) },
    { name: 'tc tbf 1 Mbit/s each way (saturated)', profile: 'saturated' },
  ];
  try {
    for (const fault of faults) {
      const profile = await lab.apply(fault.profile);
      const pcap = join(tmp, `relay-${rows.length}.pcap`);
      const stop = await startCapture(pcap, lab.net.hospitalIf, ['udp', 'port', '3478', 'and', 'greater', '200'], lab.net.hospital);
      const { results } = await lab.check(['--kind', 'relay']);
      await stop();
      const r = results.find((x) => x.kind === 'relay') as CheckResult;
      const out = new Map<number, number>();
      const back = new Map<number, number>();
      for (const p of readPcap(pcap)) {
        // ChannelData (4 bytes) then the stream header: seq u32, send time f64, direction u8 (0 = stream).
        const d = p.payload;
        if (d.length < 17 || d[0]! < 0x40 || d[0]! > 0x7f || d[16] !== 0) continue;
        const seq = d.readUInt32BE(4);
        if (p.dst === media) out.set(seq, p.ts);
        else if (p.src === media && !back.has(seq)) back.set(seq, p.ts);
      }
      // In arrival order (a Map keeps insertion order).
      const transits = [...back].filter(([seq]) => out.has(seq)).map(([seq, ts]) => ts - out.get(seq)!);
      const sent = Number(r.observations.packets_sent ?? 0);
      const counted = profile?.filter ? lab.faultPackets() : null;
      rows.push({
        fault: fault.name,
        status: `${r.status}${r.status === 'ok' ? '' : ` (${r.reason})`}`,
        sent,
        nftDropped: counted,
        reportedLoss: Number(r.observations.loss_ratio ?? NaN),
        wireLoss: sent ? 1 - back.size / sent : NaN,
        reportedJitterMs: Number(r.observations.jitter_seconds ?? NaN) * 1000,
        wireJitterMs: rfc3550Jitter(transits),
      });
    }
  } finally {
    await lab.stop();
  }
  return rows;
}
