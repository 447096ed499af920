// The OCSP answer a server staples in its handshake, read for what Chrome does with it: a verified
// "revoked" for the leaf fails the connection, even where the browser asks no responder itself
// (net/cert/internal/revocation_checker.cc checks the stapled answer first). Loaded only when a
// server staples, so pkijs stays out of a probe whose servers do not.
import { X509Certificate } from 'node:crypto';
import { certIdFor } from '../ocsp-signer.ts';
import { parseCertificate, verifyOcspResponse } from '../ocsp-wire.ts';

/** The stapled answer's status for `leaf`, or undefined when it does not verify or answers for another certificate. */
export function stapledStatus(staple: Buffer, leaf: Buffer, issuer: Buffer): { status: 'good' | 'revoked' | 'unknown'; revokedAt?: Date; reason?: string } | undefined {
  try {
    new X509Certificate(issuer);
    const l = parseCertificate(leaf);
    const i = parseCertificate(issuer);
    const v = verifyOcspResponse(staple, certIdFor(l, i), i, undefined, new Date(), 300);
    return { status: v.status, ...(v.revokedAt ? { revokedAt: v.revokedAt } : {}), ...(v.revocationReason ? { reason: v.revocationReason } : {}) };
  } catch {
    return undefined;
  }
}
