// End to end on loopback, as alerting.test.ts: the slowest protocol class that pages (media: the relay
// test, which gives up only at its shipped 15 s timeout), held to the latency budget of
// docs/alerting.md computed for the test's intervals.
import { expect, it } from 'vitest';
import { latencyBudget, runRcpScenario } from '../../lab/rcp-scenario.ts';
import { relayProbe } from '../../probes/relay.ts';
import { parseDuration } from '../../runner/core/duration.ts';

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
