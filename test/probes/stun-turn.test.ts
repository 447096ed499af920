// stun, turn and turns probes against Debian's coturn on loopback, and against servers that answer
// wrongly or not at all. After the runs coturn's own CLI must list no allocation.
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceCredentials } from '../../runner/core/contract.ts';
import { makeShared, probeContext } from '../../runner/engine/shared-context.ts';
import { allocate, longTermKey, MAX_REDIRECTS, redirectRefusal } from '../../probes/lib/turn-session.ts';
import { CheckRecorder } from '../../runner/core/recorder.ts';
import {
  ATTR,
  ATTR_8489,
  appendAttribute,
  appendFingerprint,
  appendIntegritySha256,
  decodeStun,
  errorCode,
  fingerprintValid,
  integritySha256Valid,
  offeredSha256,
} from '../../probes/lib/stun-wire.ts';
import { executeCheck } from '../../runner/engine/execute.ts';
import { startCoturn, type Coturn } from '../../lab/coturn.ts';
import { type LabCert, type LabPki, makePki } from '../../lab/pki.ts';
import { SystemTrustStore } from '../../probes/lib/tls/trust.ts';
import { createServer as createTlsServer } from 'node:tls';
import { closedPort, startFakeStun, startSilentTcp, startUdpBlackhole, type Closable } from '../../lab/servers.ts';
import { fixText } from '../../runner/ui/fix-text.ts';
import { scrape, spec, target } from '../helpers.ts';
import { createNetLab, netnsAvailable, type NetLab } from '../../lab/fault/netns.ts';
import { REPO_ROOT } from '../../lab/paths.ts';
import type { CheckResult } from '../../runner/core/contract.ts';
import { createServer as createHttpServer } from 'node:http';

let pki: LabPki;
let longTerm: Coturn;
let rest: Coturn;
const fakes: Record<string, Closable> = {};
let refused: number;

beforeAll(async () => {
  pki = makePki();
  longTerm = await startCoturn(pki.leaves.valid, { user: 'alice', password: 'lab-turn-pass' });
  rest = await startCoturn(pki.leaves.valid, { secret: 'lab-shared-secret' });
  for (const m of ['garbage', 'bad-fingerprint', 'wrong-transaction', 'truncated', 'third-only'] as const) fakes[m] = await startFakeStun(m);
  fakes.hole = await startUdpBlackhole();
  fakes.silentTcp = await startSilentTcp();
  refused = await closedPort();
});
afterAll(async () => {
  await Promise.all([longTerm?.stop(), rest?.stop(), ...Object.values(fakes).map((f) => f.close())]);
});

function run(kind: 'stun' | 'turn' | 'turns', port: number, transport: 'udp' | 'tcp', credentials?: ServiceCredentials, timeoutMs = 2000) {
  return executeCheck(spec(kind, target({ host: '127.0.0.1', port, transport }), { timeoutMs }), makeShared({ ...(credentials ? { credentials: { '127.0.0.1': credentials } } : {}),
  }));
}

describe('stun probe', () => {
  for (const transport of ['udp', 'tcp'] as const) {
    it(`Binding over ${transport.toUpperCase()} against coturn`, async () => {
      const r = await run('stun', longTerm.port, transport);
      expect(r).toMatchObject({ status: 'ok', reason: 'ok', kind: 'stun', transport });
      expect(r.observations.mapped_address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(r.observations.rtt_seconds).toBeGreaterThan(0);
      expect(r.observations.rtt_seconds).toBeLessThanOrEqual(r.phases.request!);
      expect(Object.keys(r.phases)).toEqual(['resolve', 'connect', 'request']);
    });
  }
  const bad = [
    { name: 'garbage over UDP', server: 'garbage', reason: 'stun_bad_response', message: /no STUN magic cookie|not a STUN message/ },
    { name: 'wrong FINGERPRINT', server: 'bad-fingerprint', reason: 'stun_bad_response', message: /FINGERPRINT/ },
    { name: 'answer to another transaction', server: 'wrong-transaction', reason: 'stun_bad_response', message: /transaction id/ },
    { name: 'truncated answer', server: 'truncated', reason: 'stun_bad_response', message: /length|truncated|past the end/ },
    { name: 'no answer at all', server: 'hole', reason: 'stun_no_response', message: /no STUN response within 1.2 s/ },
  ];
  for (const c of bad) {
    it(c.name, async () => {
      const t0 = Date.now();
      const r = await run('stun', fakes[c.server]!.port, 'udp', undefined, 1200);
      expect(r).toMatchObject({ status: 'failed', reason: c.reason });
      expect(r.message).toMatch(c.message);
      expect(Date.now() - t0).toBeLessThan(1200 + 600);
      // A UDP flow carries no TLS: the change to ask for never speaks of TLS inspection.
      expect(fixText(r, [], 'en')).not.toMatch(/TLS/);
    });
  }
  it('retransmits on the RFC 8489 schedule and measures RTT from the answered send', async () => {
    const r = await run('stun', fakes['third-only']!.port, 'udp', undefined, 2500);
    expect(r).toMatchObject({ status: 'ok', observations: { transmissions: 3 } });
    expect(r.phases.request).toBeGreaterThanOrEqual(1.45); // sends at 0, 0.5 and 1.5 s
    expect(r.observations.rtt_seconds).toBeLessThan(0.1);
  });
  it('exports probe_stun_rtt_seconds and probe_turn_allocate_seconds', async () => {
    const stunSpec = spec('stun', target({ host: '127.0.0.1', port: longTerm.port, transport: 'udp' }));
    const turnSpec = spec('turn', target({ host: '127.0.0.1', port: longTerm.port, transport: 'udp' }));
    const text = await scrape([
      [stunSpec, await run('stun', longTerm.port, 'udp')],
      [turnSpec, await run('turn', longTerm.port, 'udp', { username: 'alice', password: 'lab-turn-pass' })],
    ]);
    expect(text).toMatch(/probe_stun_rtt_seconds\{platform="lab",host="127.0.0.1",port="\d+",transport="udp",kind="stun"\} 0\.\d+/);
    expect(text).toMatch(/probe_turn_allocate_seconds\{[^}]*kind="turn"\} 0\.\d+/);
    expect(text).not.toContain('lab-turn-pass');
  });
  it('UDP: a closed port (ICMP port unreachable) is refused at once, not stun_no_response at the timeout', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const port = sock.address().port;
    await new Promise<void>((r) => sock.close(() => r()));
    const r = await run('stun', port, 'udp', undefined, 3000);
    expect(r).toMatchObject({ status: 'failed', reason: 'refused' });
    expect(r.durationSeconds).toBeLessThan(1);
  });
  it('an ICE media port (role ice-media): silence and a closed port are unproven, with nothing to open; coturn still answers ok', async () => {
    const ice = (port: number, timeoutMs = 700) => executeCheck(spec('stun', target({ host: '127.0.0.1', port, transport: 'udp', role: 'ice-media' }), { timeoutMs }), makeShared({}));
    const silent = await ice(fakes.hole!.port);
    expect(silent, silent.message).toMatchObject({ status: 'unproven', reason: 'ice_port_unproven', observations: { port_role: 'ice-media' } });
    expect(fixText(silent, [], 'fr')).not.toMatch(/Ouvrir/);
    // Neither a 0 that pages nor a 1 that reassures: probe_success is absent, probe_unproven is 1.
    const text = await scrape([[spec('stun', target({ host: '127.0.0.1', port: fakes.hole!.port, transport: 'udp', role: 'ice-media' })), silent]]);
    expect(text).toMatch(/probe_unproven\{[^}]*kind="stun"\} 1/);
    expect(text).not.toMatch(/probe_success\{[^}]*kind="stun"/);
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const port = sock.address().port;
    await new Promise<void>((r) => sock.close(() => r()));
    const closed = await ice(port, 3000);
    expect(closed).toMatchObject({ status: 'unproven', reason: 'ice_port_unproven' });
    expect(closed.durationSeconds).toBeLessThan(1);
    expect(closed.message).toContain('ICMP port unreachable');
    // Garbage is still garbage: a middlebox answering for the port is not the media server.
    expect(await ice(fakes.garbage!.port)).toMatchObject({ status: 'failed', reason: 'stun_bad_response' });
    expect(await ice(longTerm.port)).toMatchObject({ status: 'ok' });
  });
  it('TCP: closed port is refused, a silent server is stun_no_response', async () => {
    expect(await run('stun', refused, 'tcp')).toMatchObject({ status: 'failed', reason: 'refused' });
    expect(await run('stun', fakes.silentTcp!.port, 'tcp', undefined, 700)).toMatchObject({ status: 'failed', reason: 'stun_no_response' });
  });
});

describe('turn probe against coturn', () => {
  const cases = [
    { name: 'no credentials over UDP: the 401 challenge proves the server', kind: 'turn', transport: 'udp', creds: undefined, expect: { status: 'ok', observations: { auth: 'challenge_only', realm: 'lab.vigie' } } },
    { name: 'long-term credentials over UDP', kind: 'turn', transport: 'udp', creds: { username: 'alice', password: 'lab-turn-pass' }, expect: { status: 'ok', observations: { auth: 'allocated', released: true } } },
    { name: 'long-term credentials over TCP', kind: 'turn', transport: 'tcp', creds: { username: 'alice', password: 'lab-turn-pass' }, expect: { status: 'ok', observations: { auth: 'allocated', released: true } } },
    { name: 'wrong password', kind: 'turn', transport: 'udp', creds: { username: 'alice', password: 'nope' }, expect: { status: 'failed', reason: 'turn_auth_failed' } },
    { name: 'REST API credentials over UDP', kind: 'turn', transport: 'udp', server: 'rest', creds: { username: 'vigie', secret: 'lab-shared-secret' }, expect: { status: 'ok', observations: { auth: 'allocated', released: true } } },
    { name: 'REST API with the wrong secret', kind: 'turn', transport: 'udp', server: 'rest', creds: { username: 'vigie', secret: 'other' }, expect: { status: 'failed', reason: 'turn_auth_failed' } },
  ] as const;
  for (const c of cases) {
    it(c.name, async () => {
      const server = 'server' in c && c.server === 'rest' ? rest : longTerm;
      const r = await run(c.kind, server.port, c.transport, c.creds);
      expect(r).toMatchObject(c.expect);
      expect(Object.keys(r.phases)).toEqual(['resolve', 'connect', 'tls', 'allocate', 'permission']);
      if (r.observations.auth === 'allocated') {
        expect(r.observations.relayed_address).toMatch(/^127\.0\.0\.1:5\d{4}$/);
        expect(r.phases.permission).toBeGreaterThan(0);
      }
    });
  }
  it('turns: TLS listener with long-term and REST credentials', async () => {
    for (const [server, creds] of [[longTerm, { username: 'alice', password: 'lab-turn-pass' }], [rest, { username: 'vigie', secret: 'lab-shared-secret' }]] as const) {
      const r = await executeCheck(spec('turns', target({ host: 'localhost', port: server.tlsPort, transport: 'tcp' })), makeShared({ credentials: { localhost: creds }, trust: new SystemTrustStore([pki.caCert]) }));
      expect(r).toMatchObject({ kind: 'turns', status: 'ok', observations: { transport: 'tls', auth: 'allocated', released: true } });
      expect(r.phases.tls).toBeGreaterThan(0);
    }
  });
  it.each([
    ['an untrusted certificate', 'selfsigned', 'tls_untrusted'],
    ['an expired certificate', 'expired', 'tls_expired'],
    ['a certificate for another name', 'wronghost', 'tls_hostname_mismatch'],
  ] as const)('turns: %s fails as the tls check would, and no credential reaches the server', async (_name, leaf, reason) => {
    let received = 0;
    const cert: LabCert = pki.leaves[leaf];
    const server = createTlsServer({ key: cert.key, cert: cert.chain }, (s) => {
      s.on('data', (d: Buffer) => (received += d.length));
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as { port: number }).port;
      const shared = makeShared({ credentials: { localhost: { username: 'alice', password: 'lab-turn-pass' } }, trust: new SystemTrustStore([pki.caCert]) });
      const r = await executeCheck(spec('turns', target({ host: 'localhost', port, transport: 'tcp' })), shared);
      expect(r).toMatchObject({ kind: 'turns', status: 'failed', reason });
      await new Promise((res) => setTimeout(res, 100));
      expect(received, 'bytes sent after the handshake').toBe(0);
    } finally {
      server.close();
    }
  });
  it('an expired REST username is refused by coturn', async () => {
    const r = await run('turn', rest.port, 'udp', { username: 'vigie', secret: 'lab-shared-secret' });
    expect(r.status).toBe('ok');
    // rest_ttl_seconds cannot go below 60 in the config; the expired case goes through the option directly.
    const expired = await executeCheck({ ...spec('turn', target({ host: '127.0.0.1', port: rest.port, transport: 'udp' })), options: { rest_ttl_seconds: -60 } }, makeShared({ credentials: { '127.0.0.1': { username: 'vigie', secret: 'lab-shared-secret' } },
    }));
    expect(expired).toMatchObject({ status: 'failed', reason: 'turn_auth_failed' });
  });
  it('a user over its allocation quota is turn_quota (coturn user-quota=1, one allocation held)', async () => {
    const quota = await startCoturn(makePki().leaves.valid, { user: 'alice', password: 'lab-turn-pass' }, { extra: ['user-quota=1'] });
    try {
      const shared = makeShared();
      const held = await allocate(new CheckRecorder(target({ host: '127.0.0.1', port: quota.port, transport: 'udp' }), 'turn', []), target({ host: '127.0.0.1', port: quota.port, transport: 'udp' }), 'udp', { username: 'alice', password: 'lab-turn-pass' }, 3600, probeContext(shared, 2000));
      expect(held.kind).toBe('allocated');
      const r = await executeCheck(spec('turn', target({ host: '127.0.0.1', port: quota.port, transport: 'udp' })), { ...shared, credentials: { '127.0.0.1': { username: 'alice', password: 'lab-turn-pass' } } });
      expect(r).toMatchObject({ status: 'failed', reason: 'turn_quota' });
      expect(r.message).toContain('486');
      if (held.kind === 'allocated') {
        expect(await held.allocation.release(AbortSignal.timeout(1000))).toBe(true);
        held.allocation.client.close();
      }
    } finally {
      await quota.stop();
    }
  });
  it('closed port and silent TCP server', async () => {
    expect(await run('turn', refused, 'tcp')).toMatchObject({ status: 'failed', reason: 'refused' });
    expect(await run('turn', fakes.silentTcp!.port, 'tcp', undefined, 700)).toMatchObject({ status: 'failed', reason: 'stun_no_response' });
    expect(await run('turn', fakes.hole!.port, 'udp', undefined, 700)).toMatchObject({ status: 'failed', reason: 'stun_no_response' });
  });
  it('leaves no allocation open on coturn (its CLI lists no session)', async () => {
    expect(await longTerm.settledSessions()).toBe(0);
    expect(await rest.settledSessions()).toBe(0);
  });
  it("the lab's coturn leaves no config behind once stopped: its shared secret is not left in the temp folder", async () => {
    const extra = await startCoturn(pki.leaves.valid, { secret: 'lab-leftover-secret' });
    expect(readFileSync(join(extra.dir, 'turnserver.conf'), 'utf8')).toContain('static-auth-secret=lab-leftover-secret');
    await extra.stop();
    expect(existsSync(extra.dir)).toBe(false);
  });
});

describe('turn probe: what else a TURN server answers', () => {
  it('a web server on the TURN/TCP port is named: it answers HTTP, not STUN', async () => {
    const web = createHttpServer((_req, res) => res.end('portal'));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
    try {
      const r = await run('turn', (web.address() as { port: number }).port, 'tcp', { username: 'alice', password: 'lab-turn-pass' });
      expect(r).toMatchObject({ status: 'failed', reason: 'stun_bad_response' });
      expect(r.message).toMatch(/answers in HTTP \("HTTP\/1\.1 400 Bad Request"\)/);
    } finally {
      web.close();
    }
  });
  it('a 300 Try Alternate to a loopback address is not followed, as libwebrtc does not: turn_redirect_refused', async () => {
    const redirecting = await startCoturn(pki.leaves.valid, { user: 'alice', password: 'lab-turn-pass' }, { extra: [`alternate-server=127.0.0.1:${longTerm.port}`] });
    try {
      const r = await run('turn', redirecting.port, 'udp', { username: 'alice', password: 'lab-turn-pass' });
      expect(r).toMatchObject({ status: 'failed', reason: 'turn_redirect_refused' });
      expect(r.message).toContain(`to 127.0.0.1:${longTerm.port}, which browsers do not follow: 127.0.0.1:${longTerm.port} is a loopback address`);
      expect(r.observations.redirected_to).toBeUndefined();
      expect(fixText(r, [], 'en')).toMatch(/platform operator/);
    } finally {
      await redirecting.stop();
    }
  });
  it.each([
    ['an address already tried (a loop)', { address: '192.0.2.1', port: 3478 }, 'udp', ['192.0.2.1:3478'], 0, /already tried/],
    ['another IP family', { address: '2001:db8::1', port: 3478 }, 'udp', [], 0, /IP family/],
    ['a loopback address', { address: '127.0.0.5', port: 3478 }, 'udp', [], 0, /loopback/],
    ['a port below 1024 over TCP', { address: '192.0.2.2', port: 999 }, 'tcp', [], 0, /port 999/],
    ['too many redirections', { address: '192.0.2.3', port: 3478 }, 'udp', [], MAX_REDIRECTS, /redirections/],
  ] as const)('redirectRefusal: %s is refused', (_name, to, transport, tried, hops, why) => {
    expect(redirectRefusal(to, { family: 4 }, transport, tried, hops)).toMatch(why);
  });
  it.each([
    ['another server', { address: '192.0.2.2', port: 3478 }, 'udp'],
    ['a port below 1024 over UDP (libwebrtc sends the Allocate there as it is)', { address: '192.0.2.2', port: 999 }, 'udp'],
    ['port 443 over TLS', { address: '192.0.2.2', port: 443 }, 'tls'],
  ] as const)('redirectRefusal: %s is followed', (_name, to, transport) => {
    expect(redirectRefusal(to, { family: 4 }, transport, ['192.0.2.1:3478'], 0)).toBeUndefined();
  });
  it('after a redirection, the flow to open is the one to the alternate server', () => {
    const r: CheckResult = {
      platform: 'lab', host: 'turn.lab.test', port: 3478, transport: 'udp', kind: 'turn', target: 'turn.lab.test:3478', status: 'failed', reason: 'stun_no_response',
      message: 'no STUN response', durationSeconds: 5, phases: {}, observations: { redirected_to: '198.51.100.7:3479' },
    };
    expect(fixText(r, [], 'en')).toContain('3479/UDP outbound to 198.51.100.7');
    expect(fixText(r, [], 'en')).not.toContain('turn.lab.test');
  });
});

describe('turn probe following 300 Try Alternate across network namespaces (coturn alternate-server)', () => {
  let lab: NetLab;
  const servers: Coturn[] = [];
  const CREDS = { username: 'alice', password: 'lab-turn-pass' };
  // A redirects to B (working), C redirects to D, whose UDP the hospital's firewall drops; E denies private peers.
  const at = { a: 20, b: 21, c: 22, d: 23, e: 24 };
  beforeAll(async () => {
    expect(netnsAvailable(), 'the namespace tests run as root with iproute2 and nftables').toBe(true);
    lab = createNetLab({ extraPlatformHosts: Object.values(at) });
    const ip = (k: keyof typeof at) => lab.platformAddress(at[k]);
    const start = (k: keyof typeof at, extra: string[] = []) => startCoturn(pki.leaves.valid, { user: CREDS.username, password: CREDS.password }, { netns: lab.platform, ip: ip(k), ports: { port: 3478, tlsPort: 5349 }, extra });
    servers.push(...(await Promise.all([start('a', [`alternate-server=${ip('b')}:3478`]), start('b'), start('c', [`alternate-server=${ip('d')}:3478`]), start('d'), start('e', ['denied-peer-ip=10.0.0.0-10.255.255.255'])])));
    lab.run(lab.hospital, 'nft', ['-f', '-'], `table inet drop_d {\n  chain out {\n    type filter hook output priority 0; policy accept;\n    ip daddr ${ip('d')} udp dport 3478 drop\n  }\n}\n`);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    lab?.destroy();
  });

  async function turnFromHospital(k: keyof typeof at, transport: 'udp' | 'tcp', timeoutMs = 3000): Promise<CheckResult> {
    const input = { kind: 'turn', host: lab.platformAddress(at[k]), port: 3478, transport, timeoutMs, credentials: CREDS };
    const out = await lab.runAsync(lab.hospital, process.execPath, [join(REPO_ROOT, 'lab', 'run-check.ts'), JSON.stringify(input)]);
    expect(out.code, out.stderr).toBe(0);
    return JSON.parse(out.stdout) as CheckResult;
  }

  for (const transport of ['udp', 'tcp'] as const) {
    it(`over ${transport.toUpperCase()}: allocates on the alternate server and releases it there`, async () => {
      const r = await turnFromHospital('a', transport);
      const b = `${lab.platformAddress(at.b)}:3478`;
      expect(r, r.message).toMatchObject({ status: 'ok', observations: { redirected_to: b, auth: 'allocated', released: true, permission: 'created' } });
      expect(r.observations.relayed_address).toMatch(new RegExp(`^${lab.platformAddress(at.b).replace(/\./g, '\\.')}:`));
      expect(r.message).toContain(`through the alternate server ${b}`);
    });
  }
  it("a 403 on CreatePermission for the probe's own address (coturn's denied-peer-ip) still proves the allocation: ok, and said", async () => {
    const r = await turnFromHospital('e', 'udp');
    expect(r, r.message).toMatchObject({ status: 'ok', observations: { auth: 'allocated', permission: 'forbidden', released: true } });
    expect(r.message).toMatch(/peer policy refuses this probe's own address as a peer \(403 Forbidden IP\)/);
  });
  it('an alternate the firewall drops is stun_no_response at that alternate, and the flow to open is the alternate\'s', async () => {
    const r = await turnFromHospital('c', 'udp', 1500);
    const d = lab.platformAddress(at.d);
    expect(r).toMatchObject({ status: 'failed', reason: 'stun_no_response', observations: { redirected_to: `${d}:3478` } });
    expect(r.message).toContain(`at the alternate server ${d}:3478`);
    expect(fixText(r, [], 'en')).toContain(`3478/UDP outbound to ${d}`);
  });
});

describe('STUN decoder under random and mutated input', () => {
  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (bytes) => {
        const buf = Buffer.from(bytes);
        const d = decodeStun(buf);
        if (d.ok) errorCode(d.raw);
        fingerprintValid(buf);
      }),
      { numRuns: 5000 },
    );
  });
  it('never throws on mutations of a valid message, and rejects them when the FINGERPRINT breaks', async () => {
    const stun = (await import('stun')).default;
    const m = stun.createMessage(stun.constants.STUN_BINDING_RESPONSE!);
    m.addAttribute(stun.constants.STUN_ATTR_XOR_MAPPED_ADDRESS!, '192.0.2.1', 3478);
    m.addAttribute(stun.constants.STUN_ATTR_SOFTWARE!, 'lab');
    m.addFingerprint();
    const valid = m.toBuffer();
    expect(decodeStun(valid).ok).toBe(true);
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 }), fc.nat(40), (pos, xor, cut) => {
        const mutated = Buffer.from(valid);
        mutated[pos]! ^= xor;
        const d = decodeStun(mutated.subarray(0, mutated.length - (cut % 8 === 0 ? 0 : cut)));
        if (d.ok) errorCode(d.raw);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('RFC 8489 SHA-256 long-term credentials', () => {
  it('reproduces the MESSAGE-INTEGRITY-SHA256 of the RFC 8489 B.1 test vector (verified erratum)', () => {
    let msg: Buffer = Buffer.alloc(20);
    msg.writeUInt16BE(0x0001, 0); // Binding request
    msg.writeUInt32BE(0x2112a442, 4);
    Buffer.from('78ad3433c6ad72c029da412e', 'hex').copy(msg, 8);
    msg = appendAttribute(msg, ATTR_8489.userhash, Buffer.from('4a3cf38fef6992bda952c6780417da0f24819415569e60b205c46e41407f1704', 'hex'));
    msg = appendAttribute(msg, ATTR.nonce, Buffer.from('obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA'));
    msg = appendAttribute(msg, ATTR.realm, Buffer.from('example.org'));
    msg = appendAttribute(msg, ATTR_8489.passwordAlgorithm, Buffer.from([0, 2, 0, 0]));
    // Username unaffected by OpaqueString; password "The<U+00AD>M<U+00AA>tr<U+2168>" becomes "TheMatrIX".
    const key = longTermKey('\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9', 'example.org', 'The\u00ADM\u00AAtr\u2168', 'sha256');
    const signed = appendIntegritySha256(msg, key);
    expect(signed.subarray(-32).toString('hex')).toBe('b5c7bf005b6c52a21c51c5e892f81924136296cb927c43149309278cc6518e65');
    expect(integritySha256Valid(signed, key)).toBe(true);
    expect(integritySha256Valid(signed, longTermKey('x', 'example.org', 'TheMatrIX', 'sha256'))).toBe(false);
    expect(fingerprintValid(appendFingerprint(signed))).toBe(true);
  });
  it('uses SHA-256 only when a 401 offers it under an RFC 8489 nonce', () => {
    const algos = Buffer.from([0, 1, 0, 0, 0, 2, 0, 0]); // MD5, SHA-256
    let challenge: Buffer = Buffer.alloc(20);
    challenge.writeUInt16BE(0x0113, 0);
    challenge.writeUInt32BE(0x2112a442, 4);
    challenge = appendAttribute(challenge, ATTR_8489.passwordAlgorithms, algos);
    expect(offeredSha256(challenge, 'obMatJos2AAACf//499k')).toEqual(algos);
    expect(offeredSha256(challenge, 'plain-nonce')).toBeUndefined();
    expect(offeredSha256(appendAttribute(challenge.subarray(0, 20), ATTR.realm, Buffer.from('r')), 'obMatJos2AAAC')).toBeUndefined();
  });
});
