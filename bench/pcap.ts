// Reads a classic pcap (tcpdump -w) of loopback UDP and pairs STUN requests with their responses
// by transaction id: the round trip as the wire saw it, outside the probe.
import { readFileSync } from 'node:fs';

export function wireStunRtts(file: string, serverPort: number): number[] {
  const buf = readFileSync(file);
  if (buf.length < 24) return [];
  const le = buf.readUInt32LE(0) === 0xa1b2c3d4;
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20);
  const l2 = linkType === 1 ? 14 : linkType === 113 ? 16 : 0; // Ethernet (lo) or Linux cooked
  const sent = new Map<string, number>();
  const rtts: number[] = [];
  for (let off = 24; off + 16 <= buf.length; ) {
    const ts = u32(off) * 1000 + u32(off + 4) / 1000;
    const len = u32(off + 8);
    const pkt = buf.subarray(off + 16, off + 16 + len);
    off += 16 + len;
    const ip = pkt.subarray(l2);
    if (ip.length < 28 || ip[0]! >> 4 !== 4 || ip[9] !== 17) continue;
    const udp = ip.subarray((ip[0]! & 0x0f) * 4);
    const srcPort = udp.readUInt16BE(0);
    const dstPort = udp.readUInt16BE(2);
    const stun = udp.subarray(8);
    if (stun.length < 20) continue;
    const tid = stun.subarray(8, 20).toString('hex');
    if (dstPort === serverPort) sent.set(tid, ts);
    else if (srcPort === serverPort && sent.has(tid)) rtts.push(ts - sent.get(tid)!);
  }
  return rtts;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}
