// nginx (Debian) as the platform's web front: each server block sends the certificate file it is
// given exactly as an administrator concatenated it (missing, extra, duplicated or reordered
// certificates included), with the protocols, cipher suites and stapled OCSP answer it is told to.
// One process serves every cell, each on its own address inside the platform namespace.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killAtExit } from '../temp.ts';

export interface NginxTls {
  /** `IP:443`. */
  listen: string;
  /** server_name; the first block of a listen address is its default server. */
  serverName?: string;
  /** PEM as sent: leaf first, then whatever the bundle holds. */
  chain: string;
  key: string;
  /** ssl_protocols, e.g. "TLSv1.2 TLSv1.3" (default). */
  protocols?: string;
  /** ssl_ciphers (TLS 1.2 and below), e.g. "DHE-RSA-AES128-GCM-SHA256". */
  ciphers?: string;
  /** ssl_conf_command lines, e.g. "Groups P-384". */
  conf?: string[];
  /** A DER OCSP response to staple (ssl_stapling_file). */
  staple?: Buffer;
  /** Finite-field DH parameters (PEM) for DHE suites. */
  dhparam?: string;
  /** Refuses handshakes for names it does not serve (ssl_reject_handshake: an unrecognized_name alert). */
  rejectUnknownNames?: boolean;
}

export interface NginxStatic {
  /** `IP:80`. */
  listen: string;
  /** path → body (a CA issuers file, for one). */
  files: Record<string, Buffer>;
}

export interface Nginx {
  log(): string;
  stop(): Promise<void>;
}

export async function startNginx(netns: string, dir: string, tlsServers: readonly NginxTls[], statics: readonly NginxStatic[] = []): Promise<Nginx> {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const blocks: string[] = [];
  const defaults = new Set<string>();
  tlsServers.forEach((s, i) => {
    const base = join(dir, `tls-${i}`);
    writeFileSync(`${base}.pem`, s.chain);
    writeFileSync(`${base}.key`, s.key, { mode: 0o600 });
    if (s.staple) writeFileSync(`${base}.ocsp`, s.staple);
    if (s.dhparam) writeFileSync(`${base}.dh`, s.dhparam);
    const first = !defaults.has(s.listen);
    defaults.add(s.listen);
    blocks.push(`  server {
    listen ${s.listen} ssl${first ? ' default_server' : ''};
    server_name ${s.serverName ?? '_'};
    ssl_certificate ${base}.pem;
    ssl_certificate_key ${base}.key;
    ssl_protocols ${s.protocols ?? 'TLSv1.2 TLSv1.3'};
    ${s.ciphers ? `ssl_ciphers ${s.ciphers};` : ''}
    ${s.dhparam ? `ssl_dhparam ${base}.dh;` : ''}
    ${s.staple ? `ssl_stapling on; ssl_stapling_file ${base}.ocsp;` : ''}
    ${s.rejectUnknownNames ? 'ssl_reject_handshake on;' : ''}
    ${(s.conf ?? []).map((c) => `ssl_conf_command ${c};`).join(' ')}
    location / { return 200 "parity ${s.serverName ?? s.listen}\\n"; }
  }`);
  });
  statics.forEach((s, i) => {
    const root = join(dir, `static-${i}`);
    mkdirSync(root, { recursive: true });
    for (const [path, body] of Object.entries(s.files)) writeFileSync(join(root, path.replace(/^\//, '')), body);
    blocks.push(`  server {
    listen ${s.listen};
    root ${root};
    default_type application/pkix-cert;
  }`);
  });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'tmp')};
  proxy_temp_path ${join(dir, 'tmp')};
  fastcgi_temp_path ${join(dir, 'tmp')};
  uwsgi_temp_path ${join(dir, 'tmp')};
  scgi_temp_path ${join(dir, 'tmp')};
${blocks.join('\n')}
}
`,
  );
  const child: ChildProcess = killAtExit(spawn('ip', ['netns', 'exec', netns, 'nginx', '-c', conf, '-p', dir], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  // nginx prints nothing when it starts well: it is up when its pid file exists and it still runs.
  for (let i = 0; i < 100 && !existsSync(join(dir, 'nginx.pid')); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 100));
  if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${log.slice(-1500)}`);
  return {
    log: () => log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      }),
  };
}
