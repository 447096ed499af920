// dns and clock probes against the lab's own DNS and SNTP servers on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSntpReply } from '../../probes/clock.ts';
import { createHostResolver } from '../../probes/lib/resolve.ts';
import { startDns, startHttp, startSntp, startUdpBlackhole, type Closable } from '../../lab/servers.ts';
import { runProbe, target } from '../helpers.ts';

let dns: Closable & { queries: string[] };
let silentDns: Closable;
beforeAll(async () => {
  dns = await startDns({
    'visio.lab.test': { A: ['195.254.161.153'] },
    'moved.lab.test': { A: ['203.0.113.9'] },
    'cdn.lab.test': { A: ['198.51.100.7'] },
    'v6only.lab.test': { AAAA: ['2001:db8::1'] },
    'broken.lab.test': { rcode: 'SERVFAIL' },
    'empty.lab.test': {},
  });
  silentDns = await startUdpBlackhole();
});
afterAll(async () => Promise.all([dns.close(), silentDns.close()]));

describe('dns probe', () => {
  const cases = [
    { name: 'answer matches the documented address', host: 'visio.lab.test', ips: ['195.254.161.153'], expect: { status: 'ok', reason: 'ok' }, obs: { addresses: ['195.254.161.153'] } },
    { name: 'answer drifted from the document', host: 'moved.lab.test', ips: ['195.254.161.153'], expect: { status: 'degraded', reason: 'dns_ip_drift' }, obs: { undocumented: ['203.0.113.9'] } },
    { name: 'drift on a host documented as moving (CDN) is observed only', host: 'cdn.lab.test', ips: ['104.18.30.182'], stable: false, expect: { status: 'ok', reason: 'ok' }, obs: { drift_expected: true } },
    { name: 'no documented address: any answer is fine', host: 'moved.lab.test', ips: [], expect: { status: 'ok', reason: 'ok' } },
    { name: 'IPv6-only name', host: 'v6only.lab.test', ips: [], expect: { status: 'ok', reason: 'ok' }, obs: { addresses6: ['2001:db8::1'] } },
    { name: 'NXDOMAIN', host: 'nope.lab.test', ips: [], expect: { status: 'failed', reason: 'dns_nxdomain' } },
    { name: 'SERVFAIL', host: 'broken.lab.test', ips: [], expect: { status: 'failed', reason: 'dns_servfail' } },
    { name: 'name without address (NODATA)', host: 'empty.lab.test', ips: [], expect: { status: 'failed', reason: 'dns_no_address' } },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await runProbe('dns', target({ host: c.host, transport: 'udp', documentedIps: c.ips, ipsStable: c.stable ?? true }), { dnsServers: [`127.0.0.1:${dns.port}`] });
      expect(r).toMatchObject(c.expect);
      expect(Object.keys(r.phases)).toEqual(['resolve']);
      if (c.obs) expect(r.observations).toMatchObject(c.obs);
    });
  }
  it('a DNS server that never answers is dns_timeout within the bound', async () => {
    const t0 = Date.now();
    const r = await runProbe('dns', target({ host: 'visio.lab.test', transport: 'udp' }), { dnsServers: [`127.0.0.1:${silentDns.port}`], timeoutMs: 700 });
    expect(r).toMatchObject({ status: 'failed', reason: 'dns_timeout' });
    expect(Date.now() - t0).toBeLessThan(700 + 600);
  });
  it("asks the DNS servers at every check (no answer kept between checks), and one check's abort leaves the others' questions alone", async () => {
    const resolver = createHostResolver([`127.0.0.1:${dns.port}`]);
    const asked = () => dns.queries.filter((q) => q === 'A visio.lab.test').length;
    const before = asked();
    for (let i = 0; i < 3; i++) expect(await resolver.lookup('visio.lab.test', new AbortController().signal)).toEqual([{ address: '195.254.161.153', family: 4 }]);
    expect(asked() - before).toBe(3);
    const aborted = new AbortController();
    const cut = resolver.lookup('cdn.lab.test', aborted.signal);
    const other = resolver.lookup('visio.lab.test', new AbortController().signal);
    aborted.abort();
    await expect(cut).rejects.toMatchObject({ code: 'ETIMEOUT' });
    expect(await other).toEqual([{ address: '195.254.161.153', family: 4 }]);
  });
  it('tcp and http resolve through the configured DNS servers', async () => {
    const r = await runProbe('tcp', target({ host: 'nope.lab.test', port: 443 }), { dnsServers: [`127.0.0.1:${dns.port}`] });
    expect(r).toMatchObject({ status: 'failed', reason: 'dns_nxdomain' });
    expect(dns.queries).toContain('A nope.lab.test');
  });
});

describe('clock probe', () => {
  const servers: Closable[] = [];
  afterAll(async () => Promise.all(servers.map((s) => s.close())));
  const sntp = async (skew: number, opts = {}) => {
    const s = await startSntp(skew, opts);
    servers.push(s);
    return s.port;
  };
  const cases = [
    { name: 'synchronised clock', skew: 0, expect: { status: 'ok', reason: 'ok' } },
    { name: 'clock 5 s off is degraded', skew: 5, expect: { status: 'degraded', reason: 'clock_skew' } },
    { name: 'clock 2 minutes off fails', skew: -120, expect: { status: 'failed', reason: 'clock_skew' } },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const port = await sntp(c.skew);
      const r = await runProbe('clock', target({ platform: 'site', host: '127.0.0.1', port, transport: 'udp' }));
      expect(r).toMatchObject({ ...c.expect, observations: { source: 'ntp', stratum: 2 } });
      expect(Math.abs((r.observations.offset_seconds as number) - c.skew)).toBeLessThan(0.25);
    });
  }
  it('NTP filtered: falls back to the HTTP Date header', async () => {
    const hole = await startUdpBlackhole();
    servers.push(hole);
    const web = await startHttp();
    servers.push(web);
    const r = await runProbe('clock', target({ platform: 'site', host: '127.0.0.1', port: hole.port, transport: 'udp' }), {
      timeoutMs: 1500,
      options: { http_fallback_url: `http://127.0.0.1:${web.port}/` },
    });
    expect(r).toMatchObject({ status: 'ok', observations: { source: 'http_date' } });
    expect(Math.abs(r.observations.offset_seconds as number)).toBeLessThan(1.5);
  });
  it('no time source at all is clock_unreachable', async () => {
    const hole = await startUdpBlackhole();
    servers.push(hole);
    const r = await runProbe('clock', target({ platform: 'site', host: '127.0.0.1', port: hole.port, transport: 'udp' }), { timeoutMs: 600 });
    expect(r).toMatchObject({ status: 'failed', reason: 'clock_unreachable' });
  });
  it('a kiss-of-death or garbage answer is not taken as time', async () => {
    const kiss = await sntp(0, { kiss: true });
    expect(await runProbe('clock', target({ platform: 'site', host: '127.0.0.1', port: kiss, transport: 'udp' }), { timeoutMs: 600 })).toMatchObject({
      status: 'failed',
      reason: 'clock_unreachable',
    });
    const garbage = await sntp(0, { garbage: true });
    expect(await runProbe('clock', target({ platform: 'site', host: '127.0.0.1', port: garbage, transport: 'udp' }), { timeoutMs: 600 })).toMatchObject({
      status: 'failed',
      reason: 'clock_unreachable',
    });
  });
  it('parseSntpReply ignores replies that do not echo our transmit time', () => {
    const req = Buffer.alloc(48);
    req.writeUInt32BE(123, 40);
    const reply = Buffer.alloc(48);
    reply[0] = (4 << 3) | 4;
    reply[1] = 2;
    expect(parseSntpReply(reply, req, Date.now())).toBeUndefined();
    expect(parseSntpReply(Buffer.alloc(10), req, Date.now())).toBeUndefined();
  });
});
