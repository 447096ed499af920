// The flow view: one line per documented flow on the embedded catalogs' page; the clock check's
// NTP flow on a line of its own, apart from the offset, so a blocked 123/UDP is asked for even
// when the HTTPS Date fallback still gives the offset.
import { describe, expect, it } from 'vitest';
import { CheckRecorder } from '../../../runner/core/recorder.ts';
import { catalogRows, embeddedCatalogFiles, loadCatalogs } from '../../../runner/config/catalog.ts';
import { parseConfig } from '../../../runner/config/config.ts';
import { buildPlan, type Plan } from '../../../runner/engine/plan.ts';
import { flowText } from '../../../runner/ui/fix-text.ts';
import { renderStatusPage } from '../../../runner/ui/status-page.ts';
import { buildFlowView } from '../../../runner/ui/flow-view.ts';
import { spec, target } from '../../helpers.ts';

const clock = spec('clock', target({ platform: 'site', host: 'ntp.lab.test', port: 123, transport: 'udp' }));
const plan: Plan = { catalogs: [], rows: [], checks: [clock] };

function siteLines(source: 'ntp' | 'http_date' | undefined) {
  const rec = new CheckRecorder(clock.target, 'clock', ['resolve', 'request']);
  if (source) rec.observe('source', source);
  if (source !== 'ntp') rec.observe('ntp_error', 'no NTP answer from ntp.lab.test');
  const result = source ? rec.ok('clock offset +0.010 s') : rec.fail('clock_unreachable', 'no NTP answer from ntp.lab.test');
  const view = buildFlowView(plan, new Map([[clock.id, { result, endedAt: 0 }]]), [], 'fr');
  return view.platforms.find((p) => p.id === 'site')!.lines;
}

describe('clock and NTP on the status page', () => {
  it('NTP answered: the offset line and the NTP flow line are both OK', () => {
    const [offset, ntp] = siteLines('ntp');
    expect(offset).toMatchObject({ kind: 'clock', status: 'ok' });
    expect(ntp).toMatchObject({ kind: 'ntp', status: 'ok', fix: '', flows: ['123/UDP sortant vers ntp.lab.test (NTP)'] });
  });

  it('NTP blocked, offset from the HTTPS Date header: the offset is OK, the NTP flow fails with the port to open', () => {
    const [offset, ntp] = siteLines('http_date');
    expect(offset).toMatchObject({ kind: 'clock', status: 'ok', fix: '' });
    expect(ntp).toMatchObject({ kind: 'ntp', status: 'failed', fix: 'Ouvrir 123/UDP sortant vers ntp.lab.test (NTP)' });
    expect(ntp!.reason).toContain('NTP');
  });

  it('no time source at all: both lines fail', () => {
    const [offset, ntp] = siteLines(undefined);
    expect(offset).toMatchObject({ status: 'failed', fix: 'Ouvrir 123/UDP sortant vers ntp.lab.test (NTP)' });
    expect(ntp).toMatchObject({ status: 'failed' });
  });
});

describe('status page of the embedded catalogs', () => {
  it('shows one line per documented outbound flow, each unproven before anything ran', () => {
    const catalogs = loadCatalogs(embeddedCatalogFiles());
    const embedded = buildPlan(catalogs, parseConfig('', 'vigie.yaml'), undefined);
    const html = renderStatusPage({ plan: embedded, latest: new Map(), site: { establishment: 'x', name: 'X', region: 'r' }, lang: 'fr' });
    // The documents' outbound flows, each once per platform (a flow documented for two usages is one line).
    const expected = new Set(catalogRows(catalogs).filter((r) => !('direction' in r) || r.direction === 'out').map((r) => `${r.platform} ${flowText(r, 'fr')}`));
    const lines = [...html.matchAll(/<tr class="flow-(\w+)" data-flow="/g)];
    expect(lines.length).toBe(expected.size);
    expect(lines.every((m) => m[1] === 'unproven')).toBe(true);
    expect(expected.size).toBeGreaterThan(100);
    // What would prove them: the platforms' own public test pages, which run only when configured.
    expect(html).toContain('configurer le scénario page-flow « maincare-test »');
    expect(html).toContain('configurer le scénario page-flow « sara-testvisio »');
    expect(html).toContain('le scénario « dcc-guest-join » le prouverait, avec un lien de salle de test');
  });
});

describe('sessions and requires_clock_sync', () => {
  it('a clock that is off (degraded) puts a session at risk only on a platform whose document requires a synchronised clock', () => {
    const catalogs = loadCatalogs(embeddedCatalogFiles());
    const embedded = buildPlan(catalogs, parseConfig('', 'vigie.yaml'), undefined);
    const clockSpec = embedded.checks.find((c) => c.kind === 'clock')!;
    const rec = new CheckRecorder(clockSpec.target, 'clock', []);
    const latest = new Map([[clockSpec.id, { result: rec.finish('degraded', 'clock_skew', 'clock offset +2.1 s'), endedAt: 0 }]]);
    const session = (platform: string) => ({ occurrence: { platform, name: 'RCP', start: new Date() }, inWindow: true });
    const view = buildFlowView(embedded, latest, [session('therap-e'), session('telercp')], 'fr');
    expect(view.sessions.map((s) => [s.platform, s.ready])).toEqual([
      ['therap-e', 'at_risk'],
      ['telercp', 'ready'],
    ]);
  });
});
