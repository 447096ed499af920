// What the probe's TLS hello offers. `browser` is what Chrome offers (BoringSSL in Chrome 131 and
// later, read in net/ssl/ssl_config_service.cc and ssl_client_socket_impl.cc, and checked against
// Chromium 156 by the parity matrix): TLS 1.2 and 1.3; ECDHE with AES-GCM, ChaCha20 and the two
// RSA AES-CBC suites, static RSA still; no DHE, no 3DES, no ECDSA with SHA-1 CBC; the groups
// X25519MLKEM768 and X25519 with a key share each (a hello of about 1.8 kB, two packets), P-256 and
// P-384; signatures ECDSA P-256/P-384, RSA-PSS and PKCS#1 with SHA-2 (no SHA-1, no P-521, no
// Ed25519). The security level is 0 in every offer: the probe judges keys and signatures itself,
// as Chrome does (RSA 1024 accepted under a private root, SHA-1 refused), rather than OpenSSL's level.
import type tls from 'node:tls';
import type { TlsOffer } from '../../../runner/core/services.ts';

const BROWSER_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-SHA',
  'ECDHE-RSA-AES256-SHA',
  'AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
  'AES128-SHA',
  'AES256-SHA',
].join(':');

const BROWSER_SIGALGS = [
  'ecdsa_secp256r1_sha256',
  'rsa_pss_rsae_sha256',
  'rsa_pkcs1_sha256',
  'ecdsa_secp384r1_sha384',
  'rsa_pss_rsae_sha384',
  'rsa_pkcs1_sha384',
  'rsa_pss_rsae_sha512',
  'rsa_pkcs1_sha512',
].join(':');

/** Groups: `*` marks a key share sent in the first hello (OpenSSL 3.5 syntax). */
const BROWSER_GROUPS = '*X25519MLKEM768:*X25519:P-256:P-384';
const SMALL_GROUPS = '*X25519:P-256:P-384';

/** The TLS 1.3 suites Chrome offers (BoringSSL has no CCM); Node takes them in the same cipher string. */
const BROWSER_SUITES = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';

export function offerOptions(offer: TlsOffer): tls.SecureContextOptions {
  if (offer === 'any') return { minVersion: 'TLSv1', ciphers: 'ALL:@SECLEVEL=0' };
  return { minVersion: 'TLSv1.2', ciphers: `${BROWSER_SUITES}:${BROWSER_CIPHERS}:@SECLEVEL=0`, sigalgs: BROWSER_SIGALGS, ecdhCurve: offer === 'small' ? SMALL_GROUPS : BROWSER_GROUPS };
}

/** Whether a negotiated TLS 1.2 suite exchanges its key by RSA encryption (the leaf then needs keyEncipherment). */
export const staticRsa = (cipher: string, version: string): boolean => version === 'TLSv1.2' && !/^(ECDHE|DHE|EDH)-/.test(cipher);

/** Leaf keys no browser can use to sign a handshake (no signature algorithm offered for them). */
export function unusableKey(x: { publicKey: { asymmetricKeyType?: string; asymmetricKeyDetails?: { namedCurve?: string } } }): string | undefined {
  const type = x.publicKey.asymmetricKeyType;
  if (type === 'ed25519' || type === 'ed448') return type === 'ed25519' ? 'Ed25519' : 'Ed448';
  if (type === 'dsa') return 'DSA';
  const curve = x.publicKey.asymmetricKeyDetails?.namedCurve;
  if (type === 'ec' && curve && curve !== 'prime256v1' && curve !== 'secp384r1') return `ECDSA ${curve === 'secp521r1' ? 'P-521' : curve}`;
  return undefined;
}
