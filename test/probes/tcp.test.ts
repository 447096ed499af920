// The tcp probe against real servers: connected, refused, filtered (nftables), unreachable.
import { describe, expect, it } from 'vitest';
import { loopbackFaults, nftAvailable } from '../../lab/fault/nft.ts';
import { closedPort, startUdpBlackhole } from '../../lab/servers.ts';
import { fixText } from '../../runner/ui/fix-text.ts';
import { target } from '../helpers.ts';
import { useNetLab } from './net-lab.ts';

const lab = useNetLab();
const { s, runProbe } = lab;

describe('tcp probe', () => {
  it('connects to a listening port and times resolve and connect', async () => {
    const r = await runProbe('tcp', target({ host: 'localhost', port: s.http!.port }));
    expect(r).toMatchObject({ status: 'ok', reason: 'ok', kind: 'tcp', port: s.http!.port });
    expect(Object.keys(r.phases)).toEqual(['resolve', 'connect']);
    expect(r.phases.connect).toBeGreaterThan(0);
  });
  it('reports a closed port as refused', async () => {
    const r = await runProbe('tcp', target({ host: '127.0.0.1', port: lab.refusedPort }));
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
  it('a resolver that uses up the budget is dns_timeout, not a filtered flow (and the fix is about DNS)', async () => {
    const silent = await startUdpBlackhole();
    try {
      const r = await runProbe('tcp', target({ host: 'visio.lab.test', port: 443 }), { timeoutMs: 1000, dnsServers: [`127.0.0.1:${silent.port}`] });
      expect(r).toMatchObject({ status: 'failed', reason: 'dns_timeout' });
      expect(r.phases.resolve).toBeGreaterThan(0.9);
      expect(r.phases.connect).toBe(0);
      expect(fixText(r, [], 'fr')).toBe("Vérifier que le DNS de l'établissement résout visio.lab.test");
    } finally {
      await silent.close();
    }
  });
});
