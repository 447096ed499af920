// The parity matrix's contract: one cell is one real endpoint behaviour in the lab (a real server,
// or a real middlebox between the probe and the server). For each cell Chromium is driven against
// it and the probe's checks run against it; a cell states what Chrome does and what the probe
// says, the tests assert both against the real run, and `agrees` says whether the probe's verdict
// predicts Chrome's. docs/parity.md is generated from these statements (test/parity/ proves them).
import type { ProbeKind } from '../../probes/index.ts';
import type { CheckStatus } from '../../runner/core/contract.ts';
import { REASONS, type Reason } from '../../runner/core/reasons.ts';

export const PARITY_GROUPS = ['certificates', 'turn', 'media', 'middlebox'] as const;
export type ParityGroup = (typeof PARITY_GROUPS)[number];

/** What Chromium did: `works` (page loaded, relay candidate of the protocol, media decoded) or `fails`. */
export type ChromeOutcome = 'works' | 'fails';

export interface ChromeResult {
  outcome: ChromeOutcome;
  /**
   * Chrome's own word for it: a net error (`ERR_CERT_AUTHORITY_INVALID`), an ICE candidate error
   * (`ice 401`, `ice 701`), `no relay candidate`, `no media`, or what worked (`200`, `relay tls`,
   * `media over tcp`).
   */
  error: string;
  /** More of what Chrome said (the error text, the candidates seen), for the failure message of a test. */
  detail?: string;
}

export interface ProbeExpectation {
  kind: ProbeKind;
  /** The flow the check is on, when not the kind's usual one (docs/parity.md's fix names it). */
  flow?: { port: number; transport: 'tcp' | 'udp' };
  status: CheckStatus;
  /** `ok` for an ok result. */
  reason: Reason;
}

export interface ParityCell {
  /** Short and stable: the host name of the cell in the lab (`<id>.parity.test`). */
  id: string;
  group: ParityGroup;
  /** The behaviour, as a network or platform engineer would name it. */
  behaviour: string;
  /** The real component that shows it in the lab (nginx, coturn, Janus, nftables, squid, …). */
  by: string;
  /** What Chromium does against it, asserted by the test. */
  chrome: ChromeResult;
  /** What each of the probe's checks on the flow says, asserted by the test. */
  probe: ProbeExpectation[];
}

/**
 * The probe reasons that name the cause of a Chrome error: a failed check agrees with a failing
 * Chrome only when its reason is one of these (never a generic timeout for a certificate error).
 */
export const CAUSES: Record<string, readonly Reason[]> = {
  ERR_CERT_AUTHORITY_INVALID: ['tls_untrusted', 'tls_chain_incomplete', 'tls_intercepted'],
  ERR_CERT_DATE_INVALID: ['tls_expired', 'tls_not_yet_valid'],
  ERR_CERT_COMMON_NAME_INVALID: ['tls_hostname_mismatch'],
  ERR_CERT_WEAK_SIGNATURE_ALGORITHM: ['tls_weak_signature'],
  ERR_CERT_WEAK_KEY: ['tls_weak_key'],
  ERR_CERT_INVALID: ['tls_certificate_invalid', 'tls_weak_signature'],
  ERR_SSL_KEY_USAGE_INCOMPATIBLE: ['tls_certificate_invalid'],
  ERR_CERT_REVOKED: ['tls_revoked'],
  ERR_SSL_VERSION_OR_CIPHER_MISMATCH: ['tls_version_too_old', 'tls_cipher_mismatch'],
  ERR_SSL_OBSOLETE_VERSION_OR_CIPHER: ['tls_version_too_old', 'tls_cipher_mismatch'],
  ERR_SSL_UNRECOGNIZED_NAME_ALERT: ['tls_server_name_unknown'],
  ERR_BAD_SSL_CLIENT_AUTH_CERT: ['tls_client_certificate_required'],
  ERR_SSL_CLIENT_AUTH_CERT_NEEDED: ['tls_client_certificate_required'],
  ERR_CONNECTION_REFUSED: ['refused'],
  ERR_CONNECTION_RESET: ['connection_reset', 'tls_sni_filtered', 'tls_hello_rejected'],
  ERR_CONNECTION_CLOSED: ['connection_reset', 'tls_sni_filtered', 'tls_hello_rejected'],
  ERR_CONNECTION_TIMED_OUT: ['timeout'],
  ERR_TIMED_OUT: ['timeout', 'tls_handshake_timeout', 'tls_hello_rejected', 'tls_sni_filtered'],
  ERR_ADDRESS_UNREACHABLE: ['unreachable', 'timeout'],
  ERR_NAME_NOT_RESOLVED: ['dns_nxdomain', 'dns_no_address', 'dns_servfail', 'dns_timeout'],
  ERR_TUNNEL_CONNECTION_FAILED: ['proxy_denied', 'proxy_unreachable'],
  ERR_PROXY_CONNECTION_FAILED: ['proxy_unreachable'],
  ERR_PROXY_AUTH_UNSUPPORTED: ['proxy_ntlm_only'],
  // RTCPeerConnection icecandidateerror codes: the STUN error the TURN server sent, or 701 (no answer).
  // 300: a Try Alternate libwebrtc refuses to follow (loop, loopback, other family); 500: its alternate's port is not a TURN port.
  'ice 300': ['turn_redirect_refused'],
  'ice 500': ['turn_redirect_refused'],
  'ice 401': ['turn_auth_failed'],
  'ice 486': ['turn_quota'],
  'ice 403': ['turn_allocate_failed'],
  'ice 437': ['turn_allocate_failed'],
  'ice 442': ['turn_allocate_failed'],
  'ice 508': ['turn_allocate_failed'],
  // 701 is also how libwebrtc reports a TURN/TLS server whose certificate Chrome refuses, and a
  // server that answers something else than STUN: the TLS and bad-answer causes name it precisely.
  'ice 701': [
    'stun_no_response', 'timeout', 'refused', 'unreachable', 'connection_reset', 'stun_bad_response',
    'tls_untrusted', 'tls_chain_incomplete', 'tls_intercepted', 'tls_expired', 'tls_not_yet_valid', 'tls_hostname_mismatch',
    'tls_weak_signature', 'tls_weak_key', 'tls_certificate_invalid', 'tls_revoked', 'tls_version_too_old', 'tls_cipher_mismatch',
  ],
  'no relay candidate': ['stun_no_response', 'timeout', 'refused', 'stun_bad_response'],
  'no media': ['ice_failed', 'stun_no_response', 'timeout', 'refused', 'non_tls_blocked'],
};

/** A TLS failure of TURN over TLS is Chrome's certificate verdict: the same causes as a page's. */
export function causesOf(error: string): readonly Reason[] {
  return CAUSES[error] ?? CAUSES[error.replace(/^turns /, '')] ?? [];
}

/**
 * Whether a verdict predicts what Chrome did. Chrome works: the check is ok, degraded with a reason
 * someone can act on (a misconfiguration Chrome tolerates), or unproven (it claims nothing and asks
 * nothing). Chrome fails: the check is failed with a reason that names Chrome's cause.
 */
export function agrees(chrome: Pick<ChromeResult, 'outcome' | 'error'>, probe: Pick<ProbeExpectation, 'status' | 'reason'>): boolean {
  if (chrome.outcome === 'works') return probe.status === 'ok' || probe.status === 'unproven' || (probe.status === 'degraded' && REASONS[probe.reason].remedy !== 'none');
  return probe.status === 'failed' && causesOf(chrome.error).includes(probe.reason);
}
