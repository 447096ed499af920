// The fault lab's PKI, made with the OpenSSL command line: the platform's CA ("Vigie Lab Root CA",
// standing in for Sectigo) with a *.lab.test leaf whose Authority Information Access names the lab
// OCSP responder and CA issuers URL by address, and the establishment's own root with the leaf its
// TLS-intercepting proxy re-signs with.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { caConfig, EC_KEY, initCaDir, openssl, type LabCert } from '../pki.ts';

export interface FaultPki {
  /** The platform CA's directory (its ca.pem is what the probe trusts, `pki/platform/ca.pem`). */
  dir: string;
  /** The platform CA in DER, served at the CA issuers URL. */
  caDerFile: string;
  platform: LabCert;
  /** The leaf the middlebox presents, from the establishment's root (`pki/enterprise/ca.pem`). */
  intercepted: LabCert;
  /** The portal's leaf sent twice before the root (a bundle concatenated once too often). */
  duplicatedLeaf: LabCert;
  /**
   * A leaf from an issuing CA under the platform root, sent leaf, root, intermediate (a bundle in
   * the wrong order); no OCSP URL, the responder answers for the root's certificates only.
   */
  outOfOrder: LabCert;
  /** The same leaf sent alone: its CA issuers URL names the issuing CA (`/issuing.der`), as a public CA's does. */
  missingIntermediate: LabCert;
  /** The issuing CA in DER, served at the CA issuers URL. */
  issuingDerFile: string;
}

function makeCa(dir: string, subject: string, leafExtra: string): void {
  mkdirSync(dir, { recursive: true });
  initCaDir(dir, caConfig(leafExtra), '3000');
  openssl(['req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3650', '-subj', subject, '-config', 'ca.cnf', '-extensions', 'v3_ca'], dir);
}

function issue(dir: string, name: string, san: string): LabCert {
  openssl(['req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}.lab.test`, '-addext', `subjectAltName=${san}`], dir);
  openssl(['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-extensions', 'leaf', '-days', '365', '-in', `${name}.csr`, '-out', `${name}.pem`, '-notext'], dir);
  const cert = readFileSync(join(dir, `${name}.pem`), 'utf8');
  return { cert, key: readFileSync(join(dir, `${name}.key`), 'utf8'), chain: cert + readFileSync(join(dir, 'ca.pem'), 'utf8') };
}

/** An intermediate CA in `dir`, signed by the root CA in `rootDir`; its leaves carry `leafExtra`. */
function makeIssuingCa(rootDir: string, dir: string, subject: string, leafExtra = ''): void {
  mkdirSync(dir, { recursive: true });
  initCaDir(dir, caConfig(leafExtra), '4000');
  openssl(['req', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.csr', '-subj', subject], dir);
  openssl(['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-extensions', 'v3_ca', '-days', '3650', '-in', join(dir, 'ca.csr'), '-out', join(dir, 'ca.pem'), '-notext'], rootDir);
}

export function makeFaultPki(dir: string, ocspAddress: string, issuersPort: number): FaultPki {
  const platformDir = join(dir, 'platform');
  const enterpriseDir = join(dir, 'enterprise');
  makeCa(platformDir, '/O=Vigie Lab/CN=Vigie Lab Root CA', `authorityInfoAccess = OCSP;URI:http://${ocspAddress}/,caIssuers;URI:http://${ocspAddress}:${issuersPort}/root.der`);
  makeCa(enterpriseDir, '/O=CHU Exemple/CN=CHU Exemple Proxy Root CA', '');
  const san = 'DNS:*.lab.test,DNS:lab.test';
  const platform = issue(platformDir, 'platform', san);
  const intercepted = issue(enterpriseDir, 'intercepted', san);
  openssl(['x509', '-in', 'ca.pem', '-outform', 'DER', '-out', 'ca.der'], platformDir);
  const issuingDir = join(dir, 'issuing');
  makeIssuingCa(platformDir, issuingDir, '/O=Vigie Lab/CN=Vigie Lab Issuing CA', `authorityInfoAccess = caIssuers;URI:http://${ocspAddress}:${issuersPort}/issuing.der`);
  openssl(['x509', '-in', 'ca.pem', '-outform', 'DER', '-out', 'ca.der'], issuingDir);
  const issued = issue(issuingDir, 'portail', san);
  const rootPem = readFileSync(join(platformDir, 'ca.pem'), 'utf8');
  return {
    dir: platformDir,
    caDerFile: join(platformDir, 'ca.der'),
    platform,
    intercepted,
    duplicatedLeaf: { ...platform, chain: platform.cert + platform.chain },
    outOfOrder: { ...issued, chain: issued.cert + rootPem + readFileSync(join(issuingDir, 'ca.pem'), 'utf8') },
    missingIntermediate: { ...issued, chain: issued.cert },
    issuingDerFile: join(issuingDir, 'ca.der'),
  };
}
