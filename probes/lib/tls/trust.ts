// The trust store the probe validates against: the system store plus NODE_EXTRA_CA_CERTS (Node's
// bundled roots when the system store is empty, as in a minimal container) plus the config's
// `trust.extra_ca_files`. One per runner, built lazily once: a SecureContext with ~150 roots
// costs milliseconds, too much to pay per check.
import { createHash, X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import type { PeerChain, RootSource, TlsOffer, TrustStore } from '../../../runner/core/services.ts';
import { offerOptions } from './tls-offer.ts';

const digest = (der: Buffer): string => createHash('sha256').update(der).digest('base64');
const pemDigest = (pem: string): string => digest(Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ''), 'base64'));

/** SHA-256 of Node's bundled roots: a digest is 44 characters where the certificate is 2 KB. */
let bundledDigests: Set<string> | undefined;

export class SystemTrustStore implements TrustStore {
  private readonly extra: readonly string[];
  private readonly operatorDigests: Set<string>;
  private readonly contexts = new Map<TlsOffer, tls.SecureContext>();
  private rootDigests: Set<string> | undefined;
  private rootPems: string[] | undefined;
  /** Subject → indexes in rootPems. Parsed roots stay resident (1.3 MiB for ~150): only anchors in use are kept. */
  private bySubject: Map<string, number[]> | undefined;
  private readonly anchors = new Map<number, X509Certificate>();

  /** `extraRoots`: PEM roots the establishment adds (its own CA, its inspection proxy's root). */
  constructor(extraRoots: readonly string[] = []) {
    this.extra = [...extraRoots];
    this.operatorDigests = new Set(extraRoots.map(pemDigest));
  }

  roots(): string[] {
    if (!this.rootPems) {
      const system = tls.getCACertificates('system');
      const extra = tls.getCACertificates('extra');
      this.rootPems = [...new Set([...(system.length ? system : tls.getCACertificates('bundled')), ...extra, ...this.extra])];
    }
    return this.rootPems;
  }

  /** Chrome's offer first; `any` accepts TLS 1.0 and weak ciphers on purpose, to name what a browser refuses. */
  secureContext(offer: TlsOffer = 'browser'): tls.SecureContext {
    let c = this.contexts.get(offer);
    if (!c) this.contexts.set(offer, (c = tls.createSecureContext({ ca: this.roots(), ...offerOptions(offer) })));
    return c;
  }

  /** The trusted root that issued `cert` (the anchor a server need not send). */
  issuerOf(cert: X509Certificate): X509Certificate | undefined {
    return this.anchorsFor(cert)[0];
  }

  isAnchor(cert: X509Certificate): boolean {
    this.rootDigests ??= new Set(this.roots().map(pemDigest));
    return this.rootDigests.has(digest(cert.raw));
  }

  /** Every trusted root that issued `cert`: a migration keeps an old and a new root of the same name. */
  anchorsFor(cert: X509Certificate): X509Certificate[] {
    const roots = this.roots();
    if (!this.bySubject) {
      this.bySubject = new Map();
      for (const [i, pem] of roots.entries()) {
        try {
          const subject = new X509Certificate(pem).subject;
          this.bySubject.set(subject, [...(this.bySubject.get(subject) ?? []), i]);
        } catch {
          // a root OpenSSL cannot parse cannot anchor a chain either
        }
      }
    }
    const found: X509Certificate[] = [];
    for (const i of this.bySubject.get(cert.issuer) ?? []) {
      let root = this.anchors.get(i);
      if (!root) this.anchors.set(i, (root = new X509Certificate(roots[i]!)));
      if (issued(cert, root)) found.push(root);
    }
    return found;
  }

  /**
   * The certification path of the peer, leaf first, built as a browser builds it: from the
   * certificates the server sent (whatever their order, duplicates and extras included) and the
   * store's anchor when the server left it out. Lazy X509Certificate objects: getPeerCertificate(true)
   * builds a full JS object per certificate; Node already pays that once for its hostname check.
   */
  peerChain(s: tls.TLSSocket): PeerChain {
    const sent = sentCertificates(s);
    const leaf = sent[0];
    if (!leaf) return { path: [], defects: [], sent };
    const path = [leaf];
    const used = new Set([leaf.fingerprint256]);
    for (let cur = leaf; path.length < MAX_SENT && !selfIssued(cur); ) {
      // Trusted issuers first, as OpenSSL (trusted first) and Chrome's path builder do.
      const next = this.issuerOf(cur) ?? sent.find((c) => !used.has(c.fingerprint256) && issued(cur, c));
      if (!next || used.has(next.fingerprint256)) break;
      path.push(next);
      used.add(next.fingerprint256);
      cur = next;
    }
    return { path, defects: chainDefects(sent, path), sent };
  }

  /** Node's bundled public roots, the operator's own extra CAs, or only the machine's store (where an enterprise or DPI root lives). */
  rootSource(der: Buffer): RootSource {
    // Node's bundled roots never change in a process: one set for all stores.
    bundledDigests ??= new Set(tls.rootCertificates.map(pemDigest));
    const d = digest(der);
    if (bundledDigests.has(d)) return 'bundled';
    if (this.operatorDigests.has(d)) return 'operator';
    return 'local';
  }
}

/** A server sends a handful of certificates; more is a broken or hostile chain. */
const MAX_SENT = 10;

export const selfIssued = (c: X509Certificate): boolean => c.checkIssued(c);
/**
 * Whether `parent` signed `child`. A server sends the same chain on every check: the answer for a
 * pair of certificates never changes, so the signature is verified once per pair, not per handshake.
 */
const issuedCache = new Map<string, boolean>();
const ISSUED_CACHE_MAX = 4096;
export function issued(child: X509Certificate, parent: X509Certificate): boolean {
  const key = `${child.fingerprint256}>${parent.fingerprint256}`;
  let known = issuedCache.get(key);
  if (known === undefined) {
    known = child.checkIssued(parent) && child.verify(parent.publicKey);
    if (issuedCache.size >= ISSUED_CACHE_MAX) issuedCache.delete(issuedCache.keys().next().value!);
    issuedCache.set(key, known);
  }
  return known;
}

/**
 * What the server sent, in its order. Node links each certificate to the next one sent (not to its
 * issuer), so a duplicated leaf reads as the leaf's "issuer": walk on past repeats, stopping at
 * the end of the list or at a self-signed certificate that points to itself.
 */
function sentCertificates(s: tls.TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (let c = s.getPeerX509Certificate(); c && out.length < MAX_SENT; c = c.issuerCertificate) {
    const prev = out.at(-1);
    if (prev && prev.fingerprint256 === c.fingerprint256 && selfIssued(c)) break;
    out.push(c);
  }
  return out;
}

/** How the chain the server sent departs from the path: the platform operator's to fix, not an interception. */
function chainDefects(sent: readonly X509Certificate[], path: readonly X509Certificate[]): string[] {
  const defects: string[] = [];
  const fingerprints = sent.map((c) => c.fingerprint256);
  const repeats = fingerprints.length - new Set(fingerprints).size;
  if (repeats) defects.push(`${repeats} certificate(s) sent more than once`);
  const onPath = new Set(path.map((c) => c.fingerprint256));
  const order = [...new Set(fingerprints)].filter((f) => onPath.has(f));
  if (order.some((f, i) => path[i]?.fingerprint256 !== f)) defects.push('certificates sent out of order');
  // A cross-sign of a certificate on the path (same subject and key, another issuer) serves older
  // clients' trust stores: it is sent on purpose, not an extra.
  const alternative = (c: X509Certificate) => path.some((p) => p.subject === c.subject && p.publicKey.equals(c.publicKey));
  const extra = new Set(sent.filter((c) => !onPath.has(c.fingerprint256) && !alternative(c)).map((c) => c.fingerprint256)).size;
  if (extra) defects.push(`${extra} certificate(s) sent that are not on the path`);
  return defects;
}
