// The trust store the probe validates against: the system store plus NODE_EXTRA_CA_CERTS (Node's
// bundled roots when the system store is empty, as in a minimal container). Built once: a
// SecureContext with ~150 roots costs milliseconds, too much to pay per check.
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';

let shared: tls.SecureContext | undefined;
let roots: string[] | undefined;
let added: string[] = [];

export function trustedRoots(): string[] {
  if (!roots) {
    const system = tls.getCACertificates('system');
    const extra = tls.getCACertificates('extra');
    roots = [...new Set([...(system.length ? system : tls.getCACertificates('bundled')), ...extra, ...added])];
  }
  return roots;
}

/** Accepts TLS 1.0 and weak ciphers on purpose: the probe must complete old handshakes to name them. */
export function probeSecureContext(): tls.SecureContext {
  shared ??= tls.createSecureContext({ ca: trustedRoots(), minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
  return shared;
}

/** Adds roots from the config's `trust.extra_ca_files` (e.g. the establishment's own CA). */
export function setExtraRoots(pems: readonly string[]): void {
  added = [...pems];
  operatorDer = new Set(pems.map(pemToDerHex));
  shared = undefined;
  roots = undefined;
  bySubject = undefined;
}

let bySubject: Map<string, X509Certificate[]> | undefined;

/** The trusted root that issued `cert` (the anchor a server need not send), from the probe's store. */
export function storeIssuerOf(cert: X509Certificate): X509Certificate | undefined {
  if (!bySubject) {
    bySubject = new Map();
    for (const pem of trustedRoots()) {
      try {
        const x = new X509Certificate(pem);
        bySubject.set(x.subject, [...(bySubject.get(x.subject) ?? []), x]);
      } catch {
        // a root OpenSSL cannot parse cannot anchor a chain either
      }
    }
  }
  return bySubject.get(cert.issuer)?.find((root) => cert.checkIssued(root) && cert.verify(root.publicKey));
}

/**
 * The peer's chain as the server sent it, leaf first, completed with the store's anchor when the
 * server left it out. Lazy X509Certificate objects: getPeerCertificate(true) builds a full JS object
 * per certificate; Node already pays that once for its hostname check, the probe need not again.
 */
export function peerChain(s: tls.TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  let c = s.getPeerX509Certificate();
  while (c && out.length < 10 && !out.some((x) => x.raw.equals(c!.raw))) {
    out.push(c);
    c = c.issuerCertificate;
  }
  const last = out.at(-1);
  if (last && !last.checkIssued(last)) {
    const anchor = storeIssuerOf(last);
    if (anchor) out.push(anchor);
  }
  return out;
}

let bundledDer: Set<string> | undefined;
let operatorDer: Set<string> = new Set();

const pemToDerHex = (pem: string): string => Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ''), 'base64').toString('hex');

/**
 * Where a trust anchor comes from: Node's bundled public roots, the operator's own
 * `trust.extra_ca_files`, or only the machine's store (where an enterprise or DPI root lives).
 */
export function rootSource(der: Buffer): 'bundled' | 'operator' | 'local' {
  bundledDer ??= new Set(tls.rootCertificates.map(pemToDerHex));
  const hex = der.toString('hex');
  if (bundledDer.has(hex)) return 'bundled';
  if (operatorDer.has(hex)) return 'operator';
  return 'local';
}
