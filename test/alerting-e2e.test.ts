// End to end on loopback: a real `vigie run` against coturn with an RCP session starting in 20
// minutes, scraped by a real Prometheus with the shipped rules, a real Alertmanager with the
// shipped routes; nftables then blocks the TURN flow and RcpSessionAtRisk must reach the on-call
// webhook. The time from the fault to the notification is measured.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCoturn, type Coturn } from './lab/coturn.ts';
import { startAlertmanager, startPrometheus, startWebhook, type Proc, type Notification } from './lab/monitoring.ts';
import { loopbackFaults } from './lab/nft.ts';
import { makePki } from './lab/pki.ts';
import { closedPort } from './lab/servers.ts';

const ROOT = join(import.meta.dirname, '..');
let coturn: Coturn;
let webhook: Proc & { received: Notification[] };
let am: Proc;
let prom: Proc;
let probePort: number;
let probe: ReturnType<typeof spawn>;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-e2e-'));
  coturn = await startCoturn(makePki().leaves.valid, { user: 'vigie', password: 'e2e-turn-pass' });
  writeFileSync(
    join(dir, 'lab.yaml'),
    `platform: lab\ntitle: Lab\noperator: tests\nflows:\n  - { host: 127.0.0.1, ips: [], port: ${coturn.port}, transport: tcp, direction: out, checks: [turn], source: lab TURN }\n`,
  );
  // The session starts in 20 minutes (Europe/Paris wall clock), so it is inside its 60-minute window.
  const at = new Date(Date.now() + 20 * 60_000);
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  probePort = await closedPort();
  process.env.VIGIE_E2E_TURN_PASSWORD = 'e2e-turn-pass';
  writeFileSync(
    join(dir, 'vigie.yaml'),
    `site: { establishment: chu-lab, name: CHU du lab }
server: { listen: "127.0.0.1:${probePort}" }
catalogs: { platforms: [lab], files: [lab.yaml] }
jitter: 0s
credentials: { turn: { username: vigie, password: { env: VIGIE_E2E_TURN_PASSWORD } } }
service_credentials: { 127.0.0.1: turn }
rcp:
  in_window_interval_seconds: 10
  sessions: [{ name: RCP du lab, platform: lab, weekly: { day: ${get('weekday').toLowerCase()}, start: "${get('hour')}:${get('minute')}", end: "23:59" } }]
checks:
  clock: { enabled: false }
  turn: { timeout: 3s }
`,
  );
  probe = spawn(process.execPath, [join(ROOT, 'bin', 'vigie.js'), 'run', '--config', join(dir, 'vigie.yaml')], { cwd: ROOT, stdio: 'ignore', env: process.env });
  webhook = await startWebhook();
  am = await startAlertmanager(join(ROOT, 'deploy', 'alertmanager', 'alertmanager.yml'), webhook.port);
  prom = await startPrometheus({
    rules: join(ROOT, 'deploy', 'prometheus', 'vigie-rules.yaml'),
    targets: [`127.0.0.1:${probePort}`],
    labels: { establishment: 'chu-lab', region: 'lab' },
    alertmanagerPort: am.port,
    intervalSeconds: 5,
  });
}, 60_000);

afterAll(async () => {
  probe?.kill('SIGTERM');
  await Promise.all([prom?.stop(), am?.stop(), webhook?.stop(), coturn?.stop()]);
});

const query = async (q: string) => {
  const r = (await (await fetch(`http://127.0.0.1:${prom.port}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: { value: [number, string] }[] } };
  return r.data.result;
};

it('blocking the TURN flow inside the pre-session window pages on-call with RcpSessionAtRisk in under 2 minutes', async () => {
  // Healthy first: the TURN check passes and the session is in its window, as Prometheus sees it.
  for (let i = 0; i < 120; i++) {
    const ok = await query('probe_success{kind="turn",establishment="chu-lab"} == 1 and on (establishment, platform) rcp_session_in_window == 1').catch(() => []);
    if (ok.length) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect((await query('rcp_session_in_window{session="RCP du lab"}'))[0]?.value[1]).toBe('1');
  expect(webhook.received.filter((n) => n.path === '/oncall')).toEqual([]);
  const fault = loopbackFaults({ dropTcp: [coturn.port] });
  const t0 = Date.now();
  try {
    let page: Notification | undefined;
    while (!page && Date.now() - t0 < 150_000) {
      await new Promise((r) => setTimeout(r, 500));
      page = webhook.received.find((n) => n.path === '/oncall' && n.body.alerts.some((a) => a.labels.alertname === 'RcpSessionAtRisk'));
    }
    expect(page, 'no RcpSessionAtRisk reached the on-call webhook').toBeDefined();
    const seconds = (page!.at - t0) / 1000;
    console.log(`fault → on-call webhook: ${seconds.toFixed(1)} s`);
    expect(seconds).toBeLessThan(120);
    const alert = page!.body.alerts.find((a) => a.labels.alertname === 'RcpSessionAtRisk')!;
    expect(alert.labels).toMatchObject({ establishment: 'chu-lab', platform: 'lab', kind: 'turn', severity: 'page', audience: 'oncall' });
    expect(alert.annotations.description).toContain('« RCP du lab »');
    expect(JSON.stringify(page!.body)).not.toContain('e2e-turn-pass');
  } finally {
    fault.clear();
  }
}, 200_000);
