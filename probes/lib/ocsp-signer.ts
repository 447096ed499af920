// Who signed an OCSP answer, and whether they may (RFC 6960 §4.2.2.2), with Node's own crypto:
// the issuing CA itself, or a delegated responder that the CA issued for OCSP signing and that is
// valid now. pkijs parses the answer; its verify() went through WebCrypto and compared names with
// String.localeCompare, which loads ICU's collator (3 MiB resident); an ocsp check cost 37 ms of
// CPU with it, 23-26 ms now (node bench/endpoint-cost.ts).
import { constants, createHash, type KeyObject, verify, X509Certificate } from 'node:crypto';
import type { BasicOCSPResponse, CertID, Certificate, RelativeDistinguishedNames } from 'pkijs';
import { asn1js, pkijs } from './pki-libs.ts';

const OID_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';
const OID_SHA1 = '1.3.14.3.2.26';
const OID_RSA_PSS = '1.2.840.113549.1.1.10';

/** Signature algorithm → digest Node verifies with (null: the key's own, Ed25519 and Ed448). */
const SIGNATURE_DIGESTS: Record<string, string | null> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
  '1.3.101.113': null,
};
/** Digest algorithm identifiers, as RSASSA-PSS parameters name them. */
const DIGESTS: Record<string, string> = {
  [OID_SHA1]: 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const sha1 = (data: Uint8Array) => createHash('sha1').update(data).digest();

/** The DER of a certificate pkijs parsed. */
const certificateDer = (c: Certificate): Buffer => Buffer.from(c.toSchema().toBER(false));

/**
 * Two names equal as RFC 5280 §7.1 compares them in practice: the same attributes in the same
 * order, strings equal once trimmed, runs of spaces folded and case ignored (pkijs's rule, without
 * the ICU collator).
 */
export function sameName(a: RelativeDistinguishedNames, b: RelativeDistinguishedNames): boolean {
  if (a.typesAndValues.length !== b.typesAndValues.length) return false;
  const fold = (v: unknown) => String(v).trim().replace(/\s+/g, ' ').toLowerCase();
  return a.typesAndValues.every((x, i) => {
    const y = b.typesAndValues[i]!;
    if (x.type !== y.type) return false;
    const [vx, vy] = [x.value.valueBlock as { value?: unknown }, y.value.valueBlock as { value?: unknown }];
    if (typeof vx.value === 'string' && typeof vy.value === 'string') return fold(vx.value) === fold(vy.value);
    return Buffer.from(x.value.toBER(false)).equals(Buffer.from(y.value.toBER(false)));
  });
}

/** The CertID of `leaf` (SHA-1, as responders expect it), hashed here rather than through WebCrypto. */
export function certIdFor(leaf: Certificate, issuer: Certificate): CertID {
  return new pkijs.CertID({
    hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID_SHA1, algorithmParams: new asn1js.Null() }),
    issuerNameHash: new asn1js.OctetString({ valueHex: sha1(new Uint8Array(issuer.subject.toSchema().toBER(false))) }),
    issuerKeyHash: new asn1js.OctetString({ valueHex: sha1(issuer.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView) }),
    serialNumber: leaf.serialNumber,
  });
}

/** Whether `key` made the answer's signature; throws on an algorithm this code does not know. */
function signedBy(basic: BasicOCSPResponse, key: KeyObject): boolean {
  const alg = basic.signatureAlgorithm;
  const data = basic.tbsResponseData.tbsView;
  const signature = basic.signature.valueBlock.valueHexView;
  if (alg.algorithmId === OID_RSA_PSS) {
    const p = new pkijs.RSASSAPSSParams({ schema: alg.algorithmParams });
    const digest = DIGESTS[p.hashAlgorithm.algorithmId];
    if (!digest) throw new Error(`RSASSA-PSS with an unknown digest (${p.hashAlgorithm.algorithmId})`);
    return verify(digest, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: p.saltLength }, signature);
  }
  const digest = SIGNATURE_DIGESTS[alg.algorithmId];
  if (digest === undefined) throw new Error(`unknown signature algorithm ${alg.algorithmId}`);
  return verify(digest, data, key, signature);
}

/** Why a delegated signer may not answer for `issuer`'s certificates, or undefined when it may. */
function delegationProblem(signer: X509Certificate, issuer: X509Certificate, now: Date): string | undefined {
  if (!signer.checkIssued(issuer) || !signer.verify(issuer.publicKey)) return `its signer (${signer.subject.replace(/\n/g, ', ')}) was not issued by the certificate's CA`;
  if (!signer.keyUsage?.includes(OID_OCSP_SIGNING)) return 'its signer lacks the OCSP-signing extended key usage';
  if (now < signer.validFromDate || now > signer.validToDate) return `its signer's certificate is not valid now (${signer.validFrom} to ${signer.validTo})`;
  return undefined;
}

/**
 * Why the answer's signature is not one to trust for certificates `issuer` issued, or undefined
 * when it is: a certificate named by the responder ID (the issuer, or one the answer carries) made
 * the signature, and is the issuer or a responder it delegated to.
 */
export function signatureProblem(basic: BasicOCSPResponse, issuer: Certificate, now: Date): string | undefined {
  const id: unknown = basic.tbsResponseData.responderID;
  const issuerDer = certificateDer(issuer);
  const named = (c: Certificate) =>
    id instanceof pkijs.RelativeDistinguishedNames ? sameName(c.subject, id) : id instanceof asn1js.OctetString && sha1(c.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView).equals(id.valueBlock.valueHexView);
  if (!(id instanceof pkijs.RelativeDistinguishedNames) && !(id instanceof asn1js.OctetString)) return 'the responder ID is neither a name nor a key hash';
  const carried = (basic.certs ?? []).map((cert) => ({ cert, der: certificateDer(cert) })).filter((c) => !c.der.equals(issuerDer));
  const signers = [{ cert: issuer, der: issuerDer }, ...carried].filter((c) => named(c.cert));
  if (!signers.length) return 'no certificate matches its responder ID';
  const issuerX = new X509Certificate(issuerDer);
  const problems: string[] = [];
  for (const { der } of signers) {
    const signer = der === issuerDer ? issuerX : new X509Certificate(der);
    try {
      if (!signedBy(basic, signer.publicKey)) {
        problems.push('the signature does not verify');
        continue;
      }
    } catch (e) {
      problems.push((e as Error).message);
      continue;
    }
    const problem = signer === issuerX ? undefined : delegationProblem(signer, issuerX, now);
    if (!problem) return undefined;
    problems.push(problem);
  }
  return [...new Set(problems)].join('; ');
}
