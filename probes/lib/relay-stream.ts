// The relay test's stream: two TURN allocations joined by channels (RFC 8656 §12), one sending
// UDP at a call's packet rate and size to the other's relayed address, the other echoing a short
// packet back; loss, RFC 3550 interarrival jitter, RTT and throughput come from what arrives.
import { performance } from 'node:perf_hooks';
import { ATTR, TYPES, messageClass, type StunRequest } from './stun-wire.ts';
import type { Allocation } from './turn-session.ts';

const HEADER = 13; // seq u32, send time f64 (ms), direction u8
const CHANNEL_A = 0x4001;
const CHANNEL_B = 0x4002;

export function channelData(channel: number, payload: Buffer, stream: boolean): Buffer {
  const padded = stream ? Math.ceil(payload.length / 4) * 4 : payload.length;
  const frame = Buffer.alloc(4 + padded);
  frame.writeUInt16BE(channel, 0);
  frame.writeUInt16BE(payload.length, 2);
  payload.copy(frame, 4);
  return frame;
}

function parseChannelData(frame: Buffer): Buffer | undefined {
  if (frame.length < 4) return undefined;
  const len = frame.readUInt16BE(2);
  return frame.length >= 4 + len ? frame.subarray(4, 4 + len) : undefined;
}

/** RFC 3550 §6.4.1 interarrival jitter, fed with (send time, arrival time) pairs in ms. */
export class JitterEstimator {
  private last: number | undefined;
  jitterMs = 0;
  add(sentMs: number, arrivedMs: number): void {
    const transit = arrivedMs - sentMs;
    if (this.last !== undefined) this.jitterMs += (Math.abs(transit - this.last) - this.jitterMs) / 16;
    this.last = transit;
  }
}

export async function bindChannel(a: Allocation, channel: number, peer: { address: string; port: number }, signal: AbortSignal): Promise<string | undefined> {
  const peerAttr = (m: StunRequest) => m.addAttribute(ATTR.xorPeerAddress, peer.address, peer.port);
  const perm = await a.request(TYPES.createPermissionRequest, peerAttr, signal);
  if (messageClass(perm.message.type) !== 'success') return 'CreatePermission refused';
  const bind = await a.request(TYPES.channelBindRequest, (m) => (m.addAttribute(ATTR.channelNumber, channel << 16), peerAttr(m)), signal);
  return messageClass(bind.message.type) === 'success' ? undefined : 'ChannelBind refused';
}


export const CHANNELS = { a: CHANNEL_A, b: CHANNEL_B } as const;

export interface StreamSettings {
  rateBps: number;
  packetBytes: number;
  durationSeconds: number;
}

export interface StreamStats {
  sent: number;
  /** Packets not sent because this process fell behind its schedule (not network loss). */
  skipped: number;
  received: number;
  bytesReceived: number;
  jitterMs: number;
  /** Round trips of the echoed packets, in ms. */
  rttsMs: number[];
  receiveWindowSeconds: number;
}

/**
 * Streams from `a` to `b` through their channels (bound beforehand), `b` echoing each packet to `a`;
 * stops at the end of the stream or when `signal` aborts, then waits a little for stragglers.
 */
export async function streamThrough(a: Allocation, b: Allocation, tcp: boolean, s: StreamSettings, signal: AbortSignal): Promise<StreamStats> {
  // Receiver side (b): count, jitter, echo a short packet to a.
  const seen = new Set<number>();
  let bytesReceived = 0;
  let firstArrival = 0;
  let lastArrival = 0;
  const jitter = new JitterEstimator();
  const echo = Buffer.alloc(HEADER);
  b.client.onUnsolicited = (m) => {
    if (!Buffer.isBuffer(m)) return;
    const p = parseChannelData(m);
    if (!p || p.length < HEADER || p[12] !== 0) return;
    const now = performance.now();
    const seq = p.readUInt32BE(0);
    if (seen.has(seq)) return;
    seen.add(seq);
    bytesReceived += p.length;
    firstArrival ||= now;
    lastArrival = now;
    jitter.add(p.readDoubleBE(4), now);
    p.copy(echo, 0, 0, 12);
    echo[12] = 1;
    b.client.send(channelData(CHANNEL_B, echo, tcp));
  };
  // Sender side (a): RTT from the echoes.
  const rttsMs: number[] = [];
  a.client.onUnsolicited = (m) => {
    if (!Buffer.isBuffer(m)) return;
    const p = parseChannelData(m);
    if (!p || p.length < HEADER || p[12] !== 1) return;
    rttsMs.push(performance.now() - p.readDoubleBE(4));
  };
  const { sent, skipped } = await send(a, tcp, s, signal);
  // Stragglers: twice the worst RTT seen, at least 300 ms, never more than 2 s.
  const wait = Math.max(300, 2 * Math.max(0, ...rttsMs));
  await new Promise((r) => setTimeout(r, Math.min(wait, 2000)));
  return { sent, skipped, received: seen.size, bytesReceived, jitterMs: jitter.jitterMs, rttsMs, receiveWindowSeconds: lastArrival && firstArrival ? (lastArrival - firstArrival) / 1000 : 0 };
}

/** The most packets one tick may send: 100 ms of the stream (timer lateness under load stays within it; a long stall does not). */
const burstLimit = (pps: number) => Math.max(2, Math.ceil(pps * 0.1));

/**
 * Paces the stream on a 5 ms tick. When this process falls behind (its event loop busy elsewhere),
 * the packets of the missed slots are skipped, not sent in one burst: a burst overflows the socket
 * buffers on the way and the probe's own stall would read as network loss.
 */
function send(a: Allocation, tcp: boolean, s: StreamSettings, signal: AbortSignal): Promise<{ sent: number; skipped: number }> {
  const pps = s.rateBps / 8 / s.packetBytes;
  const total = Math.max(1, Math.round(pps * s.durationSeconds));
  const maxBurst = burstLimit(pps);
  const payload = Buffer.alloc(s.packetBytes);
  let slot = 0;
  let sent = 0;
  let skipped = 0;
  const start = performance.now();
  return new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * pps) + 1);
      if (due - slot > maxBurst) {
        skipped += due - slot - maxBurst;
        slot = due - maxBurst;
      }
      for (; slot < due; slot++, sent++) {
        payload.writeUInt32BE(sent, 0);
        payload.writeDoubleBE(performance.now(), 4);
        payload[12] = 0;
        a.client.send(channelData(CHANNEL_A, payload, tcp));
      }
      if (slot >= total || signal.aborted) {
        clearInterval(timer);
        resolve({ sent, skipped });
      }
    };
    const timer = setInterval(tick, 5);
    tick();
  });
}
