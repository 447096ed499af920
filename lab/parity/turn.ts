// TURN servers as platforms run them: Debian's coturn on its own address per cell, over UDP, TCP
// and TLS, with long-term or REST (shared secret) credentials, full quotas, a single relay port, a
// redirection (300 Try Alternate), certificates Chrome refuses, ports the hospital firewall drops
// and ports where something else answers. Chrome gathers relay candidates for every cell in one
// page (relay-only RTCPeerConnections); the probe's turn (UDP and TCP rows) or turns (TLS row)
// check runs against the same server.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startCoturn, type Coturn } from '../coturn.ts';
import type { LabCert } from '../pki.ts';
import { killAtExit } from '../temp.ts';
import { restCredentials } from '../../probes/lib/turn-session.ts';
import type { ParityCell, ProbeExpectation } from './cell.ts';
import { makePkiDir } from './cert-pki.ts';
import type { RelayAttempt } from './chrome.ts';
import { catalogYaml, PARITY_CONFIG, type GroupRun } from './group.ts';
import { startNginx, type Nginx } from './nginx.ts';
import type { ParityLab } from './parity-lab.ts';
import type { HoldSpec } from './turn-hold.ts';

/** The credentials Chrome and the probe are given for a cell. */
export type TurnCreds = 'long-term' | 'wrong-password' | 'rest' | 'rest-expired';
/** The TLS certificate of a coturn's TLS listener. */
export type TurnCert = 'trusted' | 'untrusted' | 'wrong-host' | 'expired' | 'name-and-address';

export type TurnServer =
  | {
      kind: 'coturn';
      auth: 'long-term' | 'rest';
      cert?: TurnCert;
      /** More turnserver.conf lines; `ip` gives another name's platform address (an alternate server). */
      extra?: (ip: (name: string) => string) => string[];
    }
  /** Nothing listens on the address: TCP is refused (RST), UDP answered by ICMP port unreachable. */
  | { kind: 'nothing' }
  /** A web server (nginx) on the TURN port: plain HTTP, or HTTPS with a certificate Chrome trusts. */
  | { kind: 'http' }
  | { kind: 'https' };

export interface TurnServe {
  /** `turn:…?transport=udp`, `turn:…?transport=tcp` or `turns:…?transport=tcp`. */
  transport: 'udp' | 'tcp' | 'tls';
  /** The URL's port: 3478 (UDP, TCP) and 443 (TLS) unless said. */
  port?: number;
  server: TurnServer;
  creds?: TurnCreds;
  /** Allocations other clients hold on the server before the checks start (a full quota, the only relay port). */
  hold?: { user: 'alice' | 'bob'; count: number };
  /** The hospital's firewall drops UDP to the cell's address. */
  dropUdp?: boolean;
}

export type TurnCell = ParityCell & { serve: TurnServe };

/** A server on a name of its own that is not a cell: the target of a redirection. */
export interface TurnExtra {
  name: string;
  server: TurnServer;
  dropUdp?: boolean;
}

const USER = 'alice';
const PASSWORD = 'lab-turn-pass';
const OTHER_USER = 'bob';
const OTHER_PASSWORD = 'lab-turn-bob';
const SECRET = 'lab-parity-turn-secret';

const works = (protocol: 'udp' | 'tcp' | 'tls'): ParityCell['chrome'] => ({ outcome: 'works', error: `relay ${protocol}` });
const fails = (error: string): ParityCell['chrome'] => ({ outcome: 'fails', error });
const coturn = (extra?: (ip: (name: string) => string) => string[], auth: 'long-term' | 'rest' = 'long-term'): TurnServer => ({ kind: 'coturn', auth, ...(extra ? { extra } : {}) });
const tlsCoturn = (cert: TurnCert): TurnServer => ({ kind: 'coturn', auth: 'long-term', cert });

function cell(id: string, behaviour: string, chrome: ParityCell['chrome'], status: ProbeExpectation['status'], reason: ProbeExpectation['reason'], serve: TurnServe, by = 'coturn'): TurnCell {
  return { id, group: 'turn', behaviour, by, chrome, probe: [{ kind: serve.transport === 'tls' ? 'turns' : 'turn', status, reason, flow: { port: serve.port ?? (serve.transport === 'tls' ? 443 : 3478), transport: serve.transport === 'udp' ? 'udp' : 'tcp' } }], serve };
}

export const TURN_CELLS: TurnCell[] = [
  cell('udp-long-term', 'long-term credentials over UDP', works('udp'), 'ok', 'ok', { transport: 'udp', server: coturn() }),
  cell('tcp-long-term', 'long-term credentials over TCP', works('tcp'), 'ok', 'ok', { transport: 'tcp', server: coturn() }),
  cell('tls-long-term', 'long-term credentials over TLS on 443, certificate from a trusted root', works('tls'), 'ok', 'ok', { transport: 'tls', server: tlsCoturn('trusted') }),
  cell('wrong-password', 'wrong password (UDP)', fails('ice 401'), 'failed', 'turn_auth_failed', { transport: 'udp', server: coturn(), creds: 'wrong-password' }),
  cell('rest-fresh', 'REST API credentials (use-auth-secret), fresh', works('udp'), 'ok', 'ok', { transport: 'udp', server: coturn(undefined, 'rest'), creds: 'rest' }),
  cell('rest-expired', 'REST API credentials whose expiry timestamp has passed', fails('ice 401'), 'failed', 'turn_auth_failed', { transport: 'udp', server: coturn(undefined, 'rest'), creds: 'rest-expired' }),
  cell('user-quota', "the user's allocation quota is reached (user-quota=1, one allocation held)", fails('ice 486'), 'failed', 'turn_quota', { transport: 'udp', server: coturn(() => ['user-quota=1']), hold: { user: 'alice', count: 1 } }),
  cell('total-quota', "the server's allocation quota is reached (total-quota=1, held by another user)", fails('ice 486'), 'failed', 'turn_quota', { transport: 'udp', server: coturn(() => ['total-quota=1']), hold: { user: 'bob', count: 1 } }),
  cell('no-relay-port', 'no relay port left (min-port = max-port, that port held): 508 Insufficient Capacity', fails('ice 508'), 'failed', 'turn_allocate_failed', { transport: 'udp', server: coturn(() => ['min-port=50000', 'max-port=50000']), hold: { user: 'bob', count: 1 } }),
  cell('no-udp-relay', 'the server refuses UDP relays (no-udp-relay): 442 Unsupported Transport Protocol', fails('ice 442'), 'failed', 'turn_allocate_failed', { transport: 'udp', server: coturn(() => ['no-udp-relay']) }),
  cell('peer-denied', "the server denies private peer addresses (denied-peer-ip, coturn's recommended hardening)", works('udp'), 'ok', 'ok', { transport: 'udp', server: coturn(() => ['denied-peer-ip=10.0.0.0-10.255.255.255']) }),
  cell('redirect-udp', '300 Try Alternate to another working server (alternate-server), UDP', works('udp'), 'ok', 'ok', { transport: 'udp', server: coturn((ip) => [`alternate-server=${ip('alternate')}:3478`]) }),
  cell('redirect-tcp', '300 Try Alternate to another working server (alternate-server), TCP', works('tcp'), 'ok', 'ok', { transport: 'tcp', server: coturn((ip) => [`alternate-server=${ip('alternate')}:3478`]) }),
  cell('redirect-dropped', '300 Try Alternate to a server whose UDP the hospital firewall drops', fails('ice 701'), 'failed', 'stun_no_response', { transport: 'udp', server: coturn((ip) => [`alternate-server=${ip('alternate-dropped')}:3478`]) }),
  cell('redirect-loopback', '300 Try Alternate to a loopback address (127.0.0.1)', fails('ice 300'), 'failed', 'turn_redirect_refused', { transport: 'udp', server: coturn(() => ['alternate-server=127.0.0.1:3478']) }),
  cell('redirect-loop', '300 Try Alternate back and forth between two servers', fails('ice 300'), 'failed', 'turn_redirect_refused', { transport: 'udp', server: coturn((ip) => [`alternate-server=${ip('loop-b')}:3478`]) }),
  // Over UDP libwebrtc sends the next Allocate to the alternate as it is; over TCP it starts again, and checks the port first.
  cell('redirect-bad-port-udp', '300 Try Alternate to a port below 1024 where nothing listens, UDP', fails('ice 701'), 'failed', 'refused', { transport: 'udp', server: coturn((ip) => [`alternate-server=${ip('alternate')}:999`]) }),
  cell('redirect-bad-port-tcp', '300 Try Alternate to a port browsers do not use for TURN (below 1024), TCP', fails('ice 500'), 'failed', 'turn_redirect_refused', { transport: 'tcp', server: coturn((ip) => [`alternate-server=${ip('alternate')}:999`]) }),
  // The alternate is an address: Chrome verifies its certificate against that address, not the turns: URL's name.
  cell('redirect-tls', '300 Try Alternate over TLS (tls-alternate-server) to a server whose certificate names only its host name', fails('ice 701'), 'failed', 'tls_hostname_mismatch', { transport: 'tls', server: { kind: 'coturn', auth: 'long-term', extra: (ip) => [`tls-alternate-server=${ip('alternate')}:443`] } }),
  cell('redirect-tls-address', '300 Try Alternate over TLS to a server whose certificate also names its IP address', works('tls'), 'ok', 'ok', { transport: 'tls', server: { kind: 'coturn', auth: 'long-term', extra: (ip) => [`tls-alternate-server=${ip('alternate-tls')}:443`] } }),
  cell('udp-dropped', 'the hospital firewall drops UDP to the TURN server', fails('ice 701'), 'failed', 'stun_no_response', { transport: 'udp', server: coturn(), dropUdp: true }, 'coturn, nftables'),
  cell('udp-closed', 'nothing listens on the UDP port (ICMP port unreachable)', fails('ice 701'), 'failed', 'refused', { transport: 'udp', server: { kind: 'nothing' } }, 'Linux'),
  cell('tcp-refused', 'nothing listens on the TCP port (connection refused)', fails('ice 701'), 'failed', 'refused', { transport: 'tcp', server: { kind: 'nothing' } }, 'Linux'),
  cell('tls-untrusted', 'TURN over TLS, certificate from a root nobody installed', fails('ice 701'), 'failed', 'tls_untrusted', { transport: 'tls', server: tlsCoturn('untrusted') }),
  cell('tls-wrong-host', 'TURN over TLS, certificate for another name', fails('ice 701'), 'failed', 'tls_hostname_mismatch', { transport: 'tls', server: tlsCoturn('wrong-host') }),
  cell('tls-expired', 'TURN over TLS, expired certificate', fails('ice 701'), 'failed', 'tls_expired', { transport: 'tls', server: tlsCoturn('expired') }),
  cell('tcp-http', 'a web server (plain HTTP) on the TURN/TCP port', fails('ice 701'), 'failed', 'stun_bad_response', { transport: 'tcp', server: { kind: 'http' } }, 'nginx'),
  cell('tls-https', 'a web server (HTTPS, trusted certificate) on the TURN/TLS port', fails('ice 701'), 'failed', 'stun_bad_response', { transport: 'tls', server: { kind: 'https' } }, 'nginx'),
];

/** Servers on names of their own: where the cells' redirections lead. */
export const TURN_EXTRAS: TurnExtra[] = [
  { name: 'alternate', server: coturn() },
  { name: 'alternate-tls', server: { kind: 'coturn', auth: 'long-term', cert: 'name-and-address' } },
  { name: 'alternate-dropped', server: coturn(), dropUdp: true },
  { name: 'loop-b', server: coturn((ip) => [`alternate-server=${ip('redirect-loop')}:3478`]) },
];

export const TURN_EXTRA_NAMES = TURN_EXTRAS.map((e) => e.name);

const portOf = (s: TurnServe): number => s.port ?? (s.transport === 'tls' ? 443 : 3478);

/** The certificates of the TLS listeners: a trusted root, and a root nobody installed. */
function turnPki(dir: string) {
  const pki = makePkiDir(dir);
  const root = pki.root('turn-root', { cn: 'Vigie Parity TURN Root CA' });
  const inter = pki.under(root, 'turn-inter', { cn: 'Vigie Parity TURN Issuing CA' });
  const other = pki.under(pki.root('turn-other', { cn: 'Other TURN Root CA' }), 'turn-other-inter', { cn: 'Other TURN Issuing CA' });
  const leaf = (name: string, host: string, address: string, cert: TurnCert): LabCert => {
    const ca = cert === 'untrusted' ? other : inter;
    const cn = cert === 'wrong-host' ? 'turn.other.test' : host;
    const issued = ca.issue(`leaf-${name}`, { cn, ...(cert === 'expired' ? { from: -400, to: -2 } : {}), ...(cert === 'name-and-address' ? { san: [`DNS:${host}`, `IP:${address}`] } : {}) });
    return { cert: issued.pem, key: issued.key, chain: issued.pem + ca.cert.pem };
  };
  return { root, leaf };
}

/** The credentials of a cell, as Chrome gets them (what the platform's page hands the browser). */
function chromeCredentials(creds: TurnCreds): { username: string; credential: string } {
  switch (creds) {
    case 'long-term':
      return { username: USER, credential: PASSWORD };
    case 'wrong-password':
      return { username: USER, credential: 'not-the-password' };
    case 'rest': {
      const c = restCredentials(SECRET, 'vigie', 3600);
      return { username: c.username, credential: c.password };
    }
    case 'rest-expired': {
      const c = restCredentials(SECRET, 'vigie', -3600);
      return { username: c.username, credential: c.password };
    }
  }
}

/** A process of ours in a namespace, stopped by its pid. */
function startHold(lab: ParityLab, spec: HoldSpec): Promise<ChildProcess> {
  const child = killAtExit(spawn('ip', ['netns', 'exec', lab.net.hospital, process.execPath, join(import.meta.dirname, 'turn-hold.ts'), JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`turn-hold gave no answer: ${out}`)), 15_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/^held /m.test(out)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`turn-hold exited (${code}): ${out}`));
    });
  });
}

function stopChild(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 2000).unref();
  });
}

export async function startTurnGroup(lab: ParityLab, cells: readonly TurnCell[] = TURN_CELLS, extras: readonly TurnExtra[] = TURN_EXTRAS): Promise<GroupRun> {
  const pkiDir = join(lab.dir, 'turn-pki');
  const { root, leaf } = turnPki(pkiDir);
  const ip = (name: string) => lab.ip(name);
  const servers = [...cells.map((c) => ({ name: c.id, server: c.serve.server, dropUdp: c.serve.dropUdp })), ...extras];
  const coturns: Coturn[] = [];
  const holds: ChildProcess[] = [];
  let nginx: Nginx | undefined;
  const stop = async () => {
    await Promise.all(holds.map(stopChild));
    await Promise.all([...coturns.map((c) => c.stop()), nginx?.stop()]);
  };
  try {
    // Every server at once: coturn takes a moment to start.
    await Promise.all(
      servers.map(async ({ name, server }) => {
        if (server.kind !== 'coturn') return;
        const auth = server.auth === 'rest' ? { secret: SECRET } : { user: USER, password: PASSWORD };
        const extra = [...(server.auth === 'long-term' ? [`user=${OTHER_USER}:${OTHER_PASSWORD}`] : []), ...(server.extra?.(ip) ?? [])];
        const cert = leaf(name, lab.host(name), ip(name), server.cert ?? 'trusted');
        coturns.push(await startCoturn(cert, auth, { netns: lab.net.platform, ip: ip(name), ports: { port: 3478, tlsPort: 443 }, extra }));
      }),
    );
    const web = servers.filter((s) => s.server.kind === 'http' || s.server.kind === 'https');
    if (web.length) {
      const tls = web.filter((s) => s.server.kind === 'https').map((s) => {
        const c = leaf(s.name, lab.host(s.name), ip(s.name), 'trusted');
        return { listen: `${ip(s.name)}:443`, serverName: lab.host(s.name), chain: c.chain, key: c.key };
      });
      const plain = web.filter((s) => s.server.kind === 'http').map((s) => ({ listen: `${ip(s.name)}:3478`, files: { 'index.html': Buffer.from('not a TURN server\n') } }));
      nginx = await startNginx(lab.net.platform, join(lab.dir, 'turn-nginx'), tls, plain);
    }
    const dropped = servers.filter((s) => s.dropUdp).map((s) => ip(s.name));
    if (dropped.length)
      lab.net.run(lab.net.hospital, 'nft', ['-f', '-'], `table inet parity_turn {\n  chain out {\n    type filter hook output priority 0; policy accept;\n    ip daddr { ${dropped.join(', ')} } udp dport 3478 drop\n  }\n}\n`);
    for (const c of cells) {
      if (!c.serve.hold) continue;
      const who = c.serve.hold.user === 'bob' ? { username: OTHER_USER, password: OTHER_PASSWORD } : { username: USER, password: PASSWORD };
      holds.push(await startHold(lab, { host: ip(c.id), port: portOf(c.serve), transport: c.serve.transport === 'udp' ? 'udp' : 'tcp', count: c.serve.hold.count, ...who }));
    }
  } catch (e) {
    await stop();
    throw e;
  }

  const credsOf = (c: TurnCell) => c.serve.creds ?? 'long-term';
  const entry = (creds: TurnCreds) => `turn-${creds}`;
  const env: Record<string, string> = {
    PARITY_TURN_PASSWORD: PASSWORD,
    PARITY_TURN_WRONG: chromeCredentials('wrong-password').credential,
    PARITY_TURN_SECRET: SECRET,
    PARITY_TURN_EXPIRED_USER: chromeCredentials('rest-expired').username,
    PARITY_TURN_EXPIRED_PASSWORD: chromeCredentials('rest-expired').credential,
  };
  const credentials: Record<TurnCreds, Record<string, unknown>> = {
    'long-term': { username: USER, password: { env: 'PARITY_TURN_PASSWORD' } },
    'wrong-password': { username: USER, password: { env: 'PARITY_TURN_WRONG' } },
    rest: { username: 'vigie', secret: { env: 'PARITY_TURN_SECRET' } },
    // The probe is handed the same stale pair as Chrome: what a platform's page gives after expiry.
    'rest-expired': { username: { env: 'PARITY_TURN_EXPIRED_USER' }, password: { env: 'PARITY_TURN_EXPIRED_PASSWORD' } },
  };
  const flows = cells.map((c) => {
    const kind = c.serve.transport === 'tls' ? 'turns' : 'turn';
    const transport = c.serve.transport === 'udp' ? 'udp' : 'tcp';
    return `  - { host: ${lab.host(c.id)}, ips: [${ip(c.id)}], port: ${portOf(c.serve)}, transport: ${transport}, direction: out, checks: [${kind}], source: "parity: ${c.id}" }`;
  });
  return {
    catalog: catalogYaml('parity-turn', flows),
    config: {
      ...PARITY_CONFIG,
      trust: { extra_ca_files: [join(pkiDir, 'turn-root.pem')] },
      credentials: Object.fromEntries(Object.entries(credentials).map(([k, v]) => [entry(k as TurnCreds), v])),
      service_credentials: Object.fromEntries(cells.map((c) => [lab.host(c.id), entry(credsOf(c))])),
    },
    env,
    roots: [root.cert.pem],
    async chrome(browser) {
      // One page for every cell: the ~40 s libwebrtc gives a silent server is paid once.
      const attempts: RelayAttempt[] = cells.map((c) => {
        const s = c.serve;
        const url = s.transport === 'tls' ? `turns:${lab.host(c.id)}:${portOf(s)}?transport=tcp` : `turn:${lab.host(c.id)}:${portOf(s)}?transport=${s.transport}`;
        return { url, ...chromeCredentials(credsOf(c)), protocol: s.transport };
      });
      const seen = await browser.relays(attempts);
      return new Map(cells.map((c, i) => [c.id, seen[i]!]));
    },
    stop,
  };
}
