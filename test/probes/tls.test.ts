// The tls probe against real servers: trust, hostname, expiry, version, a leaf sent alone.
import { describe, expect, it, vi } from 'vitest';
import { type HandshakeLog, startHttps } from '../../lab/servers.ts';
import { target } from '../helpers.ts';
import { useNetLab } from './net-lab.ts';

const lab = useNetLab();
const { s, runProbe } = lab;

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
  it("ends the connection as a client should: the server logs three completed handshakes, not three broken off", async () => {
    const log: HandshakeLog = { connections: 0, completed: 0, failed: [] };
    const server = await startHttps(lab.pki.leaves.valid, { log });
    try {
      for (let i = 0; i < 3; i++) expect(await runProbe('tls', target({ host: 'localhost', port: server.port }))).toMatchObject({ status: 'ok' });
      await vi.waitFor(() => expect(log.completed).toBe(3));
      expect(log.failed).toEqual([]);
    } finally {
      await server.close();
    }
  });
  it('reports days to expiry and the expiry timestamp', async () => {
    const r = await runProbe('tls', target({ host: 'localhost', port: s.valid!.port }));
    expect(r.observations.days_to_expiry).toBeGreaterThan(360);
    expect(r.observations.not_after_timestamp).toBeGreaterThan(Date.now() / 1000 + 360 * 86400);
  });
  it('a port that accepts and never answers TLS is tls_handshake_timeout (TCP works, no TLS answer, nor to a one-packet hello), within its bound', async () => {
    const t0 = Date.now();
    const r = await runProbe('tls', target({ host: 'localhost', port: s.silent!.port }), { timeoutMs: 700 });
    expect(r).toMatchObject({ status: 'failed', reason: 'tls_handshake_timeout' });
    expect(Date.now() - t0).toBeLessThan(700 + 600);
  });
});
