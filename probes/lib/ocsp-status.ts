// The ocsp check's run: the certificate the endpoint presents, its issuer (CA issuers URL), the
// request to the responder and the verified answer. probes/ocsp.ts loads it at the first ocsp
// check, so pkijs and asn1js stay out of a probe that has none.
import { randomBytes } from 'node:crypto';
import type { Certificate } from 'pkijs';
import { asn1js, pkijs } from './pki-libs.ts';
import type { CheckResult, CheckTarget } from '../../runner/core/contract.ts';
import type { RunContext } from '../../runner/core/definition.ts';
import { classifyNetworkError } from '../../runner/core/recorder.ts';
import { resolveAndConnect } from './connect.ts';
import { accessLocations, type Exchange, ocspFetch, OcspFailure, OID_OCSP_NONCE, parseCertificate, parseCertificateBody, verifyOcspResponse } from './ocsp-wire.ts';
import { certIdFor, sameName } from './ocsp-signer.ts';
import { browserHandshake, TlsRefused } from './tls/browser-tls.ts';
import { closeTls } from './tls/tls-handshake.ts';

/** The ocsp kind's options (probes/ocsp.ts validates them), as this module reads them. */
export interface OcspOptions {
  clock_skew_seconds: number;
  check_ca_issuers: boolean;
  cache_seconds: number;
}

/** The leaf and the issuer the server presents (stapled answer noted), or a failed result. */
async function presented(target: CheckTarget, ctx: RunContext): Promise<{ leaf: Certificate; issuer?: Certificate } | CheckResult> {
  const { rec } = ctx;
  let stapled: Buffer | null | undefined;
  try {
    const port = target.port ?? 443;
    const { socket } = await resolveAndConnect(rec, target.host, port, ctx);
    // Chrome's hello, so a handshake that fails is named as the tls check names it.
    const reopen = async (signal: AbortSignal) => (await resolveAndConnect(rec.scratch(), target.host, port, { ...ctx, signal })).socket;
    const s = await rec.phase('tls', () => browserHandshake(socket, target.host, ctx, ['http/1.1'], reopen, (r) => (stapled = r)));
    const [peer, peerIssuer] = ctx.trust.peerChain(s).path;
    closeTls(s);
    if (!peer) return rec.fail('tls_handshake_failed', 'server sent no certificate');
    rec.observe('stapled', (stapled?.length ?? 0) > 0);
    return { leaf: parseCertificate(peer.raw), ...(peerIssuer ? { issuer: parseCertificate(peerIssuer.raw) } : {}) };
  } catch (e) {
    if (e instanceof TlsRefused) return rec.fail(e.reason, e.message);
    const c = classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs);
    return rec.fail(c.reason === 'internal_error' ? 'tls_handshake_failed' : c.reason, c.message);
  }
}

/**
 * The CA issuers URL (crt.sectigo.com in the Covotem document) must answer with a certificate;
 * when the server did not send its issuer, that certificate is the one used, as a client would.
 */
async function issuerOf(leaf: Certificate, sent: Certificate | undefined, caIssuers: string | undefined, opts: OcspOptions, ctx: RunContext): Promise<{ issuer: Certificate; problem?: string }> {
  const { rec } = ctx;
  const issuerSent = sent !== undefined && sameName(sent.subject, leaf.issuer);
  let issuer = sent;
  let problem: string | undefined;
  if (caIssuers && (opts.check_ca_issuers || !issuerSent)) {
    const url = new URL(caIssuers);
    try {
      const got = await rec.phase('issuer', () => ocspFetch(rec, url, ctx, { method: 'GET' }));
      if (got.status !== 200) throw new Error(`answered HTTP ${got.status}`);
      const fetched = parseCertificateBody(got.body);
      rec.observe('ca_issuers_subject', fetched.subject.typesAndValues.map((tv) => String(tv.value.valueBlock.value)).join(', '));
      if (!issuerSent) {
        issuer = fetched;
        rec.observe('issuer_fetched', true);
      }
    } catch (e) {
      const why = e instanceof Error && e.message.startsWith('answered') ? e.message : e instanceof Error && /BER|ASN|schema|Object's schema/i.test(e.message) ? 'did not answer with a certificate' : classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs).message;
      problem = `CA issuers ${url.host}: ${why}`;
      rec.observe('ca_issuers_error', problem);
    }
  }
  if (!issuerSent && !(issuer && sameName(issuer.subject, leaf.issuer))) throw new OcspFailure('ca_issuers_unreachable', problem ?? 'issuer certificate not sent and no CA issuers URL to fetch it');
  if (!issuer) throw new OcspFailure('ca_issuers_unreachable', 'no issuer certificate');
  return { issuer, ...(problem ? { problem } : {}) };
}

/** POST, then GET for responders that refuse POST (RFC 6960 A.1: the base64 request in the path). */
async function askResponder(url: URL, der: Buffer, ctx: RunContext): Promise<Exchange> {
  const { rec } = ctx;
  try {
    const exchange = await rec.phase('request', () => ocspFetch(rec, url, ctx, { method: 'POST', body: der }));
    if (exchange.status === 200) {
      rec.observe('method', 'POST');
      return exchange;
    }
    const path = `${url.pathname.replace(/\/?$/, '/')}${encodeURIComponent(der.toString('base64'))}`;
    const viaGet = await rec.phase('request', () => ocspFetch(rec, url, ctx, { method: 'GET', path }));
    rec.observe('method', 'GET');
    if (viaGet.status !== 200) throw new OcspFailure('ocsp_unreachable', `responder ${url.host} answered HTTP ${exchange.status} to POST and ${viaGet.status} to GET`);
    return viaGet;
  } catch (e) {
    if (e instanceof OcspFailure) throw e;
    const c = classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs);
    throw new OcspFailure('ocsp_unreachable', `responder ${url.host}: ${c.message}`);
  }
}

/** Asks the responder about `leaf`, verifies the answer and judges it; the verified outcome is cached by CertID. */
async function revocationStatus(leaf: Certificate, issuer: Certificate, issuersProblem: string | undefined, responder: string, opts: OcspOptions, ctx: RunContext): Promise<CheckResult> {
  const { rec } = ctx;
  const certId = certIdFor(leaf, issuer);
  const request = new pkijs.OCSPRequest();
  request.tbsRequest.requestList.push(new pkijs.Request({ reqCert: certId }));
  // Endpoints sharing a certificate (a wildcard) ask the responder once.
  const key = `ocsp:${Buffer.from(certId.toSchema().toBER(false)).toString('hex')}`;
  const cached = ctx.outcomes.get(key);
  if (cached) {
    rec.observeAll(cached.observations);
    rec.observe('cached', true);
    return rec.finish(cached.status, cached.reason, `${cached.message} (cached answer for this certificate)`);
  }
  const nonce = randomBytes(16);
  request.tbsRequest.requestExtensions = [new pkijs.Extension({ extnID: OID_OCSP_NONCE, critical: false, extnValue: new asn1js.OctetString({ valueHex: nonce }).toBER(false) })];
  const der = Buffer.from(request.toSchema(true).toBER(false));
  const url = new URL(responder);
  const exchange = await askResponder(url, der, ctx);
  rec.observe('responder_latency_seconds', Math.round(exchange.latencyMs * 1000) / 1e6);
  rec.observe('request_bytes', der.length);
  rec.observe('response_bytes', exchange.body.length);
  const v = verifyOcspResponse(exchange.body, certId, issuer, nonce, new Date(), opts.clock_skew_seconds);
  rec.observe('status', v.status);
  rec.observe('this_update', v.thisUpdate.toISOString());
  rec.observe('next_update', v.nextUpdate?.toISOString() ?? null);
  if (v.nextUpdate) rec.observe('next_update_timestamp', v.nextUpdate.getTime() / 1000);
  rec.observe('nonce_echoed', v.nonceEchoed);
  let result: CheckResult;
  if (v.status === 'good')
    result = issuersProblem ? rec.finish('degraded', 'ca_issuers_unreachable', `OCSP good, but ${issuersProblem}`) : rec.ok(`OCSP: good (responder ${url.host}, ${exchange.latencyMs.toFixed(0)} ms)`);
  else if (v.status === 'unknown') result = rec.fail('ocsp_unknown', `responder ${url.host} does not know this certificate`);
  else {
    rec.observe('revocation_time', v.revokedAt?.toISOString() ?? null);
    rec.observe('revocation_reason', v.revocationReason ?? null);
    result = rec.fail('ocsp_revoked', `certificate revoked${v.revokedAt ? ` on ${v.revokedAt.toISOString()}` : ''}${v.revocationReason ? ` (${v.revocationReason})` : ''}`);
  }
  // Never past the answer's own nextUpdate; whether this server staples is its own fact, not the certificate's.
  const { stapled: _s, ...shared } = result.observations;
  ctx.outcomes.set(key, { status: result.status, reason: result.reason, message: result.message, observations: shared }, Math.min(opts.cache_seconds * 1000, (v.nextUpdate?.getTime() ?? Date.now()) - Date.now()));
  return result;
}

/** The ocsp check itself (loaded at its first run, with pkijs). */
export async function ocspStatus(target: CheckTarget, opts: OcspOptions, ctx: RunContext): Promise<CheckResult> {
  const { rec } = ctx;
  const certs = await presented(target, ctx);
  if (!('leaf' in certs)) return certs;
  const aia = accessLocations(certs.leaf);
  rec.observe('responder_url', aia.ocsp[0] ?? null);
  rec.observe('ca_issuers_url', aia.caIssuers[0] ?? null);
  try {
    if (!aia.ocsp[0]) {
      // Some public CAs have dropped OCSP (CRLs only): nothing to ask, nothing wrong.
      rec.observe('status', 'none');
      return rec.ok('the certificate names no OCSP responder (revocation by CRL only)');
    }
    const { issuer, problem } = await issuerOf(certs.leaf, certs.issuer, aia.caIssuers[0], opts, ctx);
    return await revocationStatus(certs.leaf, issuer, problem, aia.ocsp[0], opts, ctx);
  } catch (e) {
    if (e instanceof OcspFailure) return rec.fail(e.reason, e.message);
    const c = classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs);
    return rec.fail(c.reason === 'internal_error' ? 'ocsp_bad_response' : c.reason, c.message);
  }
}
