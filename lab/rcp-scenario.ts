// The RCP-at-risk scenario shared by the end-to-end test and the benchmark: a real `vigie run`
// against coturn with an RCP session starting in 20 minutes, a real Prometheus with the shipped
// rules, a real Alertmanager with the shipped routes, then nftables blocks the TURN flow; returns
// the time until RcpSessionAtRisk reaches the on-call webhook. The flow is checked by `turn` (the
// allocation), by `relay` (the media-path test, the slowest protocol check that pages: it gives
// up only at its timeout when the server stops answering) or by the `turn-relay` browser scenario
// over TCP (the browser class: Chromium relays the fake camera through coturn).
import { REPO_ROOT } from './paths.ts';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseDuration } from '../runner/core/duration.ts';
import { startCoturn } from './coturn.ts';
import { startAlertmanager, startPrometheus, startWebhook, type Notification } from './monitoring.ts';
import { loopbackFaults } from './fault/nft.ts';
import { makePki } from './pki.ts';
import { LOOPBACK_ARGS, TEST_CACHE } from './scenario-run.ts';
import { closedPort } from './servers.ts';
import { labTempDir } from './temp.ts';

const ROOT = REPO_ROOT;

export interface ScenarioTimings {
  /** Prometheus scrape and rule evaluation interval. */
  scrapeSeconds: number;
  /** The probe's in-window re-check interval. */
  inWindowSeconds: number;
  /** The check of the TURN flow; default turn. */
  kind?: 'turn' | 'relay' | 'turn-relay';
  /** Its timeout; default the kind's shipped one. */
  checkTimeout?: string;
  /** Other settings of the check (`checks.<kind>` in vigie.yaml, or the scenario's entry). */
  checkSettings?: Record<string, string | number>;
  maxWaitMs: number;
}

/** The lab session's name (an apostrophe, as French names have) and the runbook base the central Prometheus is deployed with. */
export const LAB_SESSION = "RCP d'oncologie du lab";
export const LAB_RUNBOOK_BASE = 'https://runbooks.chu-lab.test/vigie/';

export interface ScenarioResult {
  /** When the lab session starts. */
  sessionStart: Date;
  seconds: number | undefined;
  page: Notification | undefined;
  sessionInWindow: boolean;
  /** The flow passed, inside the window, before the fault; and how long the lab took to get there. */
  healthyBeforeFault: boolean;
  secondsToHealthy: number;
  onCallBeforeFault: number;
  /** The end of the probe's log when the flow never passed or no page came (else empty). */
  probeLogTail: string;
}

export async function runRcpScenario(t: ScenarioTimings): Promise<ScenarioResult> {
  const kind = t.kind ?? 'turn';
  const dir = labTempDir('vigie-rcp-');
  const coturn = await startCoturn(makePki().leaves.valid, { user: 'vigie', password: 'e2e-turn-pass' });
  const webhook = await startWebhook();
  let probe: ReturnType<typeof spawn> | undefined;
  let am: Awaited<ReturnType<typeof startAlertmanager>> | undefined;
  let prom: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  try {
    const browser = kind === 'turn-relay';
    // A browser scenario is no catalog row: the platform's catalog lists nothing else that could page first.
    writeFileSync(
      join(dir, 'lab.yaml'),
      `platform: lab\ntitle: Lab\noperator: tests\nflows:${browser ? ' []' : `\n  - { host: 127.0.0.1, ips: [], port: ${coturn.port}, transport: tcp, direction: out, checks: [${kind}], source: lab TURN }`}\n`,
    );
    const settings = { ...t.checkSettings, ...(t.checkTimeout ? { timeout: t.checkTimeout } : {}) };
    const checkBlock = browser
      ? `browser: { args: ${JSON.stringify(LOOPBACK_ARGS)}, cache_dir: ${TEST_CACHE}, sandbox: false }
scenarios:
  - ${JSON.stringify({ name: 'relay-lab', kind, platform: 'lab', server: '127.0.0.1', port: coturn.port, transports: ['tcp'], ...settings })}
checks:
  clock: { enabled: false }
`
      : `checks:
  clock: { enabled: false }
  ${kind}: ${JSON.stringify(settings)}
`;
    const at = new Date(Date.now() + 20 * 60_000);
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
    const get = (p: string) => parts.find((x) => x.type === p)!.value;
    const probePort = await closedPort();
    writeFileSync(
      join(dir, 'vigie.yaml'),
      `site: { establishment: chu-lab, name: CHU du lab }
server: { listen: "127.0.0.1:${probePort}" }
catalogs: { platforms: [lab], files: [lab.yaml] }
jitter: 0s
credentials: { turn: { username: vigie, password: { env: VIGIE_E2E_TURN_PASSWORD } } }
service_credentials: { 127.0.0.1: turn }
rcp:
  in_window_interval_seconds: ${t.inWindowSeconds}
  sessions: [{ name: ${LAB_SESSION}, platform: lab, weekly: { day: ${get('weekday').toLowerCase()}, start: "${get('hour')}:${get('minute')}", end: "23:59" } }]
${checkBlock}`,
    );
    // The probe's log, so that a lab that never gets healthy says why.
    const log = openSync(join(dir, 'probe.log'), 'w');
    probe = spawn(process.execPath, [join(ROOT, 'bin', 'vigie.js'), 'run', '--config', join(dir, 'vigie.yaml')], { cwd: ROOT, stdio: ['ignore', log, log], env: { ...process.env, VIGIE_E2E_TURN_PASSWORD: 'e2e-turn-pass' } });
    closeSync(log);
    am = await startAlertmanager(join(ROOT, 'deploy', 'alertmanager', 'alertmanager.yml'), webhook.port);
    prom = await startPrometheus({
      rules: join(ROOT, 'deploy', 'prometheus', 'vigie-rules.yaml'),
      targets: [`127.0.0.1:${probePort}`],
      // An establishment's own Prometheus: establishment and region only as external labels (the
      // texts must still name them); the runbook base set at deployment.
      labels: {},
      externalLabels: { establishment: 'chu-lab', region: 'lab', runbook_base_url: LAB_RUNBOOK_BASE },
      alertmanagerPort: am.port,
      intervalSeconds: t.scrapeSeconds,
    });
    const query = async (q: string) =>
      ((await (await fetch(`http://127.0.0.1:${prom!.port}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: { value: [number, string] }[] } }).data.result;
    let healthy = false;
    const started = Date.now();
    for (let i = 0; i < 240 && !healthy; i++) {
      healthy = (await query(`probe_success{kind="${kind}"} == 1 and on (establishment, platform) rcp_session_in_window == 1`).catch(() => [])).length > 0;
      if (!healthy) await new Promise((r) => setTimeout(r, 500));
    }
    const secondsToHealthy = (Date.now() - started) / 1000;
    const sessionInWindow = (await query(`rcp_session_in_window{session="${LAB_SESSION}"}`))[0]?.value[1] === '1';
    const onCallBeforeFault = webhook.received.filter((n) => n.path === '/oncall').length;
    const fault = loopbackFaults({ dropTcp: [coturn.port] });
    const t0 = Date.now();
    let page: Notification | undefined;
    try {
      while (!page && Date.now() - t0 < t.maxWaitMs) {
        await new Promise((r) => setTimeout(r, 250));
        page = webhook.received.find((n) => n.path === '/oncall' && n.body.alerts.some((a) => a.labels.alertname === 'RcpSessionAtRisk' && a.labels.kind === kind));
      }
    } finally {
      fault.clear();
    }
    const probeLogTail = healthy && page ? '' : readFileSync(join(dir, 'probe.log'), 'utf8').slice(-3000);
    return { seconds: page ? (page.at - t0) / 1000 : undefined, page, sessionInWindow, healthyBeforeFault: healthy, secondsToHealthy, onCallBeforeFault, sessionStart: new Date(Math.floor(at.getTime() / 60_000) * 60_000), probeLogTail };
  } finally {
    probe?.kill('SIGTERM');
    await Promise.all([prom?.stop(), am?.stop(), webhook.stop(), coturn.stop()]);
    if (probe && probe.exitCode === null && probe.signalCode === null) await new Promise((r) => probe!.once('exit', r));
  }
}

/**
 * The detection latency budget of docs/alerting.md for the scenario's intervals, in seconds: the
 * in-window re-check, the check's timeout, a scrape, a rule evaluation (same interval), `for: 0`
 * and the on-call route's group_wait as shipped (no agent: Prometheus scrapes the probe itself).
 */
export function latencyBudget(t: { inWindowSeconds: number; scrapeSeconds: number; timeoutSeconds: number }): number {
  const am = parse(readFileSync(join(ROOT, 'deploy', 'alertmanager', 'alertmanager.yml'), 'utf8')) as { route: { routes: { receiver: string; group_wait: string }[] } };
  const groupWait = parseDuration(am.route.routes.find((x) => x.receiver === 'oncall')!.group_wait) / 1000;
  return t.inWindowSeconds + t.timeoutSeconds + t.scrapeSeconds + t.scrapeSeconds + groupWait;
}
