// nontls: for documented TCP flows that are not HTTPS ("il ne s'agit pas d'un flux HTTPS": Covalia
// 443 and 8084, the Therap-e tlm hosts on 443). A next-generation firewall that allows only TLS on
// a port completes the TCP handshake and resets at the first bytes that are not TLS, so a bare
// connect reads "open" while the application is blocked. After the connect this check sends a few
// bytes that are not TLS (a STUN Binding, which a media server may even answer) and tells a reset
// (non_tls_blocked) from an open path (an answer, or the connection still up). A clean close without
// an answer is unproven: a server refusing our bytes and a TLS-terminating box look the same.
import { z } from 'zod';
import type { CheckResult, CheckTarget } from '../runner/core/contract.ts';
import { defineCheck, DIRECT, rowTarget, type RunContext } from '../runner/core/definition.ts';
import { formatMs } from '../runner/core/recorder.ts';
import { resolveAndConnect } from './lib/connect.ts';
import { newRequest, TYPES } from './lib/stun-wire.ts';

const options = z
  .object({
    /** How long the connection must stay up after the bytes are sent. Default 1500 ms. */
    hold: z.number().int().min(100).max(10_000).default(1500).describe('Milliseconds the connection must stay up after the non-TLS bytes (no reset) for the flow to count as open.'),
  })
  .strict();

type After = 'answered' | 'closed' | 'open' | 'reset';

async function run(target: CheckTarget, opts: z.output<typeof options>, ctx: RunContext): Promise<CheckResult> {
  const { rec } = ctx;
  try {
    const { socket } = await resolveAndConnect(rec, target.host, target.port ?? 0, ctx);
    const m = newRequest(TYPES.bindingRequest);
    m.addFingerprint();
    const bytes = m.toBuffer();
    const after = await rec.phase('payload', () =>
      new Promise<After>((resolve) => {
        const done = (a: After) => {
          clearTimeout(timer);
          socket.destroy();
          resolve(a);
        };
        const timer = setTimeout(() => done('open'), Math.min(opts.hold, Math.max(0, ctx.timeoutMs - rec.elapsedSeconds() * 1000 - 50)));
        socket.once('data', () => done('answered'));
        socket.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNRESET' || e.code === 'EPIPE' ? 'reset' : 'closed'));
        socket.once('end', () => done('closed'));
        socket.write(bytes);
      }),
    );
    rec.observe('after_payload', after);
    rec.observe('request_bytes', bytes.length);
    const ms = formatMs((rec.phases.payload ?? 0) * 1000);
    if (after === 'reset') return rec.fail('non_tls_blocked', `connection reset ${ms} after ${bytes.length} bytes that are not TLS`);
    if (after === 'closed') return rec.finish('unproven', 'nontls_unproven', `connection closed without an answer ${ms} after ${bytes.length} bytes that are not TLS: the server or a middlebox, no telling which`);
    const how = { answered: 'the server answered', open: `the connection stayed up ${ms}` }[after];
    return rec.ok(`${bytes.length} bytes that are not TLS went through: ${how}`);
  } catch (e) {
    return rec.failOn(e, ctx);
  }
}

export const nontlsProbe = defineCheck({
  description: 'A TCP flow that is not TLS: connect, send bytes that are not TLS, and tell a protocol-inspection reset from an open path.',
  phases: ['resolve', 'connect', 'payload'],
  options,
  defaults: { timeout: '5s', schedule: '*/5 * * * *' },
  flowClass: 'signalling',
  planning: { scope: 'row', transports: ['tcp'], urls: false, portRanges: false, plan: (row) => ({ target: rowTarget(row, 'tcp') }) },
  metrics: [],
  resource: DIRECT,
  run,
});
