// The platform's documented 10000/UDP is the ICE port of a real WebRTC media server (Janus, libnice),
// as on the real platforms: it answers a Binding only with an error (400, no session credentials)
// and only while a call binds it. `vigie check` against it, before and while a real browser call
// publishes 720p through it, and with the port blocked: never a failure that asks to open a port
// the call itself proves open.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../runner/core/contract.ts';
import { startFaultLab, type FaultLab } from '../../lab/fault/fault-lab.ts';
import { netnsAvailable } from '../../lab/fault/netns.ts';
import { TEST_CACHE } from '../../lab/scenario-run.ts';
import { fixText } from '../../runner/ui/fix-text.ts';

const isMediaPort = (r: CheckResult) => r.kind === 'stun' && r.port === 10000;

describe('ICE media port (Janus on 10000/UDP)', () => {
  let lab: FaultLab;
  beforeAll(async () => {
    expect(netnsAvailable(), 'the fault lab runs as root with iproute2 and nftables').toBe(true);
    // One port: the single call's media must use the documented port.
    lab = await startFaultLab({ janusRtpPorts: '10000-10000' });
  }, 90_000);
  afterAll(async () => {
    await lab?.stop();
  });

  /** Applies the profile with a one-participant Janus scenario, runs it, and checks 10000/UDP every second meanwhile. */
  async function callWhileChecking(profile: string): Promise<{ scenario: CheckResult; during: CheckResult[] }> {
    await lab.apply(profile, {
      browser: { args: [lab.chromiumResolverRules], cache_dir: TEST_CACHE },
      scenarios: [{ name: 'salle', kind: 'janus-videoroom', platform: 'lab', participants: 1, url: `${lab.janus.pages}/videoroomtest.html`, room: lab.janus.room }],
    });
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
