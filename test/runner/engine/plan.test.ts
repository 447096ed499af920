// The planner on the embedded catalogs: each kind planned where its definition says.
import { describe, expect, it } from 'vitest';
import { embeddedCatalogFiles, loadCatalogs } from '../../../runner/config/catalog.ts';
import { parseConfig } from '../../../runner/config/config.ts';
import { buildPlan } from '../../../runner/engine/plan.ts';

describe('plan', () => {
  it('plans stun and turn on the documented rows, and relay only where credentials are configured', () => {
    const catalogs = loadCatalogs(embeddedCatalogFiles());
    const config = parseConfig('credentials: { sara: { username: vigie, password: { env: X } } }\nservice_credentials: { telercp: sara }\n', 'vigie.yaml');
    const plan = buildPlan(catalogs, config, undefined);
    const of = (kind: string) => plan.checks.filter((c) => c.kind === kind);
    expect(of('stun').length).toBeGreaterThan(0);
    expect(of('turn').some((c) => c.target.host === 'mediaserver1-1.maincare.com' && c.target.transport === 'tcp')).toBe(true);
    expect(of('stun').some((c) => c.target.host.startsWith('mediaserver') && c.target.transport === 'tcp')).toBe(false); // STUN on UDP only
    expect(new Set(of('relay').map((c) => c.target.platform))).toEqual(new Set(['telercp']));
    expect(of('relay').map((c) => `${c.target.host}:${c.target.port}/${c.target.transport}`).sort()).toEqual([
      'visio.sante-ra.fr:3478/tcp', 'visio.sante-ra.fr:3478/udp', 'visio02.sante-ra.fr:3478/tcp', 'visio02.sante-ra.fr:3478/udp', 'visio03.sante-ra.fr:3478/tcp', 'visio03.sante-ra.fr:3478/udp',
    ]);
  });
});

describe('plan of the embedded catalogs', () => {
  it('checks each host name once for dns (no port), and each flow once per kind', () => {
    const catalogs = loadCatalogs(embeddedCatalogFiles());
    const plan = buildPlan(catalogs, parseConfig('', 'vigie.yaml'), undefined);
    const dns = plan.checks.filter((c) => c.kind === 'dns');
    expect(dns.every((c) => c.target.port === undefined)).toBe(true);
    const hosts = new Set(plan.rows.flatMap((r) => ('url' in r ? [`${r.platform} ${new URL(r.url).hostname}`] : r.checks.includes('dns') ? [`${r.platform} ${r.host}`] : [])));
    expect(dns).toHaveLength(hosts.size);
    expect(new Set(plan.checks.map((c) => c.id)).size).toBe(plan.checks.length);
  });
});
