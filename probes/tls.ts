// tls: handshake time, version, cipher, ALPN, chain trust, hostname, expiry, fingerprints.
import type tls from 'node:tls';
import { z } from 'zod';
import type { CheckResult, CheckTarget } from '../runner/core/contract.ts';
import { defineCheck, DIRECT, rowTarget, type RunContext } from '../runner/core/definition.ts';
import { observedNumber } from '../runner/core/kind-metrics.ts';
import { classifyNetworkError } from '../runner/core/recorder.ts';
import type { Reason } from '../runner/core/reasons.ts';
import type { RootSource } from '../runner/core/services.ts';
import { connectLikeBrowser, proxyRefusalResult, ProxyRefusedError } from './lib/proxy-route.ts';
import { browserHandshake, judgeCertificate, TlsRefused } from './lib/tls/browser-tls.ts';
import { closeTls, describeCertificate, type PeerCertificateInfo, PROTOCOL_TO_VERSION, spkiSha256, TLS_VERSIONS } from './lib/tls/tls-handshake.ts';


const options = z
  .object({
    /** Lowest acceptable protocol version. Default 1.2 (the MonSisra document requires it). */
    min_version: z.enum(TLS_VERSIONS).default('1.2').describe('Lowest acceptable TLS version.'),
    /** Substrings one certificate above the leaf must have in its subject (e.g. "Sectigo"); else tls_intercepted. */
    expect_issuers: z.array(z.string()).default([]).describe('Substrings that the subject of one certificate above the leaf must contain (e.g. "Sectigo").'),
    /** SHA-256 pins (base64) of the SubjectPublicKeyInfo of an intermediate or root; one must match. */
    expect_spki_sha256: z.array(z.string()).default([]).describe('Base64 SHA-256 pins of the SPKI of an intermediate or root of the chain; one must match.'),
    /** The platform's application goes « hors proxy »: the check too. Set by the catalog. */
    direct: z.boolean().default(false).describe('Reach the host without the proxy, as a "hors proxy" platform\'s application does (set by the catalog).'),
    /** An NTLM-only proxy fails this platform (its document rejects NTLM); otherwise the flow is unproven through it. Set by the catalog. */
    rejects_ntlm_proxy: z.boolean().default(false).describe('An NTLM/Negotiate-only proxy fails this platform (its document says so); otherwise the flow is unproven through such a proxy (set by the catalog).'),
    /** Days before expiry at which the check turns degraded. Default 21. */
    expiry_warning_days: z.number().int().min(0).default(21).describe('Days before expiry at which the check is degraded.'),
  })
  .strict();

interface ChainFacts {
  above: PeerCertificateInfo[];
  /** The leaf's issuer, named when the server sent nothing above it. */
  leafIssuer: string;
  pins: string[];
  rootSource?: RootSource;
}

/**
 * A chain that verifies but is not the platform's (expected issuer or pin not met): a middlebox
 * re-signs the flow with a root this machine trusts. Browsers of the establishment trust it too, so
 * the flow works (degraded, not failed); the platform asks for the inspection to be lifted.
 */
function interception(facts: ChainFacts, opts: z.output<typeof options>): { status: 'degraded'; reason: Reason; message: string } | undefined {
  const seen = facts.above[0]?.subject ?? facts.leafIssuer;
  if (opts.expect_issuers.length || opts.expect_spki_sha256.length) {
    const byName = opts.expect_issuers.some((want) => facts.above.some((c) => c.subject.toLowerCase().includes(want.toLowerCase())));
    const byPin = opts.expect_spki_sha256.some((pin) => facts.pins.includes(pin));
    if (!byName && !byPin)
      return { status: 'degraded', reason: 'tls_intercepted', message: `chain issued by "${seen}" does not match the expected ${[...opts.expect_issuers, ...opts.expect_spki_sha256.map((p) => `pin ${p}`)].join(', ')}` };
    return undefined;
  }
  if (facts.rootSource === 'local')
    return { status: 'degraded', reason: 'tls_intercepted_suspected', message: `chain anchored in "${facts.above.at(-1)?.subject ?? seen}", trusted on this machine but not a public root` };
  return undefined;
}

const ALPN = ['h2', 'http/1.1'];

async function run(target: CheckTarget, opts: z.output<typeof options>, ctx: RunContext): Promise<CheckResult> {
  const { rec } = ctx;
  let s: tls.TLSSocket | undefined;
  try {
    const port = target.port ?? 443;
    // As the establishment's browsers reach it: through its proxy when one applies.
    const socket = await connectLikeBrowser(rec, target.host, port, ctx, opts.direct);
    // A second connection only to name why Chrome's hello failed: not this check's phases.
    const reopen = (signal: AbortSignal) => connectLikeBrowser(rec.scratch(), target.host, port, { ...ctx, signal }, opts.direct);
    let staple: Buffer | null = null;
    try {
      s = await rec.phase('tls', () => browserHandshake(socket, target.host, ctx, ALPN, reopen, (r) => (staple = r)));
    } catch (e) {
      if (e instanceof TlsRefused) {
        for (const [k, v] of Object.entries(e.seen)) rec.observe(k as keyof TlsRefused['seen'], v);
        return rec.fail(e.reason, e.message);
      }
      const net = classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs);
      return rec.fail(net.reason === 'internal_error' ? 'tls_handshake_failed' : net.reason, net.message);
    }
    const v = await judgeCertificate(s, target.host, ctx, rec, staple);
    const chain = v.path.map((c) => c.raw);
    if (!chain[0]) return rec.fail(v.reason, v.message);
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
    rec.observe('trusted', v.status !== 'failed');
    rec.observe('authorization_error', s.authorizationError ? String(s.authorizationError) : null);
    rec.observe('stapled', staple !== null && (staple as Buffer).length > 0);
    if (chain[1]) {
      const info = describeCertificate(chain[1]);
      rec.observe('issuer_subject', info.subject);
      rec.observe('issuer_sha256', info.sha256);
    }
    const above = chain.slice(1).map(describeCertificate);
    const root = chain.length > 1 ? above.at(-1) : undefined;
    const anchor = root && root.subject === root.issuer ? ctx.trust.rootSource(chain.at(-1)!) : undefined;
    rec.observe('chain_subjects', above.map((c) => c.subject));
    rec.observe('chain_defects', v.defects);
    if (anchor) rec.observe('root_source', anchor);
    // Pins are only compared when the catalog states some.
    const pins = opts.expect_spki_sha256.length ? chain.slice(1).map(spkiSha256) : [];
    const intercepted = interception({ above, leafIssuer: leaf.issuer, pins, ...(anchor ? { rootSource: anchor } : {}) }, opts);
    rec.observe('interception', intercepted ? (intercepted.reason === 'tls_intercepted' ? 'detected' : 'suspected') : 'none');
    if (v.status === 'failed') {
      // An untrusted chain that is not the platform's: a middlebox re-signs with a root not deployed here.
      if (intercepted?.reason === 'tls_intercepted' && (v.reason === 'tls_untrusted' || v.reason === 'tls_chain_incomplete')) return rec.fail('tls_intercepted', `${intercepted.message}, and it is not trusted here (${v.message})`);
      return rec.fail(v.reason, v.message);
    }
    if (version && TLS_VERSIONS.indexOf(version) < TLS_VERSIONS.indexOf(opts.min_version))
      return rec.fail('tls_version_too_old', `server negotiated TLS ${version}, at least ${opts.min_version} is required`);
    const days = (leaf.notAfter - Date.now() / 1000) / 86400;
    const expiring = days < opts.expiry_warning_days;
    if (intercepted?.reason === 'tls_intercepted') return rec.finish(intercepted.status, intercepted.reason, intercepted.message);
    if (v.status === 'degraded') return rec.finish('degraded', v.reason, v.message);
    if (expiring) return rec.finish('degraded', 'tls_expiring_soon', `certificate expires in ${days.toFixed(1)} days`);
    // Browsers tolerate a messy chain; some clients (Java, embedded) do not: the platform's to fix.
    if (v.defects.length) return rec.finish('degraded', 'tls_chain_malformed', `chain verified, but the server sends it badly: ${v.defects.join('; ')}`);
    if (intercepted) return rec.finish(intercepted.status, intercepted.reason, intercepted.message);
    return rec.ok(`TLS ${version}, ${s.getCipher().name}, certificate valid for ${Math.floor(days)} days`);
  } catch (e) {
    if (e instanceof ProxyRefusedError) return proxyRefusalResult(rec, e, opts.rejects_ntlm_proxy);
    return rec.failOn(e, ctx);
  } finally {
    if (s) closeTls(s);
  }
}

export const tlsProbe = defineCheck({
  description: 'TLS handshake: version, cipher, ALPN, chain trust, hostname, expiry.',
  phases: ['resolve', 'connect', 'tls'],
  options,
  defaults: { timeout: '5s', schedule: '*/15 * * * *' },
  flowClass: 'pki',
  planning: { scope: 'row', transports: ['tcp'], urls: true, portRanges: false, plan: (row) => ({ target: rowTarget(row, 'tcp'), options: { ...row.tls, ...(row.direct ? { direct: true } : {}), ...(row.rejectsNtlmProxy ? { rejects_ntlm_proxy: true } : {}) } }) },
  metrics: [
    observedNumber({ name: 'probe_tls_cert_expiry_timestamp_seconds', type: 'gauge', help: 'Unix time at which the leaf certificate expires.' }, 'not_after_timestamp'),
    {
      spec: { name: 'probe_tls_version_info', type: 'gauge', help: 'Negotiated TLS version (value 1).', labels: ['version'] },
      read(r, emit) {
        if (typeof r.observations.tls_version === 'string') emit(1, { version: r.observations.tls_version });
      },
    },
    {
      spec: {
        name: 'probe_tls_intercepted',
        type: 'gauge',
        help: 'Whether the TLS chain looks re-signed by a middlebox: 1 detected (expectations not met), 0.5 suspected (local non-public root), 0 none.',
      },
      read(r, emit) {
        const i = r.observations.interception;
        if (typeof i === 'string') emit(i === 'detected' ? 1 : i === 'suspected' ? 0.5 : 0);
      },
    },
  ],
  resource: DIRECT,
  run,
});
