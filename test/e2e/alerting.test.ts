// End to end on loopback: a real `vigie run` with an RCP session starting in 20 minutes, a real
// Prometheus with the shipped rules (establishment and region as external labels only) and a real Alertmanager with the shipped routes; nftables
// blocks the TURN flow and RcpSessionAtRisk must reach the on-call webhook (bench/ measures the
// same with the shipped intervals). Then the slowest protocol class that pages (media: the relay
// test, which gives up only at its shipped 15 s timeout) and the slowest class of all (browser: the
// turn-relay scenario in Chromium, given up at its shipped 60 s timeout), each held to the latency
// budget of docs/alerting.md computed for the test's intervals.
import { expect, it } from 'vitest';
import { LAB_RUNBOOK_BASE, LAB_SESSION, latencyBudget, runRcpScenario } from '../../lab/rcp-scenario.ts';
import { relayProbe } from '../../probes/relay.ts';
import { turnRelayScenario } from '../../scenarios/turn-relay.ts';
import { parseDuration } from '../../runner/core/duration.ts';

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

it('the slowest protocol class that pages (relay, 15 s timeout) reaches on-call within the documented budget', async () => {
  const timing = { scrapeSeconds: 5, inWindowSeconds: 10 };
  // The shipped timeout; a lighter stream than a 720p call, so that loopback under the suite's load
  // does not lose packets before the fault (what is measured is how long a blocked relay takes).
  const r = await runRcpScenario({ ...timing, kind: 'relay', checkSettings: { rate_bps: 300_000 }, maxWaitMs: 150_000 });
  expect(r.sessionInWindow).toBe(true);
  expect(r.healthyBeforeFault, `the flow passed before the fault (waited ${r.secondsToHealthy} s); probe log: ${r.probeLogTail}`).toBe(true);
  expect(r.onCallBeforeFault).toBe(0);
  expect(r.page, `no RcpSessionAtRisk reached the on-call webhook; probe log: ${r.probeLogTail}`).toBeDefined();
  const alert = r.page!.body.alerts.find((a) => a.labels.alertname === 'RcpSessionAtRisk')!;
  expect(alert.labels).toMatchObject({ establishment: 'chu-lab', kind: 'relay', severity: 'page' });
  const timeout = parseDuration(relayProbe.defaults.timeout) / 1000;
  const budget = latencyBudget({ ...timing, timeoutSeconds: timeout });
  console.log(`relay blocked → on-call webhook: ${r.seconds!.toFixed(1)} s (budget ${budget} s, of which the relay timeout ${timeout} s)`);
  // The relay only fails at its timeout: a page sooner would come from something else.
  expect(r.seconds).toBeGreaterThanOrEqual(timeout);
  // A few seconds for the deliveries between the components the budget does not count.
  expect(r.seconds).toBeLessThanOrEqual(budget + 5);
}, 240_000);

it('the slowest class of all (a browser scenario, 60 s timeout) reaches on-call within the documented budget', async () => {
  // In-window runs 30 s apart: longer than a healthy run on loopback, so every tick starts one.
  const timing = { scrapeSeconds: 5, inWindowSeconds: 30 };
  // ICE is allowed longer than the run, so a run that starts after the fault fails only when the
  // scenario's shipped timeout ends: the worst case the budget counts.
  const r = await runRcpScenario({ ...timing, kind: 'turn-relay', checkSettings: { connect_timeout: '120s' }, maxWaitMs: 200_000 });
  expect(r.sessionInWindow).toBe(true);
  expect(r.healthyBeforeFault, `the scenario passed before the fault (waited ${r.secondsToHealthy} s); probe log: ${r.probeLogTail}`).toBe(true);
  expect(r.onCallBeforeFault).toBe(0);
  expect(r.page, `no RcpSessionAtRisk reached the on-call webhook; probe log: ${r.probeLogTail}`).toBeDefined();
  const alert = r.page!.body.alerts.find((a) => a.labels.alertname === 'RcpSessionAtRisk')!;
  expect(alert.labels).toMatchObject({ establishment: 'chu-lab', platform: 'lab', kind: 'turn-relay', scenario: 'relay-lab', severity: 'page' });
  const timeout = parseDuration(turnRelayScenario.defaults.timeout) / 1000;
  const budget = latencyBudget({ ...timing, timeoutSeconds: timeout });
  console.log(`browser scenario blocked → on-call webhook: ${r.seconds!.toFixed(1)} s (budget ${budget} s, of which the scenario timeout ${timeout} s)`);
  expect(r.seconds).toBeLessThanOrEqual(budget + 5);
  expect(JSON.stringify(r.page!.body)).not.toContain('e2e-turn-pass');
}, 330_000);
