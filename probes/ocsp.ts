// ocsp: revocation status of a TLS endpoint's certificate, asked of the responder named in the
// leaf's Authority Information Access, through the proxy when one applies, and verified for real
// with pkijs: responder signature (the issuer, or a delegated signer carrying the OCSP-signing EKU
// and issued by it), CertID, thisUpdate/nextUpdate, nonce. The Covotem client refuses to start when
// it cannot reach ocsp.sectigo.com: `ocsp_unreachable` names that failure.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { z } from 'zod';
import type { CheckResult, CheckTarget, ProbeContext, ProbeDefinition } from '../runner/core/contract.ts';
import { resolveAndConnect } from './lib/connect.ts';
import { probeAgent, readBody } from './http.ts';
import { proxyFor } from './lib/proxy-route.ts';
import type { Reason } from '../runner/core/reasons.ts';
import { CheckRecorder, classifyNetworkError } from '../runner/core/recorder.ts';
import { handshake } from './tls.ts';
import { peerChain } from './lib/trust.ts';

const OID_AIA = '1.3.6.1.5.5.7.1.1';
const OID_AD_OCSP = '1.3.6.1.5.5.7.48.1';
const OID_AD_CA_ISSUERS = '1.3.6.1.5.5.7.48.2';
const OID_OCSP_NONCE = '1.3.6.1.5.5.7.48.1.2';
const RESPONSE_STATUS = ['successful', 'malformedRequest', 'internalError', 'tryLater', '(unused)', 'sigRequired', 'unauthorized'];
const REVOCATION_REASONS = ['unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', '(unused)', 'removeFromCRL', 'privilegeWithdrawn', 'aACompromise'];

const options = z
  .object({
    /** Clock tolerance on thisUpdate, in seconds. Default 300. */
    clock_skew_seconds: z.number().int().min(0).default(300).describe('Tolerance on thisUpdate in the future, in seconds.'),
    /** Also fetch the CA issuers URL of the leaf and check it answers with a certificate. Default true. */
    check_ca_issuers: z.boolean().default(true).describe('Also fetch the CA issuers URL (AIA) and check it answers with a certificate.'),
    /** How long a verified answer for one certificate is reused by other endpoints presenting it. Default 600. */
    cache_seconds: z.number().int().min(0).default(600).describe('Seconds a verified answer for one certificate (CertID) is reused, never past its nextUpdate.'),
  })
  .strict();

class OcspFailure extends Error {
  readonly reason: Reason;
  constructor(reason: Reason, message: string) {
    super(message);
    this.reason = reason;
  }
}

export function accessLocations(cert: pkijs.Certificate): { ocsp: string[]; caIssuers: string[] } {
  const out = { ocsp: [] as string[], caIssuers: [] as string[] };
  const ext = cert.extensions?.find((e) => e.extnID === OID_AIA);
  const info = ext?.parsedValue as pkijs.InfoAccess | undefined;
  for (const d of info?.accessDescriptions ?? []) {
    const uri = d.accessLocation.type === 6 ? String(d.accessLocation.value) : undefined;
    if (!uri) continue;
    if (d.accessMethod === OID_AD_OCSP) out.ocsp.push(uri);
    if (d.accessMethod === OID_AD_CA_ISSUERS) out.caIssuers.push(uri);
  }
  return out;
}

function parseCertificate(der: Uint8Array | Buffer): pkijs.Certificate {
  return pkijs.Certificate.fromBER(der);
}

/** DER or PEM, as CA issuers URLs serve either. */
export function parseCertificateBody(body: Buffer): pkijs.Certificate {
  const text = body.subarray(0, 64).toString('latin1');
  if (text.includes('-----BEGIN CERTIFICATE-----')) {
    const b64 = body.toString('latin1').replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
    return parseCertificate(Buffer.from(b64, 'base64'));
  }
  return parseCertificate(body);
}

interface Exchange {
  status: number;
  body: Buffer;
  latencyMs: number;
}

async function httpExchange(rec: CheckRecorder, url: URL, ctx: ProbeContext, init: { method: 'GET' | 'POST'; body?: Buffer; path?: string }): Promise<Exchange> {
  // The legs of this exchange are not phases of the check: a scratch recorder takes them.
  const agent = probeAgent(new CheckRecorder(rec.target, 'ocsp', []), url, ctx, proxyFor(url.hostname, ctx));
  const proxied = proxyFor(url.hostname, ctx) !== undefined && url.protocol === 'http:';
  const path = init.path ?? `${url.pathname}${url.search}`;
  const t0 = performance.now();
  try {
    const res = await agent.request({
      origin: url.origin,
      path: proxied ? new URL(path, url).href : path,
      method: init.method,
      headers: init.body ? { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' } : { accept: '*/*' },
      ...(init.body ? { body: init.body } : {}),
      signal: ctx.signal,
    });
    // No OCSP answer or certificate is anywhere near 1 MB.
    return { status: res.statusCode, body: await readBody(res.body, 1_000_000), latencyMs: performance.now() - t0 };
  } finally {
    agent.destroy().catch(() => {});
  }
}

/** Parses and verifies an OCSP response for `certId`; every malformed input becomes an OcspFailure. */
export async function verifyOcspResponse(
  der: Buffer,
  certId: pkijs.CertID,
  issuer: pkijs.Certificate,
  nonce: Buffer | undefined,
  now: Date,
  skewSeconds: number,
): Promise<{ status: 'good' | 'revoked' | 'unknown'; thisUpdate: Date; nextUpdate?: Date; revokedAt?: Date; revocationReason?: string; nonceEchoed: boolean }> {
  let basic: pkijs.BasicOCSPResponse;
  try {
    const resp = pkijs.OCSPResponse.fromBER(der);
    const code = resp.responseStatus.valueBlock.valueDec;
    if (code !== 0) throw new OcspFailure('ocsp_bad_response', `responder answered "${RESPONSE_STATUS[code] ?? code}"`);
    if (!resp.responseBytes) throw new OcspFailure('ocsp_bad_response', 'successful answer without responseBytes');
    basic = pkijs.BasicOCSPResponse.fromBER(resp.responseBytes.response.valueBlock.valueHexView);
  } catch (e) {
    if (e instanceof OcspFailure) throw e;
    throw new OcspFailure('ocsp_bad_response', `undecodable OCSP response: ${(e as Error).message}`);
  }
  let signed: boolean;
  try {
    // An issuer-signed answer may carry no certificate: the issuer itself is the candidate then.
    if (!basic.certs?.length) basic.certs = [issuer];
    // The issuer may sign itself (trusted responder); any other signer must chain to it with the OCSP-signing EKU.
    signed = await basic.verify({ trustedCerts: [issuer], issuerCerts: [issuer], trustedResponders: [issuer] });
  } catch (e) {
    throw new OcspFailure('ocsp_bad_signature', `responder not authorised or signature invalid: ${(e as Error).message}`);
  }
  if (!signed) throw new OcspFailure('ocsp_bad_signature', 'the signature of the OCSP response does not verify');
  let single: pkijs.SingleResponse | undefined;
  for (const r of basic.tbsResponseData.responses) if (r.certID.isEqual(certId)) single = r;
  if (!single) throw new OcspFailure('ocsp_bad_response', 'the response answers for another certificate (CertID mismatch)');
  const thisUpdate = single.thisUpdate;
  const nextUpdate = single.nextUpdate;
  if (thisUpdate.getTime() > now.getTime() + skewSeconds * 1000) throw new OcspFailure('ocsp_stale', `response not yet valid (thisUpdate ${thisUpdate.toISOString()})`);
  if (nextUpdate && nextUpdate.getTime() < now.getTime()) throw new OcspFailure('ocsp_stale', `response expired at ${nextUpdate.toISOString()} (nextUpdate)`);
  let nonceEchoed = false;
  const nonceExt = basic.tbsResponseData.responseExtensions?.find((e) => e.extnID === OID_OCSP_NONCE);
  if (nonce && nonceExt) {
    const inner = asn1js.fromBER(nonceExt.extnValue.valueBlock.valueHexView);
    const got = inner.result instanceof asn1js.OctetString ? Buffer.from(inner.result.valueBlock.valueHexView) : Buffer.from(nonceExt.extnValue.valueBlock.valueHexView);
    if (!got.equals(nonce)) throw new OcspFailure('ocsp_bad_response', 'the response carries another nonce (replayed answer?)');
    nonceEchoed = true;
  }
  const tag = single.certStatus.idBlock.tagNumber;
  if (tag === 0) return { status: 'good', thisUpdate, ...(nextUpdate ? { nextUpdate } : {}), nonceEchoed };
  if (tag === 2) return { status: 'unknown', thisUpdate, ...(nextUpdate ? { nextUpdate } : {}), nonceEchoed };
  // revoked: [1] IMPLICIT SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT ENUMERATED OPTIONAL }
  const parts = (single.certStatus as asn1js.Constructed).valueBlock.value;
  const time = parts[0] as asn1js.GeneralizedTime | undefined;
  const reasonBlock = (parts[1] as asn1js.Constructed | undefined)?.valueBlock.value[0] as asn1js.Enumerated | undefined;
  return {
    status: 'revoked',
    thisUpdate,
    ...(nextUpdate ? { nextUpdate } : {}),
    ...(time?.toDate ? { revokedAt: time.toDate() } : {}),
    ...(reasonBlock ? { revocationReason: REVOCATION_REASONS[reasonBlock.valueBlock.valueDec] ?? String(reasonBlock.valueBlock.valueDec) } : {}),
    nonceEchoed,
  };
}

/** Verified answers by CertID: endpoints sharing a certificate (a wildcard) ask the responder once. */
const cache = new Map<string, { until: number; observations: Record<string, string | number | boolean | null>; status: CheckResult['status']; reason: Reason; message: string }>();

async function run(target: CheckTarget, opts: z.output<typeof options>, ctx: ProbeContext): Promise<CheckResult> {
  const rec = new CheckRecorder(target, 'ocsp', ['resolve', 'connect', 'tls', 'issuer', 'request']);
  let stapled: Buffer | null | undefined;
  let leaf: pkijs.Certificate;
  let issuer: pkijs.Certificate | undefined;
  try {
    const { socket } = await resolveAndConnect(rec, target.host, target.port ?? 443, ctx);
    const s = await rec.phase('tls', () => handshake(socket, target.host, ctx.signal, ['http/1.1'], (r) => (stapled = r)));
    const [peer, peerIssuer] = peerChain(s);
    s.destroy();
    if (!peer) return rec.fail('tls_handshake_failed', 'server sent no certificate');
    leaf = parseCertificate(peer.raw);
    if (peerIssuer) issuer = parseCertificate(peerIssuer.raw);
  } catch (e) {
    const c = classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs);
    return rec.fail(c.reason === 'internal_error' ? 'tls_handshake_failed' : c.reason, c.message);
  }
  rec.observe('stapled', (stapled?.length ?? 0) > 0);
  const aia = accessLocations(leaf);
  rec.observe('responder_url', aia.ocsp[0] ?? null);
  rec.observe('ca_issuers_url', aia.caIssuers[0] ?? null);
  try {
    if (!aia.ocsp[0]) {
      // Some public CAs have dropped OCSP (CRLs only): nothing to ask, nothing wrong.
      rec.observe('status', 'none');
      return rec.ok('the certificate names no OCSP responder (revocation by CRL only)');
    }
    const issuerSent = issuer !== undefined && issuer.subject.isEqual(leaf.issuer);
    // The CA issuers URL (crt.sectigo.com in the Covotem document) must answer with a certificate;
    // when the server did not send its issuer, that certificate is the one used, as a client would.
    let issuersProblem: string | undefined;
    if (aia.caIssuers[0] && (opts.check_ca_issuers || !issuerSent)) {
      const url = new URL(aia.caIssuers[0]);
      try {
        const got = await rec.phase('issuer', () => httpExchange(rec, url, ctx, { method: 'GET' }));
        if (got.status !== 200) throw new Error(`answered HTTP ${got.status}`);
        const fetched = parseCertificateBody(got.body);
        rec.observe('ca_issuers_subject', fetched.subject.typesAndValues.map((tv) => String(tv.value.valueBlock.value)).join(', '));
        if (!issuerSent) {
          issuer = fetched;
          rec.observe('issuer_fetched', true);
        }
      } catch (e) {
        const why = e instanceof Error && e.message.startsWith('answered') ? e.message : e instanceof Error && /BER|ASN|schema|Object's schema/i.test(e.message) ? 'did not answer with a certificate' : classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs).message;
        issuersProblem = `CA issuers ${url.host}: ${why}`;
        rec.observe('ca_issuers_error', issuersProblem);
      }
    }
    if (!issuerSent && !issuer?.subject.isEqual(leaf.issuer)) throw new OcspFailure('ca_issuers_unreachable', issuersProblem ?? 'issuer certificate not sent and no CA issuers URL to fetch it');
    if (!issuer) throw new OcspFailure('ca_issuers_unreachable', 'no issuer certificate');
    const request = new pkijs.OCSPRequest();
    await request.createForCertificate(leaf, { hashAlgorithm: 'SHA-1', issuerCertificate: issuer });
    const certId = request.tbsRequest.requestList[0]!.reqCert;
    const key = Buffer.from(certId.toSchema().toBER(false)).toString('hex');
    const cached = cache.get(key);
    if (cached && cached.until > Date.now()) {
      for (const [k, v] of Object.entries(cached.observations)) rec.observe(k, v);
      rec.observe('cached', true);
      return rec.finish(cached.status, cached.reason, `${cached.message} (cached answer for this certificate)`);
    }
    const nonce = randomBytes(16);
    request.tbsRequest.requestExtensions = [new pkijs.Extension({ extnID: OID_OCSP_NONCE, critical: false, extnValue: new asn1js.OctetString({ valueHex: nonce }).toBER(false) })];
    const der = Buffer.from(request.toSchema(true).toBER(false));
    const url = new URL(aia.ocsp[0]);
    let exchange: Exchange;
    try {
      exchange = await rec.phase('request', () => httpExchange(rec, url, ctx, { method: 'POST', body: der }));
      if (exchange.status !== 200) {
        // RFC 6960 A.1: GET with the base64 request in the path, for responders that refuse POST.
        const path = `${url.pathname.replace(/\/?$/, '/')}${encodeURIComponent(der.toString('base64'))}`;
        const viaGet = await rec.phase('request', () => httpExchange(rec, url, ctx, { method: 'GET', path }));
        rec.observe('method', 'GET');
        if (viaGet.status !== 200) throw new OcspFailure('ocsp_unreachable', `responder ${url.host} answered HTTP ${exchange.status} to POST and ${viaGet.status} to GET`);
        exchange = viaGet;
      } else rec.observe('method', 'POST');
    } catch (e) {
      if (e instanceof OcspFailure) throw e;
      const c = classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs);
      throw new OcspFailure('ocsp_unreachable', `responder ${url.host}: ${c.message}`);
    }
    rec.observe('responder_latency_seconds', Math.round(exchange.latencyMs * 1000) / 1e6);
    rec.observe('request_bytes', der.length);
    rec.observe('response_bytes', exchange.body.length);
    const v = await verifyOcspResponse(exchange.body, certId, issuer, nonce, new Date(), opts.clock_skew_seconds);
    rec.observe('status', v.status);
    rec.observe('this_update', v.thisUpdate.toISOString());
    rec.observe('next_update', v.nextUpdate?.toISOString() ?? null);
    if (v.nextUpdate) rec.observe('next_update_timestamp', v.nextUpdate.getTime() / 1000);
    rec.observe('nonce_echoed', v.nonceEchoed);
    let result: CheckResult;
    if (v.status === 'good')
      result = issuersProblem
        ? rec.finish('degraded', 'ca_issuers_unreachable', `OCSP good, but ${issuersProblem}`)
        : rec.ok(`OCSP: good (responder ${url.host}, ${exchange.latencyMs.toFixed(0)} ms)`);
    else if (v.status === 'unknown') result = rec.fail('ocsp_unknown', `responder ${url.host} does not know this certificate`);
    else {
      rec.observe('revocation_time', v.revokedAt?.toISOString() ?? null);
      rec.observe('revocation_reason', v.revocationReason ?? null);
      result = rec.fail('ocsp_revoked', `certificate revoked${v.revokedAt ? ` on ${v.revokedAt.toISOString()}` : ''}${v.revocationReason ? ` (${v.revocationReason})` : ''}`);
    }
    const ttl = Math.min(opts.cache_seconds * 1000, (v.nextUpdate?.getTime() ?? Date.now()) - Date.now());
    if (ttl > 0) {
      const { stapled: _s, ...shared } = rec.observations as Record<string, string | number | boolean | null>;
      cache.set(key, { until: Date.now() + ttl, observations: shared, status: result.status, reason: result.reason, message: result.message });
    }
    return result;
  } catch (e) {
    if (e instanceof OcspFailure) return rec.fail(e.reason, e.message);
    const c = classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs);
    return rec.fail(c.reason === 'internal_error' ? 'ocsp_bad_response' : c.reason, c.message);
  }
}

/** For tests: forget cached answers. */
export function clearOcspCache(): void {
  cache.clear();
}

export const ocspProbe = {
  description: 'OCSP status of the certificate a TLS endpoint presents, asked of the responder its AIA names, verified.',
  scope: 'row',
  phases: ['resolve', 'connect', 'tls', 'issuer', 'request'],
  options,
  defaults: { timeout: '10s', schedule: '*/15 * * * *' },
  run,
} satisfies ProbeDefinition<typeof options>;
