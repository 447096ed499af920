// The probe image as shipped: built by `npm run image` (deploy/image.ts) from the repository, run
// the way docs/deployment.md says (read-only root, uid 1000, /tmp as tmpfs, the data volume, the
// config mounted read-only, host network, the shipped seccomp profile), against lab servers on
// loopback: health check, `vigie check`, `vigie run` with a Janus scenario every 15 s whose Chromium
// runs with its sandbox on and reaches 720p, no zombie after five runs, and `podman stop` within the
// grace. This file runs after every other one (vitest project `image`), alone: the suite built the
// image meanwhile at the lowest CPU priority (test/deploy/image-build.test.ts), so its build here finds
// every layer cached (and builds it whole when this file runs by itself).
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, engineArgs, engineRun, findEngine, imageSize, TEST_TAG, type Engine } from '../../deploy/image.ts';
import { startJanus, type JanusLab } from '../../lab/janus.ts';
import { REPO_ROOT } from '../../lab/paths.ts';
import { makePki, type LabPki } from '../../lab/pki.ts';
import { closedPort, startDns, startHttps, type Closable } from '../../lab/servers.ts';
import type { CheckResult } from '../../runner/core/contract.ts';
import { containerProcesses, imageRuntime, probeProcesses } from '../../bench/proc.ts';
import { runProcess } from '../helpers.ts';
import { labTempDir } from '../../lab/temp.ts';

const engine = findEngine();
if (!engine) process.stderr.write('image tests skipped: no container engine on this machine (podman or docker)\n');

const TAG = TEST_TAG;
const NAME = `vigie-image-test-${process.pid}`;
const SCENARIO_RUNS = 5;
const STOP_GRACE_S = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The documented `podman run` flags (docs/deployment.md), plus this machine's limits. */
function runFlags(e: Engine, dir: string, config: string): string[] {
  return [
    ...e.limits,
    '--network', 'host',
    '--read-only',
    '--tmpfs', '/tmp:size=512m',
    '--security-opt', `seccomp=${join(REPO_ROOT, 'deploy', 'seccomp', 'chromium.json')}`,
    '-v', `${join(dir, 'data')}:/var/lib/vigie`,
    '-v', `${config}:/etc/vigie/vigie.yaml:ro`,
    // The lab's CA, read by the config through the same path as on the host.
    '-v', `${dir}:${dir}:ro`,
  ];
}

describe.skipIf(!engine)('the probe image', () => {
  const e = engine!;
  let dir: string;
  let config: string;
  let pki: LabPki;
  let janus: JanusLab;
  const servers: Closable[] = [];
  let port: number;

  beforeAll(async () => {
    buildImage(e, { tag: TAG, quiet: true, log: () => {} });
    dir = labTempDir('vigie-image-');
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'data'));
    chownSync(join(dir, 'data'), 1000, 1000);
    pki = makePki(join(dir, 'pki'));
    chmodSync(join(dir, 'pki'), 0o755);
    const https = await startHttps(pki.leaves.valid);
    const dns = await startDns({ 'app.lab.test': { A: ['127.0.0.1'] } });
    servers.push(https, dns);
    janus = await startJanus();
    port = await closedPort();
    writeFileSync(
      join(dir, 'lab.yaml'),
      `platform: lab
title: Lab
operator: Vigie tests
flows:
  - { host: app.lab.test, ips: [127.0.0.1], port: ${https.port}, transport: tcp, direction: out, checks: [dns, tcp, tls], source: lab }
urls:
  - { url: "https://app.lab.test:${https.port}/", checks: [http], source: lab url }
`,
    );
    config = join(dir, 'vigie.yaml');
    writeFileSync(
      config,
      `site: { establishment: lab-hospital, name: Hôpital du Lab }
server: { listen: 127.0.0.1:${port} }
dns: { servers: ["127.0.0.1:${dns.port}"] }
trust: { extra_ca_files: ["${pki.caFile}"] }
catalogs: { platforms: [lab], files: ["${join(dir, 'lab.yaml')}"] }
checks: { clock: { enabled: false }, proxy: { enabled: false } }
jitter: 0s
browser: { args: [--allow-loopback-in-peer-connection] }
scenarios:
  - { name: salle, kind: janus-videoroom, platform: lab, url: "${janus.demos}/videoroomtest.html", room: ${janus.room}, schedule: "*/15 * * * * *" }
`,
    );
    for (const f of readdirSync(dir)) if (f.endsWith('.yaml')) chmodSync(join(dir, f), 0o644);
    spawnSync('chmod', ['-R', 'a+rX', join(dir, 'pki')]);
  }, 1_500_000);

  afterAll(async () => {
    spawnSync(e.cmd, engineArgs(e, ['rm', '--force', '--time', '0', NAME]), { stdio: 'ignore' });
    await Promise.all([janus?.stop(), ...servers.map((s) => s.close())]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is built from the repository with the health check kept, at most 700 MB', () => {
    const inspect = JSON.parse(engineRun(e, ['image', 'inspect', TAG], { capture: true })) as { Healthcheck?: { Test: string[] }; Config: { User: string; Entrypoint: string[] } }[];
    const cfg = inspect[0]!.Config;
    expect(cfg.User).toBe('1000:1000');
    expect(inspect[0]!.Healthcheck?.Test.join(' ')).toContain('/healthz');
    // tini is PID 1: it reaps the browser's orphans and forwards SIGTERM.
    expect(cfg.Entrypoint.slice(0, 2)).toEqual(['/usr/bin/tini', '--']);
    const size = imageSize(e, TAG);
    expect(size.bytes).toBeLessThanOrEqual(700e6);
  });

  it('`vigie check` inside the container checks the lab through the documented mounts, read-only, as uid 1000', async () => {
    // Not spawnSync: the lab's DNS and HTTPS servers answer from this process's event loop.
    const run = await runProcess(e.cmd, engineArgs(e, ['run', '--rm', ...runFlags(e, dir, config), TAG, 'check', '--config', '/etc/vigie/vigie.yaml', '--format', 'json']));
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const results = (JSON.parse(run.stdout) as { results: CheckResult[] }).results;
    expect(results.map((r) => r.kind).sort()).toEqual(expect.arrayContaining(['dns', 'http', 'tcp', 'tls']));
    expect(results.filter((r) => r.status !== 'ok')).toEqual([]);
  }, 120_000);

  it('`vigie run`: healthy, and five scheduled Janus runs reach 720p with the sandbox on and leave no zombie; podman stop ends it within the grace', async () => {
    engineRun(e, ['run', '--detach', '--name', NAME, '--stop-timeout', String(STOP_GRACE_S), '--env', `VIGIE_HEALTH_PORT=${port}`, ...runFlags(e, dir, config), TAG], { capture: true });
    const base = `http://127.0.0.1:${port}`;
    const logs = () => spawnSync(e.cmd, engineArgs(e, ['logs', '--tail', '30', NAME]), { encoding: 'utf8' }).stderr;
    let ready = false;
    for (let i = 0; i < 150 && !ready; i++) {
      await sleep(200);
      ready = await fetch(`${base}/readyz`).then((r) => r.status === 200, () => false);
    }
    expect(ready, logs()).toBe(true);
    expect(engineRun(e, ['exec', NAME, 'id', '-u'], { capture: true }).trim()).toBe('1000');
    expect(spawnSync(e.cmd, engineArgs(e, ['exec', NAME, 'touch', '/app/x']), { stdio: 'ignore' }).status, 'the root filesystem is read-only').not.toBe(0);
    // The image's HEALTHCHECK, run once (no systemd here to run it periodically).
    if (e.cmd === 'podman') expect((await runProcess(e.cmd, engineArgs(e, ['healthcheck', 'run', NAME]))).code, 'podman healthcheck run').toBe(0);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/probe_success\{[^}]*kind="tls"\} 1/);
    expect(await (await fetch(`${base}/`)).text()).toContain('Hôpital du Lab');
    const initPid = Number(engineRun(e, ['inspect', '--format', '{{.State.Pid}}', NAME], { capture: true }).trim());
    // The daemon runs with the image's VIGIE_RUN_NODE_FLAGS: bin/vigie.js re-executed itself in place, one probe process under tini.
    const processes = containerProcesses(initPid);
    const probes = probeProcesses(processes);
    const daemonFlags = imageRuntime().env.VIGIE_RUN_NODE_FLAGS!.split(' ');
    expect(daemonFlags).toContain('--optimize-for-size');
    expect(probes.map((p) => p.cmdline.slice(1, daemonFlags.length + 3)), JSON.stringify(processes.map((p) => [p.comm, p.cmdline.join(' ')]))).toEqual([[...daemonFlags, '/app/bin/vigie.js', 'run']]);

    // Five scheduled runs, each seen through the probe's own counter; the sandbox checked during each.
    const runs = async () => Number(/probe_check_runs_total\{[^}]*kind="janus-videoroom"[^}]*result="ok"[^}]*\} (\d+)/.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? 0);
    const sawBrowser = { sandboxed: 0, unsandboxed: 0 };
    const deadline = Date.now() + SCENARIO_RUNS * 15_000 + 90_000;
    while ((await runs()) < SCENARIO_RUNS && Date.now() < deadline) {
      const chromium = containerProcesses(initPid).filter((p) => p.state !== 'Z' && /chromium/.test(p.cmdline[0] ?? ''));
      for (const p of chromium) sawBrowser[p.cmdline.includes('--no-sandbox') ? 'unsandboxed' : 'sandboxed']++;
      await sleep(1000);
    }
    const results = (await (await fetch(`${base}/api/results`)).json()) as { results: CheckResult[] };
    const scenario = results.results.find((r) => r.kind === 'janus-videoroom');
    expect(await runs(), `${JSON.stringify(scenario)}\n${logs()}`).toBeGreaterThanOrEqual(SCENARIO_RUNS);
    expect(scenario?.status, scenario?.message).toBe('ok');
    expect(scenario?.observations.outbound_frame_height).toBe(720);
    expect(scenario?.observations.browser_sandbox).toBe(true);
    expect(sawBrowser.sandboxed).toBeGreaterThan(0);
    expect(sawBrowser.unsandboxed).toBe(0);
    await sleep(2000);
    const zombies = containerProcesses(initPid).filter((p) => p.state === 'Z');
    // Without tini as PID 1, two runs leave 8 zombie Chromium processes (measured with --entrypoint node).
    expect(zombies.map((z) => `${z.pid} ${z.comm}`), 'zombie processes after the scheduled runs').toEqual([]);

    const t0 = Date.now();
    expect((await runProcess(e.cmd, engineArgs(e, ['stop', '--time', String(STOP_GRACE_S), NAME]))).code).toBe(0);
    const stopSeconds = (Date.now() - t0) / 1000;
    expect(stopSeconds).toBeLessThan(STOP_GRACE_S);
    expect(engineRun(e, ['inspect', '--format', '{{.State.ExitCode}}', NAME], { capture: true }).trim(), logs()).toBe('0');
  }, 300_000);
});
