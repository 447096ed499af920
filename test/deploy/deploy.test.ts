// Deployment files: what the image build reads (the real image is built and run in test/image);
// the compiled JavaScript answers as the sources do; the compose files parse with Debian's
// docker-compose; promtool accepts the agent and central configs; and a real Prometheus agent
// with the shipped config remote-writes a real probe's series over TLS with basic auth to a real
// central receiver, adding the external labels and losing no sample across a receiver outage.
import { REPO_ROOT } from '../../lab/paths.ts';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { Agent, fetch } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { readyEndpointOk, startListeningChild } from '../../lab/listening-child.ts';
import { makePki } from '../../lab/pki.ts';
import { closedPort, startHttp, type Closable } from '../../lab/servers.ts';
import { labTempDir } from '../../lab/temp.ts';

/** Length of the receiver outage; the 10-minute figure in the deployment note comes from VIGIE_OUTAGE_SECONDS=600. */
const OUTAGE_S = Number(process.env.VIGIE_OUTAGE_SECONDS ?? 20);
const ROOT = REPO_ROOT;
const DEPLOY = join(ROOT, 'deploy');
const run = (cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  execFileSync(cmd, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('probe image (static; test/image builds and runs it)', () => {
  const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
  it('pins the Node the project pins, and the build context holds exactly what the Dockerfile copies', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(/^ARG NODE_VERSION=(\S+)$/m.exec(dockerfile)?.[1]).toBe(pkg.devDependencies.node);
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    const allowed = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    expect([...new Set(copied)].sort()).toEqual([...allowed].sort());
    expect(readFileSync(join(ROOT, '.dockerignore'), 'utf8')).toMatch(/^\*\*$/m);
  });
  it('the compiled JavaScript (dist/, what the image runs) gives the same answers as the sources', () => {
    expect(existsSync(join(ROOT, 'dist', 'runner', 'cli', 'main.js')), 'npm test set-up runs the build').toBe(true);
    const bin = join(ROOT, 'bin', 'vigie.js');
    const source = run(process.execPath, [bin, 'catalog', '--format', 'json']);
    const compiled = run(process.execPath, [bin, 'catalog', '--format', 'json'], { env: { VIGIE_COMPILED: '1' } });
    expect(compiled).toBe(source);
    expect((JSON.parse(compiled) as unknown[]).length).toBe(109);
  });
});

describe('compose files and Prometheus configs', () => {
  it('the establishment and central compose files parse (docker-compose config)', () => {
    const est = run('docker-compose', ['-f', 'compose.yaml', 'config'], { cwd: join(DEPLOY, 'establishment'), env: { VIGIE_ESTABLISHMENT: 'chu-exemple', VIGIE_REGION: 'ara' } });
    expect(est).toContain('prometheus-agent:');
    expect(est).toMatch(/VIGIE_ESTABLISHMENT: chu-exemple/);
    expect(est).toMatch(/read_only: true/);
    expect(est).toMatch(/- 127\.0\.0\.1:9464:9464/); // the status page on the host's loopback only
    const central = run('docker-compose', ['-f', 'compose.yaml', 'config'], { cwd: join(DEPLOY, 'central') });
    for (const s of ['prometheus:', 'alertmanager:', 'grafana:']) expect(central).toContain(s);
  });
  it('promtool accepts the agent config and the central config', () => {
    expect(run('promtool', ['check', 'config', '--agent', join(DEPLOY, 'establishment', 'prometheus-agent.yml')], { env: { VIGIE_ESTABLISHMENT: 'x', VIGIE_REGION: 'y' } })).toContain('SUCCESS');
    const dir = labTempDir('vigie-central-');
    writeFileSync(join(dir, 'prometheus.yml'), readFileSync(join(DEPLOY, 'central', 'prometheus.yml'), 'utf8').replace('/etc/prometheus/rules/vigie-rules.yaml', join(DEPLOY, 'prometheus', 'vigie-rules.yaml')));
    expect(run('promtool', ['check', 'config', join(dir, 'prometheus.yml')])).toContain('SUCCESS');
  });
});

describe('agent → central remote write', () => {
  const procs: ChildProcess[] = [];
  const servers: Closable[] = [];
  afterAll(async () => {
    // Agent and probe first: an agent whose receiver is gone waits for its flush deadline.
    for (const p of procs) {
      if (p.exitCode !== null || p.signalCode !== null) continue;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    }
    await Promise.all(servers.map((s) => s.close()));
  });
  it('series arrive with the external labels over TLS + basic auth, and none is lost while the receiver is down', async () => {
    const dir = labTempDir('vigie-rw-');
    const pki = makePki();
    writeFileSync(join(dir, 'cert.pem'), pki.leaves.valid.chain);
    writeFileSync(join(dir, 'key.pem'), pki.leaves.valid.key);
    writeFileSync(join(dir, 'ca.pem'), pki.caCert);
    writeFileSync(join(dir, 'password'), 'rw-lab-password\n');
    writeFileSync(join(dir, 'web.yml'), `tls_server_config:\n  cert_file: ${dir}/cert.pem\n  key_file: ${dir}/key.pem\nbasic_auth_users:\n  vigie-agent: ${bcrypt.hashSync('rw-lab-password', 4)}\n`);
    // The probe.
    const web = await startHttp();
    servers.push(web);
    const probePort = await closedPort();
    writeFileSync(join(dir, 'lab.yaml'), `platform: lab\ntitle: Lab\noperator: t\nflows:\n  - { host: 127.0.0.1, ips: [], port: ${web.port}, transport: tcp, direction: out, checks: [tcp], source: lab }\n`);
    writeFileSync(join(dir, 'vigie.yaml'), `server: { listen: "127.0.0.1:${probePort}" }\njitter: 0s\ncatalogs: { platforms: [lab], files: [lab.yaml] }\nchecks: { clock: { enabled: false } }\n`);
    const probe = spawn(process.execPath, [join(ROOT, 'bin', 'vigie.js'), 'run', '--config', join(dir, 'vigie.yaml')], { cwd: dir, stdio: 'ignore' });
    procs.push(probe);
    // The central receiver, TLS and basic auth.
    mkdirSync(join(dir, 'central'));
    writeFileSync(join(dir, 'central', 'prometheus.yml'), 'global: { evaluation_interval: 15s }\n');
    // The test's own queries trust the lab CA the receiver's certificate comes from.
    const auth = { headers: { authorization: `Basic ${Buffer.from('vigie-agent:rw-lab-password').toString('base64')}` }, dispatcher: new Agent({ connect: { ca: pki.caCert } }) };
    const startCentral = async (port?: number) => {
      const started = await startListeningChild({
        command: 'prometheus',
        args: (p) => [`--config.file=${dir}/central/prometheus.yml`, `--storage.tsdb.path=${dir}/central/data`, `--web.listen-address=127.0.0.1:${p}`, '--web.enable-remote-write-receiver', `--web.config.file=${dir}/web.yml`],
        ready: (p) => fetch(`https://localhost:${p}/-/ready`, { ...auth, signal: AbortSignal.timeout(5000) }).then((r) => r.ok),
        port,
      });
      procs.push(started.child);
      return started;
    };
    let { child: central, port: centralPort } = await startCentral();
    // The agent, with the shipped config: only the target, the receiver URL and the secret paths change.
    const agentConfig = readFileSync(join(DEPLOY, 'establishment', 'prometheus-agent.yml'), 'utf8')
      .replace('scrape_interval: 15s', 'scrape_interval: 1s')
      .replace('"vigie:9464"', `"127.0.0.1:${probePort}"`)
      .replace('https://metrics.region.example/api/v1/write', `https://localhost:${centralPort}/api/v1/write`)
      .replace('/run/secrets/remote_write_password', join(dir, 'password'))
      .replace('/run/secrets/region_ca.pem', join(dir, 'ca.pem'));
    writeFileSync(join(dir, 'agent.yml'), agentConfig);
    const agent = await startListeningChild({
      command: 'prometheus',
      args: (p) => ['--enable-feature=agent,expand-external-labels', '--storage.remote.flush-deadline=5s', `--config.file=${dir}/agent.yml`, `--storage.agent.path=${dir}/agent`, `--web.listen-address=127.0.0.1:${p}`],
      env: { ...process.env, VIGIE_ESTABLISHMENT: 'chu-lab', VIGIE_REGION: 'lab' },
      ready: readyEndpointOk,
    });
    procs.unshift(agent.child); // stopped first (see afterAll)
    const query = async (q: string) => {
      const res = await fetch(`https://localhost:${centralPort}/api/v1/query?query=${encodeURIComponent(q)}`, auth);
      return ((await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
    };
    const until = async (q: string, ok: (r: Awaited<ReturnType<typeof query>>) => boolean, ms = 30_000) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const r = await query(q).catch(() => []);
        if (ok(r)) return r;
        await new Promise((x) => setTimeout(x, 500));
      }
      throw new Error(`no result for ${q}`);
    };
    const first = await until('probe_success{kind="tcp"}', (r) => r.length > 0);
    expect(first[0]!.metric).toMatchObject({ establishment: 'chu-lab', region: 'lab', job: 'vigie', platform: 'lab', kind: 'tcp' });
    // Receiver down for OUTAGE_S (20 s in CI; VIGIE_OUTAGE_SECONDS=600 for the 10-minute run), then back: the agent's WAL holds the samples.
    const tDown = Date.now() / 1000;
    central.kill('SIGTERM');
    await new Promise((r) => central.once('exit', r));
    await new Promise((r) => setTimeout(r, OUTAGE_S * 1000));
    ({ child: central, port: centralPort } = await startCentral(centralPort));
    const tUp = Date.now() / 1000;
    // Every 1 s scrape of the outage window must be in the central store.
    const window = Math.floor(tUp - tDown) - 2;
    const at = (tDown + window + 1).toFixed(3);
    // The agent replays its WAL: wait for the outage window to fill, then count its samples.
    const countQuery = `count_over_time(up{job="vigie"}[${window}s] @ ${at})`;
    const filled = await until(countQuery, (r) => Number(r[0]?.value[1] ?? 0) >= window - 1, 60_000).catch(() => query(countQuery));
    const samples = Number(filled[0]?.value[1] ?? 0);
    console.log(`receiver down ${Math.round(tUp - tDown)} s: ${samples} of ${window} one-second scrapes of the outage window arrived`);
    expect(samples).toBeGreaterThanOrEqual(window - 1);
  }, 180_000 + OUTAGE_S * 1000 * 2);
});
