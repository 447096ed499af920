// The trust store the probe validates against: the system store plus NODE_EXTRA_CA_CERTS (Node's
// bundled roots when the system store is empty, as in a minimal container). Built once: a
// SecureContext with ~150 roots costs milliseconds, too much to pay per check.
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
