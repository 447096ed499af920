// tls: handshake time, version, cipher, ALPN, chain trust, hostname, expiry, fingerprints.
import { createHash, X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { z } from 'zod';
import type { CheckResult, CheckTarget, ProbeContext, ProbeDefinition } from '../runner/core/contract.ts';
import { resolveAndConnect } from './lib/connect.ts';
import { CheckRecorder, classifyNetworkError } from '../runner/core/recorder.ts';
import type { Reason } from '../runner/core/reasons.ts';
import { peerChain, probeSecureContext, rootSource } from './lib/trust.ts';

const TLS_VERSIONS = ['1.0', '1.1', '1.2', '1.3'] as const;
const PROTOCOL_TO_VERSION: Record<string, (typeof TLS_VERSIONS)[number]> = { TLSv1: '1.0', 'TLSv1.1': '1.1', 'TLSv1.2': '1.2', 'TLSv1.3': '1.3' };

const options = z
  .object({
    /** Lowest acceptable protocol version. Default 1.2 (the MonSisra document requires it). */
    min_version: z.enum(TLS_VERSIONS).default('1.2').describe('Lowest acceptable TLS version.'),
    /** Substrings one certificate above the leaf must have in its subject (e.g. "Sectigo"); else tls_intercepted. */
    expect_issuers: z.array(z.string()).default([]).describe('Substrings that the subject of one certificate above the leaf must contain (e.g. "Sectigo").'),
    /** SHA-256 pins (base64) of the SubjectPublicKeyInfo of an intermediate or root; one must match. */
    expect_spki_sha256: z.array(z.string()).default([]).describe('Base64 SHA-256 pins of the SPKI of an intermediate or root of the chain; one must match.'),
    /** Days before expiry at which the check turns degraded. Default 21. */
    expiry_warning_days: z.number().int().min(0).default(21).describe('Days before expiry at which the check is degraded.'),
  })
  .strict();

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

interface ChainFacts {
  above: PeerCertificateInfo[];
  pins: string[];
  rootSource?: 'bundled' | 'operator' | 'local';
}

function interception(facts: ChainFacts, opts: z.output<typeof options>): { status: 'failed' | 'degraded'; reason: Reason; message: string } | undefined {
  const seen = facts.above[0]?.subject ?? 'none';
  if (opts.expect_issuers.length || opts.expect_spki_sha256.length) {
    const byName = opts.expect_issuers.some((want) => facts.above.some((c) => c.subject.toLowerCase().includes(want.toLowerCase())));
    const byPin = opts.expect_spki_sha256.some((pin) => facts.pins.includes(pin));
    if (!byName && !byPin)
      return { status: 'failed', reason: 'tls_intercepted', message: `chain issued by "${seen}" does not match the expected ${[...opts.expect_issuers, ...opts.expect_spki_sha256.map((p) => `pin ${p}`)].join(', ')}` };
    return undefined;
  }
  if (facts.rootSource === 'local')
    return { status: 'degraded', reason: 'tls_intercepted_suspected', message: `chain anchored in "${facts.above.at(-1)?.subject ?? seen}", trusted on this machine but not a public root` };
  return undefined;
}

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
  signal: AbortSignal,
  alpn: string[],
  onStapledOcsp?: (response: Buffer | null) => void,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      ...(onStapledOcsp ? { requestOCSP: true } : {}),
      socket,
      host: servername,
      servername: net.isIP(servername) ? undefined : servername,
      secureContext: probeSecureContext(),
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

/** The reason a certificate-verification error stands for (shared with the http probe). */
export function authErrorReason(code: string): 'tls_expired' | 'tls_not_yet_valid' | 'tls_hostname_mismatch' | 'tls_untrusted' {
  if (code === 'CERT_HAS_EXPIRED') return 'tls_expired';
  if (code === 'CERT_NOT_YET_VALID') return 'tls_not_yet_valid';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'tls_hostname_mismatch';
  return 'tls_untrusted';
}

function verdict(
  s: tls.TLSSocket,
  host: string,
  leaf: PeerCertificateInfo,
  opts: z.output<typeof options>,
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

async function run(target: CheckTarget, opts: z.output<typeof options>, ctx: ProbeContext): Promise<CheckResult> {
  const rec = new CheckRecorder(target, 'tls', ['resolve', 'connect', 'tls']);
  let s: tls.TLSSocket | undefined;
  try {
    const { socket } = await resolveAndConnect(rec, target.host, target.port ?? 443, ctx);
    try {
      s = await rec.phase('tls', () => handshake(socket, target.host, ctx.signal, ['h2', 'http/1.1']));
    } catch (e) {
      const net = classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs);
      if (net.reason !== 'internal_error') return rec.fail(net.reason, net.message);
      return rec.fail('tls_handshake_failed', (e as Error).message);
    }
    const chain = peerChain(s).map((c) => c.raw);
    if (!chain[0]) return rec.fail('tls_handshake_failed', 'server sent no certificate');
    const leaf = describeCertificate(chain[0]);
    const version = PROTOCOL_TO_VERSION[s.getProtocol() ?? ''];
    rec.observe('tls_version', version ?? s.getProtocol());
    rec.observe('cipher', s.getCipher().name);
    rec.observe('alpn', s.alpnProtocol || null);
    rec.observe('leaf_subject', leaf.subject);
    rec.observe('leaf_issuer', leaf.issuer);
    rec.observe('leaf_sha256', leaf.sha256);
    rec.observe('san', leaf.san);
    rec.observe('not_after', new Date(leaf.notAfter * 1000).toISOString());
    rec.observe('not_after_timestamp', leaf.notAfter);
    rec.observe('days_to_expiry', Math.round(((leaf.notAfter - Date.now() / 1000) / 86400) * 10) / 10);
    rec.observe('trusted', s.authorized);
    rec.observe('authorization_error', s.authorizationError ? String(s.authorizationError) : null);
    if (chain[1]) {
      const info = describeCertificate(chain[1]);
      rec.observe('issuer_subject', info.subject);
      rec.observe('issuer_sha256', info.sha256);
    }
    const above = chain.slice(1).map(describeCertificate);
    const root = chain.length > 1 ? above.at(-1) : undefined;
    const anchor = root && root.subject === root.issuer ? rootSource(chain.at(-1)!) : undefined;
    rec.observe('chain_subjects', above.map((c) => c.subject));
    if (anchor) rec.observe('root_source', anchor);
    const v = verdict(s, target.host, leaf, opts);
    // Pins are only compared when the catalog states some.
    const pins = opts.expect_spki_sha256.length ? chain.slice(1).map(spkiSha256) : [];
    const intercepted = v.status !== 'failed' ? interception({ above, pins, ...(anchor ? { rootSource: anchor } : {}) }, opts) : undefined;
    rec.observe('interception', intercepted ? (intercepted.reason === 'tls_intercepted' ? 'detected' : 'suspected') : 'none');
    if (intercepted && (intercepted.status === 'failed' || v.status === 'ok')) return rec.finish(intercepted.status, intercepted.reason, intercepted.message);
    return rec.finish(v.status, v.reason, v.message);
  } catch (e) {
    const { reason, message } = classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs);
    return rec.fail(reason, message);
  } finally {
    s?.destroy();
  }
}

export const tlsProbe = {
  description: 'TLS handshake: version, cipher, ALPN, chain trust, hostname, expiry.',
  scope: 'row',
  phases: ['resolve', 'connect', 'tls'],
  options,
  defaults: { timeout: '5s', schedule: '*/15 * * * *' },
  run,
} satisfies ProbeDefinition<typeof options>;
