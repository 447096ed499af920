// The region's catalog bundle: validated as a whole, applied by a running probe within one poll,
// rejected bundles keep the last good catalogs, and the last good bundle survives a restart.
import { REPO_ROOT } from '../../../lab/paths.ts';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../runner/config/input-error.ts';
import { parseBundle, parseBundleDocs } from '../../../runner/config/region-bundle.ts';
import { withRegionConfig } from '../../../runner/config/region-bundle.ts';
import { closedPort, startHttp, startHttpOn, type Closable } from '../../../lab/servers.ts';

const ROOT = REPO_ROOT;
const catalog = (platform: string, port: number) =>
  `platform: ${platform}\ntitle: ${platform}\noperator: region\nflows:\n  - { host: 127.0.0.1, ips: [], port: ${port}, transport: tcp, direction: out, checks: [tcp], source: bundle }\n`;

describe('bundle validation', () => {
  it('refuses a bundle whose YAML aliases would expand without bound, naming the document', () => {
    const bomb = `platform: lab\n---\n${['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n')}\n`;
    let problems: string[] = [];
    try {
      parseBundleDocs(bomb, 'https://region/b.yaml');
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      problems = (e as InputError).problems.map((p) => `${p.file}: ${p.message}`);
    }
    expect(problems).toContain('https://region/b.yaml#2: YAML aliases expand too much (more than 100 alias uses): refused');
  });
  it('accepts several catalogs, one per YAML document', () => {
    expect(parseBundle(`${catalog('a', 1)}---\n${catalog('b', 2)}`, 'bundle').map((c) => c.platform)).toEqual(['a', 'b']);
  });
  it('rejects the whole bundle when one catalog is invalid or a platform repeats, naming the document', () => {
    const bad = () => parseBundle(`${catalog('a', 1)}---\n${catalog('b', 70000)}---\n${catalog('a', 3)}`, 'https://region/catalogs.yaml');
    expect(bad).toThrow(InputError);
    try {
      bad();
    } catch (e) {
      expect((e as InputError).problems.map((p) => `${p.file}: ${p.path}: ${p.message}`)).toEqual([
        'https://region/catalogs.yaml#2: flows[0].port: Too big: expected number to be <=65535',
        'https://region/catalogs.yaml#3: platform: platform "a" appears twice in the bundle',
      ]);
    }
  });
});

describe("the region's settings in the bundle", () => {
  const bundleWith = (rc: string) => `region_config:\n${rc}\n---\n${catalog('a', 1)}`;
  it('a region_config document gives checks and scenarios under the local file, the local value winning', () => {
    const b = parseBundleDocs(bundleWith('  checks: { tcp: { schedule: "*/5 * * * *", timeout: 4s }, dns: { enabled: false } }'), 'bundle');
    expect(b.catalogs.map((c) => c.platform)).toEqual(['a']);
    const c = withRegionConfig({ checks: { tcp: { timeout: '2s' } }, site: { establishment: 'chu' } }, b.regionConfig, 'bundle');
    expect(c.checks.tcp).toMatchObject({ schedule: '*/5 * * * *', timeout: 2000 });
    expect(c.checks.dns.enabled).toBe(false);
    expect(c.site.establishment).toBe('chu');
  });
  it('a region may not set the establishment’s own settings, and bad values are rejected with the bundle as source', () => {
    const rc = parseBundleDocs(bundleWith('  proxy: { url: "http://evil:3128" }'), 'https://region/b.yaml').regionConfig;
    expect(() => withRegionConfig({}, rc, 'https://region/b.yaml')).toThrow('a region may set only checks, scenarios');
    const bad = parseBundleDocs(bundleWith('  checks: { tcp: { timeout: soon } }'), 'https://region/b.yaml').regionConfig;
    try {
      withRegionConfig({}, bad, 'https://region/b.yaml');
      expect.unreachable();
    } catch (e) {
      expect((e as InputError).problems.map((p) => `${p.file}: ${p.path}`)).toEqual(['https://region/b.yaml: checks.tcp.timeout']);
    }
  });
});

describe('a running probe follows the bundle', () => {
  let web: Closable;
  let bundle = '';
  let server: Closable;
  let dir: string;
  beforeAll(async () => {
    web = await startHttp();
    server = await startHttpOn(await closedPort(), (_q, res) => res.writeHead(200, { 'content-type': 'application/yaml' }).end(bundle));
    dir = mkdtempSync(join(tmpdir(), 'vigie-remote-'));
  });
  afterAll(async () => Promise.all([web.close(), server.close()]));

  const start = async (port: number) => {
    writeFileSync(
      join(dir, 'vigie.yaml'),
      `server: { listen: "127.0.0.1:${port}" }\njitter: 0s\nremote: { url: "http://127.0.0.1:${server.port}/catalogs.yaml", interval_seconds: 5, cache_file: cache/catalogs.yaml }\nchecks: { clock: { enabled: false }, tcp: { schedule: "*/2 * * * * *" } }\n`,
    );
    return spawn(process.execPath, [join(ROOT, 'bin', 'vigie.js'), 'run', '--config', join(dir, 'vigie.yaml')], { cwd: dir, stdio: 'ignore' });
  };
  const metricsOf = (port: number) => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
  const until = async (port: number, test: (m: string) => boolean, ms = 20_000) => {
    const end = Date.now() + ms;
    let m = '';
    while (Date.now() < end) {
      m = await metricsOf(port);
      if (test(m)) return m;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`condition not met; last scrape:\n${m.slice(0, 2000)}`);
  };

  it("applies the region's settings with the catalogs, and refuses a bundle whose settings do not validate", async () => {
    bundle = catalog('region', web.port);
    const port = await closedPort();
    const probe = await start(port);
    try {
      await until(port, (m) => m.includes('vigie_checks_configured{kind="tcp"} 1'));
      // The region turns the TCP checks off: the local file set their schedule only.
      bundle = `region_config:\n  checks: { tcp: { enabled: false } }\n---\n${catalog('region', web.port)}`;
      await until(port, (m) => m.includes('vigie_build_info') && !m.includes('vigie_checks_configured{kind="tcp"}'));
      // Settings that do not validate: the whole bundle is refused, the last good one stays.
      bundle = `region_config:\n  checks: { tcp: { enabled: true, timeout: soon } }\n---\n${catalog('region', web.port)}`;
      await until(port, (x) => /vigie_remote_catalog_polls_total\{result="error"\} [1-9]/.test(x));
      expect(await metricsOf(port)).not.toContain('vigie_checks_configured{kind="tcp"}');
    } finally {
      probe.kill('SIGTERM');
      await new Promise((r) => probe.once('exit', r));
    }
  }, 60_000);

  it('applies a new bundle within a poll, keeps it when the next one is invalid, and restarts from the cached copy', async () => {
    const closed = await closedPort();
    bundle = catalog('region', web.port);
    const port = await closedPort();
    let probe = await start(port);
    try {
      await until(port, (m) => m.includes(`probe_success{platform="region",host="127.0.0.1",port="${web.port}",transport="tcp",kind="tcp"} 1`));
      // The region changes the documented port: the probe follows without a restart.
      bundle = catalog('region', closed);
      const m = await until(port, (x) => x.includes(`port="${closed}",transport="tcp",kind="tcp"} 0`));
      expect(m.split('\n').filter((l) => l.includes(`port="${web.port}",transport="tcp",kind="tcp"}`)), 'series of the check that left the plan').toEqual([]);
      // An invalid bundle is refused; the last good catalogs stay.
      bundle = catalog('region', 99999);
      await until(port, (x) => /vigie_remote_catalog_polls_total\{result="error"\} [1-9]/.test(x));
      expect(await metricsOf(port)).toContain(`port="${closed}",transport="tcp",kind="tcp"} 0`);
    } finally {
      probe.kill('SIGTERM');
      await new Promise((r) => probe.once('exit', r));
    }
    expect(existsSync(join(dir, 'cache', 'catalogs.yaml'))).toBe(true);
    // The region is unreachable at restart: the cached bundle is used.
    await server.close();
    probe = await start(port);
    try {
      await until(port, (x) => x.includes(`probe_success{platform="region",host="127.0.0.1",port="${closed}",transport="tcp",kind="tcp"} 0`));
    } finally {
      probe.kill('SIGTERM');
      await new Promise((r) => probe.once('exit', r));
    }
  }, 90_000);
});
