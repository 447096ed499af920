// The services a check may use, as interfaces: the runner builds them once (probes/lib implements
// them) and hands them to every run through its context, so no kind keeps state of its own.
import type { X509Certificate } from 'node:crypto';
import type tls from 'node:tls';
import type { Observations } from './observations.ts';
import type { CheckStatus, Reason } from './reasons.ts';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface HostResolver {
  /** Addresses for `host` (IPv4 first); rejects with a Node DNS error (code ENOTFOUND, ESERVFAIL, …). */
  lookup(host: string, signal: AbortSignal): Promise<ResolvedAddress[]>;
  /** Raw A/AAAA queries for the dns probe; `null` servers means the system's resolv.conf. */
  query(host: string, type: 'A' | 'AAAA', signal: AbortSignal, timeoutMs: number): Promise<{ address: string; ttl: number }[]>;
}

/** Where a trust anchor comes from: Node's bundled public roots, the operator's extra CAs, or only the machine's store. */
export type RootSource = 'bundled' | 'operator' | 'local';

/**
 * What a handshake offers: `browser` as Chrome does (TLS 1.2 and 1.3, its suites, groups with the
 * post-quantum key share, its signature algorithms), `small` the same without the post-quantum key
 * share (a one-packet hello), `any` everything OpenSSL can speak (to name why a browser's hello failed).
 */
export type TlsOffer = 'browser' | 'small' | 'any';

export interface TrustStore {
  /** One SecureContext per offer for every handshake (building one with ~150 roots costs milliseconds). */
  secureContext(offer?: TlsOffer): tls.SecureContext;
  /** The peer's certification path, leaf first, built from what it sent and the store's anchor. */
  peerChain(socket: tls.TLSSocket): PeerChain;
  /** The trusted roots that issued `cert` (the anchors a server need not send). */
  anchorsFor(cert: X509Certificate): X509Certificate[];
  /** Whether `cert` is one of the trusted roots itself. */
  isAnchor(cert: X509Certificate): boolean;
  rootSource(der: Buffer): RootSource;
}

export interface PeerChain {
  /** Leaf first, each certificate issued by the next; ends at the anchor when one was found. */
  path: X509Certificate[];
  /** How what the server sent departs from the path (duplicates, wrong order, extras). */
  defects: string[];
  /** What the server sent, in its order. */
  sent: X509Certificate[];
}

/** A finished outcome kept for reuse (an OCSP answer is valid until its nextUpdate). */
export interface CachedOutcome {
  status: CheckStatus;
  reason: Reason;
  message: string;
  observations: Observations;
}

export interface OutcomeCache {
  get(key: string): CachedOutcome | undefined;
  set(key: string, value: CachedOutcome, ttlMs: number): void;
}

/** A bounded in-memory OutcomeCache; the oldest entry goes first when it is full. */
export class MemoryOutcomeCache implements OutcomeCache {
  private readonly entries = new Map<string, { until: number; value: CachedOutcome }>();
  private readonly max: number;

  constructor(max = 10_000) {
    this.max = max;
  }

  get(key: string): CachedOutcome | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until > Date.now()) return e.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: CachedOutcome, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { until: Date.now() + ttlMs, value });
  }
}
