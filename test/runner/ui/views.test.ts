// The views against the real thing: a real `vigie run` checks a lab platform (HTTPS, DNS, SNTP,
// coturn with STUN, TURN, the relay test and a turn-relay browser scenario) with one fault profile
// (a flow whose port is closed), a real Prometheus scrapes it with the shipped rules, and then:
// every query of every dashboard returns data; the status page and the compliance report, rendered
// in Debian's Chromium, show the right rows red with the right fix text and pass axe-core; the PDF
// is printed. Screenshots go to test-artefacts/.
import { REPO_ROOT } from '../../../lab/paths.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARDS, renderDashboard } from '../../../dashboards/index.ts';
import { main } from '../../../runner/cli/main.ts';
import { QUIET_ARGS } from '../../../scenarios/lib/browser.ts';
import { startCoturn, type Coturn } from '../../../lab/coturn.ts';
import { startPrometheus, type Proc } from '../../../lab/monitoring.ts';
import { makePki } from '../../../lab/pki.ts';
import { LOOPBACK_ARGS, TEST_CACHE } from '../../../lab/scenario-run.ts';
import { type Closable, closedPort, startDns, startHttps, startSntp } from '../../../lab/servers.ts';
import { labTempDir } from '../../../lab/temp.ts';

const ROOT = REPO_ROOT;
const ARTEFACTS = join(ROOT, 'test-artefacts');
const SECRET = 'views-lab-turn-secret';
const GENERATED = join(ROOT, 'dashboards', 'generated');

let dir: string;
let cfg: string;
let probePort: number;
let closed: number;
let probe: ChildProcess;
let prom: Proc;
let servers: Closable[] = [];
let coturn: Coturn;
let browser: Browser;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A weekday whose 08:00 (Paris) falls within the planner's 26 h horizon from now. */
function sessionDay(): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'long', hour: 'numeric', hourCycle: 'h23' }).formatToParts(new Date());
  const days = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
  const today = days.indexOf(parts.find((p) => p.type === 'weekday')!.value.toLowerCase());
  const hour = Number(parts.find((p) => p.type === 'hour')!.value);
  return days[hour < 7 ? today : (today + 1) % 7]!;
}

async function promQuery(query: string): Promise<{ status: string; error?: string; data?: { result: unknown[] } }> {
  const res = await fetch(`http://127.0.0.1:${prom.port}/api/v1/query?query=${encodeURIComponent(query)}`);
  return (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
}

async function axe(page: Page): Promise<{ id: string; help: string; nodes: { target: string[] }[] }[]> {
  await page.addScriptTag({ path: join(ROOT, 'node_modules', 'axe-core', 'axe.min.js') });
  return page.evaluate(async () => {
    const r = await (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe.run();
    return r.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
}

beforeAll(async () => {
  mkdirSync(ARTEFACTS, { recursive: true });
  dir = labTempDir('vigie-views-');
  const pki = makePki();
  const https = await startHttps(pki.leaves.valid);
  const dns = await startDns({ 'web.lab.test': { A: ['127.0.0.1'] }, 'turn.lab.test': { A: ['127.0.0.1'] }, 'closed.lab.test': { A: ['127.0.0.1'] } });
  const sntp = await startSntp(0);
  coturn = await startCoturn(pki.leaves.valid, { secret: SECRET });
  servers = [https, dns, sntp];
  closed = await closedPort();
  probePort = await closedPort();
  writeFileSync(
    join(dir, 'lab.yaml'),
    `platform: lab
title: Plateforme de test
operator: Lab
flows:
  - { host: web.lab.test, ips: [127.0.0.1], port: ${https.port}, transport: tcp, direction: out, checks: [dns, tcp, tls, http], source: "lab §1" }
  - { host: turn.lab.test, ips: [127.0.0.1], port: ${coturn.port}, transport: udp, direction: out, checks: [stun, turn, relay], source: "lab §2" }
  - { host: closed.lab.test, ips: [127.0.0.1], port: ${closed}, transport: tcp, direction: out, checks: [tcp], source: "lab §3" }
`,
  );
  const every = '{ schedule: "*/10 * * * * *" }';
  cfg = join(dir, 'vigie.yaml');
  writeFileSync(
    cfg,
    `site: { establishment: ch-lab, name: Centre hospitalier du Lab, region: lab }
server: { listen: "127.0.0.1:${probePort}" }
jitter: 0s
dns: { servers: ["127.0.0.1:${dns.port}"] }
clock: { server: 127.0.0.1, port: ${sntp.port} }
trust: { extra_ca_files: [${pki.caFile}] }
catalogs: { platforms: [lab], files: [lab.yaml] }
credentials: { turn: { secret: { env: VIGIE_VIEWS_TURN_SECRET } } }
service_credentials: { turn.lab.test: turn }
browser: { args: ${JSON.stringify(LOOPBACK_ARGS)}, cache_dir: ${TEST_CACHE}, sandbox: false }
rcp:
  sessions:
    - { name: RCP thoracique, platform: lab, weekly: { day: ${sessionDay()}, start: "08:00", end: "09:00" } }
checks: { tcp: ${every}, tls: ${every}, http: ${every}, dns: ${every}, stun: ${every}, turn: ${every}, ocsp: ${every} }
scenarios:
  - { name: relais-lab, kind: turn-relay, platform: lab, server: 127.0.0.1, port: ${coturn.port}, transports: [udp], credentials: turn, window: 4s, hd_within: 3s }
`,
  );
  process.env.VIGIE_VIEWS_TURN_SECRET = SECRET;
  probe = spawn(process.execPath, [join(ROOT, 'bin', 'vigie.js'), 'run', '--config', cfg], { cwd: dir, stdio: 'ignore', env: { ...process.env, VIGIE_VIEWS_TURN_SECRET: SECRET } });
  prom = await startPrometheus({ rules: join(ROOT, 'deploy', 'prometheus', 'vigie-rules.yaml'), targets: [`127.0.0.1:${probePort}`], labels: { establishment: 'ch-lab', region: 'lab' }, alertmanagerPort: await closedPort(), intervalSeconds: 1 });
  // Every check and the browser scenario have a result, and Prometheus holds several scrapes of them.
  const end = Date.now() + 90_000;
  while (Date.now() < end) {
    const ready = await fetch(`http://127.0.0.1:${probePort}/readyz`).then((r) => r.ok, () => false);
    if (ready && ((await promQuery('probe_webrtc_frame_height')).data?.result.length ?? 0) > 0) break;
    await sleep(1000);
  }
  await sleep(8000);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...QUIET_ARGS] });
}, 150_000);

afterAll(async () => {
  await browser?.close();
  probe?.kill('SIGTERM');
  await prom?.stop();
  await coturn?.stop();
  await Promise.all(servers.map((s) => s.close()));
});

describe('dashboards as code', () => {
  it('the committed JSON is generated from the current builders', () => {
    for (const [file, build] of Object.entries(DASHBOARDS)) expect(readFileSync(join(GENERATED, file), 'utf8'), file).toBe(renderDashboard(build));
    expect(readdirSync(GENERATED).sort()).toEqual(Object.keys(DASHBOARDS).sort());
  });

  it('every panel has a French description and every query returns data from a real probe run', async () => {
    const failures: string[] = [];
    let queries = 0;
    for (const file of Object.keys(DASHBOARDS)) {
      const d = JSON.parse(readFileSync(join(GENERATED, file), 'utf8')) as { panels: { title: string; description?: string; targets?: { expr: string }[] }[]; templating: { list: { name: string; definition: string }[] } };
      for (const p of d.panels) {
        if (!p.description || p.description.length < 20) failures.push(`${file} "${p.title}": no description`);
        for (const t of p.targets ?? []) {
          queries++;
          const expr = t.expr.replace(/\$(region|establishment|platform|host)\b/g, '.*').replace(/\$__range\b/g, '2m');
          const r = await promQuery(expr);
          if (r.status !== 'success') failures.push(`${file} "${p.title}": ${r.error}`);
          else if (!r.data?.result.length) failures.push(`${file} "${p.title}": empty result for ${expr}`);
        }
      }
      for (const v of d.templating.list) {
        const m = /^label_values\((.+), (\w+)\)$/.exec(v.definition);
        if (!m) {
          failures.push(`${file} variable ${v.name}: not a label_values query`);
          continue;
        }
        const match = m[1]!.replace(/\$(region|establishment|platform|host)\b/g, '.*');
        const res = (await (await fetch(`http://127.0.0.1:${prom.port}/api/v1/label/${m[2]}/values?match[]=${encodeURIComponent(match)}`)).json()) as { data: string[] };
        if (!res.data.length) failures.push(`${file} variable ${v.name}: no values`);
      }
    }
    expect(failures).toEqual([]);
    expect(queries).toBeGreaterThan(30);
  }, 60_000);
});

describe('status page and compliance report in Chromium', () => {
  const fix = () => `Ouvrir ${closed}/TCP sortant vers closed.lab.test (127.0.0.1)`;

  it('the status page shows the blocked flow red with the fix, the scenario measurements, the RCP session; axe finds nothing', async () => {
    const page = await browser.newPage({ javaScriptEnabled: false });
    await page.goto(`http://127.0.0.1:${probePort}/`);
    const row = page.locator('tr[data-check^="tcp|lab|closed.lab.test"]');
    await expect.poll(() => row.getAttribute('class')).toBe('failed');
    expect(await row.locator('.st').innerText()).toBe('ÉCHEC');
    expect(await row.locator('.fix').innerText()).toBe(fix());
    expect(await row.innerText()).toContain('Connexion refusée');
    // The working flows are green.
    for (const kind of ['tls', 'http', 'stun', 'turn']) expect(await page.locator(`tr[data-check^="${kind}|lab|"]`).first().getAttribute('class'), kind).toBe('ok');
    // The clock's NTP flow has its own line: the lab's SNTP server answers it.
    expect(await page.locator('tr[data-check$="#ntp"]').getAttribute('class')).toBe('ok');
    const media = page.locator('tr[data-scenario="relais-lab"]');
    expect(await media.getAttribute('class')).toBe('ok');
    expect(await media.innerText()).toContain('1280×720');
    expect(await page.locator('#sessions').locator('xpath=..').innerText()).toContain('RCP thoracique');
    const html = await page.content();
    expect(html).not.toContain(SECRET);
    await page.screenshot({ path: join(ARTEFACTS, 'status-page-fr.png'), fullPage: true });
    await page.close();
    const js = await browser.newPage();
    await js.goto(`http://127.0.0.1:${probePort}/?lang=en`);
    expect(await js.locator('tr[data-check^="tcp|lab|closed.lab.test"] .fix').innerText()).toBe(`Open ${closed}/TCP outbound to closed.lab.test (127.0.0.1)`);
    const violations = await axe(js);
    await js.screenshot({ path: join(ARTEFACTS, 'status-page-en.png'), fullPage: true });
    await js.close();
    expect(violations).toEqual([]);
  }, 60_000);

  it('vigie report writes a self-contained HTML report with evidence and a PDF; axe finds nothing', async () => {
    const html = join(ARTEFACTS, 'report.html');
    const pdf = join(ARTEFACTS, 'report.pdf');
    const out: string[] = [];
    const code = await main(['report', '--config', cfg, '--out', html, '--pdf', pdf], { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream);
    expect(code, 'a failed flow makes the exit code 1').toBe(1);
    const text = readFileSync(html, 'utf8');
    expect(text).not.toMatch(/<(script|link|img)\b/);
    expect(text).not.toContain(SECRET);
    expect(text).toContain('Centre hospitalier du Lab');
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    expect(existsSync(pdf)).toBe(true);
    const page = await browser.newPage();
    await page.goto(`file://${html}`);
    const row = page.locator('tr[data-check^="tcp|lab|closed.lab.test"]');
    expect(await row.getAttribute('class')).toBe('failed');
    expect(await row.locator('.fix').innerText()).toBe(fix());
    const tls = await page.locator('tr[data-check^="tls|lab|web.lab.test"]').innerText();
    expect(tls).toContain('Vigie Lab');
    expect(tls).toMatch(/TLS: 1\.[23] /);
    expect(tls).toMatch(/tls \d+ ms/);
    expect(await page.locator('tr[data-check^="dns|lab|web.lab.test"]').innerText()).toContain('127.0.0.1');
    const violations = await axe(page);
    await page.screenshot({ path: join(ARTEFACTS, 'report.png'), fullPage: true });
    await page.close();
    expect(violations).toEqual([]);
  }, 120_000);
});
