// The http probe against real servers: status, redirects, phase timings, TLS failures.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { listen } from '../../lab/servers.ts';
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
  it('reads a body up to max_body_bytes and no further', async () => {
    const r = await runProbe('http', target({ host: 'localhost', port: s.http!.port, url: url('http', '/bytes/3000000') }), { options: { max_body_bytes: 100_000 } });
    expect(r).toMatchObject({ status: 'ok', observations: { status_code: 200, body_bytes: 100_000 } });
  });
  it('an answer that is not HTTP (an SSH server on the port) is http_error, and a server that hangs up is connection_reset', async () => {
    const ssh = await listen(net.createServer((c) => c.end('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n')));
    const hangUp = await listen(net.createServer((c) => c.once('data', () => c.destroy())));
    try {
      const notHttp = await runProbe('http', target({ host: '127.0.0.1', port: ssh.port, url: `http://127.0.0.1:${ssh.port}/` }));
      expect(notHttp).toMatchObject({ status: 'failed', reason: 'http_error' });
      expect(notHttp.message).toMatch(/Parse Error/);
      const reset = await runProbe('http', target({ host: '127.0.0.1', port: hangUp.port, url: `http://127.0.0.1:${hangUp.port}/` }));
      expect(reset).toMatchObject({ status: 'failed', reason: 'connection_reset' });
    } finally {
      await Promise.all([ssh.close(), hangUp.close()]);
    }
  });
  it('has a TLS phase for https and a ttfb', async () => {
    const r = await runProbe('http', target({ host: 'localhost', port: s.valid!.port, url: url('valid') }));
    expect(r.phases.tls).toBeGreaterThan(0);
    expect(r.phases.ttfb).toBeGreaterThan(0);
  });
});
