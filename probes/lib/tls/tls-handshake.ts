// TLS over an already connected socket, and the parsed facts of the certificates it brings:
// shared by the tls, http and ocsp probes and by STUN/TURN over TLS.
import { createHash, X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { TlsOffer, TrustStore } from '../../../runner/core/services.ts';

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

/**
 * TLS over an already connected socket; never verifies, the caller judges. `offer`: what the hello
 * offers (lib/tls/tls-offer.ts): everything OpenSSL speaks by default, Chrome's hello for the checks
 * that judge the server as a browser would (lib/tls/browser-tls.ts).
 */
export function handshake(
  socket: net.Socket,
  servername: string,
  { signal, trust }: { signal: AbortSignal; trust: TrustStore },
  alpn: string[],
  onStapledOcsp?: (response: Buffer | null) => void,
  offer: TlsOffer = 'any',
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      ...(onStapledOcsp ? { requestOCSP: true } : {}),
      socket,
      host: servername,
      servername: net.isIP(servername) ? undefined : servername,
      secureContext: trust.secureContext(offer),
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
