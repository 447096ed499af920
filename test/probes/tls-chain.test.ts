// Messy chains as real servers send them (a leaf twice, leaf-root-intermediate, an extra unrelated
// certificate): the probe builds the certification path as a browser does, compares the catalog's
// tls_expect with that path, and flags the server's bundle for the platform operator instead of
// reading an interception. Real HTTPS servers on loopback, the fault lab's OpenSSL-made PKI.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaultPki, type FaultPki } from '../../lab/fault/fault-pki.ts';
import type { LabCert } from '../../lab/pki.ts';
import { startDns, startHttps, type Closable } from '../../lab/servers.ts';
import { SystemTrustStore } from '../../probes/lib/tls/trust.ts';
import { runProbe, target } from '../helpers.ts';
import { labTempDir } from '../../lab/temp.ts';

let pki: FaultPki;
let dns: Closable;
const servers: Closable[] = [];
let trust: SystemTrustStore;

beforeAll(async () => {
  // The AIA URLs point at an address nothing listens on: the ocsp check is not under test here.
  pki = makeFaultPki(join(labTempDir('vigie-chain-'), 'pki'), '127.0.0.1', 9);
  dns = await startDns({ 'portail.lab.test': { A: ['127.0.0.1'] } });
  trust = new SystemTrustStore([pki.platform.chain.slice(pki.platform.cert.length)]);
});
afterAll(async () => Promise.all([dns?.close(), ...servers.map((s) => s.close())]));

async function tlsAgainst(cert: LabCert, expectIssuers: string[] = ['Vigie Lab']) {
  const server = await startHttps(cert);
  servers.push(server);
  return runProbe('tls', target({ host: 'portail.lab.test', port: server.port }), {
    dnsServers: [`127.0.0.1:${dns.port}`],
    options: { expect_issuers: expectIssuers },
    shared: { trust },
  });
}

describe('tls chain building', () => {
  it('a well-formed chain: ok, no defect', async () => {
    const r = await tlsAgainst(pki.platform);
    expect(r, r.message).toMatchObject({ status: 'ok', observations: { chain_defects: [], chain_subjects: ['O=Vigie Lab, CN=Vigie Lab Root CA'], interception: 'none' } });
  });

  it('the leaf sent twice: the path goes past the duplicate, tls_expect matches, the bundle is flagged (not an interception)', async () => {
    const r = await tlsAgainst(pki.duplicatedLeaf);
    expect(r, r.message).toMatchObject({ status: 'degraded', reason: 'tls_chain_malformed', observations: { interception: 'none', chain_subjects: ['O=Vigie Lab, CN=Vigie Lab Root CA'] } });
    expect(r.observations.chain_defects).toEqual(['1 certificate(s) sent more than once']);
  });

  it('leaf, root, intermediate: the path is leaf, intermediate, root; flagged as out of order', async () => {
    const r = await tlsAgainst(pki.outOfOrder);
    expect(r, r.message).toMatchObject({ status: 'degraded', reason: 'tls_chain_malformed', observations: { interception: 'none', issuer_subject: 'CN=Vigie Lab Issuing CA, O=Vigie Lab' } });
    expect(r.observations.chain_subjects).toEqual(['CN=Vigie Lab Issuing CA, O=Vigie Lab', 'O=Vigie Lab, CN=Vigie Lab Root CA']);
    expect(r.observations.chain_defects).toEqual(['certificates sent out of order']);
  });

  it('an extra certificate that is not on the path is flagged and never compared with tls_expect', async () => {
    const extra = { ...pki.platform, chain: pki.platform.chain + pki.intercepted.chain.slice(pki.intercepted.cert.length) };
    const r = await tlsAgainst(extra, ['CHU Exemple']);
    // The expectation names only the unrelated root: it is not on the path, so the chain does not match.
    expect(r, r.message).toMatchObject({ status: 'degraded', reason: 'tls_intercepted' });
    const ok = await tlsAgainst(extra);
    expect(ok, ok.message).toMatchObject({ status: 'degraded', reason: 'tls_chain_malformed' });
    expect(ok.observations.chain_defects).toEqual(['1 certificate(s) sent that are not on the path']);
  });
});

describe('trust store', () => {
  const pems = (chain: string) => chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
  it("finds the anchor a server leaves out among the store's roots, and says where each root comes from", async () => {
    const { X509Certificate } = await import('node:crypto');
    const tls = await import('node:tls');
    const leaf = new X509Certificate(pki.platform.cert);
    const operatorRoot = new X509Certificate(pems(pki.platform.chain).at(-1)!);
    // The leaf's issuer is the operator's root, which the server need not send: found by subject, its signature checked, parsed once.
    expect(trust.issuerOf(leaf)?.fingerprint256).toBe(operatorRoot.fingerprint256);
    expect(trust.issuerOf(leaf)).toBe(trust.issuerOf(leaf));
    // The inspection proxy's root is in no store: its leaf has no anchor.
    expect(trust.issuerOf(new X509Certificate(pki.intercepted.cert))).toBeUndefined();
    expect(trust.rootSource(new X509Certificate(tls.rootCertificates[0]!).raw)).toBe('bundled');
    expect(trust.rootSource(operatorRoot.raw)).toBe('operator');
    expect(trust.rootSource(new X509Certificate(pems(pki.intercepted.chain).at(-1)!).raw)).toBe('local');
  });
});

describe('the X.509 facts a browser judges and node:crypto does not expose', () => {
  // Certificates made by OpenSSL; a PKCS#7 bundle as some CA issuers URLs serve it (openssl crl2pkcs7).
  it('reads keyUsage bits, DNS name constraints and the certificates of a PKCS#7 bundle', async () => {
    const { execFileSync } = await import('node:child_process');
    const { X509Certificate } = await import('node:crypto');
    const { makePkiDir } = await import('../../lab/parity/cert-pki.ts');
    const { dnsNameConstraints, keyUsageBits, KEY_USAGE, pkcs7Certificates, withinDnsSubtree } = await import('../../probes/lib/tls/x509-der.ts');
    const dir = join(labTempDir('vigie-x509-'), 'pki');
    const p = makePkiDir(dir);
    const root = p.root('root', { cn: 'Facts Root' });
    const constrained = p.under(root, 'nc', { cn: 'Facts NC', ext: ['nameConstraints = critical,permitted;DNS:.sante-ra.fr,excluded;DNS:.test.sante-ra.fr'] });
    const signing = root.issue('sign', { cn: 'visio.sante-ra.fr' });
    const agreement = root.issue('agree', { cn: 'visio.sante-ra.fr', ext: ['keyUsage = critical,keyAgreement'] });
    const none = root.issue('none', { cn: 'visio.sante-ra.fr', eku: null, ext: [] });
    expect([...keyUsageBits(signing.der)!]).toEqual([KEY_USAGE.digitalSignature]);
    expect([...keyUsageBits(agreement.der)!]).toEqual([KEY_USAGE.keyAgreement]);
    expect(keyUsageBits(root.cert.der)).toEqual(new Set([KEY_USAGE.keyCertSign, 6]));
    expect(keyUsageBits(none.der)).toBeDefined();
    expect(dnsNameConstraints(constrained.cert.der)).toEqual({ permitted: ['.sante-ra.fr'], excluded: ['.test.sante-ra.fr'] });
    expect(dnsNameConstraints(root.cert.der)).toBeUndefined();
    expect(withinDnsSubtree('visio.sante-ra.fr', '.sante-ra.fr')).toBe(true);
    expect(withinDnsSubtree('sante-ra.fr.example', '.sante-ra.fr')).toBe(false);
    const bundle = execFileSync('openssl', ['crl2pkcs7', '-nocrl', '-certfile', join(dir, 'nc.pem'), '-certfile', join(dir, 'root.pem'), '-outform', 'DER']);
    expect(pkcs7Certificates(bundle).map((der) => new X509Certificate(der).subject.split('\n').find((l) => l.startsWith('CN=')))).toEqual(['CN=Facts NC', 'CN=Facts Root']);
    expect(pkcs7Certificates(Buffer.from('not a bundle'))).toEqual([]);
  });
});
