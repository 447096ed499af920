// The floor under Vigie's TCP, TLS and HTTP checks: what bare Node costs for the same work, in a
// child process like the Vigie workers (`node bench/floor.ts KIND HOST PORT COUNT CONCURRENCY CA`,
// printing CPU seconds as JSON). tcp: net.connect until connected, then close; tls: tls.connect
// with the CA and Node's own hostname check (which builds the peer chain as objects, as every
// verified handshake does), getPeerCertificate, close; http: the same handshake, then one GET and
// its body, through node:https without keep-alive.
import https from 'node:https';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

const [kind, host, port, count, concurrency, caFile] = process.argv.slice(2) as [string, string, string, string, string, string];
const ca = caFile ? readFileSync(caFile, 'utf8') : undefined;
const p = Number(port);

function once(): Promise<boolean> {
  return new Promise((resolve) => {
    if (kind === 'tcp') {
      const s = net.connect(p, host, () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    } else if (kind === 'tls') {
      const s = tls.connect({ host, port: p, servername: host, ca }, () => {
        const ok = s.authorized && s.getPeerCertificate().subject !== undefined;
        s.destroy();
        resolve(ok);
      });
      s.on('error', () => resolve(false));
    } else {
      const req = https.get({ host, port: p, path: '/', ca, agent: false }, (res) => {
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
      next++;
      if (await once()) ok++;
    }
  }),
);
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ kind, count: Number(count), ok, wallSeconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
