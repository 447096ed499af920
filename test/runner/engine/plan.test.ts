// The planner on the embedded catalogs: each kind planned where its definition says.
import { describe, expect, it } from 'vitest';
import { embeddedCatalogFiles, loadCatalogs } from '../../../runner/config/catalog.ts';
import { parseConfig } from '../../../runner/config/config.ts';
import { buildPlan, scenarioChecks, sessionChecks, sessionPlatforms } from '../../../runner/engine/plan.ts';
import { PreSessionRuns } from '../../../runner/engine/pre-session.ts';
import pino from 'pino';
import { commonLabels } from '../../../runner/telemetry/metrics.ts';

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
    // …and each documented alias once (Covotem's OCSP CDN name).
    const aliases = new Set(catalogs.flatMap((c) => c.flows.flatMap((f) => (f.checks.includes('dns') ? (f.aliases ?? []).map((a) => `${c.platform} ${a}`) : []))));
    expect(dns).toHaveLength(hosts.size + aliases.size);
    expect(new Set(plan.checks.map((c) => c.id)).size).toBe(plan.checks.length);
  });
});

describe('scenario identity', () => {
  it('two scenarios on the same page host and port (different paths) are two checks, told apart by name', () => {
    const config = parseConfig(
      `scenarios:
  - { name: salle-a, kind: janus-videoroom, platform: lab, url: "https://visio.example.fr/a/videoroomtest.html" }
  - { name: salle-b, kind: janus-videoroom, platform: lab, url: "https://visio.example.fr/b/videoroomtest.html" }
`,
      'vigie.yaml',
    );
    const specs = scenarioChecks(config);
    expect(specs.map((s) => s.scenario)).toEqual(['salle-a', 'salle-b']);
    expect(new Set(specs.map((s) => s.id)).size).toBe(2);
    const label = (t: (typeof specs)[number]['target']) => [t.platform, t.host, t.port, t.transport].join(' ');
    expect(label(specs[0]!.target)).toBe(label(specs[1]!.target));
    // The scenario's name is a label of its series, so the two never overwrite each other.
    expect(commonLabels({ ...specs[0]!.target, port: specs[0]!.target.port ?? null, kind: 'janus-videoroom', observations: { scenario: 'salle-a' } })).toMatchObject({ scenario: 'salle-a', host: 'visio.example.fr' });
  });
});

describe('environments', () => {
  it('[production] keeps every row the documents require (both Therap-e environments, fixed rooms, the "All" Sectigo rows) and drops only preproduction', () => {
    const catalogs = loadCatalogs(embeddedCatalogFiles());
    const all = buildPlan(catalogs, parseConfig('', 'vigie.yaml'), undefined);
    const prod = buildPlan(catalogs, parseConfig('catalogs: { environments: [production] }\n', 'vigie.yaml'), undefined);
    const hosts = (p: typeof all) => new Set(p.checks.map((c) => c.target.host));
    for (const host of ['visioplex.maincare.com', 'visioplex2.maincare.com', 'mediaserver1-1.maincare.com', 'mediaserver2-4.maincare.com', 'tlm.norm-uni.fr', 'ocsp.sectigo.com', 'crt.sectigo.com']) expect(hosts(prod), host).toContain(host);
    const preproduction = all.rows.filter((r) => r.environment === 'preproduction');
    expect(preproduction.length).toBeGreaterThan(0);
    const planned = (p: typeof all) => new Set(p.checks.flatMap((c) => c.rows.map((i) => p.rows[i])));
    expect([...planned(prod)].some((r) => r?.environment === 'preproduction')).toBe(false);
    expect([...planned(all)].some((r) => r?.environment === 'preproduction')).toBe(true);
  });
  it('an environment outside the vocabulary is an input error naming the allowed stages', () => {
    expect(() => parseConfig('catalogs: { environments: [environnement-1] }\n', 'vigie.yaml')).toThrow(/production.*preproduction|expected one of/);
  });
});

describe('platform dependencies', () => {
  it('an RCP session on the DCC web conference checks TéléRCP’s flows and the site’s too', () => {
    const catalogs = loadCatalogs(embeddedCatalogFiles());
    const plan = buildPlan(catalogs, parseConfig('', 'vigie.yaml'), undefined);
    expect(sessionPlatforms(catalogs, 'dcc-webconf')).toEqual(['dcc-webconf', 'telercp']);
    const hosts = new Set(sessionChecks(plan.checks, catalogs, 'dcc-webconf').map((c) => `${c.kind} ${c.target.host}`));
    for (const want of ['http rcpwebconf-recette.sante-ra.fr', 'stun visio.sante-ra.fr', 'turn visio.sante-ra.fr', 'clock time.windows.com']) expect(hosts, want).toContain(want);
    expect([...hosts].some((h) => h.includes('maincare'))).toBe(false);
    // A PreSessionRuns given the catalogs runs the same checks.
    const runs = new PreSessionRuns({ sessions: [], ical: [], offsets_minutes: [60], window_minutes: 15, in_window_interval_seconds: 60 } as never, plan.checks, () => {}, pino({ level: 'silent' }), { baseDir: '.', offsetsMs: [], windowMs: 0 }, catalogs);
    expect(runs.checksFor('dcc-webconf').length).toBe(sessionChecks(plan.checks, catalogs, 'dcc-webconf').length);
  });
});

describe('aliases', () => {
  it('a documented alias (the CDN name behind an OCSP host) gets its own dns check, tied to the same flow', () => {
    const catalogs = loadCatalogs(embeddedCatalogFiles());
    const plan = buildPlan(catalogs, parseConfig('', 'vigie.yaml'), undefined);
    const alias = plan.checks.find((c) => c.kind === 'dns' && c.target.host === 'ocsp.comodoca.com.cdn.cloudflare.net');
    expect(alias).toBeDefined();
    expect(alias!.target.ipsStable).toBe(false);
    expect(alias!.rows.map((i) => (plan.rows[i] as { host: string }).host)).toContain('ocsp.sectigo.com');
  });
});
