// Flow verdicts on synthetic results: the edge cases (dns alone, stale evidence, a failure beside a
// proof, a port range matched by media, a relayed path). The real proof by a browser call is in
// test/e2e/ice-media-port.test.ts.
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../../../runner/config/catalog.ts';
import { parseConfig } from '../../../runner/config/config.ts';
import type { CheckResult } from '../../../runner/core/contract.ts';
import { CheckRecorder } from '../../../runner/core/recorder.ts';
import { flowStatuses } from '../../../runner/engine/flow-evidence.ts';
import { buildPlan, type CheckSpec } from '../../../runner/engine/plan.ts';
import type { Latest } from '../../../runner/engine/results-store.ts';

const catalog = parseCatalog(
  `platform: p
title: P
operator: O
flows:
  - { host: media.example.fr, ips: [198.51.100.7], port: 3478, transport: udp, direction: out, checks: [dns, stun], source: s }
  - { host: media.example.fr, ips: [198.51.100.7], port: "49152-65535", transport: udp, direction: out, role: ice-media, checks: [dns], source: s }
  - { host: ocsp.example.fr, ips: [], port: 80, transport: tcp, direction: out, checks: [dns], source: s }
urls:
  - { url: "https://portal.example.fr/", checks: [tls], source: s }
`,
  'p.yaml',
);
const config = parseConfig(
  `scenarios:
  - { name: call, kind: janus-videoroom, platform: p, url: "https://media.example.fr/room.html" }
`,
  'vigie.yaml',
);
const plan = buildPlan([catalog], config, undefined);
const spec = (kind: string) => plan.checks.find((c) => c.kind === kind)!;

function result(s: CheckSpec, status: 'ok' | 'failed', observations: CheckResult['observations'] = {}): CheckResult {
  const rec = new CheckRecorder(s.target, s.kind, []);
  rec.observeAll(observations);
  return status === 'ok' ? rec.ok('ok') : rec.fail('stun_no_response', 'no answer');
}

const now = 1_800_000_000;
const at = (entries: [CheckSpec, CheckResult, number?][]): Map<string, Latest> => new Map(entries.map(([s, r, t]) => [s.id, { result: r, endedAt: t ?? now }]));
const media = { local_candidate_type: 'host', candidate_protocol: 'udp', remote_address: '198.51.100.7', remote_port: 50123, scenario: 'call' };

describe('flow verdicts', () => {
  it('dns alone proves a name, not a flow: the range row stays unproven until media used it', () => {
    const dnsOnly = flowStatuses(plan, at([[spec('dns'), result(spec('dns'), 'ok')]]), now);
    expect(dnsOnly.slice(0, 2).map((f) => f.verdict)).toEqual(['unproven', 'unproven']);
    // Unproven, but its last run is known.
    expect(dnsOnly[0]!.at).toBe(now);
    const withCall = flowStatuses(plan, at([[spec('janus-videoroom'), result(spec('janus-videoroom'), 'ok', media)]]), now);
    expect(withCall[1]).toMatchObject({ port: '49152-65535', verdict: 'proven', by: ['janus-videoroom call: host/udp'] });
    expect(withCall[0]!.verdict).toBe('unproven');
  });

  it('a failed check outweighs a proof; evidence older than the limit no longer counts', () => {
    const both = flowStatuses(plan, at([[spec('stun'), result(spec('stun'), 'failed')]]), now);
    expect(both[0]).toMatchObject({ verdict: 'failed', reason: 'stun_no_response', by: ['stun stun_no_response'] });
    const stale = flowStatuses(plan, at([[spec('stun'), result(spec('stun'), 'ok'), now - 3 * 3600]]), now, 2 * 3_600_000);
    expect(stale[0]!.verdict).toBe('unproven');
    const fresh = flowStatuses(plan, at([[spec('stun'), result(spec('stun'), 'ok'), now - 60]]), now, 2 * 3_600_000);
    expect(fresh[0]).toMatchObject({ verdict: 'proven', by: ['stun ok'], at: now - 60 });
  });

  it('a relayed call proves no media row', () => {
    const relayed = flowStatuses(plan, at([[spec('janus-videoroom'), result(spec('janus-videoroom'), 'ok', { ...media, local_candidate_type: 'relay', relay_protocol: 'udp' })]]), now);
    expect(relayed.slice(0, 2).map((f) => f.verdict)).toEqual(['unproven', 'unproven']);
  });

  it('an answered OCSP request proves the responder’s flow, which has no check of its own beyond dns', () => {
    const ocsp = spec('ocsp');
    const flows = flowStatuses(plan, at([[ocsp, result(ocsp, 'ok', { responder_url: 'http://ocsp.example.fr/' })]]), now);
    expect(flows[2]).toMatchObject({ host: 'ocsp.example.fr', port: '80', verdict: 'proven', by: ['ocsp portal.example.fr: responder answered'] });
  });
});
