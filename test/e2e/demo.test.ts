// `npm run demo -- --profile media-port-blocked` as a user runs it: the banner, the status page and
// the metrics on the host's loopback; the blocked ICE media port unproven by its protocol check and
// proven blocked by the Janus call, whose fix names the port; the TURN relays still reaching 720p
// (UDP, TCP and TLS); and Ctrl-C leaving no process and no network namespace behind.
import { REPO_ROOT } from '../../lab/paths.ts';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { labTempDir } from '../../lab/temp.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { takeMediaCpuLock } from '../../lab/cpu-lock.ts';
import { closedPort } from '../../lab/servers.ts';

const root = REPO_ROOT;

// The relays must reach 720p: one media-measuring file at a time (lab/cpu-lock.ts).
let release: (() => void) | undefined;
afterAll(() => release?.());
beforeAll(async () => {
  release = await takeMediaCpuLock();
}, 20 * 60_000);

it('npm run demo -- --profile media-port-blocked shows the fault live through the call, the relays reach 720p, and Ctrl-C stops everything', async () => {
  const port = await closedPort();
  // A temporary folder of its own: after Ctrl-C nothing the lab made may be left in it.
  const demoTmp = labTempDir('vigie-demotmp-');
  const demo = spawn(process.execPath, [join(root, 'scripts', 'demo.ts'), '--profile', 'media-port-blocked', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: demoTmp, VIGIE_LAB_MANIFEST: '' } });
  let out = '';
  demo.stdout.on('data', (d: Buffer) => (out += d.toString()));
  demo.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => demo.once('exit', (code) => r(code)));
  try {
    for (let i = 0; !/Vigie demo \(ready/.test(out); i++) {
      expect(demo.exitCode, out.slice(-2000)).toBeNull();
      expect(i, 'the demo is ready within 60 s').toBeLessThan(600);
      await new Promise((r) => setTimeout(r, 100));
    }
    const [, hospital, platform] = /probe in namespace (\S+), platform in (\S+);/.exec(out)!;
    expect(out).toContain(`http://127.0.0.1:${port}/`);
    // A second demo says one runs already and touches nothing: the first keeps its page and socket.
    const second = spawnSync(process.execPath, [join(root, 'scripts', 'demo.ts'), '--port', String(await closedPort())], { encoding: 'utf8', timeout: 30_000 });
    expect(second.status, second.stderr).toBe(2);
    expect(second.stderr).toMatch(/^demo: a demo is already running \(pid \d+\); stop it \(Ctrl-C\) before starting another\. Nothing was changed\.\n$/);
    expect(existsSync(join(root, '.lab', 'demo', 'probe.sock')), 'the first demo keeps its probe socket').toBe(true);
    expect(out).toContain('ask the network team: Open 10000/UDP');
    const labPids = [hospital!, platform!].flatMap((ns) => execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean));
    expect(labPids.length, 'probe, coturn, Janus, OCSP responder, lab servers').toBeGreaterThanOrEqual(6);

    // The ICE media port's own check cannot tell (status page and metrics, from the host's loopback).
    const base = `http://127.0.0.1:${port}`;
    let page = '';
    const stunRow = () => /<tr class="(\w+)" data-check="stun\|lab\|visio\.lab\.test\|10000\|udp">(.*?)<\/tr>/.exec(page);
    for (let i = 0; i < 60 && stunRow()?.[1] !== 'unproven'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      page = await fetch(`${base}/`).then((r) => r.text());
    }
    expect(stunRow()?.[1]).toBe('unproven');
    // The demo's RCP session 20 minutes ahead, with its pre-session state; the documented flows, one line each.
    expect(page).toContain('RCP de démonstration');
    expect(page).not.toContain('Aucune séance RCP configurée');
    expect(page).toMatch(/<tr class="flow-(proven|failed|unproven)" data-flow="3478\/UDP sortant vers visio\.lab\.test/);
    expect(stunRow()?.[2]).toContain('NON PROUVÉ');
    expect(stunRow()?.[2]).toContain('Rien à demander');
    expect(stunRow()?.[2]).not.toContain('Ouvrir');
    const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
    expect(metrics).toContain('probe_unproven{platform="lab",host="visio.lab.test",port="10000",transport="udp",kind="stun"} 1');
    expect(metrics).not.toContain('probe_success{platform="lab",host="visio.lab.test",port="10000"');
    expect(metrics).toContain('probe_success{platform="lab",host="visio.lab.test",port="3478",transport="udp",kind="turn"} 1');

    // The browser scenarios, run at start: the room through Janus, the relay over each transport.
    type Result = { kind: string; target: string; status: string; message: string; observations: Record<string, unknown> };
    let scenarios: Result[] = [];
    for (let i = 0; i < 90 && scenarios.length < 4; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const api = (await fetch(`${base}/api/results`).then((r) => r.json())) as Result[] | { results: Result[] };
      scenarios = (Array.isArray(api) ? api : api.results).filter((r) => r.kind === 'janus-videoroom' || r.kind === 'turn-relay');
    }
    expect(scenarios.map((r) => `${r.kind} ${r.target.split('?')[1] ?? ''} ${r.status} ${r.message}`).sort()).toEqual([
      expect.stringMatching(/^janus-videoroom {2}failed ICE (failed|did not connect) .*tried 1000\d\/UDP 10\.231\.\d+\.10/),
      expect.stringMatching(/^turn-relay transport=tcp ok TCP relay.*1280×720/),
      expect.stringMatching(/^turn-relay transport=tcp ok TLS relay.*1280×720/),
      expect.stringMatching(/^turn-relay transport=udp ok UDP relay.*1280×720/),
    ]);

    // The daemon's own flow verdicts: the relays' media proves the TURN rows; nothing proves the blocked media range.
    type Flow = { host: string; port: string; transport: string; verdict: string; by: string[] };
    const flows = ((await fetch(`${base}/api/results`).then((r) => r.json())) as { flows: Flow[] }).flows;
    const flow = (port: string, transport: string) => flows.find((f) => f.host === 'visio.lab.test' && f.port === port && f.transport === transport)!;
    expect(flow('3478', 'udp')).toMatchObject({ verdict: 'proven', by: expect.arrayContaining(['turn-relay relais-turn: relay/udp']) });
    expect(flow('443', 'tcp').by).toContain('turn-relay relais-turn: relay/tls');
    expect(flow('10000-10009', 'udp').verdict).toBe('unproven');
    const flowMetrics = await fetch(`${base}/metrics`).then((r) => r.text());
    expect(flowMetrics).toContain('probe_flow_status{platform="lab",host="visio.lab.test",port="3478",transport="udp",direction="out",status="proven"} 1');

    // The call is the proof, and its line on the page asks for the port its ICE attempt needed.
    page = await fetch(`${base}/`).then((r) => r.text());
    const callRow = /<tr class="(\w+)" data-scenario="salle-test">(.*?)<\/tr>/.exec(page);
    expect(callRow?.[1]).toBe('failed');
    expect(callRow?.[2]).toMatch(/Ouvrir 1000\d\/UDP sortant vers 10\.231\.\d+\.10/);
    expect(callRow?.[2]).not.toContain('×0');

    demo.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(hospital);
    const alive = labPids.filter((pid) => {
      try {
        process.kill(Number(pid), 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive, 'lab processes left after Ctrl-C').toEqual([]);
    // Chromium was killed (SIGKILL) by the probe: give the kernel a moment to finish the tree. The
    // demo's own browsers only (their profile lives in its TMPDIR): other test files run browsers too.
    const chromium = () =>
      spawnSync('pgrep', ['-af', 'vigie-run='], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter((l) => l.includes(demoTmp))
        .join('\n');
    for (let i = 0; i < 50 && chromium() !== ''; i++) await new Promise((r) => setTimeout(r, 100));
    expect(chromium(), 'Chromium left after Ctrl-C').toBe('');
    // Keys, TURN secrets, server data: removed, and the working folder with the lab's CA with them.
    expect(readdirSync(demoTmp).filter((f) => f.startsWith('vigie-')), 'lab folders left after Ctrl-C').toEqual([]);
    expect(existsSync(join(root, '.lab', 'demo')), 'the demo working folder (lab keys)').toBe(false);
  } finally {
    if (demo.exitCode === null) demo.kill('SIGINT');
    await exited;
  }
}, 180_000);
