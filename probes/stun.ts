// stun: a Binding request (RFC 8489) over UDP or TCP; RTT from the answered send, the
// XOR-MAPPED-ADDRESS (the establishment's public address as the platform sees it).
import { z } from 'zod';
import type { CheckResult, CheckTarget } from '../runner/core/contract.ts';
import { defineCheck, DIRECT, rowTarget, type RunContext } from '../runner/core/definition.ts';
import { observedNumber } from '../runner/core/kind-metrics.ts';
import { NoStunResponse, noResponse, StunClient } from './lib/stun-client.ts';
import { ATTR, TYPES, addressAttr, messageClass, newRequest, stringAttr } from './lib/stun-wire.ts';

const options = z.object({}).strict();

async function run(target: CheckTarget, _opts: z.output<typeof options>, ctx: RunContext): Promise<CheckResult> {
  const { rec } = ctx;
  let client: StunClient | undefined;
  try {
    client = await StunClient.open(rec, target.host, target.port ?? 3478, target.transport, ctx);
    const t = await rec.phase('request', () =>
      client!.transact(() => {
        const m = newRequest(TYPES.bindingRequest);
        m.addFingerprint();
        return m;
      }, ctx.signal),
    );
    rec.observe('rtt_seconds', Math.round(t.rttMs * 1000) / 1e6);
    rec.observe('transmissions', t.transmissions);
    const mapped = addressAttr(t.message, ATTR.xorMappedAddress) ?? addressAttr(t.message, ATTR.mappedAddress);
    rec.observe('software', stringAttr(t.message, ATTR.software));
    if (messageClass(t.message.type) !== 'success') return rec.fail('stun_bad_response', `Binding answered with class ${messageClass(t.message.type)}`);
    if (!mapped) return rec.fail('stun_bad_response', 'Binding success without a mapped address');
    rec.observe('mapped_address', `${mapped.address}:${mapped.port}`);
    return rec.ok(`STUN Binding answered in ${t.rttMs.toFixed(1)} ms; mapped address ${mapped.address}:${mapped.port}`);
  } catch (e) {
    if (e instanceof NoStunResponse) return noResponse(rec, e, ctx);
    return rec.failOn(e, ctx);
  } finally {
    client?.close();
  }
}

export const stunProbe = defineCheck({
  description: 'STUN Binding over UDP or TCP (RFC 8489): RTT and mapped address.',
  phases: ['resolve', 'connect', 'request'],
  options,
  defaults: { timeout: '3s', schedule: '* * * * *' },
  flowClass: 'media',
  planning: { scope: 'row', transports: ['tcp', 'udp'], urls: false, portRanges: false, plan: (row) => ({ target: rowTarget(row, row.transport) }) },
  metrics: [
    observedNumber(
      { name: 'probe_stun_rtt_seconds', type: 'gauge', help: 'Round-trip time of the answered STUN Binding request (from its own send, retransmissions excluded).' },
      'rtt_seconds',
    ),
  ],
  resource: DIRECT,
  run,
});
