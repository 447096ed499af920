// The OCSP lab, made with OpenSSL: root → intermediate → leaves whose Authority Information Access
// points at the lab (OCSP responder and CA issuers URL on loopback), a delegated OCSP signer, an
// index in which one leaf is revoked and one is absent, and `openssl ocsp` answering on loopback.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { caConfig, EC_KEY, initCaDir, openssl } from './pki.ts';
import { closedPort } from './servers.ts';
import { killAtExit, labTempDir } from './temp.ts';

export interface OcspLeaf {
  cert: string;
  key: string;
  chain: string;
}

/**
 * Who signs the responder's answers: the CA's delegated signer, the CA itself, a self-signed
 * stranger, or a delegated signer that must be refused (no OCSP-signing EKU, expired), or one
 * signing with RSA (PKCS#1 v1.5 or PSS), as public CAs' responders do.
 */
export type OcspSigner = 'delegated' | 'issuer' | 'unrelated' | 'no-eku' | 'expired' | 'rsa' | 'rsa-pss';

export interface OcspLab {
  dir: string;
  rootPem: string;
  intermediatePem: string;
  ocspPort: number;
  issuersPort: number;
  leaves: Record<'good' | 'revoked' | 'unknown', OcspLeaf>;
  /** An OCSP answer for the good leaf made by the responder as if it were `daysAgo` days ago (faketime). */
  staleResponse(daysAgo: number): Buffer;
  /** A fresh OCSP answer for the good leaf, as a server would staple it. */
  fetchResponse(): Buffer;
  /** Starts (or restarts) the responder; `signer` picks who signs (the delegated signer by default). */
  startResponder(signer?: OcspSigner): Promise<void>;
  stopResponder(): Promise<void>;
  /** Makes the CA issuers URL answer 503 (true) or serve the intermediate again (false). */
  setIssuersDown(down: boolean): void;
  stop(): Promise<void>;
}

const conf = (ocspPort: number, issuersPort: number) =>
  caConfig(
    `authorityInfoAccess = OCSP;URI:http://127.0.0.1:${ocspPort}/,caIssuers;URI:http://127.0.0.1:${issuersPort}/intermediate.der`,
    `[ ocsp_signer ]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,OCSPSigning
[ ocsp_signer_no_eku ]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
`,
  );

export async function makeOcspLab(): Promise<OcspLab> {
  const dir = labTempDir('vigie-ocsp-');
  const [ocspPort, issuersPort] = [await closedPort(), await closedPort()];
  initCaDir(dir, conf(ocspPort, issuersPort), '2000');
  const ec = EC_KEY;
  openssl(['req', '-x509', ...ec, '-keyout', 'root.key', '-out', 'root.pem', '-days', '3650', '-subj', '/O=Vigie Lab/CN=Vigie Lab OCSP Root', '-config', 'ca.cnf', '-extensions', 'v3_ca'], dir);
  openssl(['req', ...ec, '-keyout', 'intermediate.key', '-out', 'intermediate.csr', '-subj', '/O=Vigie Lab/CN=Vigie Lab Issuing CA'], dir);
  openssl(['ca', '-batch', '-config', 'ca.cnf', '-cert', 'root.pem', '-keyfile', 'root.key', '-extensions', 'v3_ca', '-in', 'intermediate.csr', '-out', 'intermediate.pem', '-notext'], dir);
  // The leaves' index is the intermediate's own: start it afresh (the root's lists the intermediate).
  writeFileSync(join(dir, 'index.txt'), '');
  const issue = (name: string, ext: string, cn: string, key: readonly string[] = ec, caArgs: readonly string[] = []) => {
    openssl(['req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], dir);
    openssl(['ca', '-batch', '-config', 'ca.cnf', '-cert', 'intermediate.pem', '-keyfile', 'intermediate.key', '-extensions', ext, ...caArgs, '-in', `${name}.csr`, '-out', `${name}.pem`, '-notext'], dir);
  };
  issue('good', 'leaf', 'localhost');
  issue('revoked', 'leaf', 'localhost');
  issue('ocsp', 'ocsp_signer', 'Vigie Lab OCSP Signer');
  openssl(['ca', '-config', 'ca.cnf', '-cert', 'intermediate.pem', '-keyfile', 'intermediate.key', '-revoke', 'revoked.pem', '-crl_reason', 'keyCompromise'], dir);
  // "unknown": issued by the same CA but absent from the responder's index.
  const index = readFileSync(join(dir, 'index.txt'), 'utf8');
  issue('unknown', 'leaf', 'localhost');
  writeFileSync(join(dir, 'index.txt'), index);
  openssl(['req', '-x509', ...ec, '-keyout', 'unrelated.key', '-out', 'unrelated.pem', '-days', '30', '-subj', '/CN=Unrelated Signer'], dir);
  const intermediatePem = readFileSync(join(dir, 'intermediate.pem'), 'utf8');
  openssl(['x509', '-in', 'intermediate.pem', '-outform', 'DER', '-out', 'intermediate.der'], dir);
  const leaf = (name: string): OcspLeaf => {
    const cert = readFileSync(join(dir, `${name}.pem`), 'utf8');
    return { cert, key: readFileSync(join(dir, `${name}.key`), 'utf8'), chain: cert + intermediatePem };
  };

  // CA issuers URL: serves the intermediate in DER, as crt.sectigo.com does.
  let issuersDown = false;
  const issuers = http.createServer((req, res) => {
    if (issuersDown) return void res.writeHead(503).end();
    if (req.url === '/intermediate.der') return void res.writeHead(200, { 'content-type': 'application/pkix-cert' }).end(readFileSync(join(dir, 'intermediate.der')));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => issuers.listen(issuersPort, '127.0.0.1', () => r()));

  let responder: ChildProcess | undefined;
  const stopResponder = () =>
    new Promise<void>((resolve) => {
      if (!responder || responder.exitCode !== null || responder.signalCode !== null) return resolve();
      responder.once('exit', () => resolve());
      responder.kill('SIGTERM');
    });
  // Each signer: its certificate and key files (name.pem, name.key), how to issue them when they are
  // not made up front (the signers real responders have been seen with, beside the usual ones), and
  // openssl ocsp's signing options.
  const rsa = () => issue('ocsp-rsa', 'ocsp_signer', 'Vigie Lab OCSP Signer (RSA)', ['-newkey', 'rsa:2048', '-nodes']);
  const signers: Record<OcspSigner, { name: string; make?: () => void; options?: string[] }> = {
    delegated: { name: 'ocsp' },
    issuer: { name: 'intermediate' },
    unrelated: { name: 'unrelated' },
    'no-eku': { name: 'ocsp-no-eku', make: () => issue('ocsp-no-eku', 'ocsp_signer_no_eku', 'Vigie Lab OCSP Signer without EKU') },
    expired: { name: 'ocsp-expired', make: () => issue('ocsp-expired', 'ocsp_signer', 'Vigie Lab OCSP Signer (expired)', ec, ['-startdate', '20200101000000Z', '-enddate', '20210101000000Z']) },
    rsa: { name: 'ocsp-rsa', make: rsa },
    'rsa-pss': { name: 'ocsp-rsa', make: rsa, options: ['-rsigopt', 'rsa_padding_mode:pss'] },
  };
  const startResponder = async (signer: OcspSigner = 'delegated') => {
    await stopResponder();
    const { name, make, options = [] } = signers[signer];
    if (make && !existsSync(join(dir, `${name}.pem`))) make();
    responder = killAtExit(spawn('openssl', ['ocsp', '-index', 'index.txt', '-port', String(ocspPort), '-rsigner', `${name}.pem`, '-rkey', `${name}.key`, ...options, '-CA', 'intermediate.pem', '-nmin', '60', '-ignore_err'], { cwd: dir, stdio: 'ignore' }));
    // Ready when it accepts connections.
    for (let i = 0; i < 50; i++) {
      const ok = await new Promise<boolean>((r) => {
        const req = http.request({ host: '127.0.0.1', port: ocspPort, method: 'GET', path: '/' }, (res) => (res.resume(), r(true)));
        req.on('error', () => r(false));
        req.end();
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('openssl ocsp did not start');
  };

  const staleResponse = (daysAgo: number) => {
    openssl(['ocsp', '-issuer', 'intermediate.pem', '-cert', 'good.pem', '-no_nonce', '-reqout', 'stale-req.der'], dir);
    execFileSync('faketime', ['-f', `-${daysAgo}d`, 'openssl', 'ocsp', '-index', 'index.txt', '-rsigner', 'ocsp.pem', '-rkey', 'ocsp.key', '-CA', 'intermediate.pem', '-reqin', 'stale-req.der', '-respout', 'stale.der', '-nmin', '60'], { cwd: dir, stdio: 'ignore' });
    return readFileSync(join(dir, 'stale.der'));
  };
  const fetchResponse = () => {
    openssl(['ocsp', '-issuer', 'intermediate.pem', '-cert', 'good.pem', '-no_nonce', '-url', `http://127.0.0.1:${ocspPort}/`, '-respout', 'staple.der', '-noverify'], dir);
    return readFileSync(join(dir, 'staple.der'));
  };
  return {
    dir,
    staleResponse,
    fetchResponse,
    rootPem: readFileSync(join(dir, 'root.pem'), 'utf8'),
    intermediatePem,
    ocspPort,
    issuersPort,
    leaves: { good: leaf('good'), revoked: leaf('revoked'), unknown: leaf('unknown') },
    startResponder,
    stopResponder,
    setIssuersDown: (down) => (issuersDown = down),
    stop: async () => {
      await stopResponder();
      await new Promise<void>((r) => issuers.close(() => r()));
    },
  };
}
