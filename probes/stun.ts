// stun: a Binding request (RFC 8489) over UDP or TCP; RTT from the answered send, the
// XOR-MAPPED-ADDRESS (the establishment's public address as the platform sees it).
import { z } from 'zod';
import type { CheckResult, CheckTarget, ProbeContext, ProbeDefinition } from '../runner/core/contract.ts';
import { CheckRecorder, classifyNetworkError, formatMs } from '../runner/core/recorder.ts';
import { NoStunResponse, StunClient } from './lib/stun-client.ts';
import { ATTR, TYPES, addressAttr, messageClass, newRequest, stringAttr } from './lib/stun-wire.ts';

const options = z.object({}).strict();

export function noResponse(rec: CheckRecorder, e: NoStunResponse, ctx: ProbeContext): CheckResult {
  if (e.badResponse) return rec.fail('stun_bad_response', e.badResponse);
  return rec.fail('stun_no_response', `no STUN response within ${formatMs(ctx.timeoutMs)}`);
}

async function run(target: CheckTarget, _opts: z.output<typeof options>, ctx: ProbeContext): Promise<CheckResult> {
  const rec = new CheckRecorder(target, 'stun', ['resolve', 'connect', 'request']);
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
    const c = classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs);
    return rec.fail(c.reason, c.message);
  } finally {
    client?.close();
  }
}

export const stunProbe = {
  description: 'STUN Binding over UDP or TCP (RFC 8489): RTT and mapped address.',
  scope: 'row',
  phases: ['resolve', 'connect', 'request'],
  options,
  defaults: { timeout: '3s', schedule: '* * * * *' },
  run,
} satisfies ProbeDefinition<typeof options>;
