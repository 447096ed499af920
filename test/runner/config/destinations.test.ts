// The establishment's limit on where the region's bundle may send its probe: private addresses
// refused unless allowed, domains, networks and ports from its own file, refused rows reported.
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../../runner/config/catalog.ts';
import { parseConfig } from '../../../runner/config/config.ts';
import { applyDestinationPolicy, applyToRegionScenarios, DestinationPolicy } from '../../../runner/config/destinations.ts';
import { withRegionConfig } from '../../../runner/config/region-bundle.ts';

const policy = (yaml: string) => new DestinationPolicy(parseConfig(`destinations: ${yaml}\n`, 'v.yaml').destinations);

describe('destination policy', () => {
  it('by default: any public destination, no private, loopback, link-local or unique-local address', () => {
    const p = policy('{}');
    expect(p.refusal('visio.sante-ra.fr', ['164.138.243.29'], 443)).toBeUndefined();
    for (const ip of ['10.1.2.3', '172.20.0.1', '192.168.0.10', '127.0.0.1', '169.254.169.254', '100.64.1.1', '::1', 'fd00::1', 'fe80::1']) expect(p.refusal(ip, [], 443), ip).toMatch(/private, loopback or link-local/);
    expect(p.refusal('intranet.example', ['10.0.0.5'], 443), 'a documented private address').toMatch(/10\.0\.0\.5 is a private/);
    expect(p.refusal('localhost', [], 80)).toMatch(/the probe itself/);
    expect(policy('{ allow_private: true }').refusal('10.1.2.3', [], 22)).toBeUndefined();
  });
  it('an allow-list of domains, addresses and networks, and of ports and ranges', () => {
    const p = policy('{ allow: ["*.sante-ra.fr", "esante-centre.fr", "203.0.113.0/24", "10.20.0.7"], ports: [443, "3478", "10000-20000"] }');
    expect(p.refusal('visio.sante-ra.fr', [], 443)).toBeUndefined();
    expect(p.refusal('sante-ra.fr', [], 443), '*.domain means its subdomains').toMatch(/not in destinations.allow/);
    expect(p.refusal('www.esante-centre.fr', [], 443)).toBeUndefined();
    expect(p.refusal('esante-centre.fr.evil.example', [], 443)).toMatch(/not in destinations.allow/);
    expect(p.refusal('203.0.113.9', [], 3478)).toBeUndefined();
    expect(p.refusal('10.20.0.7', [], 443), 'a private address the establishment lists').toBeUndefined();
    expect(p.refusal('10.20.0.8', [], 443)).toMatch(/not in destinations.allow/);
    expect(p.refusal('visio.sante-ra.fr', ['198.51.100.1'], 443), 'documented addresses are held to the list too').toMatch(/198\.51\.100\.1 is not in destinations.allow/);
    expect(p.refusal('visio.sante-ra.fr', [], '10000-10009')).toBeUndefined();
    expect(p.refusal('visio.sante-ra.fr', [], '9000-10009')).toMatch(/port 9000-10009 is not in destinations.ports/);
    expect(p.refusal('visio.sante-ra.fr', [], 22)).toMatch(/port 22/);
  });
  it("what a bundle's name resolves to: no internal address unless allowed; a public one needs no listing", () => {
    const strict = new DestinationPolicy({ allow: ['*.sante-ra.fr', '10.20.0.0/16'], allow_private: false });
    expect(strict.resolvedRefusal('visio.sante-ra.fr', ['203.0.113.7'])).toBeUndefined();
    expect(strict.resolvedRefusal('visio.sante-ra.fr', ['203.0.113.7', '192.168.1.4'])).toMatch(/resolves to 192\.168\.1\.4, a private/);
    expect(strict.resolvedRefusal('visio.sante-ra.fr', ['::1'])).toMatch(/resolves to ::1/);
    expect(strict.resolvedRefusal('relais.sante-ra.fr', ['10.20.3.4'])).toBeUndefined();
    expect(new DestinationPolicy({ allow_private: true }).resolvedRefusal('x.example', ['127.0.0.1'])).toBeUndefined();
  });
  it('bad entries are named with their path', () => {
    expect(() => parseConfig('destinations: { allow: ["10.0.0.0/33", "not a domain"], ports: [0, "20-10"] }\n', 'v.yaml')).toThrow(
      /destinations\.allow\[0\]: expected a network[\s\S]*destinations\.allow\[1\]: expected a domain[\s\S]*destinations\.ports\[0\]: expected a port[\s\S]*destinations\.ports\[1\]: expected a port/,
    );
  });
  it('a region cannot loosen them: destinations stay the establishment’s own', () => {
    expect(() => withRegionConfig({}, { destinations: { allow_private: true } }, 'https://region/b.yaml')).toThrow('a region may set only checks, scenarios');
  });
  it('refused rows are left out of the catalogs and listed; the region’s scenarios too', () => {
    const c = parseCatalog(
      `platform: p\ntitle: p\noperator: o\nflows:\n  - { host: visio.example.org, ips: [], port: 443, transport: tcp, direction: out, checks: [tcp], source: s }\n  - { host: 192.168.1.1, ips: [], port: 22, transport: tcp, direction: out, checks: [tcp], source: s }\nurls:\n  - { url: "https://[::1]:8443/", checks: [http], source: s }\n`,
      'b.yaml',
    );
    const out = applyDestinationPolicy([c], policy('{}'));
    expect(out.catalogs[0]!.flows.map((f) => f.host)).toEqual(['visio.example.org']);
    expect(out.catalogs[0]!.urls).toEqual([]);
    expect(out.refused.map((r) => r.destination)).toEqual(['192.168.1.1:22/tcp', 'https://[::1]:8443/']);
    const scn = applyToRegionScenarios([{ name: 'a', url: 'https://visio.example.org/room' }, { name: 'b', url: 'http://10.0.0.9/intranet' }, { name: 'c', server: '127.0.0.1', port: 3478 }], policy('{}'));
    expect((scn.scenarios as { name: string }[]).map((s) => s.name)).toEqual(['a']);
    expect(scn.refused).toHaveLength(2);
  });
});
