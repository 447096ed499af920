// The region's catalog bundle: validated as a whole, applied by a running probe within one poll,
// rejected bundles keep the last good catalogs, and the last good bundle survives a restart.
import { REPO_ROOT } from '../../../lab/paths.ts';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../runner/config/input-error.ts';
import { parseBundle, parseBundleDocs } from '../../../runner/config/region-bundle.ts';
import { generateKeys, signBundle, verifyBundle, parsePublicKey } from '../../../runner/config/bundle-signature.ts';
import { parseConfig } from '../../../runner/config/config.ts';
import { main } from '../../../runner/cli/main.ts';
import { withRegionConfig } from '../../../runner/config/region-bundle.ts';
import { closedPort, startDns, startHttp, startHttpOn, type Closable } from '../../../lab/servers.ts';
import { makePki, type LabPki } from '../../../lab/pki.ts';
import { labTempDir } from '../../../lab/temp.ts';

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
  // The region signs every bundle it serves; the probe pins its key.
  const region = generateKeys();
  beforeAll(async () => {
    web = await startHttp();
    server = await startHttpOn(await closedPort(), (q, res) => res.writeHead(200, { 'content-type': 'application/yaml' }).end(q.url?.endsWith('.sig') ? signBundle(bundle, region.privatePem) : bundle));
    dir = labTempDir('vigie-remote-');
  });
  afterAll(async () => Promise.all([web.close(), server.close()]));

  // The lab's bundles name loopback destinations: this establishment allows them explicitly.
  const start = async (port: number, destinations = '{ allow_private: true }', more = '') => {
    writeFileSync(
      join(dir, 'vigie.yaml'),
      `${more}server: { listen: "127.0.0.1:${port}" }\njitter: 0s\ndestinations: ${destinations}\nremote: { url: "http://127.0.0.1:${server.port}/catalogs.yaml", interval_seconds: 5, cache_file: cache/catalogs.yaml, public_keys: ["${region.publicRaw}"] }\nchecks: { clock: { enabled: false }, tcp: { schedule: "*/2 * * * * *" } }\n`,
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

  it("leaves out and reports the destinations the establishment's settings refuse: private addresses by default, anything off its lists", async () => {
    bundle = `${catalog('region', web.port)}  - { host: 192.168.1.10, ips: [], port: 22, transport: tcp, direction: out, checks: [tcp], source: intranet }\nurls:\n  - { url: "http://localhost:${web.port}/", checks: [http], source: loopback by name }\n`;
    const port = await closedPort();
    const probe = await start(port, `{ allow: ["127.0.0.1"], ports: [${web.port}] }`);
    try {
      const m = await until(port, (x) => x.includes('vigie_remote_destinations_refused 2') && x.includes(`probe_success{platform="region",host="127.0.0.1",port="${web.port}"`));
      expect(m).toContain(`probe_success{platform="region",host="127.0.0.1",port="${web.port}",transport="tcp",kind="tcp"} 1`);
      expect(m).not.toContain('192.168.1.10');
      expect(m).not.toMatch(/kind="http"/);
      const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      expect(page).toContain('Destinations du catalogue régional refusées par la configuration de l’établissement (2)');
      expect(page).toContain('192.168.1.10:22/tcp : 192.168.1.10 is not in destinations.allow');
      expect(page).toContain(`http://localhost:${web.port}/ : localhost is the probe itself (loopback)`);
    } finally {
      probe.kill('SIGTERM');
      await new Promise((r) => probe.once('exit', r));
    }
  }, 60_000);

  it("refuses to connect where a bundle's name resolves to a private address: reported unproven, no connection made", async () => {
    // The region's DNS (or whoever controls it) points an allowed name inside the hospital.
    const dnsServer = await startDns({ 'intranet.region.test': { A: ['127.0.0.1'] } });
    let connections = 0;
    const target = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    const targetPort = (target.address() as AddressInfo).port;
    bundle = `platform: region\ntitle: region\noperator: region\nflows:\n  - { host: intranet.region.test, ips: [], port: ${targetPort}, transport: tcp, direction: out, checks: [dns, tcp], source: bundle }\n`;
    const port = await closedPort();
    const probe = await start(port, '{ allow: ["*.region.test"] }', `dns: { servers: ["127.0.0.1:${dnsServer.port}"] }\n`);
    try {
      const labels = `platform="region",host="intranet.region.test",port="${targetPort}",transport="tcp",kind="tcp"`;
      const m = await until(port, (x) => x.includes(`probe_unproven{${labels}} 1`));
      expect(m).not.toContain(`probe_success{${labels}}`);
      const { results } = (await (await fetch(`http://127.0.0.1:${port}/api/results`)).json()) as { results: { kind: string; status: string; reason: string; message: string }[] };
      const tcp = results.find((r) => r.kind === 'tcp')!;
      expect(tcp).toMatchObject({ status: 'unproven', reason: 'destination_refused' });
      expect(tcp.message).toContain('intranet.region.test resolves to 127.0.0.1, a private, loopback or link-local address');
      // The dns check still reports what the name answers; it connects to nothing.
      expect(results.find((r) => r.kind === 'dns')?.status).toBe('ok');
      expect(connections, 'connections the probe made to the refused address').toBe(0);
    } finally {
      probe.kill('SIGTERM');
      await new Promise((r) => probe.once('exit', r));
      await dnsServer.close();
      target.close();
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

describe('signed bundles', () => {
  const region = generateKeys();
  const next = generateKeys();
  const text = catalog('a', 1);
  it('a signature verifies only the bytes it signed, with a pinned key; two keys may be pinned during a rotation', () => {
    const sig = signBundle(text, region.privatePem);
    expect(verifyBundle(text, sig, [parsePublicKey(region.publicRaw)])).toEqual({ ok: true, keyIndex: 0 });
    expect(verifyBundle(text, sig, [parsePublicKey(next.publicPem), parsePublicKey(region.publicRaw)])).toEqual({ ok: true, keyIndex: 1 });
    expect(verifyBundle(`${text}# changed\n`, sig, [parsePublicKey(region.publicRaw)]).ok).toBe(false);
    expect(verifyBundle(text, signBundle(text, next.privatePem), [parsePublicKey(region.publicRaw)]).ok).toBe(false);
    expect(verifyBundle(text, 'not a signature', [parsePublicKey(region.publicRaw)])).toEqual({ ok: false, why: 'the signature is not 64 bytes of base64' });
  });
  it('remote needs a pinned key, or the explicit allow_unsigned; a key that is not ed25519 is named', () => {
    expect(() => parseConfig('remote: { url: "https://region.example/b.yaml" }\n', 'v.yaml')).toThrow(/remote\.public_keys: pin the region's signing key/);
    expect(parseConfig('remote: { url: "https://region.example/b.yaml", allow_unsigned: true }\n', 'v.yaml').remote?.allow_unsigned).toBe(true);
    expect(() => parseConfig('remote: { url: "https://region.example/b.yaml", public_keys: ["AAAA"] }\n', 'v.yaml')).toThrow(/remote\.public_keys\[0\]: expected an ed25519 public key/);
    expect(() => parseConfig(`remote: { url: "https://region.example/b.yaml", public_keys: ["${region.publicRaw}", "${next.publicRaw}", "${region.publicRaw}"] }\n`, 'v.yaml')).toThrow(/public_keys/);
  });
});

describe('vigie bundle keygen | sign | verify (the region side)', () => {
  const vigieCli = async (...args: string[]) => {
    let out = '';
    let err = '';
    const sink = (f: (s: string) => void) => new Writable({ write: (c: Buffer, _e, cb) => (f(c.toString()), cb()) });
    const code = await main(args, sink((s) => (out += s)), sink((s) => (err += s)));
    return { code, out, err };
  };
  it('signs a bundle that validates, verifies it as a probe would, and refuses it once changed', async () => {
    const d = labTempDir('vigie-bundle-cli-');
    try {
      const bundleFile = join(d, 'catalogs.yaml');
      writeFileSync(bundleFile, catalog('a', 1));
      const keygen = await vigieCli('bundle', 'keygen', '--out', join(d, 'region'));
      expect(keygen.code).toBe(0);
      const pub = readFileSync(join(d, 'region.pub'), 'utf8').trim();
      expect(keygen.out).toContain(`remote: { public_keys: ["${pub}"] }`);
      expect(statSync(join(d, 'region.key')).mode & 0o777).toBe(0o600);
      expect((await vigieCli('bundle', 'keygen', '--out', join(d, 'region'))).code, 'a key is never overwritten').toBe(2);
      expect((await vigieCli('bundle', 'sign', bundleFile, '--key', join(d, 'region.key'))).code).toBe(0);
      expect(await vigieCli('bundle', 'verify', bundleFile, '--public-key', pub)).toMatchObject({ code: 0, out: `${bundleFile}: signed by pinned key 1 of 1; the bundle validates.\n` });
      writeFileSync(bundleFile, catalog('a', 2));
      const tampered = await vigieCli('bundle', 'verify', bundleFile, '--public-key', join(d, 'region.pub'));
      expect(tampered.code).toBe(1);
      expect(tampered.err).toContain('refused: no pinned key (1) verifies it');
      writeFileSync(bundleFile, catalog('a', 70000));
      const invalid = await vigieCli('bundle', 'sign', bundleFile, '--key', join(d, 'region.key'));
      expect(invalid.code, 'an invalid bundle is not signed').toBe(2);
      expect(invalid.err).toContain('flows[0].port');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('a running probe refuses bundles its region did not sign (real HTTPS server)', () => {
  const region = generateKeys();
  const attacker = generateKeys();
  let served = { text: '', sig: '' };
  let server: https.Server;
  let serverPort = 0;
  let web: Closable;
  let dir: string;
  let pki: LabPki;
  beforeAll(async () => {
    pki = makePki();
    web = await startHttp();
    server = https.createServer({ cert: pki.leaves.valid.chain, key: pki.leaves.valid.key }, (q, res) => res.writeHead(200).end(q.url?.endsWith('.sig') ? served.sig : served.text));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    serverPort = (server.address() as AddressInfo).port;
    dir = labTempDir('vigie-signed-');
  });
  afterAll(async () => {
    await Promise.all([web.close(), new Promise((r) => server.close(r))]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('wrong key or tampered after signing: refused, counted, shown on the status page, the last good catalogs kept', async () => {
    const good = catalog('region', web.port);
    served = { text: good, sig: signBundle(good, region.privatePem) };
    const port = await closedPort();
    writeFileSync(
      join(dir, 'vigie.yaml'),
      `server: { listen: "127.0.0.1:${port}" }\njitter: 0s\ndestinations: { allow_private: true }\nremote: { url: "https://127.0.0.1:${serverPort}/catalogs.yaml", interval_seconds: 5, cache_file: cache/catalogs.yaml, public_keys: ["${region.publicRaw}"] }\nchecks: { clock: { enabled: false }, tcp: { schedule: "*/2 * * * * *" } }\n`,
    );
    const probe = spawn(process.execPath, [join(ROOT, 'bin', 'vigie.js'), 'run', '--config', join(dir, 'vigie.yaml')], { cwd: dir, stdio: 'ignore', env: { ...process.env, NODE_EXTRA_CA_CERTS: pki.caFile } });
    const metrics = () => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
    const until = async (test: (m: string) => boolean) => {
      for (let i = 0; i < 120; i++) {
        const m = await metrics();
        if (test(m)) return m;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`condition not met:\n${(await metrics()).slice(0, 1500)}`);
    };
    const goodSeries = `probe_success{platform="region",host="127.0.0.1",port="${web.port}",transport="tcp",kind="tcp"} 1`;
    try {
      await until((m) => m.includes(goodSeries));
      expect(readFileSync(join(dir, 'cache', 'catalogs.yaml.sig'), 'utf8')).toBe(served.sig);
      // Whoever controls the region's web server sends the fleet elsewhere, signing with its own key.
      const evil = catalog('region', 22);
      served = { text: evil, sig: signBundle(evil, attacker.privatePem) };
      await until((m) => /vigie_remote_catalog_polls_total\{result="refused_signature"\} [1-9]/.test(m));
      // The same bundle with the region's signature, changed after signing.
      served = { text: `${good}  - { host: 10.0.0.1, ips: [], port: 22, transport: tcp, direction: out, checks: [tcp], source: added }\n`, sig: signBundle(good, region.privatePem) };
      await until((m) => /vigie_remote_catalog_polls_total\{result="refused_signature"\} [2-9]/.test(m));
      const m = await metrics();
      expect(m).toContain(goodSeries);
      expect(m).not.toMatch(/port="22"/);
      const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      expect(page).toContain('Catalogue régional refusé (signature invalide)');
      expect(page).toMatch(/no pinned key \(1\) verifies it/);
    } finally {
      probe.kill('SIGTERM');
      await new Promise((r) => probe.once('exit', r));
    }
  }, 90_000);
});

