// The platform side of the fault lab, run inside the "platform" network namespace
// (`ip netns exec NS node lab/fault/platform-side.ts SPEC.json`): HTTPS portal (on its documented
// address and on the address a DNS drift moves it to), the CA issuers URL, the lab DNS server,
// an SNTP server with a chosen skew, the hospital's NTLM-only proxy, a TLS-intercepting
// middlebox (DPI), a firewall that lets only TLS through on 443, a firewall filtering TLS by server name; Janus's demo pages when the lab runs Janus. Prints `ready` once everything listens; stops on SIGTERM.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { listen, startDns, startHttps, startProxy, startSntp, startTlsOnlyGate, type Closable, type DnsZone } from '../servers.ts';
import type { LabCert } from '../pki.ts';
import { staticDemos } from '../janus.ts';
import { startSniFilter } from '../parity/middlebox-side.ts';

export interface PlatformSpec {
  web: string[];
  webCert: LabCert;
  /** What the portal serves (its chain as a profile breaks it); `webCert` when absent. */
  portalCert?: LabCert;
  /** CA issuers URL server: address, port, and the DER it serves at /root.der. */
  issuers: { host: string; port: number; derFile: string; issuingDerFile: string };
  dns: { host: string; zone: DnsZone; delayMs?: number };
  ntp: { host: string; skewSeconds: number };
  proxy: { host: string; port: number };
  /** A firewall filtering TLS by server name (a block list): resets a hello naming one of `block`, lets the others through to `upstream`. */
  sniFilter: { host: string; port: number; upstream: string; block: string[] };
  /** A next-generation firewall on 443 that lets TLS through to `upstream` and resets anything else. */
  tlsOnly: { host: string; port: number; upstream: string; upstreamPort: number };
  /** The middlebox: each listener re-signs with `cert` and forwards to one upstream. */
  dpi: { host: string; cert: LabCert; routes: { port: number; upstream: string; upstreamPort: number }[] };
  /** Janus's stock demo pages over HTTPS (with `webCert`), when the lab runs Janus. */
  janusPages?: { host: string; port: number; settings: string };
}

/**
 * A DPI appliance as hospitals deploy them: it terminates TLS with a certificate from the
 * establishment's own root, inspects the first bytes, and lets only HTTP through (re-encrypted to
 * the real server); anything else (TURN over TLS, for one) is cut.
 */
function startDpi(spec: PlatformSpec['dpi']): Promise<Closable[]> {
  return Promise.all(
    spec.routes.map((route) => {
      const server = tls.createServer({ cert: spec.cert.chain, key: spec.cert.key }, (client) => {
        client.on('error', () => client.destroy());
        client.once('data', (first: Buffer) => {
          if (!/^[A-Z]{3,7} \S+ HTTP\/1\.[01]\r\n/.test(first.toString('latin1', 0, 64))) return void client.destroy();
          const up = tls.connect({ host: route.upstream, port: route.upstreamPort, servername: client.servername || undefined, rejectUnauthorized: false }, () => {
            up.write(first);
            up.pipe(client).pipe(up);
          });
          up.on('error', () => client.destroy());
          client.on('close', () => up.destroy());
        });
      });
      return listen(server, spec.host, route.port);
    }),
  );
}

/** The CA issuers URL: the platform CA and its issuing CA in DER, as crt.sectigo.com serves them. */
function startIssuers(spec: PlatformSpec['issuers']): Promise<Closable> {
  const der = readFileSync(spec.derFile);
  const issuing = readFileSync(spec.issuingDerFile);
  const server = http.createServer((req, res) => {
    if (req.url === '/root.der') return void res.writeHead(200, { 'content-type': 'application/pkix-cert' }).end(der);
    if (req.url === '/issuing.der') return void res.writeHead(200, { 'content-type': 'application/pkix-cert' }).end(issuing);
    res.writeHead(404).end();
  });
  return listen(server, spec.host, spec.port);
}

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as PlatformSpec;
const servers: Closable[] = [
  ...(await Promise.all(spec.web.map((host) => startHttps(spec.portalCert ?? spec.webCert, { host, port: 443 })))),
  await startIssuers(spec.issuers),
  await startDns(spec.dns.zone, 'NXDOMAIN', { host: spec.dns.host, port: 53, ...(spec.dns.delayMs ? { delayMs: spec.dns.delayMs } : {}) }),
  await startSntp(spec.ntp.skewSeconds, { host: spec.ntp.host, port: 123 }),
  await startProxy('ntlm', undefined, { host: spec.proxy.host, port: spec.proxy.port }),
  ...(await startDpi(spec.dpi)),
  await startTlsOnlyGate(spec.tlsOnly.upstreamPort, spec.tlsOnly.upstream, { host: spec.tlsOnly.host, port: spec.tlsOnly.port }),
  await startSniFilter(spec.sniFilter.host, spec.sniFilter),
  ...(spec.janusPages ? [await listen(https.createServer({ cert: spec.webCert.chain, key: spec.webCert.key }, staticDemos(spec.janusPages.settings)), spec.janusPages.host, spec.janusPages.port)] : []),
];
process.stdout.write('ready\n');
process.on('SIGTERM', () => void Promise.all(servers.map((s) => s.close())).then(() => process.exit(0)));
