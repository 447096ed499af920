// relay: the media-path quality test (as Microsoft's network assessment does for its relays). Two
// allocations on the platform's TURN server, both made by the probe over the configured transport;
// one streams UDP at the rate and packet size of a 720p call to the other's relayed address
// through a channel, the other echoes a short packet back. Nothing needs to enter the hospital:
// both legs leave it as a TURN client would. Reports loss, RFC 3550 interarrival jitter, RTT and
// the throughput actually achieved.
import { z } from 'zod';
import type { CheckResult, CheckTarget } from '../runner/core/contract.ts';
import { defineCheck, DIRECT, rowTarget, type RunContext } from '../runner/core/definition.ts';
import { finite, observedNumber } from '../runner/core/kind-metrics.ts';
import type { CheckRecorder } from '../runner/core/recorder.ts';
import type { Reason } from '../runner/core/reasons.ts';
import { bindChannel, CHANNELS, type StreamStats, streamThrough } from './lib/relay-stream.ts';
import { NoStunResponse, noResponse } from './lib/stun-client.ts';
import { allocate, type Allocation, credentialsFor } from './lib/turn-session.ts';

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

type Options = z.output<typeof options>;

/** Loss, jitter, RTT and throughput as observations, and the verdict against the thresholds. */
function judge(st: StreamStats, opts: Options, rec: CheckRecorder): CheckResult {
  const loss = 1 - st.received / st.sent;
  const throughput = st.bytesReceived / opts.duration_seconds;
  const rttS = st.rttsMs.map((x) => x / 1000);
  const avgRtt = rttS.length ? rttS.reduce((s, x) => s + x, 0) / rttS.length : undefined;
  const r6 = (x: number) => Math.round(x * 1e6) / 1e6;
  rec.observe('packets_sent', st.sent);
  rec.observe('packets_skipped', st.skipped);
  rec.observe('packets_received', st.received);
  rec.observe('bytes_sent', st.sent * opts.packet_bytes);
  rec.observe('loss_ratio', r6(loss));
  rec.observe('jitter_seconds', r6(st.jitterMs / 1000));
  rec.observe('throughput_bytes_per_second', Math.round(throughput));
  rec.observe('receive_window_seconds', r6(st.receiveWindowSeconds));
  if (avgRtt !== undefined) {
    rec.observe('rtt_min_seconds', r6(Math.min(...rttS)));
    rec.observe('rtt_avg_seconds', r6(avgRtt));
    rec.observe('rtt_max_seconds', r6(Math.max(...rttS)));
  }
  const summary = `${st.received}/${st.sent} packets through the relay (${(loss * 100).toFixed(1)} % loss), jitter ${st.jitterMs.toFixed(1)} ms${avgRtt !== undefined ? `, RTT ${(avgRtt * 1000).toFixed(1)} ms` : ''}, ${Math.round((throughput * 8) / 1000)} kbit/s received${st.skipped ? ` (${st.skipped} packets not sent: the probe fell behind its schedule)` : ''}`;
  if (st.received === 0) return rec.fail('relay_no_media', `nothing of ${st.sent} packets came through the relay`);
  const verdict = (status: 'degraded' | 'failed', reason: Reason) => rec.finish(status, reason, summary);
  if (loss > opts.failed_loss_ratio) return verdict('failed', 'relay_loss_high');
  if (loss > opts.degraded_loss_ratio) return verdict('degraded', 'relay_loss_high');
  if (st.jitterMs / 1000 > opts.degraded_jitter_seconds) return verdict('degraded', 'relay_jitter_high');
  if (avgRtt !== undefined && avgRtt > opts.degraded_rtt_seconds) return verdict('degraded', 'relay_rtt_high');
  return rec.ok(summary);
}

async function run(target: CheckTarget, opts: Options, ctx: RunContext): Promise<CheckResult> {
  const { rec } = ctx;
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
    const refused = await rec.phase('permission', async () => (await bindChannel(a, CHANNELS.a, b.relayed, ctx.signal)) ?? (await bindChannel(b, CHANNELS.b, a.relayed, ctx.signal)));
    if (refused) return rec.fail('turn_allocate_failed', refused);
    const settings = { rateBps: opts.rate_bps, packetBytes: opts.packet_bytes, durationSeconds: opts.duration_seconds };
    const stats = await rec.phase('stream', () => streamThrough(a, b, transport === 'tcp', settings, ctx.signal));
    return judge(stats, opts, rec);
  } catch (e) {
    if (e instanceof NoStunResponse) return noResponse(rec, e, ctx);
    return rec.failOn(e, ctx);
  } finally {
    const release = AbortSignal.timeout(1000);
    const released = await Promise.all(allocations.map((x) => x.release(release)));
    if (allocations.length) rec.observe('released', released.every(Boolean));
    for (const x of allocations) x.client.close();
  }
}

export const relayProbe = defineCheck({
  description: 'Media-path quality through the TURN relay: loss, jitter, RTT and throughput of a 720p-rate UDP stream.',
  phases: ['resolve', 'connect', 'tls', 'allocate', 'permission', 'stream'],
  options,
  defaults: { timeout: '15s', schedule: '*/15 * * * *' },
  flowClass: 'media',
  planning: {
    scope: 'row',
    transports: ['tcp', 'udp'],
    urls: false,
    portRanges: false,
    // The relay test needs credentials to allocate: planned only where the config provides them.
    plan: (row) => (row.hasCredentials ? { target: rowTarget(row, row.transport) } : undefined),
  },
  metrics: [
    observedNumber({ name: 'probe_relay_packet_loss_ratio', type: 'gauge', help: 'Share of the relay test stream lost between the two allocations (0-1).' }, 'loss_ratio'),
    observedNumber({ name: 'probe_relay_jitter_seconds', type: 'gauge', help: 'RFC 3550 interarrival jitter of the relay test stream.' }, 'jitter_seconds'),
    {
      spec: { name: 'probe_relay_rtt_seconds', type: 'gauge', help: 'Round-trip time through the relay (min, avg, max).', labels: ['stat'] },
      read(r, emit) {
        const stats = { min: r.observations.rtt_min_seconds, avg: r.observations.rtt_avg_seconds, max: r.observations.rtt_max_seconds };
        for (const [stat, v] of Object.entries(stats)) {
          const n = finite(v);
          if (n !== undefined) emit(n, { stat });
        }
      },
    },
    observedNumber({ name: 'probe_relay_throughput_bytes_per_second', type: 'gauge', help: 'Payload bytes per second received through the relay.' }, 'throughput_bytes_per_second'),
  ],
  resource: DIRECT,
  run,
});
