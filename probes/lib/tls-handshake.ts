// TLS over an already connected socket, and the parsed facts of the certificates it brings:
// shared by the tls, http and ocsp probes and by STUN/TURN over TLS.
import { createHash, X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { Reason } from '../../runner/core/reasons.ts';
import type { TrustStore } from '../../runner/core/services.ts';

export const TLS_VERSIONS = ['1.0', '1.1', '1.2', '1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];
export const PROTOCOL_TO_VERSION: Record<string, TlsVersion> = { TLSv1: '1.0', 'TLSv1.1': '1.1', 'TLSv1.2': '1.2', 'TLSv1.3': '1.3' };


export interface PeerCertificateInfo {
  subject: string;
  issuer: string;
  sha256: string;
  notBefore: number;
  notAfter: number;
  san: string[];
}

const dn = (text: string): string => text.split('\n').join(', ');

/**
 * Certificates repeat across checks (every endpoint of a platform, every cycle): their parsed facts
 * are kept by DER, up to a bound, so a check pays for X.509 parsing only on a new certificate.
 */
function byDer<T>(compute: (raw: Buffer) => T, max = 256): (raw: Buffer) => T {
  const cache = new Map<string, T>();
  return (raw) => {
    const key = raw.toString('latin1');
    let v = cache.get(key);
    if (v === undefined) {
      v = compute(raw);
      if (cache.size >= max) cache.clear();
      cache.set(key, v);
    }
    return v;
  };
}

/** base64 SHA-256 of the certificate's SubjectPublicKeyInfo (the HPKP pin format). */
export const spkiSha256 = byDer((raw: Buffer): string => {
  const spki = new X509Certificate(raw).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
});

export const describeCertificate = byDer((raw: Buffer): PeerCertificateInfo => {
  const x = new X509Certificate(raw);
  return {
    subject: dn(x.subject),
    issuer: dn(x.issuer),
    sha256: x.fingerprint256,
    notBefore: Date.parse(x.validFrom) / 1000,
    notAfter: Date.parse(x.validTo) / 1000,
    san: (x.subjectAltName ?? '').split(', ').filter(Boolean),
  };
});

/** TLS over an already connected socket, timed as phase `tls`; never verifies, the caller judges. */
export function handshake(
  socket: net.Socket,
  servername: string,
  { signal, trust }: { signal: AbortSignal; trust: TrustStore },
  alpn: string[],
  onStapledOcsp?: (response: Buffer | null) => void,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      ...(onStapledOcsp ? { requestOCSP: true } : {}),
      socket,
      host: servername,
      servername: net.isIP(servername) ? undefined : servername,
      secureContext: trust.secureContext(),
      rejectUnauthorized: false,
      ALPNProtocols: alpn,
    });
    const onAbort = (): void => {
      s.destroy();
      reject(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (onStapledOcsp) s.once('OCSPResponse', (r: Buffer | null) => onStapledOcsp(r));
    s.once('secureConnect', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(s);
    });
    s.once('error', (e) => {
      signal.removeEventListener('abort', onAbort);
      s.destroy();
      reject(e);
    });
  });
}

/** How long a closed connection waits for the server's own close before it is dropped. */
const CLOSE_GRACE_MS = 1000;

/**
 * Ends a connection whose handshake is all the check needed, as a client should: close_notify, then
 * the socket is dropped once the server closes (or after a grace). destroy() at secureConnect resets
 * the connection before TLS 1.3's client Finished leaves: the server then logs a failed handshake
 * from the hospital on every check (measured: 20 of 20 as tlsClientError ECONNRESET, 0 with end()).
 */
export function closeTls(s: tls.TLSSocket): void {
  if (s.destroyed) return;
  s.end();
  setTimeout(() => s.destroy(), CLOSE_GRACE_MS).unref();
}

/** The reason a certificate-verification error stands for (shared with the http probe). */
export function authErrorReason(code: string): 'tls_expired' | 'tls_not_yet_valid' | 'tls_hostname_mismatch' | 'tls_untrusted' {
  if (code === 'CERT_HAS_EXPIRED') return 'tls_expired';
  if (code === 'CERT_NOT_YET_VALID') return 'tls_not_yet_valid';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'tls_hostname_mismatch';
  return 'tls_untrusted';
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
]);

/** What a browser would say of this handshake: trust, validity dates, hostname, version; then expiry soon. */
export function certificateVerdict(
  s: tls.TLSSocket,
  host: string,
  leaf: PeerCertificateInfo,
  opts: { min_version: TlsVersion; expiry_warning_days: number },
): { status: 'ok' | 'degraded' | 'failed'; reason: Reason; message: string } {
  const now = Date.now() / 1000;
  const authError = s.authorizationError ? String(s.authorizationError) : undefined;
  const version = PROTOCOL_TO_VERSION[s.getProtocol() ?? ''] ?? '1.0';
  if (authError === 'CERT_HAS_EXPIRED' || leaf.notAfter < now)
    return { status: 'failed', reason: 'tls_expired', message: `certificate expired on ${new Date(leaf.notAfter * 1000).toISOString()}` };
  if (authError === 'CERT_NOT_YET_VALID' || leaf.notBefore > now)
    return { status: 'failed', reason: 'tls_not_yet_valid', message: `certificate valid only from ${new Date(leaf.notBefore * 1000).toISOString()}` };
  if (authError === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return { status: 'failed', reason: 'tls_hostname_mismatch', message: `certificate names ${leaf.san.join(', ') || leaf.subject}, not ${host}` };
  if (authError && (UNTRUSTED.has(authError) || !s.authorized))
    return { status: 'failed', reason: 'tls_untrusted', message: `${authError}: chain issued by "${leaf.issuer}" is not trusted` };
  if (TLS_VERSIONS.indexOf(version) < TLS_VERSIONS.indexOf(opts.min_version))
    return { status: 'failed', reason: 'tls_version_too_old', message: `server negotiated TLS ${version}, at least ${opts.min_version} is required` };
  const days = (leaf.notAfter - now) / 86400;
  if (days < opts.expiry_warning_days)
    return { status: 'degraded', reason: 'tls_expiring_soon', message: `certificate expires in ${days.toFixed(1)} days` };
  return { status: 'ok', reason: 'ok', message: `TLS ${version}, ${s.getCipher().name}, certificate valid for ${Math.floor(days)} days` };
}

/** A server whose certificate a browser would refuse: nothing (no credential) is sent to it. */
export class CertificateRejected extends Error {
  readonly reason: Reason;
  constructor(reason: Reason, message: string) {
    super(message);
    this.reason = reason;
  }
}
