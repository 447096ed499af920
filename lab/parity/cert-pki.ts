// The parity matrix's PKI, made with the OpenSSL command line: roots, intermediates and leaves in
// the shapes real servers send during migrations and misconfigurations (AIA pointing at an issuer,
// cross-signed roots, an old root that expired, SHA-1, short RSA keys, no subjectAltName, expired
// or not yet valid). `openssl ca` sets arbitrary dates, which `openssl req -x509` cannot.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { caConfig, initCaDir, openssl } from '../pki.ts';

export type KeyType = 'ec' | 'p384' | 'p521' | 'rsa2048' | 'rsa1024';

export interface Issued {
  name: string;
  pem: string;
  key: string;
  der: Buffer;
}

const KEY_ARGS: Record<KeyType, string[]> = {
  ec: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
  p384: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp384r1'],
  p521: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp521r1'],
  rsa2048: ['-newkey', 'rsa:2048'],
  rsa1024: ['-newkey', 'rsa:1024'],
};

const stamp = (d: Date): string => d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
const DAY = 86_400_000;

export interface IssueOptions {
  key?: KeyType;
  cn: string;
  /** subjectAltName entries (`DNS:x`); null: none at all. */
  san?: string[] | null;
  /** Validity relative to now, in days. */
  from?: number;
  to?: number;
  ca?: boolean;
  /** extendedKeyUsage (default serverAuth for leaves, none for CAs). */
  eku?: string | null;
  /** caIssuers URL of the Authority Information Access. */
  aiaIssuer?: string;
  ocsp?: string;
  md?: 'sha256' | 'sha1';
  /** Reuse this key (a cross-signed or re-issued CA keeps its key). */
  reuseKeyOf?: Issued;
  /** Extra extension lines (e.g. nameConstraints). */
  ext?: string[];
}

/** A CA directory able to issue certificates, with its own certificate. */
export interface Ca {
  cert: Issued;
  dir: string;
  issue(name: string, o: IssueOptions): Issued;
}

export function makePkiDir(dir: string): { root(name: string, o: IssueOptions): Ca; under(parent: Ca, name: string, o: IssueOptions): Ca; selfSigned(name: string, o: IssueOptions): Issued } {
  mkdirSync(dir, { recursive: true });
  let serial = 0x5000;
  const read = (name: string): Issued => ({
    name,
    pem: readFileSync(join(dir, `${name}.pem`), 'utf8'),
    key: readFileSync(join(dir, `${name}.key`), 'utf8'),
    der: Buffer.from(openssl(['x509', '-in', `${name}.pem`, '-outform', 'DER'], dir).length ? readDer(join(dir, `${name}.pem`)) : []),
  });
  const readDer = (file: string): Buffer => {
    const b64 = readFileSync(file, 'utf8').replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '');
    return Buffer.from(b64, 'base64');
  };
  const extLines = (o: IssueOptions): string[] => [
    o.ca ? 'basicConstraints = critical,CA:true' : 'basicConstraints = CA:false',
    o.ca ? 'keyUsage = critical,keyCertSign,cRLSign' : `keyUsage = critical,digitalSignature${o.key?.startsWith('rsa') ? ',keyEncipherment' : ''}`,
    'subjectKeyIdentifier = hash',
    ...(o.ca ? [] : ['authorityKeyIdentifier = keyid']),
    ...(o.eku === null || (o.ca && o.eku === undefined) ? [] : [`extendedKeyUsage = ${o.eku ?? 'serverAuth'}`]),
    ...(o.san === null ? [] : [`subjectAltName = ${(o.san ?? [`DNS:${o.cn}`]).join(',')}`]),
    ...(o.aiaIssuer || o.ocsp ? [`authorityInfoAccess = ${[o.ocsp ? `OCSP;URI:${o.ocsp}` : '', o.aiaIssuer ? `caIssuers;URI:${o.aiaIssuer}` : ''].filter(Boolean).join(',')}`] : []),
    ...(o.ext ?? []),
  ];
  /** The CSR (or reuses a key), then `openssl ca` signed by `signer` (itself when undefined: a root). */
  const make = (name: string, o: IssueOptions, signer: Ca | undefined): Issued => {
    const now = Date.now();
    const keyArgs = o.reuseKeyOf ? ['-key', `${o.reuseKeyOf.name}.key`] : [...KEY_ARGS[o.key ?? 'ec'], '-nodes', '-keyout', `${name}.key`];
    openssl(['req', '-new', ...keyArgs, '-out', `${name}.csr`, '-subj', `/O=Vigie Parity/CN=${o.cn}`], dir);
    if (o.reuseKeyOf) writeFileSync(join(dir, `${name}.key`), o.reuseKeyOf.key);
    writeFileSync(join(dir, `${name}.ext`), `[ext]\n${extLines(o).join('\n')}\n`);
    const caDir = join(dir, `ca-${signer?.cert.name ?? name}`);
    if (!signer) initCaDir(caDir, caConfig(), (serial++).toString(16));
    const signerFiles = signer ? ['-cert', join(dir, `${signer.cert.name}.pem`), '-keyfile', join(dir, `${signer.cert.name}.key`)] : ['-selfsign', '-keyfile', join(dir, `${name}.key`)];
    openssl(
      ['ca', '-batch', '-config', join(caDir, 'ca.cnf'), ...signerFiles, '-md', o.md ?? 'sha256', '-extfile', join(dir, `${name}.ext`), '-extensions', 'ext', '-startdate', stamp(new Date(now + (o.from ?? -1) * DAY)), '-enddate', stamp(new Date(now + (o.to ?? 365) * DAY)), '-in', join(dir, `${name}.csr`), '-out', join(dir, `${name}.pem`), '-notext'],
      caDir,
    );
    return read(name);
  };
  const asCa = (cert: Issued): Ca => {
    const caDir = join(dir, `ca-${cert.name}`);
    try {
      readFileSync(join(caDir, 'ca.cnf'));
    } catch {
      initCaDir(caDir, caConfig(), (serial++).toString(16));
    }
    const self: Ca = { cert, dir: caDir, issue: (name, o) => make(name, o, self) };
    return self;
  };
  return {
    root: (name, o) => asCa(make(name, { ...o, ca: true, to: o.to ?? 3650 }, undefined)),
    under: (parent, name, o) => asCa(make(name, { ...o, ca: true, to: o.to ?? 1825 }, parent)),
    selfSigned: (name, o) => make(name, { ...o, to: o.to ?? 365 }, undefined),
  };
}
