// tcp, tls and http probes against the lab's real servers: success and each failure reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemTrustStore } from '../../probes/lib/trust.ts';
import type { SharedContext } from '../../runner/engine/shared-context.ts';
import { makePki, type LabPki } from '../../lab/pki.ts';
import { closedPort, startHttp, startHttps, startProxy, startSilentTcp, type Closable } from '../../lab/servers.ts';
import { loopbackFaults, nftAvailable } from '../../lab/fault/nft.ts';
import { type RunOptions, runProbe as runWith, target } from '../helpers.ts';

let pki: LabPki;
const services: Partial<SharedContext> = {};
const runProbe = (kind: Parameters<typeof runWith>[0], t: Parameters<typeof runWith>[1], o: RunOptions = {}) => runWith(kind, t, { ...o, shared: services });
const s: Record<string, Closable> = {};
let refusedPort: number;

beforeAll(async () => {
  pki = makePki();
  services.trust = new SystemTrustStore([pki.caCert]);
  s.valid = await startHttps(pki.leaves.valid);
  s.expired = await startHttps(pki.leaves.expired);
  s.expiring = await startHttps(pki.leaves.expiring);
  s.wronghost = await startHttps(pki.leaves.wronghost);
  s.selfsigned = await startHttps(pki.leaves.selfsigned);
  s.tls10 = await startHttps(pki.leaves.valid, { tls10Only: true });
  s.leafOnly = await startHttps({ ...pki.leaves.valid, chain: pki.leaves.valid.cert });
  s.http = await startHttp();
  s.silent = await startSilentTcp();
  refusedPort = await closedPort();
});
afterAll(async () => {
  await Promise.all(Object.values(s).map((x) => x.close()));
});

describe('tcp probe', () => {
  it('connects to a listening port and times resolve and connect', async () => {
    const r = await runProbe('tcp', target({ host: 'localhost', port: s.http!.port }));
    expect(r).toMatchObject({ status: 'ok', reason: 'ok', kind: 'tcp', port: s.http!.port });
    expect(Object.keys(r.phases)).toEqual(['resolve', 'connect']);
    expect(r.phases.connect).toBeGreaterThan(0);
  });
  it('reports a closed port as refused', async () => {
    const r = await runProbe('tcp', target({ host: '127.0.0.1', port: refusedPort }));
    expect(r).toMatchObject({ status: 'failed', reason: 'refused' });
  });
  it('tells a filtered port (timeout) from an unreachable host (nftables on loopback)', async () => {
    expect(nftAvailable(), 'nftables is installed by npm test set-up and tests run as root').toBe(true);
    const dropPort = await closedPort();
    const unreachPort = await closedPort();
    const faults = loopbackFaults({ dropTcp: [dropPort], unreachableTcp: [unreachPort] });
    try {
      const started = Date.now();
      const dropped = await runProbe('tcp', target({ host: '127.0.0.1', port: dropPort }), { timeoutMs: 800 });
      expect(dropped).toMatchObject({ status: 'failed', reason: 'timeout', message: 'no answer within 800 ms' });
      expect(Date.now() - started).toBeLessThan(800 + 600);
      const unreachable = await runProbe('tcp', target({ host: '127.0.0.1', port: unreachPort }), { timeoutMs: 800 });
      expect(unreachable).toMatchObject({ status: 'failed', reason: 'unreachable' });
    } finally {
      faults.clear();
    }
  });
});

describe('tls probe', () => {
  const cases: { name: string; server: string; host?: string; expect: { status: string; reason: string }; obs?: Record<string, unknown> }[] = [
    { name: 'valid chain from the lab CA', server: 'valid', expect: { status: 'ok', reason: 'ok' }, obs: { tls_version: '1.3', trusted: true, issuer_subject: 'O=Vigie Lab, CN=Vigie Lab Root CA' } },
    { name: 'expired certificate', server: 'expired', expect: { status: 'failed', reason: 'tls_expired' } },
    { name: 'certificate expiring in 10 days', server: 'expiring', expect: { status: 'degraded', reason: 'tls_expiring_soon' } },
    { name: 'certificate for another host', server: 'wronghost', expect: { status: 'failed', reason: 'tls_hostname_mismatch' } },
    { name: 'self-signed certificate', server: 'selfsigned', expect: { status: 'failed', reason: 'tls_untrusted' } },
    { name: 'server speaking only TLS 1.0', server: 'tls10', expect: { status: 'failed', reason: 'tls_version_too_old' }, obs: { tls_version: '1.0' } },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await runProbe('tls', target({ host: c.host ?? 'localhost', port: s[c.server]!.port }));
      expect(r).toMatchObject(c.expect);
      expect(Object.keys(r.phases)).toEqual(['resolve', 'connect', 'tls']);
      if (c.obs) expect(r.observations).toMatchObject(c.obs);
      expect(typeof r.observations.leaf_sha256).toBe('string');
    });
  }
  it('a server that sends its leaf alone: the chain is completed with the anchor from the trust store', async () => {
    const r = await runProbe('tls', target({ host: 'localhost', port: s.leafOnly!.port }));
    expect(r).toMatchObject({ status: 'ok', reason: 'ok' });
    expect(r.observations).toMatchObject({ issuer_subject: 'O=Vigie Lab, CN=Vigie Lab Root CA', chain_subjects: ['O=Vigie Lab, CN=Vigie Lab Root CA'], root_source: 'operator', interception: 'none' });
  });
  it('reports days to expiry and the expiry timestamp', async () => {
    const r = await runProbe('tls', target({ host: 'localhost', port: s.valid!.port }));
    expect(r.observations.days_to_expiry).toBeGreaterThan(360);
    expect(r.observations.not_after_timestamp).toBeGreaterThan(Date.now() / 1000 + 360 * 86400);
  });
  it('a port that accepts and never answers is a timeout, within its bound', async () => {
    const t0 = Date.now();
    const r = await runProbe('tls', target({ host: 'localhost', port: s.silent!.port }), { timeoutMs: 700 });
    expect(r).toMatchObject({ status: 'failed', reason: 'timeout' });
    expect(Date.now() - t0).toBeLessThan(700 + 600);
  });
});

describe('http probe', () => {
  const url = (server: string, path = '/') => `${server === 'http' ? 'http' : 'https'}://localhost:${s[server]!.port}${path}`;
  const cases: { name: string; url: () => string; options?: Record<string, unknown>; expect: { status: string; reason: string }; obs?: Record<string, unknown> }[] = [
    { name: 'https 200', url: () => url('valid'), expect: { status: 'ok', reason: 'ok' }, obs: { status_code: 200 } },
    { name: 'plain http 200', url: () => url('http'), expect: { status: 'ok', reason: 'ok' }, obs: { status_code: 200 } },
    { name: 'redirect followed', url: () => url('http', '/redirect'), expect: { status: 'ok', reason: 'ok' }, obs: { status_code: 200 } },
    { name: 'server error is http_status', url: () => url('http', '/status/503'), expect: { status: 'failed', reason: 'http_status' }, obs: { status_code: 503 } },
    { name: 'custom expected status', url: () => url('http', '/status/404'), options: { expect_status: '200-399' }, expect: { status: 'failed', reason: 'http_status' } },
    { name: 'expired certificate', url: () => url('expired'), expect: { status: 'failed', reason: 'tls_expired' } },
    { name: 'untrusted certificate', url: () => url('selfsigned'), expect: { status: 'failed', reason: 'tls_untrusted' } },
    { name: 'wrong host certificate', url: () => url('wronghost'), expect: { status: 'failed', reason: 'tls_hostname_mismatch' } },
    { name: 'closed port', url: () => `http://127.0.0.1:${refusedPort}/`, expect: { status: 'failed', reason: 'refused' } },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const u = new URL(c.url());
      const r = await runProbe('http', target({ host: u.hostname, port: Number(u.port), url: u.href }), { options: c.options ?? {} });
      expect(r).toMatchObject(c.expect);
      expect(Object.keys(r.phases)).toEqual(['resolve', 'connect', 'tls', 'ttfb', 'transfer']);
      if (c.obs) expect(r.observations).toMatchObject(c.obs);
    });
  }
  it('times out on a server that never answers', async () => {
    const r = await runProbe('http', target({ host: 'localhost', port: s.http!.port, url: url('http', '/slow') }), { timeoutMs: 600 });
    expect(r).toMatchObject({ status: 'failed', reason: 'timeout' });
  });
  it('has a TLS phase for https and a ttfb', async () => {
    const r = await runProbe('http', target({ host: 'localhost', port: s.valid!.port, url: url('valid') }));
    expect(r.phases.tls).toBeGreaterThan(0);
    expect(r.phases.ttfb).toBeGreaterThan(0);
  });
});

describe('http and proxy probes through proxies', () => {
  const proxies: Record<string, Closable & { requests: string[] }> = {};
  beforeAll(async () => {
    for (const m of ['open', 'ntlm', 'basic', 'deny'] as const) proxies[m] = await startProxy(m);
  });
  afterAll(async () => Promise.all(Object.values(proxies).map((p) => p.close())));
  const via = (mode: string, auth?: { username: string; password: string }) => ({ url: new URL(`http://127.0.0.1:${proxies[mode]!.port}`), noProxy: [], ...(auth ? { auth } : {}) });

  it('https through an open proxy uses CONNECT', async () => {
    const r = await runProbe('http', target({ host: 'localhost', port: s.valid!.port, url: `https://localhost:${s.valid!.port}/` }), { proxy: via('open') });
    expect(r).toMatchObject({ status: 'ok', observations: { via_proxy: true, status_code: 200 } });
    expect(proxies.open!.requests).toContain(`CONNECT localhost:${s.valid!.port}`);
  });
  it('plain http through an open proxy uses the absolute form', async () => {
    const u = `http://localhost:${s.http!.port}/`;
    const r = await runProbe('http', target({ host: 'localhost', port: s.http!.port, url: u }), { proxy: via('open') });
    expect(r).toMatchObject({ status: 'ok' });
    expect(proxies.open!.requests).toContain(`GET ${u}`);
  });
  it('an NTLM-only proxy is proxy_ntlm_only, for https and http', async () => {
    for (const u of [`https://localhost:${s.valid!.port}/`, `http://localhost:${s.http!.port}/`]) {
      const r = await runProbe('http', target({ host: 'localhost', url: u }), { proxy: via('ntlm') });
      expect(r).toMatchObject({ status: 'failed', reason: 'proxy_ntlm_only', observations: { proxy_auth_schemes: ['ntlm', 'negotiate'] } });
    }
  });
  it('a Basic proxy without credentials is proxy_auth_required; with them it works', async () => {
    const u = `https://localhost:${s.valid!.port}/`;
    expect(await runProbe('http', target({ host: 'localhost', url: u }), { proxy: via('basic') })).toMatchObject({ reason: 'proxy_auth_required' });
    expect(await runProbe('http', target({ host: 'localhost', url: u }), { proxy: via('basic', { username: 'probe', password: 'lab-proxy-pass' }) })).toMatchObject({ status: 'ok' });
  });
  it('NO_PROXY hosts bypass the proxy', async () => {
    const r = await runProbe('http', target({ host: 'localhost', url: `http://localhost:${s.http!.port}/` }), { proxy: { ...via('ntlm'), noProxy: ['localhost'] } });
    expect(r).toMatchObject({ status: 'ok', observations: { via_proxy: false } });
  });
  const proxyCases = [
    { mode: 'open', expect: { status: 'ok', reason: 'ok' } },
    { mode: 'ntlm', expect: { status: 'failed', reason: 'proxy_ntlm_only' } },
    { mode: 'basic', expect: { status: 'failed', reason: 'proxy_auth_required' } },
    { mode: 'deny', expect: { status: 'failed', reason: 'proxy_denied' } },
  ];
  for (const c of proxyCases) {
    it(`proxy probe: ${c.mode} proxy`, async () => {
      const r = await runProbe('proxy', target({ platform: 'site', host: '127.0.0.1', port: proxies[c.mode]!.port }), {
        proxy: via(c.mode),
        options: { connect_to: `localhost:${s.valid!.port}` },
      });
      expect(r).toMatchObject(c.expect);
    });
  }
  it('proxy probe: proxy not listening is proxy_unreachable', async () => {
    const r = await runProbe('proxy', target({ platform: 'site', host: '127.0.0.1', port: refusedPort }), {
      proxy: { url: new URL(`http://127.0.0.1:${refusedPort}`), noProxy: [] },
      options: { connect_to: 'localhost:443' },
    });
    expect(r).toMatchObject({ status: 'failed', reason: 'proxy_unreachable' });
  });
});
