// The measurement every media scenario shares: wait for ICE (bounded), then sample getStats()
// every second for the window, then summarise. Also maps browser navigation errors to reasons.
import type { Page } from 'playwright-core';
import type { Reason } from '../../runner/core/reasons.ts';
import type { BrowserSession } from './browser.ts';
import { type MediaExpectations, type MediaVerdict, type PageSample, pageState, samplePage, summarise } from './webrtc-stats.ts';
import { z } from 'zod';
import { duration } from '../../runner/core/duration.ts';

/** Options every media scenario has (snake_case in the config). */
export const mediaOptions = {
  connect_timeout: duration.prefault('15s').describe('Time allowed for ICE to connect.'),
  window: duration.prefault('10s').describe('Measurement window once ICE is connected (getStats every second).'),
  hd_within: duration.prefault('8s').describe('Time after ICE within which 1280×720 must be sent, else degraded media_not_720p.'),
  max_loss: z.number().min(0).max(1).default(0.05).describe('Packet loss ratio above which the run is degraded (media_loss_high).'),
};

export interface MeasureSettings {
  connectTimeoutMs: number;
  windowMs: number;
  expect: MediaExpectations;
  signal: AbortSignal;
  /** Progress of the run (ScenarioContext.step). */
  step?: (what: string) => void;
  /** Resolves with a reason when the page reports a failure of its own (e.g. a room join error). */
  pageFailure?: Promise<{ reason: Reason; message: string }>;
}

export type Measurement = MediaVerdict & { iceSeconds: number; measureSeconds: number };

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** True once the pages hold the connected peer connections the expectations need. */
async function iceReady(session: BrowserSession, sender: Page, receiver: Page, expect: MediaExpectations): Promise<'ready' | 'failed' | 'waiting'> {
  const s = await session.guard(pageState(sender));
  const r = receiver === sender ? s : await session.guard(pageState(receiver));
  const connected = (list: typeof s) => list.filter((p) => p.iceConnected !== null).length;
  const all = [...s, ...(r === s ? [] : r)];
  // Gathering finished without a single candidate (TURN unreachable or refused): nothing will connect.
  const nothingToTry = all.length > 0 && all.every((p) => p.gatheringDone && p.gathered === 0);
  const failed = nothingToTry || all.some((p) => p.iceFailed);
  const needSame = receiver === sender && expect.receive && expect.send ? 2 : 1;
  const ok = connected(s) >= needSame && (!expect.receive || receiver === sender || connected(r) >= 1);
  if (ok) return 'ready';
  return failed ? 'failed' : 'waiting';
}

/** A peer connection that had connected and has since failed or closed (the far end went away). */
const lostPath = (s: PageSample | undefined): boolean => (s?.pcs ?? []).some((p) => p.iceConnected !== null && (p.ice === 'failed' || p.ice === 'closed'));

export async function measureMedia(session: BrowserSession, sender: Page, receiver: Page, m: MeasureSettings): Promise<Measurement> {
  const t0 = performance.now();
  let pageFailure: { reason: Reason; message: string } | undefined;
  let failedAt: number | undefined;
  void m.pageFailure?.then((f) => {
    pageFailure = f;
    failedAt = performance.now();
  });
  const deadline = t0 + m.connectTimeoutMs;
  let state: 'ready' | 'failed' | 'waiting' = 'waiting';
  m.step?.('waiting for ICE');
  while (!m.signal.aborted && !pageFailure && performance.now() < deadline) {
    state = await iceReady(session, sender, receiver, m.expect);
    if (state !== 'waiting') break;
    await sleep(200, m.signal);
  }
  const iceSeconds = (performance.now() - t0) / 1000;
  m.step?.(`ICE ${state}; sampling getStats`);
  const t1 = performance.now();
  const senderSamples: PageSample[] = [];
  const receiverSamples: PageSample[] = [];
  const take = async () => {
    senderSamples.push(await session.guard(samplePage(sender)));
    if (receiver !== sender) receiverSamples.push(await session.guard(samplePage(receiver)));
    session.sample();
  };
  if (state === 'ready' && !pageFailure) {
    // Long enough to see 720p arrive, and to measure steady fps and bitrate after that.
    const windowMs = Math.max(m.windowMs, m.expect.hdWithinSeconds * 1000 + 2000);
    const end = performance.now() + windowMs;
    while (!m.signal.aborted && !pageFailure) {
      const tick = performance.now();
      await take();
      if (lostPath(senderSamples.at(-1)) || lostPath(receiverSamples.at(-1))) {
        failedAt = performance.now();
        break;
      }
      if (tick >= end) break;
      await sleep(Math.max(0, 1000 - (performance.now() - tick)), m.signal);
    }
  } else {
    await take();
  }
  const measureSeconds = (performance.now() - t1) / 1000;
  // Stopped (Ctrl-C, the probe shutting down, the run's time up) before ICE connected or before the
  // first sample: nothing was measured, and no verdict on the media may be drawn from it.
  if (m.signal.aborted && !pageFailure && (state === 'waiting' || !senderSamples.length)) {
    const verdict = summarise(senderSamples, receiver === sender ? senderSamples : receiverSamples, m.expect);
    const when = state === 'ready' ? 'after ICE connected, before the first measurement' : 'before ICE connected';
    return { ...verdict, status: 'failed', reason: 'timeout', message: `stopped after ${iceSeconds.toFixed(1)} s, ${when}: nothing was measured`, iceSeconds, measureSeconds };
  }
  const verdict = summarise(senderSamples, receiver === sender ? senderSamples : receiverSamples, m.expect);
  verdict.observations.browser_memory_peak_bytes = session.peakMemoryBytes;
  // Media that flowed and then stopped is not a failed join: say when it stopped, and why if the page said.
  const flowed = state === 'ready' && ((verdict.observations.frames_encoded as number | undefined) ?? 0) + ((verdict.observations.frames_decoded as number | undefined) ?? 0) > 0;
  if (flowed && failedAt !== undefined) {
    const after = Math.round((failedAt - t1) / 100) / 10;
    verdict.observations.interrupted_after_seconds = after;
    const why = pageFailure ? pageFailure.message : 'the peer connection failed';
    return { ...verdict, status: 'failed', reason: 'media_interrupted', message: `media stopped ${after} s after ICE connected: ${why}`, iceSeconds, measureSeconds };
  }
  if (pageFailure) return { ...verdict, status: 'failed', reason: pageFailure.reason, message: pageFailure.message, iceSeconds, measureSeconds };
  return { ...verdict, iceSeconds, measureSeconds };
}

/** Chromium's net error names, mapped to the documented reasons. */
const NET_ERRORS: [RegExp, Reason][] = [
  [/ERR_NAME_NOT_RESOLVED|ERR_NAME_RESOLUTION_FAILED/, 'dns_nxdomain'],
  [/ERR_CONNECTION_REFUSED/, 'refused'],
  [/ERR_CONNECTION_TIMED_OUT|ERR_TIMED_OUT|Timeout .* exceeded/, 'timeout'],
  [/ERR_ADDRESS_UNREACHABLE|ERR_NETWORK_UNREACHABLE|ERR_INTERNET_DISCONNECTED/, 'unreachable'],
  [/ERR_CONNECTION_RESET|ERR_CONNECTION_CLOSED|ERR_EMPTY_RESPONSE/, 'connection_reset'],
  [/ERR_CERT_DATE_INVALID/, 'tls_expired'],
  [/ERR_CERT_COMMON_NAME_INVALID/, 'tls_hostname_mismatch'],
  // The same causes as the tls check names for the same server (the parity matrix, lab/parity/cell.ts).
  [/ERR_CERT_WEAK_SIGNATURE_ALGORITHM/, 'tls_weak_signature'],
  [/ERR_CERT_WEAK_KEY/, 'tls_weak_key'],
  [/ERR_CERT_REVOKED/, 'tls_revoked'],
  [/ERR_CERT_INVALID|ERR_SSL_KEY_USAGE_INCOMPATIBLE/, 'tls_certificate_invalid'],
  [/ERR_SSL_VERSION_OR_CIPHER_MISMATCH|ERR_SSL_OBSOLETE_VERSION/, 'tls_cipher_mismatch'],
  [/ERR_SSL_UNRECOGNIZED_NAME_ALERT/, 'tls_server_name_unknown'],
  [/ERR_BAD_SSL_CLIENT_AUTH_CERT|ERR_SSL_CLIENT_AUTH_CERT_NEEDED/, 'tls_client_certificate_required'],
  [/ERR_CERT_|ERR_SSL_/, 'tls_untrusted'],
  [/ERR_PROXY_|ERR_TUNNEL_CONNECTION_FAILED/, 'proxy_denied'],
];

export function navigationReason(e: unknown): { reason: Reason; message: string } {
  const message = (e as Error).message?.split('\n')[0] ?? String(e);
  const hit = NET_ERRORS.find(([re]) => re.test(message));
  return { reason: hit ? hit[1] : 'page_flow_failed', message };
}
