// turn / turns: Allocate over UDP, TCP or TLS (RFC 8656). Without credentials a 401 carrying REALM
// and NONCE proves the server alive; with long-term or REST-API (shared secret) credentials the
// allocation is made, a permission created, then released at once (Refresh, lifetime 0) so that no
// allocation is left on the platform's server.
import { z } from 'zod';
import type { CheckResult, CheckTarget } from '../runner/core/contract.ts';
import { defineCheck, DIRECT, rowTarget, type KindMetric, type RunContext } from '../runner/core/definition.ts';
import { classifyNetworkError } from '../runner/core/recorder.ts';
import { NoStunResponse, noResponse, type StunTransport } from './lib/stun-client.ts';
import { ATTR, TYPES, errorCode, messageClass } from './lib/stun-wire.ts';
import { TlsRefused } from './lib/tls/browser-tls.ts';
import { allocate, credentialsFor, failure, type Allocation } from './lib/turn-session.ts';

const options = z
  .object({
    /** Lifetime in seconds of REST-API usernames (`expiry:user`). Default 3600. */
    rest_ttl_seconds: z.number().int().min(60).default(3600).describe('Lifetime in seconds of REST-API (shared secret) usernames.'),
  })
  .strict();

const PHASES = ['resolve', 'connect', 'tls', 'allocate', 'permission'] as const;

async function runTurn(target: CheckTarget, opts: z.output<typeof options>, ctx: RunContext, tls: boolean): Promise<CheckResult> {
  const { rec } = ctx;
  const transport: StunTransport = tls ? 'tls' : target.transport;
  rec.observe('transport', transport);
  let allocation: Allocation | undefined;
  try {
    const outcome = await allocate(rec, target, transport, credentialsFor(target, ctx), opts.rest_ttl_seconds, ctx);
    if (outcome.kind === 'challenge') {
      rec.observe('auth', 'challenge_only');
      rec.observe('realm', outcome.realm);
      return rec.ok(`TURN server answered 401 with realm "${outcome.realm}" (no credentials configured)${via(rec)}`);
    }
    if (outcome.kind === 'failed') return redirected(rec, rec.fail(outcome.reason, outcome.message));
    allocation = outcome.allocation;
    rec.observe('auth', 'allocated');
    rec.observe('relayed_address', `${allocation.relayed.address}:${allocation.relayed.port}`);
    if (allocation.mapped) rec.observe('mapped_address', `${allocation.mapped.address}:${allocation.mapped.port}`);
    const peer = allocation.mapped ?? allocation.relayed;
    const perm = await rec.phase('permission', () => allocation!.request(TYPES.createPermissionRequest, (m) => m.addAttribute(ATTR.xorPeerAddress, peer.address, peer.port), ctx.signal));
    const relayed = `TURN allocation ${allocation.relayed.address}:${allocation.relayed.port} over ${transport.toUpperCase()}${via(rec)}`;
    if (messageClass(perm.message.type) === 'error') {
      const err = errorCode(perm.raw);
      // 403 is the server's peer policy (coturn's denied-peer-ip, often every private range) refusing
      // this probe's own address as a peer: the allocation works, and a call's peers are other addresses.
      if (err?.code === 403) {
        rec.observe('permission', 'forbidden');
        return rec.ok(`${relayed}; the server's peer policy refuses this probe's own address as a peer (403 ${err.reason})`);
      }
      const f = failure(err?.code ?? 0, err?.reason ?? '', 'CreatePermission');
      return rec.fail(f.reason === 'turn_auth_failed' ? f.reason : 'turn_allocate_failed', f.message);
    }
    rec.observe('permission', 'created');
    return rec.ok(`${relayed}, permission created`);
  } catch (e) {
    if (e instanceof NoStunResponse) return redirected(rec, noResponse(rec, e, ctx));
    if (e instanceof TlsRefused) return redirected(rec, rec.fail(e.reason, e.message));
    const c = classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs);
    return redirected(rec, rec.fail(c.reason === 'internal_error' ? 'tls_handshake_failed' : c.reason, c.message));
  } finally {
    if (allocation) {
      // Released even when the check's own time is up: a short budget of its own.
      rec.observe('released', await allocation.release(AbortSignal.timeout(1000)));
      allocation.client.close();
    }
  }
}

/** ", through the alternate server X" when a 300 Try Alternate was followed. */
function via(rec: RunContext['rec']): string {
  const to = rec.observations.redirected_to;
  return typeof to === 'string' ? `, through the alternate server ${to} (300 Try Alternate)` : '';
}

/** A failure met after following a 300 names the alternate server, where it happened. */
function redirected(rec: RunContext['rec'], r: CheckResult): CheckResult {
  const to = rec.observations.redirected_to;
  if (typeof to === 'string') r.message = `${r.message} (at the alternate server ${to} that ${r.host} redirects to with 300 Try Alternate)`;
  return r;
}

const allocateSeconds: KindMetric = {
  spec: { name: 'probe_turn_allocate_seconds', type: 'gauge', help: 'Time of the TURN Allocate exchange (challenge and authenticated request).' },
  read(r, emit) {
    if (r.observations.auth === 'allocated' || r.observations.auth === 'challenge_only') emit(r.phases.allocate ?? 0);
  },
};

const turnDefinition = {
  phases: PHASES,
  options,
  defaults: { timeout: '5s', schedule: '*/5 * * * *' },
  flowClass: 'media',
  metrics: [allocateSeconds],
  resource: DIRECT,
} as const;

export const turnProbe = defineCheck({
  ...turnDefinition,
  description: 'TURN Allocate over UDP or TCP: challenge, credentials, permission, release.',
  planning: { scope: 'row', transports: ['tcp', 'udp'], urls: false, portRanges: false, plan: (row) => ({ target: rowTarget(row, row.transport) }) },
  run: (t, o, c) => runTurn(t, o, c, false),
});

export const turnsProbe = defineCheck({
  ...turnDefinition,
  description: 'TURN Allocate over TLS (turns:).',
  planning: { scope: 'row', transports: ['tcp'], urls: false, portRanges: false, plan: (row) => ({ target: rowTarget(row, 'tcp') }) },
  run: (t, o, c) => runTurn(t, o, c, true),
});
