// The trust store the probe validates against: the system store plus NODE_EXTRA_CA_CERTS (Node's
// bundled roots when the system store is empty, as in a minimal container) plus the config's
// `trust.extra_ca_files`. One per runner, built lazily once: a SecureContext with ~150 roots
// costs milliseconds, too much to pay per check.
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import type { RootSource, TrustStore } from '../../runner/core/services.ts';

const pemToDerHex = (pem: string): string => Buffer.from(pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ''), 'base64').toString('hex');

let bundledDer: Set<string> | undefined;

export class SystemTrustStore implements TrustStore {
  private readonly extra: readonly string[];
  private readonly operatorDer: Set<string>;
  private context: tls.SecureContext | undefined;
  private rootPems: string[] | undefined;
  private bySubject: Map<string, X509Certificate[]> | undefined;

  /** `extraRoots`: PEM roots the establishment adds (its own CA, its inspection proxy's root). */
  constructor(extraRoots: readonly string[] = []) {
    this.extra = [...extraRoots];
    this.operatorDer = new Set(extraRoots.map(pemToDerHex));
  }

  roots(): string[] {
    if (!this.rootPems) {
      const system = tls.getCACertificates('system');
      const extra = tls.getCACertificates('extra');
      this.rootPems = [...new Set([...(system.length ? system : tls.getCACertificates('bundled')), ...extra, ...this.extra])];
    }
    return this.rootPems;
  }

  /** Accepts TLS 1.0 and weak ciphers on purpose: the probe must complete old handshakes to name them. */
  secureContext(): tls.SecureContext {
    this.context ??= tls.createSecureContext({ ca: this.roots(), minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    return this.context;
  }

  /** The trusted root that issued `cert` (the anchor a server need not send). */
  issuerOf(cert: X509Certificate): X509Certificate | undefined {
    if (!this.bySubject) {
      this.bySubject = new Map();
      for (const pem of this.roots()) {
        try {
          const x = new X509Certificate(pem);
          this.bySubject.set(x.subject, [...(this.bySubject.get(x.subject) ?? []), x]);
        } catch {
          // a root OpenSSL cannot parse cannot anchor a chain either
        }
      }
    }
    return this.bySubject.get(cert.issuer)?.find((root) => cert.checkIssued(root) && cert.verify(root.publicKey));
  }

  /**
   * The peer's chain as the server sent it, leaf first, completed with the store's anchor when the
   * server left it out. Lazy X509Certificate objects: getPeerCertificate(true) builds a full JS
   * object per certificate; Node already pays that once for its hostname check, the probe need not again.
   */
  peerChain(s: tls.TLSSocket): X509Certificate[] {
    const out: X509Certificate[] = [];
    let c = s.getPeerX509Certificate();
    while (c && out.length < 10 && !out.some((x) => x.raw.equals(c!.raw))) {
      out.push(c);
      c = c.issuerCertificate;
    }
    const last = out.at(-1);
    if (last && !last.checkIssued(last)) {
      const anchor = this.issuerOf(last);
      if (anchor) out.push(anchor);
    }
    return out;
  }

  /** Node's bundled public roots, the operator's own extra CAs, or only the machine's store (where an enterprise or DPI root lives). */
  rootSource(der: Buffer): RootSource {
    // Node's bundled roots never change in a process: one set for all stores.
    bundledDer ??= new Set(tls.rootCertificates.map(pemToDerHex));
    const hex = der.toString('hex');
    if (bundledDer.has(hex)) return 'bundled';
    if (this.operatorDer.has(hex)) return 'operator';
    return 'local';
  }
}
