// OCSP and AIA on the wire: the leaf's Authority Information Access, certificates as CA issuers
// URLs serve them, HTTP exchanges with responders (through the proxy when one applies), and OCSP
// answers verified for real: responder signature (the issuer, or a delegated signer carrying the
// OCSP-signing EKU and issued by it; ocsp-signer.ts), CertID, thisUpdate/nextUpdate, nonce.
import { performance } from 'node:perf_hooks';
import type { Constructed, Enumerated, GeneralizedTime } from 'asn1js';
import type { BasicOCSPResponse, CertID, Certificate, InfoAccess, SingleResponse } from 'pkijs';
import { signatureProblem } from './ocsp-signer.ts';
import { asn1js, pkijs } from './pki-libs.ts';
import type { ProbeContext } from '../../runner/core/contract.ts';
import type { CheckRecorder } from '../../runner/core/recorder.ts';
import type { Reason } from '../../runner/core/reasons.ts';
import { httpExchange } from './http-exchange.ts';
import { proxyFor } from './proxy-route.ts';

const OID_AIA = '1.3.6.1.5.5.7.1.1';
const OID_AD_OCSP = '1.3.6.1.5.5.7.48.1';
const OID_AD_CA_ISSUERS = '1.3.6.1.5.5.7.48.2';
export const OID_OCSP_NONCE = '1.3.6.1.5.5.7.48.1.2';
const RESPONSE_STATUS = ['successful', 'malformedRequest', 'internalError', 'tryLater', '(unused)', 'sigRequired', 'unauthorized'];
const REVOCATION_REASONS = ['unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', '(unused)', 'removeFromCRL', 'privilegeWithdrawn', 'aACompromise'];

export class OcspFailure extends Error {
  readonly reason: Reason;
  constructor(reason: Reason, message: string) {
    super(message);
    this.reason = reason;
  }
}

export function accessLocations(cert: Certificate): { ocsp: string[]; caIssuers: string[] } {
  const out = { ocsp: [] as string[], caIssuers: [] as string[] };
  const ext = cert.extensions?.find((e) => e.extnID === OID_AIA);
  const info = ext?.parsedValue as InfoAccess | undefined;
  for (const d of info?.accessDescriptions ?? []) {
    const uri = d.accessLocation.type === 6 ? String(d.accessLocation.value) : undefined;
    if (!uri) continue;
    if (d.accessMethod === OID_AD_OCSP) out.ocsp.push(uri);
    if (d.accessMethod === OID_AD_CA_ISSUERS) out.caIssuers.push(uri);
  }
  return out;
}

export function parseCertificate(der: Uint8Array | Buffer): Certificate {
  return pkijs.Certificate.fromBER(der);
}

/** DER or PEM, as CA issuers URLs serve either. */
export function parseCertificateBody(body: Buffer): Certificate {
  const text = body.subarray(0, 64).toString('latin1');
  if (text.includes('-----BEGIN CERTIFICATE-----')) {
    const b64 = body.toString('latin1').replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
    return parseCertificate(Buffer.from(b64, 'base64'));
  }
  return parseCertificate(body);
}

export interface Exchange {
  status: number;
  body: Buffer;
  latencyMs: number;
}

/** One GET or POST for OCSP or an issuer certificate, through the proxy when one applies. */
export async function ocspFetch(rec: CheckRecorder, url: URL, ctx: ProbeContext, init: { method: 'GET' | 'POST'; body?: Buffer; path?: string }): Promise<Exchange> {
  // The legs of this exchange are not phases of the check: a scratch recorder takes them.
  const t0 = performance.now();
  const res = await httpExchange(rec.scratch(), url, ctx, proxyFor(url.hostname, ctx), {
    method: init.method,
    ...(init.path ? { path: init.path } : {}),
    headers: init.body ? { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' } : { accept: '*/*' },
    ...(init.body ? { body: init.body } : {}),
    // No OCSP answer or certificate is anywhere near 1 MB.
    maxBody: 1_000_000,
  });
  return { status: res.status, body: res.body, latencyMs: performance.now() - t0 };
}

/** Parses and verifies an OCSP response for `certId`; every malformed input becomes an OcspFailure. */
export function verifyOcspResponse(
  der: Buffer,
  certId: CertID,
  issuer: Certificate,
  nonce: Buffer | undefined,
  now: Date,
  skewSeconds: number,
): { status: 'good' | 'revoked' | 'unknown'; thisUpdate: Date; nextUpdate?: Date; revokedAt?: Date; revocationReason?: string; nonceEchoed: boolean } {
  let basic: BasicOCSPResponse;
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
  let problem: string | undefined;
  try {
    problem = signatureProblem(basic, issuer, now);
  } catch (e) {
    // A carried certificate pkijs read but OpenSSL refuses, and the like.
    problem = (e as Error).message;
  }
  if (problem) throw new OcspFailure('ocsp_bad_signature', `responder not authorised or signature invalid: ${problem}`);
  let single: SingleResponse | undefined;
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
  const parts = (single.certStatus as Constructed).valueBlock.value;
  const time = parts[0] as GeneralizedTime | undefined;
  const reasonBlock = (parts[1] as Constructed | undefined)?.valueBlock.value[0] as Enumerated | undefined;
  return {
    status: 'revoked',
    thisUpdate,
    ...(nextUpdate ? { nextUpdate } : {}),
    ...(time?.toDate ? { revokedAt: time.toDate() } : {}),
    ...(reasonBlock ? { revocationReason: REVOCATION_REASONS[reasonBlock.valueBlock.valueDec] ?? String(reasonBlock.valueBlock.valueDec) } : {}),
    nonceEchoed,
  };
}
