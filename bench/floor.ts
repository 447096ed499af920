// The floor under Vigie's TCP, TLS and HTTP checks: what bare Node costs for the same work, in a
// child process like the Vigie workers (`node bench/floor.ts KIND HOST PORT COUNT CONCURRENCY CA
// [DNS]`, printing CPU seconds as JSON). tcp: net.connect until connected, then close; tls:
// tls.connect with the CA and Node's own hostname check (which builds the peer chain as objects, as
// every verified handshake does), getPeerCertificate, then close_notify as a client should
// (Vigie's own closeTls, so that both close alike); http: the same handshake, then one GET and its
// body, through node:https without keep-alive. With a DNS server (HOST:PORT), HOST holds '#' for the target's number
// (h#.lab.test: h0000.lab.test, h0001…), each name asked of that server, as a catalog's rows are.
import dns from 'node:dns';
import https from 'node:https';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { closeTls } from '../probes/lib/tls/tls-handshake.ts';

const [kind, host, port, count, concurrency, caFile, dnsServer] = process.argv.slice(2) as [string, string, string, string, string, string, string | undefined];
const ca = caFile ? readFileSync(caFile, 'utf8') : undefined;
const p = Number(port);
const resolver = dnsServer ? new dns.promises.Resolver({ timeout: 5000, tries: 1 }) : undefined;
resolver?.setServers([dnsServer!]);

async function once(i: number): Promise<boolean> {
  const name = host.replace('#', String(i).padStart(4, '0'));
  const address = resolver ? (await resolver.resolve4(name))[0]! : name;
  return new Promise((resolve) => {
    if (kind === 'tcp') {
      const s = net.connect(p, address, () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    } else if (kind === 'tls') {
      const s = tls.connect({ host: address, port: p, servername: name, ca }, () => {
        const ok = s.authorized && s.getPeerCertificate().subject !== undefined;
        closeTls(s);
        resolve(ok);
      });
      s.on('error', () => resolve(false));
    } else {
      const req = https.get({ host: address, servername: name, port: p, path: '/', ca, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      });
      req.on('error', () => resolve(false));
    }
  });
}

let next = 0;
let ok = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (next < Number(count)) {
      if (await once(next++)) ok++;
    }
  }),
);
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ kind, count: Number(count), ok, wallSeconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
