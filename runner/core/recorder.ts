// Builds a CheckResult: phase timings (every declared phase present even when not reached),
// observations, and the mapping of Node's network errors to documented reasons.
import { performance } from 'node:perf_hooks';
import type { CheckResult, CheckStatus, CheckTarget } from './contract.ts';
import { targetLabel } from './contract.ts';
import type { Observation, ObservationKey, Observations } from './observations.ts';
import type { Reason } from './reasons.ts';

const round = (seconds: number): number => Math.round(seconds * 1e6) / 1e6;

export class CheckRecorder {
  private readonly t0 = performance.now();
  readonly phases: Record<string, number>;
  readonly observations: Observations = {};

  readonly target: CheckTarget;
  private readonly kind: string;

  constructor(target: CheckTarget, kind: string, phaseNames: readonly string[]) {
    this.target = target;
    this.kind = kind;
    this.phases = Object.fromEntries(phaseNames.map((p) => [p, 0]));
  }

  /** Times `fn` as phase `name`; the time is recorded even when `fn` throws. */
  async phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.setPhase(name, (performance.now() - start) / 1000);
    }
  }

  setPhase(name: string, seconds: number): void {
    this.phases[name] = round((this.phases[name] ?? 0) + seconds);
  }

  observe(key: ObservationKey, value: Observation | undefined): void {
    if (value !== undefined) this.observations[key] = value;
  }

  /** Takes over observations recorded elsewhere (a cached answer, a media measurement). */
  observeAll(observations: Observations): void {
    Object.assign(this.observations, observations);
  }

  /** A recorder for a helper's own use (same target and kind, no phases): its timings are not the check's. */
  scratch(): CheckRecorder {
    return new CheckRecorder(this.target, this.kind, []);
  }

  elapsedSeconds(): number {
    return (performance.now() - this.t0) / 1000;
  }

  finish(status: CheckStatus, reason: Reason, message: string): CheckResult {
    const t = this.target;
    return {
      platform: t.platform,
      host: t.host,
      port: t.port ?? null,
      transport: t.transport,
      kind: this.kind,
      target: targetLabel(t),
      status,
      reason,
      message,
      durationSeconds: round(this.elapsedSeconds()),
      // Live: what a kind records in its `finally` (a released allocation) still reaches the result.
      phases: this.phases,
      observations: this.observations,
    };
  }

  ok(message: string): CheckResult {
    return this.finish('ok', 'ok', message);
  }

  fail(reason: Reason, message: string): CheckResult {
    return this.finish('failed', reason, message);
  }

  /** The failed result of a thrown network error, named by classifyNetworkError. */
  failOn(e: unknown, ctx: { signal: AbortSignal; timeoutMs: number }): CheckResult {
    const { reason, message } = classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs);
    return this.fail(reason, message);
  }

  /** A failed result frozen now: for a run cut short, which may still be writing to this recorder. */
  cutShort(reason: Reason, message: string): CheckResult {
    const r = this.fail(reason, message);
    return { ...r, phases: { ...r.phases }, observations: { ...r.observations } };
  }
}

/** Error codes Node's net, dns and tls layers use, mapped to the documented reasons. */
export const CODE_REASONS: Record<string, Reason> = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  ABORT_ERR: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_ABORTED: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  ECONNABORTED: 'connection_reset',
  EPROTO: 'connection_reset',
  ENOTCONN: 'connection_reset',
  ERR_STREAM_PREMATURE_CLOSE: 'connection_reset',
  ERR_SOCKET_CLOSED: 'connection_reset',
  ERR_SSL_UNEXPECTED_EOF_WHILE_READING: 'connection_reset',
  ERR_SSL_TLSV1_UNRECOGNIZED_NAME: 'tls_server_name_unknown',
  UND_ERR_SOCKET: 'connection_reset',
  ENOTFOUND: 'dns_nxdomain',
  ENODATA: 'dns_no_address',
  ESERVFAIL: 'dns_servfail',
  EAI_AGAIN: 'dns_timeout',
  ETIMEOUT: 'dns_timeout',
};

export interface ErrorLike {
  code?: string;
  name?: string;
  message?: string;
  cause?: unknown;
}

function asErrorLike(e: unknown): ErrorLike {
  return typeof e === 'object' && e !== null ? (e as ErrorLike) : { message: String(e) };
}

/** The innermost error with a code (undici and fetch wrap the socket error in `cause`). */
export function rootError(e: unknown): ErrorLike {
  let cur = asErrorLike(e);
  for (let i = 0; i < 5; i++) {
    if (cur.code && CODE_REASONS[cur.code]) return cur;
    if (cur.cause === undefined) break;
    cur = asErrorLike(cur.cause);
  }
  return cur;
}

/** Maps a thrown network error to a reason and an English message; `aborted` marks our own timeout. */
export function classifyNetworkError(e: unknown, aborted: boolean, timeoutMs: number): { reason: Reason; message: string } {
  const err = rootError(e);
  const code = err.code ?? (err.name === 'AbortError' || err.name === 'TimeoutError' ? 'ABORT_ERR' : undefined);
  // Name resolution comes first: when it failed (or used up the budget) the flow itself was never tried.
  const dns = code ? CODE_REASONS[code] : undefined;
  if (dns?.startsWith('dns_')) return { reason: dns, message: err.message ?? code ?? '' };
  if (aborted || code === 'ABORT_ERR') return { reason: 'timeout', message: `no answer within ${formatMs(timeoutMs)}` };
  const reason = code ? CODE_REASONS[code] : undefined;
  if (reason) return { reason, message: `${code}: ${err.message ?? ''}`.trim() };
  // Whatever else TLS says (an alert, a protocol that is not TLS): the handshake failed, named by OpenSSL.
  if (code?.startsWith('ERR_SSL_')) return { reason: 'tls_handshake_failed', message: `${code}: ${(err.message ?? '').split('\n')[0]}`.trim() };
  // llhttp's codes: an answer that is not HTTP.
  if (code?.startsWith('HPE_')) return { reason: 'http_error', message: `${code}: ${err.message ?? ''}`.trim() };
  return { reason: 'internal_error', message: err.message ?? 'unknown error' };
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}
