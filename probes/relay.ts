// relay: the media-path quality test (as Microsoft's network assessment does for its relays). Two
// allocations on the platform's TURN server, both made by the probe over the configured transport;
// one streams UDP at the rate and packet size of a 720p call to the other's relayed address
// through a channel, the other echoes a short packet back. Nothing needs to enter the hospital:
// both legs leave it as a TURN client would. Reports loss, RFC 3550 interarrival jitter, RTT and
// the throughput actually achieved.
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { CheckResult, CheckTarget, ProbeContext, ProbeDefinition } from '../runner/core/contract.ts';
import type { Reason } from '../runner/core/reasons.ts';
import { CheckRecorder, classifyNetworkError } from '../runner/core/recorder.ts';
import { noResponse } from './stun.ts';
import { NoStunResponse } from './lib/stun-client.ts';
import { ATTR, TYPES, messageClass, type StunRequest } from './lib/stun-wire.ts';
import { allocate, credentialsFor, type Allocation } from './turn.ts';

const options = z
  .object({
    /** Stream rate in bits per second. Default 1,500,000 (a 720p call). */
    rate_bps: z.number().int().min(10_000).max(20_000_000).default(1_500_000).describe('Stream rate in bits per second (default: a 720p call, 1.5 Mbps).'),
    /** UDP payload size in bytes. Default 1200 (a typical RTP video packet). */
    packet_bytes: z.number().int().min(32).max(1400).default(1200).describe('UDP payload size in bytes.'),
    /** Length of the stream in seconds. Default 5. */
    duration_seconds: z.number().positive().max(60).default(5).describe('Length of the stream in seconds.'),
    degraded_loss_ratio: z.number().min(0).max(1).default(0.01).describe('Loss ratio above which the path is degraded.'),
    failed_loss_ratio: z.number().min(0).max(1).default(0.05).describe('Loss ratio above which the path fails.'),
    degraded_jitter_seconds: z.number().positive().default(0.03).describe('Interarrival jitter above which the path is degraded.'),
    degraded_rtt_seconds: z.number().positive().default(0.3).describe('Average RTT above which the path is degraded.'),
    rest_ttl_seconds: z.number().int().min(60).default(3600).describe('Lifetime in seconds of REST-API (shared secret) usernames.'),
  })
  .strict();

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

async function bindChannel(a: Allocation, channel: number, peer: { address: string; port: number }, signal: AbortSignal): Promise<string | undefined> {
  const peerAttr = (m: StunRequest) => m.addAttribute(ATTR.xorPeerAddress, peer.address, peer.port);
  const perm = await a.request(TYPES.createPermissionRequest, peerAttr, signal);
  if (messageClass(perm.message.type) !== 'success') return 'CreatePermission refused';
  const bind = await a.request(TYPES.channelBindRequest, (m) => (m.addAttribute(ATTR.channelNumber, channel << 16), peerAttr(m)), signal);
  return messageClass(bind.message.type) === 'success' ? undefined : 'ChannelBind refused';
}

async function run(target: CheckTarget, opts: z.output<typeof options>, ctx: ProbeContext): Promise<CheckResult> {
  const rec = new CheckRecorder(target, 'relay', ['resolve', 'connect', 'tls', 'allocate', 'permission', 'stream']);
  const creds = credentialsFor(target, ctx);
  const transport = target.transport;
  rec.observe('transport', transport);
  const allocations: Allocation[] = [];
  try {
    if (!creds) return rec.fail('turn_auth_failed', 'the relay test needs TURN credentials for this host (service_credentials)');
    for (let i = 0; i < 2; i++) {
      const o = await allocate(rec, target, transport, creds, opts.rest_ttl_seconds, ctx);
      if (o.kind === 'challenge') return rec.fail('turn_auth_failed', 'no usable credentials');
      if (o.kind === 'failed') return rec.fail(o.reason, o.message);
      allocations.push(o.allocation);
    }
    const [a, b] = allocations as [Allocation, Allocation];
    const refused = await rec.phase('permission', async () => (await bindChannel(a, CHANNEL_A, b.relayed, ctx.signal)) ?? (await bindChannel(b, CHANNEL_B, a.relayed, ctx.signal)));
    if (refused) return rec.fail('turn_allocate_failed', refused);
    const stream = transport === 'tcp';

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
      b.client.send(channelData(CHANNEL_B, echo, stream));
    };
    // Sender side (a): RTT from the echoes.
    const rtts: number[] = [];
    a.client.onUnsolicited = (m) => {
      if (!Buffer.isBuffer(m)) return;
      const p = parseChannelData(m);
      if (!p || p.length < HEADER || p[12] !== 1) return;
      rtts.push(performance.now() - p.readDoubleBE(4));
    };

    const pps = opts.rate_bps / 8 / opts.packet_bytes;
    const total = Math.max(1, Math.round(pps * opts.duration_seconds));
    let sent = 0;
    const payload = Buffer.alloc(opts.packet_bytes);
    await rec.phase('stream', async () => {
      const start = performance.now();
      await new Promise<void>((resolve) => {
        const tick = () => {
          const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * pps) + 1);
          for (; sent < due; sent++) {
            payload.writeUInt32BE(sent, 0);
            payload.writeDoubleBE(performance.now(), 4);
            payload[12] = 0;
            a.client.send(channelData(CHANNEL_A, payload, stream));
          }
          if (sent >= total || ctx.signal.aborted) {
            clearInterval(timer);
            resolve();
          }
        };
        const timer = setInterval(tick, 5);
        tick();
      });
      // Stragglers: twice the worst RTT seen, at least 300 ms, never past the check's budget.
      const wait = Math.max(300, 2 * Math.max(0, ...rtts));
      await new Promise((r) => setTimeout(r, Math.min(wait, 2000)));
    });
    const received = seen.size;
    const loss = 1 - received / sent;
    const windowS = opts.duration_seconds;
    const throughput = bytesReceived / windowS;
    const rttS = rtts.map((x) => x / 1000);
    const avgRtt = rttS.length ? rttS.reduce((s, x) => s + x, 0) / rttS.length : undefined;
    const r6 = (x: number) => Math.round(x * 1e6) / 1e6;
    rec.observe('packets_sent', sent);
    rec.observe('packets_received', received);
    rec.observe('bytes_sent', sent * opts.packet_bytes);
    rec.observe('loss_ratio', r6(loss));
    rec.observe('jitter_seconds', r6(jitter.jitterMs / 1000));
    rec.observe('throughput_bytes_per_second', Math.round(throughput));
    rec.observe('receive_window_seconds', r6(lastArrival && firstArrival ? (lastArrival - firstArrival) / 1000 : 0));
    if (avgRtt !== undefined) {
      rec.observe('rtt_min_seconds', r6(Math.min(...rttS)));
      rec.observe('rtt_avg_seconds', r6(avgRtt));
      rec.observe('rtt_max_seconds', r6(Math.max(...rttS)));
    }
    const summary = `${received}/${sent} packets through the relay (${(loss * 100).toFixed(1)} % loss), jitter ${jitter.jitterMs.toFixed(1)} ms${avgRtt !== undefined ? `, RTT ${(avgRtt * 1000).toFixed(1)} ms` : ''}, ${Math.round((throughput * 8) / 1000)} kbit/s received`;
    if (received === 0) return rec.fail('relay_no_media', `nothing of ${sent} packets came through the relay`);
    const verdict = (status: 'degraded' | 'failed', reason: Reason) => rec.finish(status, reason, summary);
    if (loss > opts.failed_loss_ratio) return verdict('failed', 'relay_loss_high');
    if (loss > opts.degraded_loss_ratio) return verdict('degraded', 'relay_loss_high');
    if (jitter.jitterMs / 1000 > opts.degraded_jitter_seconds) return verdict('degraded', 'relay_jitter_high');
    if (avgRtt !== undefined && avgRtt > opts.degraded_rtt_seconds) return verdict('degraded', 'relay_rtt_high');
    return rec.ok(summary);
  } catch (e) {
    if (e instanceof NoStunResponse) return noResponse(rec, e, ctx);
    const c = classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs);
    return rec.fail(c.reason, c.message);
  } finally {
    const release = AbortSignal.timeout(1000);
    const released = await Promise.all(allocations.map((x) => x.release(release)));
    if (allocations.length) rec.observe('released', released.every(Boolean));
    for (const x of allocations) x.client.close();
  }
}

export const relayProbe = {
  description: 'Media-path quality through the TURN relay: loss, jitter, RTT and throughput of a 720p-rate UDP stream.',
  scope: 'row',
  phases: ['resolve', 'connect', 'tls', 'allocate', 'permission', 'stream'],
  options,
  defaults: { timeout: '15s', schedule: '*/15 * * * *' },
  run,
} satisfies ProbeDefinition<typeof options>;
