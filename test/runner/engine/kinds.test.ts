// The one check contract holds for every registered kind: it is planned (from a catalog row that
// lists it, once for the site, or from a config entry), it belongs to a flow class that has an SLO
// and appears in the generated rules, and its metric families are exported and documented.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLOW_CLASSES, renderRules, SLOS } from '../../../deploy/prometheus/rules.ts';
import { REPO_ROOT } from '../../../lab/paths.ts';
import { catalogFromData } from '../../../runner/config/catalog.ts';
import { parseConfig } from '../../../runner/config/config.ts';
import { KIND_NAMES, KINDS, PROBE_KINDS, PROBES, ROW_KINDS, SCENARIO_KINDS } from '../../../runner/config/kinds.ts';
import { buildPlan } from '../../../runner/engine/plan.ts';
import { kindMetricFamilies } from '../../../runner/telemetry/metrics.ts';

const WITH_CREDENTIALS = 'credentials: { turn: { username: vigie, password: { env: VIGIE_KINDS_TEST } } }\nservice_credentials: { lab: turn }\n';

/** One catalog with a flow row per row kind, each on the first transport the kind can check. */
function catalogOfEveryRowKind() {
  const flows = ROW_KINDS.map((k) => {
    const p = PROBES[k].planning;
    if (p.scope !== 'row') throw new Error(`${k} is not a row kind`);
    return { host: `${k}.lab.test`, ips: [], port: 443, transport: p.transports[0], direction: 'out', checks: [k], source: `test row for ${k}` };
  });
  return catalogFromData({ platform: 'lab', title: 'Lab', operator: 'Vigie', flows }, 'every-kind.yaml');
}

/** A minimal config entry per scenario kind: a new scenario kind needs its line here. */
const SCENARIO_ENTRIES: Record<string, string> = {
  'janus-videoroom': '{ name: room, kind: janus-videoroom, platform: lab, url: "https://janus.lab.test/videoroomtest.html" }',
  'turn-relay': '{ name: relay, kind: turn-relay, platform: lab, server: turn.lab.test }',
  'page-flow': '{ name: sara, kind: page-flow, platform: lab, url: "https://www.lab.test/testvisio", flow: sara-testvisio }',
};

describe('every kind', () => {
  it('the registries hold the kinds the design names, once each', () => {
    expect(KIND_NAMES).toEqual([...PROBE_KINDS, ...SCENARIO_KINDS]);
    expect(new Set(KIND_NAMES).size).toBe(KIND_NAMES.length);
    for (const k of ['dns', 'tcp', 'http', 'tls', 'ocsp', 'stun', 'turn', 'relay', 'clock', 'proxy']) expect(KIND_NAMES).toContain(k);
  });

  it('each row kind is planned from a catalog row that lists it', () => {
    const plan = buildPlan([catalogOfEveryRowKind()], parseConfig(WITH_CREDENTIALS, 'vigie.yaml'), undefined);
    for (const k of ROW_KINDS) expect(plan.checks.some((c) => c.kind === k && c.target.host === `${k}.lab.test`), k).toBe(true);
  });

  it('each site kind is planned once for the site', () => {
    const proxy = { url: new URL('http://proxy.lab.test:3128'), noProxy: [] };
    const plan = buildPlan([catalogOfEveryRowKind()], parseConfig(WITH_CREDENTIALS, 'vigie.yaml'), proxy);
    const siteKinds = PROBE_KINDS.filter((k) => PROBES[k].planning.scope === 'site');
    expect(siteKinds.length).toBeGreaterThan(0);
    for (const k of siteKinds) expect(plan.checks.filter((c) => c.kind === k && c.target.platform === 'site'), k).toHaveLength(1);
  });

  it('each scenario kind is planned from its config entry', () => {
    expect(Object.keys(SCENARIO_ENTRIES).sort()).toEqual([...SCENARIO_KINDS].sort());
    const config = parseConfig(`scenarios:\n${Object.values(SCENARIO_ENTRIES).map((e) => `  - ${e}`).join('\n')}\n`, 'vigie.yaml');
    const plan = buildPlan([], config, undefined);
    for (const k of SCENARIO_KINDS) expect(plan.checks.some((c) => c.kind === k && c.scenario !== undefined), k).toBe(true);
  });

  it('each kind has a flow class with an SLO, and the generated rules classify it', () => {
    const rules = renderRules();
    for (const [k, def] of Object.entries(KINDS)) {
      expect(FLOW_CLASSES[def.flowClass], k).toContain(k);
      expect(SLOS[def.flowClass], k).toBeGreaterThan(0.9);
      expect(rules, k).toMatch(new RegExp(`"flow_class", "${def.flowClass}", "kind", "[^"]*\\b${k}\\b`));
    }
  });

  it("each kind's metric families are exported under Prometheus names and documented", () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'metrics.md'), 'utf8');
    const families = kindMetricFamilies();
    for (const [k, def] of Object.entries(KINDS)) {
      for (const m of def.metrics) {
        expect(families.get(m.spec.name)?.readers.has(k), `${k}: ${m.spec.name}`).toBe(true);
        expect(m.spec.name).toMatch(/^probe_[a-z0-9_]+$/);
        expect(doc, m.spec.name).toContain(`\`${m.spec.name}\``);
      }
    }
    // A kind without families of its own still exports the core set; the media kinds all have theirs.
    for (const k of ['dns', 'tls', 'ocsp', 'http', 'stun', 'turn', 'relay', 'clock', ...SCENARIO_KINDS]) expect(KINDS[k as keyof typeof KINDS].metrics.length, k).toBeGreaterThan(0);
  });
});
