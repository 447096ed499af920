// Media forced through the platform's TURN server: the probe's own page opens two peer
// connections with iceTransportPolicy 'relay', once per transport (UDP, TCP, TLS), and publishes
// the fake 720p camera from one to the other. This proves media can flow when UDP is blocked,
// the failure hospitals hit most, and tells which TURN transport really carries it.
import { z } from 'zod';
import type { CheckResult, CheckTarget } from '../runner/core/contract.ts';
import { defineCheck, type ScenarioEntry } from '../runner/core/definition.ts';
import { credentialsFor, restCredentials } from '../probes/lib/turn-session.ts';
import { type ScenarioContext, SCENARIO_COMMON } from './lib/contract.ts';
import { measureMedia, mediaOptions } from './lib/measure.ts';
import { initScript } from './lib/webrtc-stats.ts';

const PHASES = ['launch', 'load', 'ice', 'measure'] as const;
const TRANSPORTS = ['udp', 'tcp', 'tls'] as const;
type RelayTransport = (typeof TRANSPORTS)[number];

const options = z.object({
  server: z.string().min(1).describe('TURN server host name or address.'),
  port: z.number().int().min(1).max(65535).default(3478).describe('TURN port for UDP and TCP.'),
  tls_port: z.number().int().min(1).max(65535).default(5349).describe('TURN over TLS (turns:) port.'),
  transports: z.array(z.enum(TRANSPORTS)).min(1).default([...TRANSPORTS]).describe('Transports to test, one check each.'),
  rest_ttl_seconds: z.number().int().min(60).default(3600).describe('Lifetime of REST-API credentials computed from a shared secret.'),
  /** Set by the planner: the transport of this check. */
  relay_transport: z.enum(TRANSPORTS).optional().describe('Internal: the transport of one expanded check.'),
  ...mediaOptions,
});

type Options = z.output<typeof options>;

/** The page lives at a name that never resolves: the browser is served it by the probe itself. */
export const RELAY_PAGE_URL = 'https://vigie.invalid/relay';

const PAGE = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Vigie TURN relay test</title>
<video id="local" autoplay muted playsinline></video><video id="remote" autoplay playsinline></video>
<script>
window.startRelay = async (iceServers) => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 1280, height: 720, frameRate: 30 } });
  document.getElementById('local').srcObject = stream;
  const cfg = { iceServers, iceTransportPolicy: 'relay' };
  const a = new RTCPeerConnection(cfg);
  const b = new RTCPeerConnection(cfg);
  a.onicecandidate = (e) => { if (e.candidate) b.addIceCandidate(e.candidate).catch(() => {}); };
  b.onicecandidate = (e) => { if (e.candidate) a.addIceCandidate(e.candidate).catch(() => {}); };
  b.ontrack = (e) => { document.getElementById('remote').srcObject = e.streams[0]; };
  for (const t of stream.getTracks()) a.addTrack(t, stream);
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription);
  return true;
};
</script></html>`;

function turnUrl(o: Pick<Options, 'server' | 'port' | 'tls_port'>, t: RelayTransport): string {
  const host = o.server.includes(':') ? `[${o.server}]` : o.server;
  return t === 'tls' ? `turns:${host}:${o.tls_port}?transport=tcp` : `turn:${host}:${o.port}?transport=${t}`;
}

function targetFor(e: z.output<typeof options> & ScenarioEntry, t: RelayTransport): CheckTarget {
  // The TURN URL is the target's label, so the UDP, TCP and TLS checks read apart in tables.
  return { platform: e.platform, host: e.server, port: t === 'tls' ? e.tls_port : e.port, transport: t === 'udp' ? 'udp' : 'tcp', url: turnUrl(e, t), documentedIps: [], ipsStable: true };
}

async function run(target: CheckTarget, o: Options, ctx: ScenarioContext): Promise<CheckResult> {
  const { rec } = ctx;
  const transport = o.relay_transport ?? (target.transport === 'udp' ? 'udp' : 'tcp');
  rec.observe('relay_transport', transport);
  const cred = ctx.login ?? credentialsFor(target, ctx);
  if (!cred || (!cred.secret && !(cred.username && cred.password))) return rec.fail('turn_auth_failed', 'no TURN credentials configured for this server (service_credentials or the scenario\'s credentials)');
  const login = cred.secret ? restCredentials(cred.secret, cred.username ?? 'vigie', o.rest_ttl_seconds) : { username: cred.username!, password: cred.password! };
  const session = await rec.phase('launch', () => ctx.browser());
  const bctx = await session.newContext();
  await bctx.addInitScript(initScript());
  await bctx.route(RELAY_PAGE_URL, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: PAGE }));
  const page = await session.guard(bctx.newPage());
  await rec.phase('load', async () => {
    await session.guard(page.goto(RELAY_PAGE_URL));
    await session.guard(page.evaluate((servers) => (globalThis as unknown as { startRelay(s: unknown): Promise<boolean> }).startRelay(servers), [{ urls: turnUrl(o, transport), username: login.username, credential: login.password }]));
  });
  const m = await measureMedia(session, page, page, {
    connectTimeoutMs: o.connect_timeout,
    windowMs: o.window,
    signal: ctx.signal,
    step: ctx.step,
    expect: { send: true, receive: true, hdWithinSeconds: o.hd_within / 1000, maxLossRatio: o.max_loss },
  });
  rec.setPhase('ice', m.iceSeconds);
  rec.setPhase('measure', m.measureSeconds);
  rec.observeAll(m.observations);
  // Relay only: the one flow this attempt needed is the one to its TURN server.
  if (m.reason === 'ice_failed') rec.observe('ice_needed_flows', [`${target.port}/${transport === 'udp' ? 'UDP' : 'TCP'} ${o.server}`]);
  // Relay-only: a connection on anything but a relay candidate of the asked protocol is not this flow.
  if (m.status !== 'failed' && (m.observations.local_candidate_type !== 'relay' || m.observations.relay_protocol !== (transport === 'tls' ? 'tls' : transport))) {
    return rec.fail('ice_failed', `connected through ${String(m.observations.local_candidate_type)}/${String(m.observations.relay_protocol)} instead of a ${transport.toUpperCase()} relay`);
  }
  return rec.finish(m.status, m.reason, m.status === 'ok' ? `${transport.toUpperCase()} relay: ${m.message}` : m.message);
}

export const turnRelayScenario = defineCheck({
  ...SCENARIO_COMMON,
  description: "Two peer connections forced through the platform's TURN server (relay only), once per transport (UDP, TCP, TLS), publishing 720p.",
  phases: PHASES,
  options,
  defaults: { timeout: '60s', schedule: '*/30 * * * *' },
  planning: { scope: 'scenario', plan: (e) => e.transports.map((t) => ({ suffix: `/${t}`, target: targetFor(e, t), options: { ...e, relay_transport: t } })) },
  run,
});
