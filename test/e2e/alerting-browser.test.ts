// End to end on loopback, as alerting.test.ts: the slowest class of all (browser: the turn-relay
// scenario in Chromium, given up at its shipped 60 s timeout), held to the latency budget of
// docs/alerting.md computed for the test's intervals.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { takeMediaCpuLock } from '../../lab/cpu-lock.ts';
import { latencyBudget, runRcpScenario } from '../../lab/rcp-scenario.ts';
import { turnRelayScenario } from '../../scenarios/turn-relay.ts';
import { parseDuration } from '../../runner/core/duration.ts';

// The scenario must pass at 720p before the fault: one media-measuring file at a time (lab/cpu-lock.ts).
let release: (() => void) | undefined;
afterAll(() => release?.());
beforeAll(async () => {
  release = await takeMediaCpuLock();
}, 20 * 60_000);

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
