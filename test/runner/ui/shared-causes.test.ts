// One cause, one line, on synthetic results: what counts as an establishment-wide cause.
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../runner/core/contract.ts';
import { CheckRecorder } from '../../../runner/core/recorder.ts';
import type { Reason } from '../../../runner/core/reasons.ts';
import { explainedBy, sharedCauses } from '../../../runner/ui/shared-causes.ts';

const failed = (host: string, reason: Reason): CheckResult => new CheckRecorder({ platform: 'p', host, port: 443, transport: 'tcp', documentedIps: [], ipsStable: true }, 'tcp', []).fail(reason, 'x');

describe('shared causes', () => {
  it('a resolver failing on several names is one cause with one fix; the checks it explains refer to it', () => {
    const results = [failed('a.example', 'dns_timeout'), failed('b.example', 'dns_timeout'), failed('b.example', 'dns_timeout'), failed('c.example', 'timeout')];
    const causes = sharedCauses(results, 'en');
    expect(causes).toHaveLength(1);
    expect(causes[0]).toMatchObject({ reason: 'dns_timeout', count: 3, hosts: 2 });
    expect(causes[0]!.fix).toContain("Repair the establishment's DNS resolver");
    expect(explainedBy(results[0]!, causes)).toBe(true);
    expect(explainedBy(results[3]!, causes)).toBe(false);
  });
  it('one host failing, or a flow-level reason, is not a shared cause', () => {
    expect(sharedCauses([failed('a.example', 'dns_timeout'), failed('a.example', 'dns_timeout'), failed('a.example', 'dns_timeout')], 'fr')).toEqual([]);
    expect(sharedCauses(['a', 'b', 'c', 'd'].map((h) => failed(`${h}.example`, 'timeout')), 'fr')).toEqual([]);
  });
});
