// The lab PKI, made with the OpenSSL command line: a root CA and leaves that are valid, expired,
// about to expire, for the wrong host, and self-signed. `openssl ca` is used because it sets
// arbitrary validity dates (backdated, expired) that `openssl req -x509` cannot.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labTempDir } from './temp.ts';

export interface LabCert {
  cert: string;
  key: string;
  /** PEM of the chain to serve (leaf then issuer). */
  chain: string;
}

export interface LabPki {
  dir: string;
  caCert: string;
  caFile: string;
  leaves: Record<'valid' | 'expired' | 'expiring' | 'wronghost' | 'selfsigned', LabCert>;
}

export const openssl = (args: string[], cwd: string): string => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

/** An `openssl ca` configuration for a lab CA in the current directory; `leafExtra` adds lines to [leaf]. */
export function caConfig(leafExtra = '', extraSections = ''): string {
  return `[ ca ]
default_ca = lab
[ lab ]
dir = .
database = index.txt
new_certs_dir = newcerts
serial = serial
default_md = sha256
default_days = 365
policy = any
copy_extensions = copy
unique_subject = no
[ any ]
commonName = supplied
organizationName = optional
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = placeholder
[ v3_ca ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ leaf ]
basicConstraints = CA:false
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
${leafExtra}
${extraSections}`;
}

/** Key options: P-256, unencrypted (fast to make, accepted everywhere). */
export const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A fresh `openssl ca` working directory: config, empty index, serial. */
export function initCaDir(dir: string, config: string, serial: string): void {
  mkdirSync(join(dir, 'newcerts'), { recursive: true });
  writeFileSync(join(dir, 'ca.cnf'), config);
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), `${serial}\n`);
}

export function makePki(dir = labTempDir('vigie-pki-')): LabPki {
  initCaDir(dir, caConfig(), '1000');
  const ec = EC_KEY;
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3650', '-subj', '/O=Vigie Lab/CN=Vigie Lab Root CA', '-config', 'ca.cnf', '-extensions', 'v3_ca'], dir);
  const caCert = readFileSync(join(dir, 'ca.pem'), 'utf8');
  const now = Date.now();
  const day = 86_400_000;

  const leaf = (name: string, cn: string, san: string, start: Date, end: Date): LabCert => {
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${san}`], dir);
    openssl(['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-extensions', 'leaf', '-startdate', stamp(start), '-enddate', stamp(end), '-in', `${name}.csr`, '-out', `${name}.pem`, '-notext'], dir);
    const cert = readFileSync(join(dir, `${name}.pem`), 'utf8');
    return { cert, key: readFileSync(join(dir, `${name}.key`), 'utf8'), chain: cert + caCert };
  };
  const localSan = 'DNS:localhost,DNS:*.lab.test,IP:127.0.0.1';
  const valid = leaf('valid', 'localhost', localSan, new Date(now - day), new Date(now + 365 * day));
  const expired = leaf('expired', 'localhost', localSan, new Date(now - 400 * day), new Date(now - 10 * day));
  const expiring = leaf('expiring', 'localhost', localSan, new Date(now - 80 * day), new Date(now + 10 * day));
  const wronghost = leaf('wronghost', 'platform.invalid', 'DNS:platform.invalid', new Date(now - day), new Date(now + 365 * day));
  openssl(['req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.pem', '-days', '365', '-subj', '/CN=localhost', '-addext', `subjectAltName=${localSan}`], dir);
  const selfCert = readFileSync(join(dir, 'self.pem'), 'utf8');
  const selfsigned = { cert: selfCert, key: readFileSync(join(dir, 'self.key'), 'utf8'), chain: selfCert };
  return { dir, caCert, caFile: join(dir, 'ca.pem'), leaves: { valid, expired, expiring, wronghost, selfsigned } };
}
