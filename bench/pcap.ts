// Reads classic pcap files (tcpdump -w) of IPv4 UDP and TCP, and measures from them what the wire
// saw, outside the probe: STUN and TURN round trips (requests paired with answers by transaction
// id), TCP handshakes (SYN to SYN-ACK), and the relay test's stream (sequence numbers, arrival times).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Starts tcpdump on `iface` (inside `netns` when given) writing `filter`'s packets to `file`;
 * resolves once it listens, with a stop() that ends it. Immediate mode: without it libpcap hands
 * packets over in blocks, and the packets of a short run are still in the ring when it is stopped.
 */
export async function startCapture(file: string, iface: string, filter: string[], netns?: string): Promise<() => Promise<void>> {
  const argv = [...(netns ? ['ip', 'netns', 'exec', netns] : []), 'tcpdump', '--immediate-mode', '-i', iface, '-U', '-n', '-s', '256', '-w', file, ...filter];
  const dump = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10_000);
    dump.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (!err.includes('listening on')) return;
      clearTimeout(timer);
      resolve();
    });
    dump.once('exit', () => (clearTimeout(timer), reject(new Error(`tcpdump exited: ${err}`))));
  });
  return async () => {
    await new Promise((r) => setTimeout(r, 200));
    dump.kill('SIGINT');
    await new Promise((r) => (dump.exitCode !== null ? r(null) : dump.once('exit', r)));
  };
}

export interface WirePacket {
  /** Capture time, ms. */
  ts: number;
  proto: 'udp' | 'tcp';
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** TCP flags byte (0 for UDP). */
  flags: number;
  /** Size on the wire: the IP packet's total length. */
  ipBytes: number;
  payload: Buffer;
}

export function readPcap(file: string): WirePacket[] {
  const buf = readFileSync(file);
  if (buf.length < 24) return [];
  const le = buf.readUInt32LE(0) === 0xa1b2c3d4;
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20);
  const l2 = linkType === 1 ? 14 : linkType === 113 ? 16 : 0; // Ethernet (lo, veth) or Linux cooked
  const out: WirePacket[] = [];
  for (let off = 24; off + 16 <= buf.length; ) {
    const ts = u32(off) * 1000 + u32(off + 4) / 1000;
    const len = u32(off + 8);
    const pkt = buf.subarray(off + 16, off + 16 + len);
    off += 16 + len;
    const ip = pkt.subarray(l2);
    if (ip.length < 20 || ip[0]! >> 4 !== 4 || (ip[9] !== 17 && ip[9] !== 6)) continue;
    const l4 = ip.subarray((ip[0]! & 0x0f) * 4, ip.readUInt16BE(2));
    const addr = (o: number) => `${ip[o]}.${ip[o + 1]}.${ip[o + 2]}.${ip[o + 3]}`;
    const tcp = ip[9] === 6;
    if (l4.length < (tcp ? 20 : 8)) continue;
    out.push({
      ts,
      proto: tcp ? 'tcp' : 'udp',
      src: addr(12),
      dst: addr(16),
      srcPort: l4.readUInt16BE(0),
      dstPort: l4.readUInt16BE(2),
      flags: tcp ? l4[13]! : 0,
      ipBytes: ip.readUInt16BE(2),
      payload: l4.subarray(tcp ? (l4[12]! >> 4) * 4 : 8),
    });
  }
  return out;
}

const isStun = (p: Buffer) => p.length >= 20 && p.readUInt32BE(4) === 0x2112a442;

/** Round trips of STUN transactions to `serverPort` (request → answer, by transaction id), ms. */
export function wireStunRtts(file: string, serverPort: number): number[] {
  return stunTransactions(readPcap(file), serverPort).map((t) => t.rtt);
}

export interface StunTransaction {
  /** Message types of the request and of its answer (e.g. 0x0003 Allocate → 0x0113 error). */
  type: number;
  answer: number;
  clientPort: number;
  /** Request time (ms) and round trip (ms). */
  ts: number;
  rtt: number;
}

/** STUN transactions seen on the wire, in the order their answers came. */
export function stunTransactions(packets: WirePacket[], serverPort: number): StunTransaction[] {
  const sent = new Map<string, { ts: number; type: number; clientPort: number }>();
  const out: StunTransaction[] = [];
  for (const p of packets) {
    if (p.proto !== 'udp' || !isStun(p.payload)) continue;
    const tid = p.payload.subarray(8, 20).toString('hex');
    if (p.dstPort === serverPort) sent.set(tid, { ts: p.ts, type: p.payload.readUInt16BE(0), clientPort: p.srcPort });
    else if (p.srcPort === serverPort && sent.has(tid)) {
      const req = sent.get(tid)!;
      sent.delete(tid);
      out.push({ type: req.type, answer: p.payload.readUInt16BE(0), clientPort: req.clientPort, ts: req.ts, rtt: p.ts - req.ts });
    }
  }
  return out;
}

/** TCP handshakes to `serverPort`: SYN → SYN-ACK per client port, ms. */
export function wireTcpHandshakes(file: string, serverPort: number): number[] {
  const syn = new Map<number, number>();
  const out: number[] = [];
  for (const p of readPcap(file)) {
    if (p.proto !== 'tcp') continue;
    const SYN = 0x02;
    const ACK = 0x10;
    if (p.dstPort === serverPort && (p.flags & (SYN | ACK)) === SYN) syn.set(p.srcPort, p.ts);
    else if (p.srcPort === serverPort && (p.flags & (SYN | ACK)) === (SYN | ACK) && syn.has(p.dstPort)) {
      out.push(p.ts - syn.get(p.dstPort)!);
      syn.delete(p.dstPort);
    }
  }
  return out;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}
