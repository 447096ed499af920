// Input as an attacker or a careless operator gives it: oversized files, catalogs with tens of
// thousands of rows, calendars with thousands of events, random and mutated YAML. Every one is exit
// 2 (or an InputError) with the file and the reason, within seconds, never a stack trace.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { REPO_ROOT } from '../../../lab/paths.ts';
import { catalogFromData, MAX_CATALOG_ROWS, parseCatalog } from '../../../runner/config/catalog.ts';
import { parseConfig } from '../../../runner/config/config.ts';
import { InputError, MAX_INPUT_BYTES } from '../../../runner/config/input-error.ts';
import { icalOccurrences } from '../../../runner/engine/calendar.ts';
import { runProcess } from '../../helpers.ts';
import { labTempDir } from '../../../lab/temp.ts';

const dir = labTempDir('vigie-hostile-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const vigie = (...args: string[]) => runProcess(process.execPath, [join(REPO_ROOT, 'bin', 'vigie.js'), ...args], { cwd: dir, timeout: 60_000 });
const row = (i: number) => `  - { host: h${i}.example.org, ips: [], port: 443, transport: tcp, direction: out, checks: [tcp], source: s }`;

describe('oversized input is refused at once, exit 2, with its reason', () => {
  it('a catalog file of 10 MB', async () => {
    const file = join(dir, 'huge.yaml');
    const rows = Array.from({ length: Math.ceil(10e6 / row(0).length) }, (_, i) => row(i));
    writeFileSync(file, `platform: huge\ntitle: t\noperator: o\nflows:\n${rows.join('\n')}\n`);
    const t0 = Date.now();
    const r = await vigie('catalog', '--catalog', file);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`huge\\.yaml: 10\\.\\d MB: an input file may be at most ${MAX_INPUT_BYTES / 1e6}\\.0 MB; refused`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
  it('a small catalog with too many rows, before any row is validated', async () => {
    const file = join(dir, 'rows.yaml');
    writeFileSync(file, `platform: rows\ntitle: t\noperator: o\nflows:\n${Array.from({ length: MAX_CATALOG_ROWS + 1 }, () => '  - {}').join('\n')}\n`);
    const r = await vigie('check', '--catalog', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`rows.yaml: ${MAX_CATALOG_ROWS + 1} flows and URLs: a catalog may hold at most ${MAX_CATALOG_ROWS}; refused`);
    expect(r.stderr.split('\n').length).toBeLessThan(5);
  });
  it('a calendar with more events than any real one', () => {
    const event = (i: number) => `BEGIN:VEVENT\r\nUID:${i}\r\nDTSTART:20261201T140000Z\r\nDTEND:20261201T150000Z\r\nSUMMARY:RCP ${i}\r\nEND:VEVENT\r\n`;
    const ics = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\n${Array.from({ length: 2001 }, (_, i) => event(i)).join('')}END:VCALENDAR\r\n`;
    expect(() => icalOccurrences(ics, 'p', new Date('2026-12-01'), new Date('2026-12-02'), 'rcp.ics')).toThrow(/rcp\.ics: 2001 events: a calendar may hold at most 2000; refused/);
  });
});

/** Only InputError may come out of a parser: anything else is a crash the user would see. */
function onlyInputErrors(fn: () => unknown): void {
  const t0 = performance.now();
  try {
    fn();
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    expect(e.problems.length).toBeGreaterThan(0);
  }
  expect(performance.now() - t0).toBeLessThan(1000);
}

// Values a config or a catalog holds, nested: strings, numbers, booleans, nulls, lists, mappings,
// with the real keys mixed in so that the fuzzer reaches the validators behind them.
const KEYS = ['site', 'server', 'listen', 'dns', 'servers', 'checks', 'tcp', 'timeout', 'schedule', 'browser', 'sandbox', 'remote', 'url', 'public_keys', 'destinations', 'allow', 'ports', 'rcp', 'sessions', 'weekly', 'platform', 'title', 'operator', 'flows', 'urls', 'host', 'ips', 'port', 'transport', 'checks', 'role'];
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('10s', '*/5 * * * *', '127.0.0.1:99999', '443', 'tcp', '::1', '-1', '1e309')),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string()), tie('node'), { maxKeys: 5 })),
})).node;

describe('fuzzed config and catalog parsers (fast-check)', () => {
  it('random structures as YAML: the config parser answers with InputError or a config, never anything else', () => {
    fc.assert(fc.property(value, (v) => onlyInputErrors(() => parseConfig(stringify(v), 'fuzz.yaml'))), { numRuns: 400 });
  });
  it('random structures: the catalog parser answers with InputError or a catalog, never anything else', () => {
    fc.assert(fc.property(value, (v) => onlyInputErrors(() => catalogFromData(v, 'fuzz.yaml'))), { numRuns: 400 });
  });
  it('random and mutated text: both parsers answer with InputError, never a stack trace', () => {
    const seed = `site: { establishment: chu, name: CHU }\nchecks: { tcp: { timeout: 2s } }\n---\nplatform: p\ntitle: t\noperator: o\nflows:\n${row(1)}\n`;
    const mutated = fc.tuple(fc.nat(seed.length), fc.nat(20), fc.string({ maxLength: 8 })).map(([at, cut, ins]) => seed.slice(0, at) + ins + seed.slice(at + cut));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), mutated, fc.constantFrom('&a [*a]', '!!binary x', '%YAML 9.9\n---\na', '? [a]\n: b', 'a: !!int x')), (text) => {
        onlyInputErrors(() => parseConfig(text, 'fuzz.yaml'));
        onlyInputErrors(() => parseCatalog(text, 'fuzz.yaml'));
      }),
      { numRuns: 600 },
    );
  });
});
