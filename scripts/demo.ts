// `npm run demo [-- --profile NAME] [--port 9464] [--lang fr|en]`: the fault lab (a "hospital"
// network namespace where the probe runs, a "platform" namespace with coturn, Janus, HTTPS, the
// OCSP responder, DNS and NTP; see docs/fault-matrix.md), a `vigie run` in the hospital with two
// browser scenarios, Prometheus with the shipped rules and Alertmanager. The status page and the
// metrics are forwarded to 127.0.0.1:PORT. `--profile` applies a named fault live. Ctrl-C stops
// everything and removes the namespaces.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startFaultLab, type FaultLab } from '../lab/fault/fault-lab.ts';
import { netnsAvailable } from '../lab/fault/netns.ts';
import { exposeLabProbe, PROBE_LISTEN, spawnLabProbe, waitForOk } from '../lab/fault/lab-probe.ts';
import { loadProfile, profileNames } from '../lab/fault/profiles.ts';
import { startAlertmanager, startPrometheus, startWebhook } from '../lab/monitoring.ts';
import type { Closable } from '../lab/servers.ts';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '9464' }, lang: { type: 'string', default: 'fr' }, profile: { type: 'string', default: 'none' }, help: { type: 'boolean', default: false } },
});
if (values.help) {
  console.log(`usage: npm run demo -- [--profile NAME] [--port 9464] [--lang fr|en]\nprofiles: none, ${profileNames().join(', ')}`);
  process.exit(0);
}
const profile = values.profile === 'none' ? undefined : (() => {
  try {
    return loadProfile(values.profile);
  } catch (e) {
    console.error(`demo: ${(e as Error).message}`);
    process.exit(2);
  }
})();
if (!netnsAvailable()) {
  console.error('demo: the lab runs in network namespaces (ip netns, nftables): run `npm run demo` as root');
  process.exit(2);
}

const root = join(import.meta.dirname, '..');
const dir = join(root, '.lab', 'demo');
const port = Number(values.port);
// One demo at a time: a second one would wipe the first's working folder (its probe socket) and
// collide on the lab's namespaces; it says so and leaves the first alone.
const lock = join(root, '.lab', 'demo.pid');
const holder = runningDemo(lock);
if (holder !== undefined) {
  console.error(`demo: a demo is already running (pid ${holder}); stop it (Ctrl-C) before starting another. Nothing was changed.`);
  process.exit(2);
}
const portProblem = await portInUse(port);
if (portProblem) {
  console.error(`demo: 127.0.0.1:${port} is not free (${portProblem}); choose another port with --port`);
  process.exit(2);
}
mkdirSync(join(root, '.lab'), { recursive: true });
writeFileSync(lock, `${process.pid}\n`);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const every = (schedule: string, kinds: string[]) => Object.fromEntries(kinds.map((k) => [k, { schedule }]));

const closables: Closable[] = [];
const children: ChildProcess[] = [];
let lab: FaultLab | undefined;
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  // The probe first (it ends its browser), then everything it talks to, then the namespaces.
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
  await Promise.all(closables.map((c) => c.close()));
  await lab?.stop();
  // The working folder holds the lab's CA and server keys: nothing of it stays (the media cache does).
  rmSync(dir, { recursive: true, force: true });
  rmSync(lock, { force: true });
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

/** The pid of a live demo holding the lock, if any (a stale lock from a killed demo is ignored). */
function runningDemo(file: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Why the status page's port cannot be taken (its error code), or undefined when it is free. */
function portInUse(p: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    s.listen(p, '127.0.0.1', () => s.close(() => resolve(undefined)));
  });
}

/** A weekly session starting `inMinutes` from now, `lengthMinutes` long, in Paris wall-clock time. */
function demoSession(inMinutes: number, lengthMinutes: number): Record<string, unknown> {
  const fmt = (d: Date) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(d);
  const part = (parts: Intl.DateTimeFormatPart[], type: string) => parts.find((p) => p.type === type)!.value;
  const start = fmt(new Date(Date.now() + inMinutes * 60_000));
  const end = fmt(new Date(Date.now() + (inMinutes + lengthMinutes) * 60_000));
  const hhmm = (parts: Intl.DateTimeFormatPart[]) => `${part(parts, 'hour')}:${part(parts, 'minute')}`;
  // A session crossing midnight ends at 23:59 the same day (the schema wants end after start).
  const endTime = part(end, 'weekday') === part(start, 'weekday') ? hhmm(end) : '23:59';
  return { name: 'RCP de démonstration', platform: 'lab', weekly: { day: part(start, 'weekday').toLowerCase(), start: hhmm(start), end: endTime } };
}

try {
  lab = await startFaultLab({ dir });
  const janus = lab.janus;
  await lab.apply(values.profile, {
    site: { establishment: 'demo', name: 'Établissement de démonstration', region: 'lab' },
    lang: values.lang === 'en' ? 'en' : 'fr',
    catalogs: { platforms: ['lab'], files: ['lab-catalog.yaml'] },
    server: { listen: `127.0.0.1:${PROBE_LISTEN}` },
    // As root (the lab's network namespaces), Chromium refuses its sandbox: the demo says so explicitly.
    browser: { args: [lab.chromiumResolverRules], cache_dir: join(root, '.lab', 'cache'), sandbox: process.getuid?.() !== 0 },
    scenarios: [
      { name: 'salle-test', kind: 'janus-videoroom', platform: 'lab', participants: 2, url: `${janus.pages}/videoroomtest.html`, room: janus.room, schedule: '*/5 * * * *' },
      // By address: Chromium's UDP TURN lookups do not follow --host-resolver-rules (the lab's names
      // are not in the system resolver), while its TCP and TLS ones do.
      { name: 'relais-turn', kind: 'turn-relay', platform: 'lab', server: lab.addresses.MEDIA, port: 3478, tls_port: 443, schedule: '*/10 * * * *' },
    ],
    // An RCP session 20 minutes from now (Europe/Paris wall-clock), so the page shows its pre-session state.
    rcp: { sessions: [demoSession(20, 60)], offsets_minutes: [15, 5] },
    // Fast schedules so that a fault shows within a minute; the relay test's stream every 2 min.
    checks: { ...every('*/30 * * * * *', ['dns', 'tcp', 'http', 'stun']), ...every('* * * * *', ['tls', 'ocsp', 'turn', 'turns', 'clock', 'proxy']), relay: { schedule: '*/2 * * * *' } },
  });

  const probe = spawnLabProbe(lab, dir);
  children.push(probe);
  probe.once('exit', (code) => {
    if (!stopping) {
      console.error(`demo: vigie run exited with ${code}`);
      void stop(1);
    }
  });
  // The status page and /metrics, from the hospital namespace to 127.0.0.1:PORT here.
  closables.push(await exposeLabProbe(lab, dir, port));

  // Prometheus scrapes the probe with the shipped rules; Alertmanager delivers to a local webhook.
  const webhook = await startWebhook();
  closables.push({ port: webhook.port, close: () => webhook.stop() });
  const alertmanager = await startAlertmanager(join(root, 'deploy', 'alertmanager', 'alertmanager.yml'), webhook.port);
  closables.push({ port: alertmanager.port, close: () => alertmanager.stop() });
  const prometheus = await startPrometheus({
    rules: join(root, 'deploy', 'prometheus', 'vigie-rules.yaml'),
    targets: [`127.0.0.1:${port}`],
    labels: { establishment: 'demo', region: 'lab' },
    alertmanagerPort: alertmanager.port,
    intervalSeconds: 15,
  });
  closables.push({ port: prometheus.port, close: () => prometheus.stop() });

  const base = `http://127.0.0.1:${port}`;
  await waitForOk(`${base}/healthz`, 30_000);
  const fault = profile ? `${profile.name}: ${profile.summary}\n                 ask the network team: ${profile.fix}` : 'none (a healthy network); try --profile udp-blocked';
  console.log(`
Vigie demo (ready ${process.uptime().toFixed(1)} s after start)
  status page  : ${base}/   (${base}/?lang=en)
  metrics      : ${base}/metrics
  health       : ${base}/healthz
  prometheus   : http://127.0.0.1:${prometheus.port}/alerts
  alertmanager : http://127.0.0.1:${alertmanager.port}/
  fault profile: ${fault}
  lab          : probe in namespace ${lab.net.hospital}, platform in ${lab.net.platform}; config ${lab.configFile}
  profiles     : ${profileNames().join(', ')} (docs/fault-matrix.md)
The checks run at once and every 30 s to 2 min; the browser scenarios (about 30 s) every 5 and 10 min. Ctrl-C to stop.
`);
} catch (e) {
  console.error(`demo: ${(e as Error).stack ?? e}`);
  await stop(1);
}
