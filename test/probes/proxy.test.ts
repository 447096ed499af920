// The http and proxy probes through real proxies: open, NTLM-only, Basic, denying.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type Closable } from '../../lab/servers.ts';
import { target } from '../helpers.ts';
import { useNetLab } from './net-lab.ts';

const lab = useNetLab();
const { s, runProbe } = lab;

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
  it('an NTLM-only proxy is proxy_ntlm_only for a platform that rejects NTLM, unproven for one whose clients speak it; for https and http', async () => {
    for (const u of [`https://localhost:${s.valid!.port}/`, `http://localhost:${s.http!.port}/`]) {
      const r = await runProbe('http', target({ host: 'localhost', url: u }), { proxy: via('ntlm'), options: { rejects_ntlm_proxy: true } });
      expect(r).toMatchObject({ status: 'failed', reason: 'proxy_ntlm_only', observations: { proxy_auth_schemes: ['ntlm', 'negotiate'] } });
      const accepting = await runProbe('http', target({ host: 'localhost', url: u }), { proxy: via('ntlm') });
      expect(accepting).toMatchObject({ status: 'unproven', reason: 'proxy_ntlm_unverified', observations: { proxy_auth_schemes: ['ntlm', 'negotiate'] } });
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
    const r = await runProbe('proxy', target({ platform: 'site', host: '127.0.0.1', port: lab.refusedPort }), {
      proxy: { url: new URL(`http://127.0.0.1:${lab.refusedPort}`), noProxy: [] },
      options: { connect_to: 'localhost:443' },
    });
    expect(r).toMatchObject({ status: 'failed', reason: 'proxy_unreachable' });
  });
});
