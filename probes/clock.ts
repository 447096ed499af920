// clock: offset of the probe host's clock against an NTP server (SNTP over UDP 123, RFC 4330),
// falling back to an HTTP Date header (1 s resolution) when NTP is filtered. The Covotem and
// Therap-e documents require a synchronised clock: OTP codes and certificates depend on it.
// SNTP is 48 bytes each way; it is written here because the client libraries hide the four
// timestamps that the offset and delay are computed from.
import dgram from 'node:dgram';
import { z } from 'zod';
import type { CheckResult, CheckTarget } from '../runner/core/contract.ts';
import { defineCheck, DIRECT, type RunContext } from '../runner/core/definition.ts';
import { observedNumber } from '../runner/core/kind-metrics.ts';
import { classifyNetworkError, formatMs } from '../runner/core/recorder.ts';
import { httpExchange } from './lib/http-exchange.ts';
import { proxyFor } from './lib/proxy-route.ts';

const NTP_EPOCH_OFFSET = 2_208_988_800;

const options = z
  .object({
    /** Offset (seconds, absolute) above which the check is degraded. Default 2. */
    degraded_offset_seconds: z.number().positive().default(2).describe('Absolute offset in seconds above which the check is degraded.'),
    /** Offset (seconds, absolute) above which the check fails. Default 30 (one OTP step). */
    failed_offset_seconds: z.number().positive().default(30).describe('Absolute offset in seconds above which the check fails.'),
    /** URL whose Date header is used when NTP does not answer. Default: none (the runner picks a catalog URL). */
    http_fallback_url: z.url().optional().describe('URL whose Date header is used when NTP does not answer.'),
  })
  .strict();

// The system clock as it reads now: that is what is compared with the server's. The monotonic
// clock plus the process's time origin drifts from it whenever the system clock is stepped.
const nowMs = (): number => Date.now();

export function writeNtpTime(buf: Buffer, offset: number, ms: number): void {
  const seconds = Math.floor(ms / 1000);
  buf.writeUInt32BE(seconds + NTP_EPOCH_OFFSET, offset);
  buf.writeUInt32BE(Math.floor(((ms - seconds * 1000) / 1000) * 2 ** 32), offset + 4);
}

export function readNtpTime(buf: Buffer, offset: number): number {
  return (buf.readUInt32BE(offset) - NTP_EPOCH_OFFSET) * 1000 + (buf.readUInt32BE(offset + 4) / 2 ** 32) * 1000;
}

export interface SntpSample {
  offsetMs: number;
  delayMs: number;
  stratum: number;
}

/** Validates a server reply against our request; returns undefined for a packet to ignore. */
export function parseSntpReply(reply: Buffer, request: Buffer, t4: number): SntpSample | 'kiss_of_death' | undefined {
  if (reply.length < 48) return undefined;
  const mode = reply[0]! & 0x7;
  const version = (reply[0]! >> 3) & 0x7;
  if (mode !== 4 || version < 1 || version > 4) return undefined;
  if (!reply.subarray(24, 32).equals(request.subarray(40, 48))) return undefined; // not an answer to us
  const stratum = reply[1]!;
  if (stratum === 0) return 'kiss_of_death';
  const t1 = readNtpTime(request, 40);
  const t2 = readNtpTime(reply, 32);
  const t3 = readNtpTime(reply, 40);
  return { offsetMs: (t2 - t1 + (t3 - t4)) / 2, delayMs: t4 - t1 - (t3 - t2), stratum };
}

function sntp(address: string, port: number, signal: AbortSignal): Promise<SntpSample | 'kiss_of_death'> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
    const request = Buffer.alloc(48);
    request[0] = (4 << 3) | 3; // version 4, client
    const done = (fn: () => void): void => {
      signal.removeEventListener('abort', onAbort);
      sock.close();
      fn();
    };
    const onAbort = (): void => done(() => reject(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' })));
    signal.addEventListener('abort', onAbort, { once: true });
    sock.on('error', (e) => done(() => reject(e)));
    sock.on('message', (msg) => {
      const sample = parseSntpReply(msg, request, nowMs());
      if (sample) done(() => resolve(sample));
    });
    writeNtpTime(request, 40, nowMs());
    sock.send(request, port, address);
  });
}

async function httpDate(url: URL, ctx: RunContext): Promise<{ offsetMs: number; delayMs: number }> {
  // Its own recorder: the fallback's connect and tls legs are not phases of the clock check.
  const res = await httpExchange(ctx.rec.scratch(), url, ctx, proxyFor(url.hostname, ctx), { method: 'HEAD', maxBody: 0 });
  const date = res.headers.date;
  if (typeof date !== 'string' || Number.isNaN(Date.parse(date))) throw new Error(`no Date header from ${url}`);
  // The Date header is truncated to the second: +500 ms is its expected value.
  return { offsetMs: Date.parse(date) + 500 - (res.sentAt + res.headersAt) / 2, delayMs: res.headersAt - res.sentAt };
}

async function run(target: CheckTarget, opts: z.output<typeof options>, ctx: RunContext): Promise<CheckResult> {
  const { rec } = ctx;
  let sample: { offsetMs: number; delayMs: number; source: string } | undefined;
  let ntpFailure = '';
  // NTP gets the first part of the budget so the HTTP fallback still has time when UDP 123 is filtered.
  const ntpBudget = AbortSignal.any([ctx.signal, AbortSignal.timeout(opts.http_fallback_url ? ctx.timeoutMs * 0.6 : ctx.timeoutMs)]);
  try {
    const [addr] = await rec.phase('resolve', () => ctx.resolver.lookup(target.host, ntpBudget));
    if (!addr) throw Object.assign(new Error('no address'), { code: 'ENODATA' });
    const r = await rec.phase('request', () => sntp(addr.address, target.port ?? 123, ntpBudget));
    if (r === 'kiss_of_death') ntpFailure = 'NTP server sent a kiss-of-death (stratum 0)';
    else {
      sample = { ...r, source: 'ntp' };
      rec.observe('stratum', r.stratum);
    }
  } catch (e) {
    const c = classifyNetworkError(e, ntpBudget.aborted, ctx.timeoutMs);
    ntpFailure = c.reason === 'timeout' ? `no NTP answer from ${target.host}` : c.message;
  }
  if (!sample && opts.http_fallback_url && !ctx.signal.aborted) {
    try {
      const url = new URL(opts.http_fallback_url);
      sample = { ...(await rec.phase('request', () => httpDate(url, ctx))), source: 'http_date' };
    } catch (e) {
      ntpFailure += `; HTTP Date fallback failed: ${classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs).message}`;
    }
  }
  if (!sample) return rec.fail('clock_unreachable', ntpFailure || `no time source answered within ${formatMs(ctx.timeoutMs)}`);
  const offset = sample.offsetMs / 1000;
  rec.observe('source', sample.source);
  rec.observe('offset_seconds', Math.round(offset * 1e6) / 1e6);
  rec.observe('delay_seconds', Math.round((sample.delayMs / 1000) * 1e6) / 1e6);
  if (ntpFailure) rec.observe('ntp_error', ntpFailure);
  const abs = Math.abs(offset);
  const msg = `clock offset ${offset >= 0 ? '+' : ''}${offset.toFixed(3)} s against ${sample.source === 'ntp' ? target.host : 'the HTTP Date header'}`;
  if (abs > opts.failed_offset_seconds) return rec.finish('failed', 'clock_skew', msg);
  if (abs > opts.degraded_offset_seconds) return rec.finish('degraded', 'clock_skew', msg);
  return rec.ok(msg);
}

export const clockProbe = defineCheck({
  description: 'Clock offset against NTP (SNTP), with an HTTP Date fallback.',
  phases: ['resolve', 'request'],
  options,
  defaults: { timeout: '5s', schedule: '*/15 * * * *' },
  flowClass: 'site',
  planning: {
    scope: 'site',
    plan: (site, o) => ({
      target: { platform: 'site', host: site.clock.host, port: site.clock.port, transport: 'udp', documentedIps: [], ipsStable: true },
      // Without a URL of its own, the fallback asks the first HTTPS endpoint of the catalogs.
      options: { http_fallback_url: o.http_fallback_url ?? site.planned.find((c) => c.kind === 'http' && c.target.url?.startsWith('https:'))?.target.url },
    }),
  },
  metrics: [
    {
      spec: { name: 'probe_clock_ntp_answered', type: 'gauge', help: 'Whether the NTP server answered (1) or the offset came from the HTTPS Date fallback, 123/UDP being blocked (0).' },
      read(r, emit) {
        if (r.observations.source !== undefined || r.observations.ntp_error !== undefined) emit(r.observations.source === 'ntp' ? 1 : 0);
      },
    },
    observedNumber({ name: 'probe_clock_offset_seconds', type: 'gauge', help: 'Offset of the local clock against the time source (positive: local clock behind).' }, 'offset_seconds'),
  ],
  resource: DIRECT,
  run,
});
