// The http probe against real servers: status, redirects, phase timings, TLS failures.
import { describe, expect, it } from 'vitest';
import { target } from '../helpers.ts';
import { useNetLab } from './net-lab.ts';

const lab = useNetLab();
const { s, runProbe } = lab;

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
    { name: 'closed port', url: () => `http://127.0.0.1:${lab.refusedPort}/`, expect: { status: 'failed', reason: 'refused' } },
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
