// stun: a Binding request (RFC 8489) over UDP or TCP; RTT from the answered send, the
// XOR-MAPPED-ADDRESS (the establishment's public address as the platform sees it).
// Any STUN answer to our transaction, success or error, proves the path to the port open: ICE
// media servers answer an unauthenticated Binding with an error (libnice: 400) or not at all
// (ice4j). On a port whose catalog role is `ice-media`, silence or a closed port is therefore
// `unproven` (the browser scenarios' media proves such a port), never "open the port".
import { z } from 'zod';
import type { CheckResult, CheckTarget } from '../runner/core/contract.ts';
import { defineCheck, DIRECT, rowTarget, type RunContext } from '../runner/core/definition.ts';
import { observedNumber } from '../runner/core/kind-metrics.ts';
import { formatMs, rootError, type CheckRecorder } from '../runner/core/recorder.ts';
import { NoStunResponse, noResponse, StunClient, type Transaction } from './lib/stun-client.ts';
import { ATTR, TYPES, addressAttr, errorCode, messageClass, newRequest, stringAttr } from './lib/stun-wire.ts';

const options = z.object({}).strict();

const ICE_PORT_NOTE = 'an ICE media port answers only the sessions it knows; a browser scenario’s media proves it';

/** The verdict of an answer carrying our transaction id. */
function answered(rec: CheckRecorder, t: Transaction): CheckResult {
  const rtt = `${t.rttMs.toFixed(1)} ms`;
  if (messageClass(t.message.type) === 'error') {
    const err = errorCode(t.raw);
    rec.observe('stun_error_code', err?.code);
    const what = err ? `error ${err.code}${err.reason ? ` "${err.reason}"` : ''}` : 'an error';
    return rec.ok(`path open: the server answered the Binding with ${what} in ${rtt} (a media server's ICE port does so without a session's credentials)`);
  }
  const mapped = addressAttr(t.message, ATTR.xorMappedAddress) ?? addressAttr(t.message, ATTR.mappedAddress);
  if (!mapped) return rec.fail('stun_bad_response', 'Binding success without a mapped address');
  rec.observe('mapped_address', `${mapped.address}:${mapped.port}`);
  return rec.ok(`STUN Binding answered in ${rtt}; mapped address ${mapped.address}:${mapped.port}`);
}

async function run(target: CheckTarget, _opts: z.output<typeof options>, ctx: RunContext): Promise<CheckResult> {
  const { rec } = ctx;
  const icePort = target.role === 'ice-media';
  rec.observe('port_role', target.role);
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
    rec.observe('software', stringAttr(t.message, ATTR.software));
    return answered(rec, t);
  } catch (e) {
    if (e instanceof NoStunResponse) {
      if (icePort && !e.badResponse) return rec.finish('unproven', 'ice_port_unproven', `no answer within ${formatMs(ctx.timeoutMs)}: ${ICE_PORT_NOTE}`);
      return noResponse(rec, e, ctx);
    }
    // A media server such as Janus binds its ICE ports per session: closed between sessions is normal.
    if (icePort && rootError(e).code === 'ECONNREFUSED') return rec.finish('unproven', 'ice_port_unproven', `port closed at the server (ICMP port unreachable): media servers such as Janus open their ICE ports per session; ${ICE_PORT_NOTE}`);
    return rec.failOn(e, ctx);
  } finally {
    client?.close();
  }
}

export const stunProbe = defineCheck({
  description: 'STUN Binding over UDP or TCP (RFC 8489): RTT and mapped address; any STUN answer proves the path open.',
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
