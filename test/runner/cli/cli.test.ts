// The CLI as users run it (a real `node bin/vigie.js` process): exit codes, JSON, table, the
// embedded catalog bounded in time with nothing reachable, and the daemon's /metrics and SIGTERM.
import { REPO_ROOT } from '../../../lab/paths.ts';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type LabPki } from '../../../lab/pki.ts';
import { closedPort, startDns, startHttps, startSntp, startUdpBlackhole, type Closable } from '../../../lab/servers.ts';
import { runProcess } from '../../helpers.ts';
import { labTempDir } from '../../../lab/temp.ts';

const ROOT = REPO_ROOT;
const BIN = join(ROOT, 'bin', 'vigie.js');
const tmp = labTempDir('vigie-cli-');

/** Runs the CLI without blocking this process: the lab servers answer from this event loop. */
function vigie(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runProcess(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000 });
}

let pki: LabPki;
const servers: Closable[] = [];
let labCatalog: string;
let labConfig: string;
let https: Closable;
let dns: Closable;

beforeAll(async () => {
  pki = makePki();
  https = await startHttps(pki.leaves.valid);
  dns = await startDns({ 'app.lab.test': { A: ['127.0.0.1'] } });
  const sntp = await startSntp(0);
  servers.push(https, dns, sntp);
  labCatalog = join(tmp, 'lab.yaml');
  writeFileSync(
    labCatalog,
    `platform: lab
title: Lab
operator: Vigie tests
flows:
  - { host: app.lab.test, ips: [127.0.0.1], port: ${https.port}, transport: tcp, direction: out, checks: [dns, tcp, tls], source: lab }
  - { host: 127.0.0.1, ips: [], port: ${await closedPort()}, transport: tcp, direction: out, checks: [tcp], source: lab closed }
urls:
  - { url: "https://app.lab.test:${https.port}/", checks: [http], source: lab url }
`,
  );
  labConfig = join(tmp, 'vigie.yaml');
  writeFileSync(
    labConfig,
    `site: { establishment: lab-hospital, name: Hôpital du Lab }
server: { listen: 127.0.0.1:0 }
dns: { servers: ["127.0.0.1:${dns.port}"] }
clock: { server: 127.0.0.1, port: ${sntp.port} }
trust: { extra_ca_files: ["${pki.caFile}"] }
jitter: 0s
checks:
  proxy: { enabled: false }
`,
  );
});
afterAll(async () => Promise.all(servers.map((s) => s.close())));

describe('vigie CLI', () => {
  it('--version and usage errors', async () => {
    expect(await vigie(['--version'])).toMatchObject({ code: 0, stdout: 'vigie 0.1.0\n' });
    const bad = await vigie(['check', '--format', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format must be table or json, not "xml"');
    expect((await vigie(['frobnicate'])).code).toBe(2);
    expect((await vigie(['check', '--kind', 'ping'])).stderr).toContain('unknown kind: ping');
  });

  it('loads what a command and a kind need when it runs, not before', async () => {
    let n = 0;
    const loaded = async (args: string[]) => {
      const file = join(tmp, `loaded-${n++}.txt`);
      const r = await vigie(args, { VIGIE_TEST_LOADED: file, NODE_OPTIONS: `--import=${join(ROOT, 'test', 'fixtures', 'loaded-packages.mjs')}` });
      return { ...r, packages: readFileSync(file, 'utf8').split('\n') };
    };
    // Node's bundled undici and http2 come with an ES import of node:http (runner/core/node-http.ts).
    const heavy = ['undici', 'pkijs', 'asn1js', 'ical.js', '@opentelemetry/sdk-metrics', 'playwright-core', 'node:internal/deps/undici/undici', 'node:http2'];
    const version = await loaded(['--version']);
    expect(version.stdout).toBe('vigie 0.1.0\n');
    for (const p of [...heavy, 'zod', 'stun', 'pino']) expect(version.packages, `vigie --version loaded ${p}`).not.toContain(p);
    const lab = ['--config', labConfig, '--catalog', labCatalog, '--format', 'json'];
    const tcp = await loaded(['check', ...lab, '--kind', 'tcp']);
    // The closed port fails, the HTTPS server's passes: exit 1, and both really ran.
    expect(tcp.code, tcp.stderr).toBe(1);
    expect((JSON.parse(tcp.stdout) as { results: { status: string }[] }).results.map((r) => r.status).sort()).toEqual(['failed', 'ok']);
    expect(tcp.packages).toContain('zod');
    for (const p of heavy) expect(tcp.packages, `tcp checks loaded ${p}`).not.toContain(p);
    const http = await loaded(['check', ...lab, '--kind', 'http']);
    expect(http.code, http.stderr).toBe(0);
    // The probes speak HTTP with Node's own client: undici is for a region bundle's fetch only.
    for (const p of heavy) expect(http.packages, `http checks loaded ${p}`).not.toContain(p);
  });

  it('an invalid config exits 2 naming the file, path and reason', async () => {
    const f = join(tmp, 'bad.yaml');
    writeFileSync(f, 'concurrency: many\nsite: { nom: x }\n');
    const r = await vigie(['check', '--config', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}: concurrency: Invalid input: expected number, received string`);
    expect(r.stderr).toContain(`${f}: site.nom: unknown key`);
  });

  it('a YAML alias bomb as a catalog exits 2 with the reason, no stack trace', async () => {
    const bomb = join(REPO_ROOT, 'test', 'fixtures', 'config-invalid', 'alias-bomb.yaml');
    const r = await vigie(['catalog', '--catalog', bomb]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bomb}: YAML aliases expand too much`);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+|internal error/);
  });

  it('a status page address already taken (a second vigie run) exits 2 naming server.listen, no stack trace', async () => {
    const taken = await startHttps(pki.leaves.valid);
    servers.push(taken);
    const f = join(tmp, 'taken.yaml');
    writeFileSync(f, readFileSync(labConfig, 'utf8').replace('127.0.0.1:0', `127.0.0.1:${taken.port}`));
    const r = await vigie(['run', '--config', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}: server.listen: 127.0.0.1:${taken.port}: address already in use`);
    expect(r.stderr).not.toMatch(/at .*\.(ts|js):\d+|internal error/);
  });

  it('catalog --format json gives the rows of every seed document', async () => {
    const r = await vigie(['catalog', '--format', 'json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { platform: string }[];
    const per = Object.fromEntries(['covotem', 'dcc-webconf', 'monsisra', 'telercp', 'therap-e'].map((p) => [p, rows.filter((x) => x.platform === p).length]));
    expect(per).toEqual({ covotem: 25, 'dcc-webconf': 1, monsisra: 29, telercp: 22, 'therap-e': 32 });
    expect(rows[0]).toMatchObject({ platform: 'covotem', host: 'www.esante-centre.fr', ips: ['164.138.243.29'], port: 80, transport: 'tcp', direction: 'out' });
  });

  it('check against a lab catalog: JSON results, exit 1 when one flow fails', async () => {
    const r = await vigie(['check', '--config', labConfig, '--catalog', labCatalog, '--format', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as { results: Record<string, unknown>[]; summary: Record<string, number> };
    const by = (kind: string, port?: number) => out.results.find((x) => x.kind === kind && (port === undefined || x.port === port));
    expect(by('dns'), JSON.stringify(out.results, null, 1)).toMatchObject({ platform: 'lab', host: 'app.lab.test', status: 'ok', observations: { addresses: ['127.0.0.1'] } });
    expect(by('tls')).toMatchObject({ status: 'ok', reason: 'ok', observations: { tls_version: '1.3' } });
    expect(by('http')).toMatchObject({ status: 'ok', target: `https://app.lab.test:${https.port}/` });
    expect(by('clock')).toMatchObject({ platform: 'site', status: 'ok' });
    const closed = out.results.find((x) => x.kind === 'tcp' && x.host === '127.0.0.1')!;
    expect(closed).toMatchObject({ status: 'failed', reason: 'refused' });
    expect(Object.keys(closed)).toEqual(['platform', 'host', 'port', 'transport', 'kind', 'target', 'status', 'reason', 'message', 'durationSeconds', 'phases', 'observations']);
    expect(by('ocsp')).toMatchObject({ status: 'ok', observations: { status: 'none' } }); // the lab leaf names no OCSP responder
    expect(out.summary).toEqual({ ok: 6, degraded: 0, failed: 1, unproven: 0 });
  });

  it('check with --kind and --platform filters, exit 0 when all pass; the daemon\'s V8 flags are not its own', async () => {
    // A flag Node refuses would stop a `vigie run` at once: `check` does not take VIGIE_RUN_NODE_FLAGS.
    const r = await vigie(['check', '--config', labConfig, '--catalog', labCatalog, '--kind', 'tls', '--platform', 'lab', '--format', 'json'], { VIGIE_RUN_NODE_FLAGS: '--no-such-v8-flag' });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { results: unknown[] }).results).toHaveLength(1);
  });

  it('the French table names the flow to open; --lang en gives English', async () => {
    const fr = await vigie(['check', '--config', labConfig, '--catalog', labCatalog, '--kind', 'tcp']);
    expect(fr.code).toBe(1);
    expect(fr.stdout).toMatch(/Plateforme\s+Flux\s+Contrôle\s+État\s+Cause\s+À demander/);
    expect(fr.stdout).toMatch(/ÉCHEC\s+Connexion refusée\s+Ouvrir \d+\/TCP sortant vers 127\.0\.0\.1/);
    const en = await vigie(['check', '--config', labConfig, '--catalog', labCatalog, '--kind', 'tcp', '--lang', 'en']);
    expect(en.stdout).toMatch(/FAILED\s+Connection refused\s+Open \d+\/TCP outbound to 127\.0\.0\.1/);
  });

  it('the embedded catalog with nothing reachable: every check fails truthfully, within timeout × ceil(checks / concurrency) + 1 s', async () => {
    const hole = await startUdpBlackhole();
    servers.push(hole);
    const refusing = await startDns({}, 'SERVFAIL');
    servers.push(refusing);
    const cfg = join(tmp, 'offline.yaml');
    // The lab DNS fails every name, so no packet leaves loopback; NTP goes to a black hole.
    writeFileSync(cfg, `dns: { servers: ["127.0.0.1:${refusing.port}"] }\nclock: { server: 127.0.0.1, port: ${hole.port} }\nconcurrency: 16\nchecks: { clock: { timeout: 2s }, proxy: { enabled: false } }\n`);
    const t0 = Date.now();
    const r = await vigie(['check', '--config', cfg, '--format', 'json']);
    const wall = (Date.now() - t0) / 1000;
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { results: { status: string; reason: string; kind: string }[] };
    expect(out.results.length).toBeGreaterThan(100);
    expect(out.results.every((x) => x.status === 'failed')).toBe(true);
    const reasons = new Set(out.results.map((x) => x.reason));
    expect([...reasons].sort()).toEqual(['clock_unreachable', 'dns_servfail']);
    const bound = 10 * Math.ceil(out.results.length / 16) + 1; // 10 s: the largest default timeout (http)
    expect(wall).toBeLessThan(bound + 3); // + process start-up
    // One cause, one line: the table leads with the resolver and its one fix; the rows refer to it.
    const table = await vigie(['check', '--config', cfg, '--platform', 'telercp']);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^Cause commune — Le serveur DNS est en échec : Rétablir le résolveur DNS de l'établissement .* \d+ contrôles sur \d+ noms/);
    expect(table.stdout).not.toContain("Vérifier que le DNS de l'établissement résout");
    expect(lines.filter((l) => l.includes('Voir la cause commune')).length).toBeGreaterThan(5);
  });
});

describe('vigie run', () => {
  it('serves /metrics, /healthz, /readyz and the status page, then stops on SIGTERM with exit 0', async () => {
    const port = await closedPort();
    const cfg = join(tmp, 'run.yaml');
    const text = readFileSync(labConfig, 'utf8').replace('127.0.0.1:0', `127.0.0.1:${port}`);
    const historyFile = join(tmp, 'state', 'history.json');
    writeFileSync(cfg, `${text}catalogs: { platforms: [lab], files: ["${labCatalog}"] }\nhistory_file: ${historyFile}\n`);
    const child = spawn(process.execPath, [BIN, 'run', '--config', cfg], { cwd: ROOT, env: { ...process.env, VIGIE_LOG_LEVEL: 'info' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const base = `http://127.0.0.1:${port}`;
    try {
      let ready = false;
      for (let i = 0; i < 100 && !ready; i++) {
        await new Promise((r) => setTimeout(r, 200));
        ready = await fetch(`${base}/readyz`).then((r) => r.status === 200, () => false);
      }
      expect(ready, stderr).toBe(true);
      expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok\n');
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/probe_success\{platform="lab",host="app.lab.test",port="\d+",transport="tcp",kind="tls"\} 1/);
      expect(metrics).toMatch(/probe_check_runs_total\{platform="lab",host="127.0.0.1",port="\d+",transport="tcp",kind="tcp",result="failed",reason="refused"\} 1/);
      expect(metrics).toMatch(/probe_phase_duration_seconds\{platform="lab",host="app.lab.test",port="\d+",transport="tcp",kind="http",phase="ttfb"\} [\d.e-]+/);
      expect(metrics).toMatch(/probe_tls_cert_expiry_timestamp_seconds\{[^}]*kind="tls"\} \d+/);
      expect(metrics).toMatch(/probe_tls_version_info\{[^}]*version="1.3"\} 1/);
      expect(metrics).toMatch(/probe_clock_offset_seconds\{platform="site",host="127.0.0.1",port="\d+",transport="udp",kind="clock"\} /);
      expect(metrics).not.toMatch(/https?:\/\//); // no URL as a label value
      const page = await (await fetch(`${base}/`)).text();
      expect(page).toContain('Hôpital du Lab');
      // One line per documented flow, with its last 24 h drawn (no script).
      expect(page).toMatch(/<tr class="flow-failed" data-flow="\d+\/TCP sortant vers 127\.0\.0\.1"><td>[^<]*<\/td><td class="st">ÉCHEC<\/td><td>tcp refused<\/td>.*?<svg class="hist" role="img" aria-label="24 h : 1 périodes de 5 min, 1 en échec/);
      expect((await (await fetch(`${base}/api/results`)).json()) as { flows: unknown[] }).toMatchObject({ flows: expect.arrayContaining([expect.objectContaining({ host: '127.0.0.1', verdict: 'failed', reason: 'refused' })]) });
      expect(page).toMatch(/Connexion refusée/);
      const en = await (await fetch(`${base}/?lang=en`)).text();
      expect(en).toContain('Connection refused');
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    expect(stderr).toContain('"msg":"stopped"');
    // The history is saved on the way out, for the next start to show.
    const saved = JSON.parse(readFileSync(historyFile, 'utf8')) as { version: number; checks: Record<string, [number, string][]> };
    expect(saved.version).toBe(1);
    expect(Object.values(saved.checks).some((cells) => cells.some((c) => c[1] === 'failed'))).toBe(true);

    // A restart an hour later still shows that hour-old failure beside the new run.
    for (const cells of Object.values(saved.checks)) for (const c of cells) c[0] -= 3600;
    writeFileSync(historyFile, JSON.stringify(saved));
    // This time with the daemon's V8 flags, as the image sets them: the same process (same PID, under tini) runs with them.
    const daemonFlags = ['--max-opt=1', '--optimize-for-size', '--max-semi-space-size=1'];
    const again = spawn(process.execPath, [BIN, 'run', '--config', cfg], { cwd: ROOT, env: { ...process.env, VIGIE_RUN_NODE_FLAGS: daemonFlags.join(' ') } });
    try {
      let page = '';
      for (let i = 0; i < 100 && !/aria-label="24 h : 2 périodes de 5 min, 2 en échec/.test(page); i++) {
        await new Promise((r) => setTimeout(r, 200));
        page = await fetch(`${base}/`).then((r) => r.text(), () => '');
      }
      expect(page).toMatch(/data-flow="\d+\/TCP sortant vers 127\.0\.0\.1">.*?aria-label="24 h : 2 périodes de 5 min, 2 en échec/);
      expect(readFileSync(`/proc/${again.pid}/cmdline`, 'utf8').split('\0')).toEqual(expect.arrayContaining([...daemonFlags, BIN, 'run']));
    } finally {
      again.kill('SIGTERM');
    }
    expect(await new Promise<number | null>((r) => again.once('exit', (c) => r(c)))).toBe(0);
  });
});
