// End to end on loopback: a real `vigie run` with an RCP session starting in 20 minutes, a real
// Prometheus with the shipped rules (establishment and region as external labels only) and a real Alertmanager with the shipped routes; nftables
// blocks the TURN flow and RcpSessionAtRisk must reach the on-call webhook (bench/ measures the
// same with the shipped intervals). Then the slowest protocol class that pages (media: the relay
// test, which gives up only at its shipped 15 s timeout) and the slowest class of all (browser: the
// turn-relay scenario in Chromium, given up at its shipped 60 s timeout), each held to the latency
// budget of docs/alerting.md computed for the test's intervals (alerting-relay.test.ts and
// alerting-browser.test.ts: one test per file, the three run at once, each on its own ports and table).
import { expect, it } from 'vitest';
import { LAB_RUNBOOK_BASE, LAB_SESSION, runRcpScenario } from '../../lab/rcp-scenario.ts';

it('blocking the TURN flow inside the pre-session window pages on-call with RcpSessionAtRisk in under 2 minutes', async () => {
  const r = await runRcpScenario({ scrapeSeconds: 5, inWindowSeconds: 10, checkTimeout: '3s', maxWaitMs: 150_000 });
  expect(r.sessionInWindow).toBe(true);
  expect(r.healthyBeforeFault, `the flow passed before the fault (waited ${r.secondsToHealthy} s); probe log: ${r.probeLogTail}`).toBe(true);
  expect(r.onCallBeforeFault).toBe(0);
  expect(r.page, `no RcpSessionAtRisk reached the on-call webhook; probe log: ${r.probeLogTail}`).toBeDefined();
  console.log(`fault → on-call webhook: ${r.seconds!.toFixed(1)} s`);
  expect(r.seconds).toBeLessThan(120);
  const alert = r.page!.body.alerts.find((a) => a.labels.alertname === 'RcpSessionAtRisk')!;
  expect(alert.labels).toMatchObject({ establishment: 'chu-lab', platform: 'lab', kind: 'turn', severity: 'page', audience: 'oncall' });
  // Establishment and region exist only as the Prometheus's external labels: the texts still name them.
  expect(alert.annotations.summary).toContain('RCP en danger à chu-lab :');
  const part = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(r.sessionStart).map((x) => [x.type, x.value]),
  );
  const paris = `${part.day}/${part.month} à ${part.hour}h${part.minute}`;
  expect(alert.annotations.description, 'the session, its platform and its start in Paris time').toContain(`« ${LAB_SESSION} » (lab, ${paris})`);
  expect(alert.annotations.runbook_url, 'the runbook base set at deployment').toBe(`${LAB_RUNBOOK_BASE}RcpSessionAtRisk.md`);
  expect(JSON.stringify(r.page!.body)).not.toContain('e2e-turn-pass');
}, 240_000);
