// The embedded catalogs against the seed documents: every flow and URL of the five documents is a
// row. The expected rows are extracted from the documents' own text here, independently of the YAML.
import { REPO_ROOT } from '../../../lab/paths.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CatalogRow, catalogRows, embeddedCatalogFiles, loadCatalogs, parseCatalog } from '../../../runner/config/catalog.ts';
import { InputError } from '../../../runner/config/input-error.ts';

const SEEDS = join(REPO_ROOT, 'docs', 'seeds');
const seed = (name: string) => readFileSync(join(SEEDS, name), 'utf8');
const rows = catalogRows(loadCatalogs(embeddedCatalogFiles()));
type Flow = Extract<CatalogRow, { host: string }>;
const flows = rows.filter((r): r is Flow => 'host' in r);
const urls = rows.filter((r) => 'url' in r).map((r) => ('url' in r ? r.url : ''));

function hasFlow(platform: string, host: string, port: number | string, transport: string, direction = 'out', ip?: string): boolean {
  return flows.some((f) => f.platform === platform && f.host === host && String(f.port) === String(port) && f.transport === transport && f.direction === direction && (!ip || f.ips.includes(ip)));
}

describe('embedded catalogs cover every row of the seed documents', () => {
  it('keeps a copy of the seeds identical to ../shared/seeds when present', () => {
    const shared = join(REPO_ROOT, '..', 'shared', 'seeds');
    if (!existsSync(shared)) return;
    for (const f of readdirSync(shared)) expect(readFileSync(join(SEEDS, f), 'utf8'), f).toBe(readFileSync(join(shared, f), 'utf8'));
  });

  it('TéléRCP: every ALLOW line, inbound and outbound', () => {
    const lines = [...seed('000_6e4d5a3e10bef81c.txt').matchAll(/^(\d+)\/(UDP|TCP) ALLOW (OUT )?([\d.]+) ou (\S+)$/gm)];
    expect(lines.length).toBe(21);
    for (const [, port, tr, out, ip, host] of lines) expect(hasFlow('telercp', host!, port!, tr!.toLowerCase(), out ? 'out' : 'in', ip), `${host} ${port}/${tr}`).toBe(true);
    expect(urls).toContain('https://www.sante-ra.fr/testvisio');
  });

  it('Covotem: the network table, the visio summary, the signalling URL and the proxy URLs', () => {
    const text = seed('001_204d15e5d4bcd240.txt');
    const table = [...text.matchAll(/^(\S+)(?: FQDN : \S+)?\t([\d. /]+)\t(\d+)\/TCP \(HTTP\)\t([^\t]+)\t/gm)];
    expect(table.length).toBe(12);
    for (const [, host, ips, port] of table) for (const ip of ips!.split(' / ')) expect(hasFlow('covotem', host!, port!, 'tcp', 'out', ip.trim()), `${host}:${port} ${ip}`).toBe(true);
    const visio = [...text.matchAll(/^(visio-equinix\d\.covalia\.fr)\t([\d.]+)\t(\d+)\t(UDP|TCP)/gm)];
    expect(visio.length).toBe(8);
    for (const [, host, ip, port, tr] of visio) expect(hasFlow('covotem', host!, port!, tr!.toLowerCase(), 'out', ip), `${host} ${port}/${tr}`).toBe(true);
    expect(urls).toContain('https://signalement-equinix.covalia.fr/websync.ashx');
    for (const u of text.match(/^<(https?:\/\/[^>]+)>$/gm)!.map((x) => x.slice(1, -1))) expect(urls, u).toContain(u);
  });

  it('covotem "TCP (pas HTTPS)" rows are checked without TLS, with bytes that are not TLS (nontls)', () => {
    const notHttps = flows.filter((f) => f.platform === 'covotem' && f.host.startsWith('visio-equinix') && f.transport === 'tcp');
    expect(notHttps.length).toBe(4);
    for (const f of notHttps) expect(f.checks).toEqual(['dns', 'tcp', 'nontls']);
  });

  it('DCC: the web conference access link', () => {
    expect(seed('002_e2fac3c62a23307c.txt')).toContain('https://rcpwebconf-recette.sante-ra.fr/accesrcp');
    expect(urls).toContain('https://rcpwebconf-recette.sante-ra.fr/accesrcp/');
  });

  it('MonSisra: every endpoint of Annexe 1 and the visio flows', () => {
    const text = seed('003_44c336f50d3155a8.txt');
    const endpoints = [...new Set(text.match(/https:\/\/[a-z0-9.-]+\.sante-ra\.fr(\/[^\s\t]*)?/g)!)];
    expect(endpoints.length).toBeGreaterThanOrEqual(6);
    for (const e of endpoints) expect(urls, e).toContain(e);
    for (const host of ['visio.sante-ra.fr', 'visio02.sante-ra.fr', 'visio03.sante-ra.fr']) {
      for (const [port, tr, dir] of [[443, 'tcp', 'out'], [3478, 'tcp', 'out'], [3478, 'udp', 'out'], [10000, 'udp', 'out'], [10000, 'udp', 'in'], [19302, 'tcp', 'out'], [19302, 'udp', 'out']] as const)
        expect(hasFlow('monsisra', host, port, tr, dir), `${host} ${port}/${tr} ${dir}`).toBe(true);
    }
    expect(hasFlow('monsisra', 'localhost', '6314-6324', 'tcp')).toBe(true);
  });

  it('Therap-e: portal, signalling, the eight media servers (range, STUN/TURN UDP, TURN TCP), salles fixes and test pages', () => {
    const text = seed('004_2a40bfd688b91a52.txt');
    const media = [...text.matchAll(/^Poste client (mediaserver\d-\d\.maincare\.com) (49152-65535|3478) (UDP|TCP\/UDP)/gm)];
    expect(media.length).toBe(16);
    for (const [, host, port, proto] of media) for (const tr of proto!.split('/')) expect(hasFlow('therap-e', host!, port!, tr.toLowerCase()), `${host} ${port}/${tr}`).toBe(true);
    for (const [host, ip] of [['www.norm-uni.fr', '5.226.12.195'], ['tlm.norm-uni.fr', '5.226.12.197'], ['tlm2.norm-uni.fr', '5.226.12.198']]) {
      expect(text).toContain(`${host} \n${ip}`);
      expect(hasFlow('therap-e', host!, 443, 'tcp', 'out', ip)).toBe(true);
    }
    for (const u of [...new Set(text.match(/^https:\/\/(visioplex2?|mire-multiplexage-tlm)\.maincare\.com\/\S*$/gm)!)]) expect(urls, u).toContain(u);
    const tlm = flows.find((f) => f.host === 'tlm.norm-uni.fr')!;
    expect(tlm.checks).toEqual(['dns', 'tcp', 'nontls']);
  });

  it('inbound rows are kept and marked as not checkable', () => {
    const inbound = flows.filter((f) => f.direction === 'in');
    expect(inbound.length).toBe(6);
    for (const f of inbound) expect(f.checks).toEqual([]);
  });

  it('every row names its source section', () => {
    for (const r of rows) expect(r.source.length).toBeGreaterThan(5);
  });
});

describe('catalog validation', () => {
  const problems = (yaml: string) => {
    try {
      parseCatalog(yaml, 'bad.yaml');
    } catch (e) {
      return (e as InputError).problems.map((p) => `${p.path}: ${p.message}`);
    }
    return [];
  };
  it('rejects unknown keys, bad ports, UDP with TCP checks and inbound checks, all at once', () => {
    expect(
      problems(`platform: x
title: X
operator: Y
flows:
  - { host: a.example, ips: [1.2.3.4], port: 70000, transport: tcp, direction: out, checks: [tcp], source: s1 }
  - { host: a.example, ips: [], port: 3478, transport: udp, direction: out, checks: [tcp], source: s2 }
  - { host: a.example, ips: [], port: 10000, transport: udp, direction: in, checks: [dns], source: s3 }
  - { host: a.example, ips: [nope], port: 1, transport: tcp, direction: out, checks: [ping], source: s4, colour: red }
`),
    ).toEqual([
      'flows[0].port: Too big: expected number to be <=65535',
      'flows[1].checks: tcp, nontls, tls, http, ocsp and turns checks need transport tcp',
      'flows[2].checks: an inbound flow cannot be checked from inside the establishment: leave checks empty',
      'flows[3].ips[0]: not an IP address',
      'flows[3].checks[0]: Invalid option: expected one of "dns"|"tcp"|"nontls"|"tls"|"http"|"ocsp"|"stun"|"turn"|"turns"|"relay"',
      'flows[3].colour: unknown key',
    ]);
  });
  it('rejects a duplicate platform across files', () => {
    const f = embeddedCatalogFiles()[0]!;
    expect(() => loadCatalogs([f, f])).toThrow(/already defined/);
  });
});
