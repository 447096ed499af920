// Certificate paths as real servers send them: nginx on its own address per cell, the chain file
// concatenated as an administrator did it (during a migration, or wrongly), the protocols and
// cipher suites set as in its configuration, an OCSP answer stapled or not. Chrome and the probe's
// tls and http checks are both pointed at https://<cell>.parity.test/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParityCell } from './cell.ts';
import { makePkiDir, type Ca, type Issued, type IssueOptions } from './cert-pki.ts';
import { startNginx, type NginxTls } from './nginx.ts';
import type { ParityLab } from './parity-lab.ts';
import { catalogYaml, inBatches, PARITY_CONFIG, type GroupRun } from './group.ts';
import type { ChromeResult } from './cell.ts';

/** How a cell's server is set up: the leaf, what is sent, and nginx's TLS settings. */
export interface CertificateServe {
  ca: string;
  leaf?: Omit<IssueOptions, 'cn'> & { cn?: string };
  /** The certificates sent after the leaf, by CA name (`inter`, `root`, …) or `leaf` (a duplicate). */
  after?: string[];
  nginx?: Omit<NginxTls, 'listen' | 'chain' | 'key' | 'serverName'>;
  /** The leaf's OCSP status stapled by the server. */
  staple?: 'good' | 'revoked';
  /** Several names on the cell's address; the cell's own name is not the default one. */
  sniDefault?: 'wrong-host';
  /** The server serves other names only and refuses unknown ones. */
  sniRefuseOwnName?: boolean;
}

export type CertificateCell = ParityCell & { serve: CertificateServe };

const works = (error = '200'): ParityCell['chrome'] => ({ outcome: 'works', error });
const fails = (error: string): ParityCell['chrome'] => ({ outcome: 'fails', error });
const both = (status: ParityCell['probe'][number]['status'], reason: ParityCell['probe'][number]['reason']): ParityCell['probe'] => [
  { kind: 'tls', status, reason },
  { kind: 'http', status, reason },
];
const OK = both('ok', 'ok');
/** The tls check reports what the server should fix; the web flow itself works. */
const tlsOnly = (status: ParityCell['probe'][number]['status'], reason: ParityCell['probe'][number]['reason']): ParityCell['probe'] => [
  { kind: 'tls', status, reason },
  { kind: 'http', status: 'ok', reason: 'ok' },
];

function cell(id: string, behaviour: string, chrome: ParityCell['chrome'], probe: ParityCell['probe'], serve: CertificateServe, by = 'nginx'): CertificateCell {
  return { id, group: 'certificates', behaviour, by, chrome, probe, serve };
}

export const CERTIFICATE_CELLS: CertificateCell[] = [
  cell('chain-ecdsa', 'ECDSA P-256 leaf, leaf and intermediate sent (TLS 1.2 and 1.3)', works(), OK, { ca: 'inter', after: ['inter'] }),
  cell('chain-rsa', 'RSA 2048 leaf, leaf and intermediate sent', works(), OK, { ca: 'inter', leaf: { key: 'rsa2048' }, after: ['inter'] }),
  cell('tls12-only', 'TLS 1.2 only (ECDHE-GCM)', works(), OK, { ca: 'inter', after: ['inter'], nginx: { protocols: 'TLSv1.2' } }),
  cell('tls13-only', 'TLS 1.3 only', works(), OK, { ca: 'inter', after: ['inter'], nginx: { protocols: 'TLSv1.3' } }),
  cell('ecdsa-p384', 'ECDSA P-384 leaf', works(), OK, { ca: 'inter', leaf: { key: 'p384' }, after: ['inter'] }),
  cell('root-sent', 'leaf, intermediate and root sent', works(), OK, { ca: 'inter', after: ['inter', 'root'] }),
  cell('missing-intermediate-aia', 'intermediate missing; the leaf names it at its CA issuers URL (AIA), which answers', works(), tlsOnly('degraded', 'tls_chain_incomplete'), { ca: 'inter', leaf: { aiaIssuer: 'http://aia.parity.test/inter.der' } }),
  cell('missing-intermediate', 'intermediate missing; its CA issuers URL does not answer', fails('ERR_CERT_AUTHORITY_INVALID'), both('failed', 'tls_chain_incomplete'), { ca: 'inter', leaf: { aiaIssuer: 'http://aia-down.parity.test/inter.der' } }),
  cell('extra-certificate', 'an unrelated CA certificate sent after the chain', works(), tlsOnly('degraded', 'tls_chain_malformed'), { ca: 'inter', after: ['inter', 'other'] }),
  cell('duplicated-intermediate', 'the intermediate sent twice', works(), tlsOnly('degraded', 'tls_chain_malformed'), { ca: 'inter', after: ['inter', 'inter'] }),
  cell('reversed-chain', 'leaf, root, intermediate (a bundle in the wrong order)', works(), tlsOnly('degraded', 'tls_chain_malformed'), { ca: 'inter', after: ['root', 'inter'] }),
  cell('cross-signed', 'new root cross-signed by the old one; leaf, intermediate and the cross-sign sent', works(), OK, { ca: 'inter2', after: ['inter2', 'cross'] }),
  cell(
    'old-root-expired',
    "the intermediate sent was issued by a root that expired; the same intermediate re-issued by the new root is at the leaf's CA issuers URL",
    works(),
    tlsOnly('degraded', 'tls_chain_incomplete'),
    { ca: 'jold', leaf: { aiaIssuer: 'http://aia.parity.test/jnew.der' }, after: ['jold'] },
  ),
  cell('expired-root', 'the only path ends at a trusted root that expired', fails('ERR_CERT_DATE_INVALID'), both('failed', 'tls_expired'), { ca: 'jold', after: ['jold'] }),
  cell('expired-intermediate', 'the intermediate sent has expired', fails('ERR_CERT_DATE_INVALID'), both('failed', 'tls_expired'), { ca: 'interexpired', after: ['interexpired'] }),
  cell('expired', 'the leaf has expired', fails('ERR_CERT_DATE_INVALID'), both('failed', 'tls_expired'), { ca: 'inter', leaf: { from: -400, to: -2 }, after: ['inter'] }),
  cell('not-yet-valid', 'the leaf is valid only from tomorrow', fails('ERR_CERT_DATE_INVALID'), both('failed', 'tls_not_yet_valid'), { ca: 'inter', leaf: { from: 1, to: 300 }, after: ['inter'] }),
  cell('long-validity', 'a leaf valid five years (allowed under a private root)', works(), OK, { ca: 'inter', leaf: { to: 1825 }, after: ['inter'] }),
  cell('wrong-host', 'a certificate for another name', fails('ERR_CERT_COMMON_NAME_INVALID'), both('failed', 'tls_hostname_mismatch'), { ca: 'inter', leaf: { san: ['DNS:portail.other.test'], cn: 'portail.other.test' }, after: ['inter'] }),
  cell('no-subject-alt-name', 'the name only in the subject CN, no subjectAltName', fails('ERR_CERT_COMMON_NAME_INVALID'), both('failed', 'tls_hostname_mismatch'), { ca: 'inter', leaf: { san: null }, after: ['inter'] }),
  cell('self-signed', 'a self-signed leaf', fails('ERR_CERT_AUTHORITY_INVALID'), both('failed', 'tls_untrusted'), { ca: 'self' }),
  cell('untrusted-root', 'a chain to a root nobody installed', fails('ERR_CERT_AUTHORITY_INVALID'), both('failed', 'tls_untrusted'), { ca: 'otherinter', after: ['otherinter'] }),
  cell('sha1-leaf', 'a leaf signed with SHA-1', fails('ERR_CERT_INVALID'), both('failed', 'tls_weak_signature'), { ca: 'inter', leaf: { md: 'sha1', key: 'rsa2048' }, after: ['inter'], nginx: { ciphers: 'DEFAULT:@SECLEVEL=0' } }),
  cell('rsa1024', 'an RSA 1024 leaf under a private root', works(), OK, { ca: 'inter', leaf: { key: 'rsa1024' }, after: ['inter'], nginx: { ciphers: 'DEFAULT:@SECLEVEL=0' } }),
  cell('eku-client-only', 'a leaf whose extended key usage is clientAuth only', fails('ERR_CERT_INVALID'), both('failed', 'tls_certificate_invalid'), { ca: 'inter', leaf: { eku: 'clientAuth' }, after: ['inter'] }),
  cell('name-constraints', 'an intermediate constrained to other names than the leaf', fails('ERR_CERT_INVALID'), both('failed', 'tls_certificate_invalid'), { ca: 'constrained', after: ['constrained'] }),
  cell('key-usage-mismatch', 'an ECDSA leaf whose key usage lacks digitalSignature', fails('ERR_SSL_KEY_USAGE_INCOMPATIBLE'), both('failed', 'tls_certificate_invalid'), { ca: 'inter', leaf: { ext: ['keyUsage = critical,keyAgreement'] }, after: ['inter'] }),
  cell('ecdsa-p521', 'an ECDSA P-521 leaf', fails('ERR_SSL_VERSION_OR_CIPHER_MISMATCH'), both('failed', 'tls_cipher_mismatch'), { ca: 'inter', leaf: { key: 'p521' }, after: ['inter'] }),
  cell('tls10-only', 'TLS 1.0 and 1.1 only', fails('ERR_SSL_VERSION_OR_CIPHER_MISMATCH'), both('failed', 'tls_version_too_old'), { ca: 'inter', leaf: { key: 'rsa2048' }, after: ['inter'], nginx: { protocols: 'TLSv1 TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' } }),
  cell('dhe-only', 'TLS 1.2 with DHE key exchange only', fails('ERR_SSL_VERSION_OR_CIPHER_MISMATCH'), both('failed', 'tls_cipher_mismatch'), { ca: 'inter', leaf: { key: 'rsa2048' }, after: ['inter'], nginx: { protocols: 'TLSv1.2', ciphers: 'DHE-RSA-AES128-GCM-SHA256', dhparam: 'ffdhe2048' } }),
  cell('static-rsa-only', 'TLS 1.2 with RSA key exchange only (no forward secrecy)', works(), OK, { ca: 'inter', leaf: { key: 'rsa2048' }, after: ['inter'], nginx: { protocols: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' } }),
  cell('cbc-only', 'TLS 1.2 with ECDHE and CBC suites only', works(), OK, { ca: 'inter', leaf: { key: 'rsa2048' }, after: ['inter'], nginx: { protocols: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA' } }),
  cell('sni-default-other', "several names on one address; without SNI the server sends another name's certificate", works(), OK, { ca: 'inter', after: ['inter'], sniDefault: 'wrong-host' }),
  cell('sni-unknown-name', 'the server does not serve this name and refuses unknown names (unrecognized_name alert)', fails('ERR_SSL_UNRECOGNIZED_NAME_ALERT'), both('failed', 'tls_server_name_unknown'), { ca: 'inter', after: ['inter'], sniRefuseOwnName: true }),
  cell('staple-good', 'an OCSP answer "good" stapled', works(), OK, { ca: 'inter', after: ['inter'], staple: 'good' }),
  cell('staple-revoked', 'an OCSP answer "revoked" stapled', fails('ERR_CERT_REVOKED'), both('failed', 'tls_revoked'), { ca: 'inter', after: ['inter'], staple: 'revoked' }),
];

/** The CAs the cells use, made once: roots (trusted unless said), intermediates, a cross-sign, an old root that expired. */
export function makeCertificatePki(dir: string): { cas: Record<string, Ca>; trusted: Issued[]; aia: Record<string, Buffer>; pki: ReturnType<typeof makePkiDir> } {
  const pki = makePkiDir(dir);
  const root = pki.root('root', { cn: 'Vigie Parity Root CA' });
  const inter = pki.under(root, 'inter', { cn: 'Vigie Parity Issuing CA' });
  const interexpired = pki.under(root, 'interexpired', { cn: 'Vigie Parity Expired Issuing CA', from: -800, to: -3 });
  const constrained = pki.under(root, 'constrained', { cn: 'Vigie Parity Constrained CA', ext: ['nameConstraints = critical,permitted;DNS:.other.test'] });
  // A migration: a new root, the old one cross-signing it.
  const newRoot = pki.root('newroot', { cn: 'Vigie Parity Root X2' });
  const oldRoot = pki.root('oldroot', { cn: 'Vigie Parity Old Root' });
  const cross = pki.under(oldRoot, 'cross', { cn: 'Vigie Parity Root X2', reuseKeyOf: newRoot.cert });
  const inter2 = pki.under(newRoot, 'inter2', { cn: 'Vigie Parity Issuing CA 2' });
  // An old root that expired, its intermediate re-issued (same name and key) by the new root.
  const expRoot = pki.root('exproot', { cn: 'Vigie Parity Expired Root', from: -3650, to: -5 });
  const jold = pki.under(expRoot, 'jold', { cn: 'Vigie Parity Issuing CA 3', from: -3000, to: 1000 });
  const jnew = pki.under(newRoot, 'jnew', { cn: 'Vigie Parity Issuing CA 3', reuseKeyOf: jold.cert });
  const other = pki.root('other', { cn: 'Other Root CA' });
  const otherinter = pki.under(other, 'otherinter', { cn: 'Other Issuing CA' });
  return {
    pki,
    cas: { root, inter, interexpired, constrained, newroot: newRoot, oldroot: oldRoot, cross, inter2, exproot: expRoot, jold, jnew, other, otherinter },
    trusted: [root.cert, newRoot.cert, oldRoot.cert, expRoot.cert],
    aia: { 'inter.der': inter.cert.der, 'jnew.der': jnew.cert.der },
  };
}

/** The OCSP answer for `leaf` from `ca`, as its responder signs it (openssl ocsp, offline). */
export function ocspAnswer(ca: Ca, leaf: Issued, caPkiDir: string, revoked: boolean): Buffer {
  const d = join(caPkiDir, `ocsp-${leaf.name}`);
  mkdirSync(d, { recursive: true });
  const status = revoked ? 'R' : 'V';
  // One line for this leaf in an index of its own: openssl ocsp answers from it.
  const serial = execFileSync('openssl', ['x509', '-in', join(caPkiDir, `${leaf.name}.pem`), '-noout', '-serial'], { encoding: 'utf8' }).trim().split('=')[1]!;
  const end = execFileSync('openssl', ['x509', '-in', join(caPkiDir, `${leaf.name}.pem`), '-noout', '-enddate'], { encoding: 'utf8' }).trim().split('=')[1]!;
  const t = (d0: Date) => d0.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  const expiry = t(new Date(end));
  writeFileSync(join(d, 'index.txt'), `${status}\t${expiry}\t${revoked ? `${t(new Date(Date.now() - 86_400_000))},keyCompromise` : ''}\t${serial}\tunknown\t/CN=${leaf.name}\n`);
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: ['ignore', 'pipe', 'pipe'] });
  run(['ocsp', '-issuer', join(caPkiDir, `${ca.cert.name}.pem`), '-cert', join(caPkiDir, `${leaf.name}.pem`), '-reqout', 'req.der', '-no_nonce']);
  run(['ocsp', '-index', 'index.txt', '-rsigner', join(caPkiDir, `${ca.cert.name}.pem`), '-rkey', join(caPkiDir, `${ca.cert.name}.key`), '-CA', join(caPkiDir, `${ca.cert.name}.pem`), '-reqin', 'req.der', '-respout', 'resp.der', '-ndays', '7']);
  return readFileSync(join(d, 'resp.der'));
}

/** The cells' servers in the lab: one nginx, one address per cell, the CA issuers URL on its own address. */
export async function startCertificateGroup(lab: ParityLab, cells: readonly CertificateCell[] = CERTIFICATE_CELLS): Promise<GroupRun> {
  const pkiDir = join(lab.dir, 'pki');
  const { cas, trusted, aia, pki } = makeCertificatePki(pkiDir);
  const dhparam = execFileSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048'], { encoding: 'utf8' });
  const servers: NginxTls[] = [];
  for (const c of cells) {
    const host = lab.host(c.id);
    const s = c.serve;
    const leafOpts = { cn: host, ...s.leaf };
    const leaf = s.ca === 'self' ? pki.selfSigned(`leaf-${c.id}`, leafOpts) : cas[s.ca]!.issue(`leaf-${c.id}`, leafOpts);
    const sent = [leaf.pem, ...(s.after ?? []).map((n) => (n === 'leaf' ? leaf.pem : cas[n]!.cert.pem))].join('');
    const staple = s.staple ? ocspAnswer(cas[s.ca]!, leaf, pkiDir, s.staple === 'revoked') : undefined;
    const listen = `${lab.ip(c.id)}:443`;
    const tlsOpts = { ...s.nginx, ...(s.nginx?.dhparam ? { dhparam } : {}), ...(staple ? { staple } : {}) };
    if (s.sniDefault || s.sniRefuseOwnName) {
      // Another name served first on the same address: the default server for a hello without (or with an unknown) SNI.
      const otherName = `portail-${c.id}.other.test`;
      const other = cas.inter!.issue(`other-${c.id}`, { cn: otherName });
      servers.push({ listen, serverName: otherName, chain: other.pem + cas.inter!.cert.pem, key: other.key, ...(s.sniRefuseOwnName ? { rejectUnknownNames: true } : {}) });
      if (s.sniRefuseOwnName) continue;
    }
    servers.push({ listen, serverName: host, chain: sent, key: leaf.key, ...tlsOpts });
  }
  const nginx = await startNginx(lab.net.platform, join(lab.dir, 'nginx'), servers, [{ listen: `${lab.ip('aia')}:80`, files: aia }]);
  const rootFiles = trusted.map((r) => join(pkiDir, `${r.name}.pem`));
  const flows = cells.map((c) => `  - { host: ${lab.host(c.id)}, ips: [${lab.ip(c.id)}], port: 443, transport: tcp, direction: out, checks: [tls], source: "parity: ${c.id}" }`);
  const urls = cells.map((c) => `  - { url: "https://${lab.host(c.id)}/", checks: [http], source: "parity: ${c.id}" }`);
  return {
    catalog: catalogYaml('parity-certificates', flows, urls),
    config: { ...PARITY_CONFIG, trust: { extra_ca_files: rootFiles } },
    roots: trusted.map((r) => r.pem),
    async chrome(browser) {
      const out = new Map<string, ChromeResult>();
      await inBatches(cells, 4, async (c) => out.set(c.id, await browser.page(`https://${lab.host(c.id)}/`)));
      return out;
    },
    stop: () => nginx.stop(),
  };
}
