// The platform's documented 10000/UDP is the ICE port of a real WebRTC media server (Janus, libnice),
// as on the real platforms: it answers a Binding only with an error (400, no session credentials)
// and only while a call binds it. `vigie check` against it, before and while a real browser call
// publishes 720p through it, and with the port blocked: never a failure that asks to open a port
// the call itself proves open.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeMediaCpuLock } from '../../lab/cpu-lock.ts';
import type { CheckResult } from '../../runner/core/contract.ts';
import { startFaultLab, type FaultLab } from '../../lab/fault/fault-lab.ts';
import { netnsAvailable } from '../../lab/fault/netns.ts';
import { TEST_CACHE } from '../../lab/scenario-run.ts';
import { fixText } from '../../runner/ui/fix-text.ts';
import { readFileSync } from 'node:fs';
import { VIGIE_BIN } from '../../lab/paths.ts';
import { loadCatalogs } from '../../runner/config/catalog.ts';
import { parseConfig } from '../../runner/config/config.ts';
import { flowStatuses } from '../../runner/engine/flow-evidence.ts';
import { buildPlan } from '../../runner/engine/plan.ts';
import { type Latest, ResultsStore } from '../../runner/engine/results-store.ts';
import { ProbeMetrics } from '../../runner/telemetry/metrics.ts';
import { renderStatusPage } from '../../runner/ui/status-page.ts';

const isMediaPort = (r: CheckResult) => r.kind === 'stun' && r.port === 10000;

describe('ICE media port (Janus on 10000/UDP)', () => {
  let lab: FaultLab;
  // The call must reach 720p: one media-measuring file at a time (lab/cpu-lock.ts); given back last.
  let release: (() => void) | undefined;
  afterAll(() => release?.());
  beforeAll(async () => {
    release = await takeMediaCpuLock();
  }, 20 * 60_000);
  beforeAll(async () => {
    expect(netnsAvailable(), 'the fault lab runs as root with iproute2 and nftables').toBe(true);
    // One port: the single call's media must use the documented port.
    lab = await startFaultLab({ janusRtpPorts: '10000-10000' });
  }, 90_000);
  afterAll(async () => {
    await lab?.stop();
  });

  /** Applies the profile with a one-participant Janus scenario and a TURN/TCP relay scenario. */
  async function withScenarios(profile: string): Promise<void> {
    await lab.apply(profile, {
      browser: { args: [lab.chromiumResolverRules], cache_dir: TEST_CACHE, sandbox: false },
      scenarios: [
        { name: 'salle', kind: 'janus-videoroom', platform: 'lab', participants: 1, url: `${lab.janus.pages}/videoroomtest.html`, room: lab.janus.room },
        { name: 'relais', kind: 'turn-relay', platform: 'lab', server: lab.addresses.MEDIA, port: 3478, tls_port: 443, transports: ['tcp'] },
      ],
    });
  }

  /** The documented flows' verdicts from these results, as the daemon computes them (plan of the lab's catalog and config). */
  function flowsFrom(results: readonly CheckResult[]) {
    const plan = buildPlan(loadCatalogs([lab.catalogFile]), parseConfig(readFileSync(lab.configFile, 'utf8'), lab.configFile), undefined);
    const latest = new Map<string, Latest>();
    const now = Date.now() / 1000;
    for (const c of plan.checks) {
      const r = results.find((x) => x.kind === c.kind && x.host === c.target.host && x.port === (c.target.port ?? null) && x.transport === c.target.transport && (c.scenario === undefined || x.observations.scenario === c.scenario));
      if (r) latest.set(c.id, { result: r, endedAt: now });
    }
    const flows = flowStatuses(plan, latest);
    const row = (port: string, transport: string) => flows.find((f) => f.host === 'visio.lab.test' && f.port === port && f.transport === transport)!;
    return { plan, latest, flows, mediaRow: row('10000', 'udp'), turnTcpRow: row('3478', 'tcp') };
  }

  async function runScenario(name: string): Promise<CheckResult[]> {
    const { code, stdout, stderr } = await lab.net.runAsync(lab.net.hospital, process.execPath, [VIGIE_BIN, 'scenario', name, '--config', lab.configFile, '--format', 'json'], { cwd: lab.dir, env: { ...process.env, ...lab.env } });
    try {
      return (JSON.parse(stdout) as { results: CheckResult[] }).results;
    } catch {
      throw new Error(`vigie scenario ${name} (exit ${code}) printed no JSON: ${stderr.slice(-1500)}`);
    }
  }

  /** Runs the Janus scenario and checks 10000/UDP every second meanwhile. */
  async function callWhileChecking(profile: string): Promise<{ scenario: CheckResult; during: CheckResult[] }> {
    await withScenarios(profile);
    const [cmd, ...args] = lab.vigie(['scenario', 'salle', '--config', lab.configFile, '--format', 'json']);
    const child = spawn(cmd!, args, { cwd: lab.dir, env: { ...process.env, ...lab.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let done = false;
    void ended.then(() => (done = true));
    const during: CheckResult[] = [];
    while (!done) {
      const { results } = await lab.check(['--kind', 'stun']);
      during.push(...results.filter(isMediaPort));
      await new Promise((r) => setTimeout(r, 500));
    }
    await ended;
    let scenario: CheckResult;
    try {
      scenario = (JSON.parse(out) as { results: CheckResult[] }).results[0]!;
    } catch {
      throw new Error(`vigie scenario printed no JSON: ${err.slice(-1500)}`);
    }
    return { scenario, during };
  }

  it('with no call under way the port is unproven, not failed', async () => {
    await lab.apply('none');
    const { results } = await lab.check(['--kind', 'stun']);
    const r = results.find(isMediaPort)!;
    expect(r.status, r.message).toBe('unproven');
    expect(r.reason).toBe('ice_port_unproven');
    expect(r.message).toContain('ICMP port unreachable');
  }, 30_000);

  it('while a real call publishes 720p through it, the Binding error proves the path open', async () => {
    const { scenario, during } = await callWhileChecking('none');
    expect(scenario.status, scenario.message).toBe('ok');
    expect(scenario.observations.remote_port).toBe(10000);
    expect(during.length).toBeGreaterThan(0);
    expect(during.filter((r) => r.status === 'failed'), 'no failure on the port the call uses').toEqual([]);
    const answered = during.filter((r) => r.status === 'ok');
    expect(answered.length, 'libnice answered at least one Binding while the call lived').toBeGreaterThan(0);
    expect(answered[0]!.observations.stun_error_code).toBe(400);
    expect(answered[0]!.message).toContain('path open');
  }, 120_000);

  it('the media the call sent proves the 10000/UDP row (flow verdict, status page, metric); a relayed call proves the TURN row and never the media row', async () => {
    await withScenarios('none');
    const [call] = await runScenario('salle');
    const checks = (await lab.check()).results;
    const direct = flowsFrom([...checks, call!]);
    expect(call!.observations).toMatchObject({ local_candidate_type: 'host', candidate_protocol: 'udp', remote_port: 10000 });
    expect(direct.mediaRow).toMatchObject({ verdict: 'proven', by: ['janus-videoroom salle: host/udp'] });
    // Without the call, nothing proves it.
    expect(flowsFrom(checks).mediaRow.verdict).toBe('unproven');
    const page = renderStatusPage({ plan: direct.plan, latest: direct.latest, site: { establishment: 'lab', name: 'Lab', region: 'lab' }, lang: 'fr' });
    expect(page).toMatch(/<tr class="flow-proven" data-flow="10000\/UDP sortant vers visio\.lab\.test[^"]*"><td>[^<]*<\/td><td class="st">PROUVÉ<\/td><td>janus-videoroom salle: host\/udp<\/td>/);
    const store = new ResultsStore();
    const metrics = new ProbeMetrics({ store, flows: () => direct.flows });
    const text = await metrics.text();
    await metrics.shutdown();
    expect(text).toContain('probe_flow_status{platform="lab",host="visio.lab.test",port="10000",transport="udp",direction="out",status="proven"} 1');

    // UDP blocked: the call cannot reach 10000/UDP; the TURN/TCP relay carries media.
    await withScenarios('udp-blocked');
    const [blocked] = await runScenario('salle');
    const [relayed] = await runScenario('relais');
    expect(relayed!.status, relayed!.message).toBe('ok');
    const under = flowsFrom([...(await lab.check()).results, blocked!, relayed!]);
    expect(under.mediaRow.verdict).not.toBe('proven');
    expect(under.turnTcpRow).toMatchObject({ verdict: 'proven' });
    expect(under.turnTcpRow.by).toContain('turn-relay relais: relay/tcp');
  }, 180_000);

  it('blocked, the call fails on ICE while the check stays unproven (the scenario is the proof)', async () => {
    const { scenario, during } = await callWhileChecking('media-port-blocked');
    expect(scenario.status).toBe('failed');
    expect(scenario.reason).toBe('ice_failed');
    // The call's own fix names the port its ICE attempt needed, towards the media server's address.
    expect(fixText(scenario, [], 'fr')).toContain(`Ouvrir 10000/UDP sortant vers ${lab.addresses.MEDIA}`);
    expect(fixText(scenario, [], 'en')).toContain(`Open 10000/UDP outbound to ${lab.addresses.MEDIA}`);
    expect(during.every((r) => r.status === 'unproven'), JSON.stringify(during.map((r) => r.message))).toBe(true);
    expect(lab.faultPackets()).toBeGreaterThan(0);
  }, 120_000);
});
