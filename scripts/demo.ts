// `npm run demo`: the local lab (HTTPS servers from a lab CA, a DNS server, an SNTP server, coturn,
// Janus with its demo page) and a `vigie run` against it with two browser scenarios, scraped by
// Prometheus with the shipped rules and Alertmanager; prints the addresses; Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makePki } from '../test/lab/pki.ts';
import { closedPort, startDns, startHttp, startHttps, startSntp, type Closable } from '../test/lab/servers.ts';
import { startCoturn } from '../test/lab/coturn.ts';
import { startJanus } from '../test/lab/janus.ts';
import { startAlertmanager, startPrometheus, startWebhook } from '../test/lab/monitoring.ts';
import { randomBytes } from 'node:crypto';

const { values } = parseArgs({ options: { port: { type: 'string', default: '9464' }, lang: { type: 'string', default: 'fr' } } });
const root = join(import.meta.dirname, '..');
const dir = join(root, '.lab', 'demo');
mkdirSync(dir, { recursive: true });

const pki = makePki(join(dir, 'pki'));
const servers: Closable[] = [];
const keep = <T extends Closable>(s: T): T => (servers.push(s), s);
const web = keep(await startHttps(pki.leaves.valid));
const expired = keep(await startHttps(pki.leaves.expired));
const plain = keep(await startHttp());
const dns = keep(
  await startDns({
    'visio.lab.test': { A: ['127.0.0.1'] },
    'portail.lab.test': { A: ['127.0.0.1'] },
    'ancien.lab.test': { A: ['127.0.0.1'] },
  }),
);
const ntp = keep(await startSntp(0.2));
const closed = await closedPort();
// coturn with a REST-API secret made for this run, and Janus with the stock demo page.
const turnSecret = randomBytes(16).toString('hex');
const coturn = await startCoturn(pki.leaves.valid, { secret: turnSecret });
keep({ port: coturn.port, close: () => coturn.stop() });
const janus = await startJanus();
keep({ port: 0, close: () => janus.stop() });

writeFileSync(
  join(dir, 'demo-catalog.yaml'),
  `platform: demo
title: Plateforme de démonstration (lab local)
operator: Vigie lab
flows:
  - { host: visio.lab.test, ips: [127.0.0.1], port: ${web.port}, transport: tcp, direction: out, checks: [dns, tcp, tls, http], source: "lab : visio (HTTPS valide)" }
  - { host: visio.lab.test, ips: [127.0.0.1], port: ${closed}, transport: tcp, direction: out, checks: [tcp], source: "lab : TURN/TCP (port fermé)" }
  - { host: portail.lab.test, ips: [127.0.0.1], port: ${expired.port}, transport: tcp, direction: out, checks: [dns, tls], source: "lab : portail (certificat expiré)" }
  - { host: ancien.lab.test, ips: [192.0.2.10], port: ${plain.port}, transport: tcp, direction: out, checks: [dns, tcp], source: "lab : adresse documentée périmée" }
  - { host: visio.lab.test, ips: [127.0.0.1], port: ${coturn.port}, transport: udp, direction: out, checks: [stun, turn, relay], source: "lab : STUN/TURN (coturn)" }
  - { host: visio.lab.test, ips: [127.0.0.1], port: ${coturn.tlsPort}, transport: tcp, direction: out, checks: [turns], source: "lab : TURN/TLS (coturn)" }
urls:
  - { url: "http://portail.lab.test:${plain.port}/", checks: [http], source: "lab : portail HTTP" }
`,
);
writeFileSync(
  join(dir, 'vigie.yaml'),
  `site: { establishment: demo, name: "Établissement de démonstration", region: lab }
lang: ${values.lang === 'en' ? 'en' : 'fr'}
catalogs: { platforms: [demo], files: [demo-catalog.yaml] }
server: { listen: "127.0.0.1:${values.port}" }
dns: { servers: ["127.0.0.1:${dns.port}"] }
clock: { server: 127.0.0.1, port: ${ntp.port} }
trust: { extra_ca_files: [pki/ca.pem] }
jitter: 0s
credentials: { turn: { secret: { env: VIGIE_DEMO_TURN_SECRET } } }
service_credentials: { visio.lab.test: turn, 127.0.0.1: turn }
# The lab runs on loopback, which Chromium leaves out of WebRTC unless told otherwise.
browser: { args: ["--allow-loopback-in-peer-connection"], cache_dir: cache }
scenarios:
  - { name: salle-test, kind: janus-videoroom, platform: demo, participants: 2, url: "${janus.demos}/videoroomtest.html", room: ${janus.room}, schedule: "*/5 * * * *" }
  - { name: relais-turn, kind: turn-relay, platform: demo, server: 127.0.0.1, port: ${coturn.port}, tls_port: ${coturn.tlsPort}, schedule: "*/10 * * * *" }
checks:
  proxy: { enabled: false }
  tcp: { schedule: "*/30 * * * * *" }
  dns: { schedule: "*/30 * * * * *" }
  http: { schedule: "*/30 * * * * *" }
  tls: { schedule: "* * * * *" }
`,
);

const probe = spawn(process.execPath, [join(root, 'bin', 'vigie.js'), 'run', '--config', join(dir, 'vigie.yaml')], {
  cwd: dir,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, VIGIE_DEMO_TURN_SECRET: turnSecret },
});
// Prometheus scrapes the probe with the shipped rules; Alertmanager delivers to a local webhook.
const webhook = await startWebhook();
keep({ port: webhook.port, close: () => webhook.stop() });
const alertmanager = await startAlertmanager(join(root, 'deploy', 'alertmanager', 'alertmanager.yml'), webhook.port);
keep({ port: alertmanager.port, close: () => alertmanager.stop() });
const prometheus = await startPrometheus({
  rules: join(root, 'deploy', 'prometheus', 'vigie-rules.yaml'),
  targets: [`127.0.0.1:${values.port}`],
  labels: { establishment: 'demo', region: 'lab' },
  alertmanagerPort: alertmanager.port,
  intervalSeconds: 15,
});
keep({ port: prometheus.port, close: () => prometheus.stop() });
const base = `http://127.0.0.1:${values.port}`;
console.log(
  `\nVigie demo\n  status page  : ${base}/\n  metrics      : ${base}/metrics\n  health       : ${base}/healthz\n  prometheus   : http://127.0.0.1:${prometheus.port}/alerts\n  alertmanager : http://127.0.0.1:${alertmanager.port}/\n  janus demo   : ${janus.demos}/videoroomtest.html?room=${janus.room}\n  config       : ${join(dir, 'vigie.yaml')}\nThe browser scenarios run at start (about 30 s), then every 5 and 10 minutes. Ctrl-C to stop.\n`,
);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  probe.kill('SIGTERM');
  await new Promise((r) => (probe.exitCode !== null ? r(null) : probe.once('exit', r)));
  await Promise.all(servers.map((s) => s.close()));
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
probe.once('exit', (code) => {
  if (!stopping) {
    console.error(`vigie run exited with ${code}`);
    void Promise.all(servers.map((s) => s.close())).then(() => process.exit(1));
  }
});
