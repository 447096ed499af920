// Real servers on loopback, port 0, for the probe tests and the demo: HTTPS with each lab
// certificate (and a TLS 1.0-only one), plain HTTP, proxies (NTLM-only, Basic, open CONNECT),
// an SNTP server with a chosen skew, a DNS server with chosen answers, and a UDP black hole.
import dgram from 'node:dgram';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import dnsPacket from 'dns-packet';
import stun from 'stun';
import type { LabCert } from './pki.ts';

export interface Closable {
  port: number;
  close(): Promise<void>;
}

const portOf = (s: net.Server | dgram.Socket): number => (s.address() as AddressInfo).port;

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    (server as http.Server).closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** Listens on host:port (loopback, port 0 by default); close() also ends the open connections. */
export function listen(server: net.Server, host = '127.0.0.1', port = 0): Promise<Closable> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve) =>
    server.listen(port, host, () =>
      resolve({
        port: portOf(server),
        close: () => {
          for (const s of sockets) s.destroy();
          return closeServer(server);
        },
      }),
    ),
  );
}

/** A small web app: / answers 200, /redirect → /, /status/NNN answers NNN, /bytes/N sends N bytes, /slow never answers. */
function app(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://lab');
  if (url.pathname === '/redirect') return void res.writeHead(302, { location: '/' }).end();
  const m = /^\/status\/(\d{3})$/.exec(url.pathname);
  if (m) return void res.writeHead(Number(m[1]), { 'content-type': 'text/plain' }).end(`status ${m[1]}\n`);
  const n = /^\/bytes\/(\d{1,8})$/.exec(url.pathname);
  if (n) return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(Number(n[1]), 'v'));
  if (url.pathname === '/slow') return; // never answers
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>lab</title><p>Vigie lab</p>\n');
}

/** An HTTP server on a chosen port answering every request with `handler`. */
export function startHttpOn(port: number, handler: http.RequestListener): Promise<Closable> {
  return listen(http.createServer(handler), '127.0.0.1', port);
}

/** Where a lab server listens: loopback and port 0 unless told (the fault lab binds namespace addresses). */
export interface Bind {
  host?: string;
  port?: number;
}

/** What a server's TLS log would show of its clients: connections, handshakes completed, and handshakes the client broke off (their error codes). */
export interface HandshakeLog {
  connections: number;
  completed: number;
  failed: string[];
}

export function startHttps(cert: LabCert, opts: { tls10Only?: boolean; staple?: Buffer; log?: HandshakeLog } & Bind = {}): Promise<Closable> {
  const server = https.createServer(
    {
      cert: cert.chain,
      key: cert.key,
      ...(opts.tls10Only ? { minVersion: 'TLSv1' as const, maxVersion: 'TLSv1' as const, ciphers: 'DEFAULT:@SECLEVEL=0' } : {}),
    },
    app,
  );
  const log = opts.log;
  if (log) {
    server.on('connection', () => log.connections++);
    server.on('secureConnection', () => log.completed++);
    server.on('tlsClientError', (e: NodeJS.ErrnoException) => log.failed.push(e.code ?? e.message));
  }
  if (opts.staple) server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, cb: (err: Error | null, resp?: Buffer) => void) => cb(null, opts.staple));
  return listen(server, opts.host, opts.port);
}

export function startHttp(): Promise<Closable> {
  return listen(http.createServer(app));
}

/** A TCP server that accepts and never says anything. */
export function startSilentTcp(port = 0): Promise<Closable> {
  return listen(net.createServer(() => {}), '127.0.0.1', port);
}

/** A port that was free a moment ago: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const s = await listen(net.createServer());
  await s.close();
  return s.port;
}

export type ProxyMode = 'open' | 'ntlm' | 'basic' | 'deny';

/**
 * A forward proxy: CONNECT tunnels and absolute-form HTTP. `ntlm` answers 407 offering only NTLM
 * and Negotiate (as a Windows-integrated proxy does), `basic` wants user:secret, `deny` answers 403.
 */
export function startProxy(mode: ProxyMode, basic = { username: 'probe', password: 'lab-proxy-pass' }, bind: Bind = {}): Promise<Closable & { requests: string[] }> {
  const requests: string[] = [];
  const expected = `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
  const refusal = (auth: string | undefined): { status: number; headers: string[] } | undefined => {
    if (mode === 'deny') return { status: 403, headers: [] };
    if (mode === 'ntlm') return { status: 407, headers: ['Proxy-Authenticate: NTLM', 'Proxy-Authenticate: Negotiate'] };
    if (mode === 'basic' && auth !== expected) return { status: 407, headers: ['Proxy-Authenticate: Basic realm="lab"'] };
    return undefined;
  };
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const r = refusal(req.headers['proxy-authorization']);
    if (r) {
      res.writeHead(r.status, Object.fromEntries(r.headers.length ? [['proxy-authenticate', r.headers.map((h) => h.split(': ')[1]!)]] : []));
      return void res.end();
    }
    const target = new URL(req.url ?? '');
    const up = http.request({ host: target.hostname, port: target.port || 80, path: target.pathname + target.search, method: req.method, headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'proxy-authorization')) as http.OutgoingHttpHeaders }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    requests.push(`CONNECT ${req.url}`);
    const r = refusal(req.headers['proxy-authorization']);
    if (r) return void socket.end(`HTTP/1.1 ${r.status} Refused\r\n${r.headers.map((h) => `${h}\r\n`).join('')}Content-Length: 0\r\n\r\n`);
    const [host, port] = (req.url ?? '').split(':');
    const up = net.connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
      up.write(head);
      up.pipe(socket).pipe(up);
    });
    up.on('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    socket.on('error', () => up.destroy());
  });
  return listen(server, bind.host, bind.port).then((c) => ({ ...c, requests }));
}

/** An SNTP server whose clock is `skewSeconds` ahead of ours; `kiss` answers stratum 0. */
export function startSntp(skewSeconds: number, opts: { kiss?: boolean; garbage?: boolean } & Bind = {}): Promise<Closable> {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    if (opts.garbage) return void sock.send(Buffer.from('not ntp at all'), rinfo.port, rinfo.address);
    if (msg.length < 48) return;
    const reply = Buffer.alloc(48);
    reply[0] = (4 << 3) | 4;
    reply[1] = opts.kiss ? 0 : 2;
    msg.copy(reply, 24, 40, 48); // originate = client's transmit
    const write = (offset: number) => {
      const ms = Date.now() + skewSeconds * 1000;
      const s = Math.floor(ms / 1000);
      reply.writeUInt32BE(s + 2_208_988_800, offset);
      reply.writeUInt32BE(Math.floor(((ms - s * 1000) / 1000) * 2 ** 32), offset + 4);
    };
    write(32);
    write(40);
    sock.send(reply, rinfo.port, rinfo.address);
  });
  return bindUdp(sock, opts);
}

function bindUdp(sock: dgram.Socket, bind: Bind): Promise<Closable> {
  return new Promise((resolve) => sock.bind(bind.port ?? 0, bind.host ?? '127.0.0.1', () => resolve({ port: portOf(sock), close: () => new Promise((r) => sock.close(() => r())) })));
}

/** A UDP port that receives and never answers. */
export function startUdpBlackhole(): Promise<Closable> {
  const sock = dgram.createSocket('udp4');
  sock.on('message', () => {});
  return bindUdp(sock, {});
}

export type DnsZone = Record<string, { A?: string[]; AAAA?: string[]; rcode?: 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED'; silent?: boolean }>;

/**
 * A DNS server on loopback answering from `zone`; names not in it get `fallback` (default
 * NXDOMAIN). `delayMs` holds every answer back (a resolver slower than the checks' timeouts).
 */
export function startDns(zone: DnsZone, fallback: 'NXDOMAIN' | 'SERVFAIL' | 'silent' = 'NXDOMAIN', bind: Bind & { delayMs?: number } = {}): Promise<Closable & { queries: string[] }> {
  const sock = dgram.createSocket('udp4');
  const queries: string[] = [];
  sock.on('message', (msg, rinfo) => {
    let q: dnsPacket.Packet;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const question = q.questions?.[0];
    if (!question) return;
    queries.push(`${question.type} ${question.name}`);
    const entry = zone[question.name.toLowerCase()];
    if (entry?.silent || (!entry && fallback === 'silent')) return;
    const rcode = entry?.rcode ?? (entry ? 'NOERROR' : fallback);
    const values = question.type === 'A' ? (entry?.A ?? []) : question.type === 'AAAA' ? (entry?.AAAA ?? []) : [];
    const answers = values.map((data) => ({ type: question.type as 'A', name: question.name, ttl: 300, class: 'IN' as const, data }));
    const reply = dnsPacket.encode({
      id: q.id,
      type: 'response',
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (rcode === 'NXDOMAIN' ? 3 : rcode === 'SERVFAIL' ? 2 : rcode === 'REFUSED' ? 5 : 0),
      questions: [question],
      answers,
    });
    const send = () => sock.send(reply, rinfo.port, rinfo.address, () => {});
    if (bind.delayMs) setTimeout(send, bind.delayMs).unref();
    else send();
  });
  return bindUdp(sock, bind).then((c) => ({ ...c, queries }));
}

export type FakeStunMode = 'garbage' | 'bad-fingerprint' | 'wrong-transaction' | 'truncated' | 'third-only';

/** A UDP server that answers every datagram with something that is not a valid answer. */
export function startFakeStun(mode: FakeStunMode): Promise<Closable> {
  const sock = dgram.createSocket('udp4');
  let seen = 0;
  sock.on('message', (msg, rinfo) => {
    let reply: Buffer;
    // 'third-only' answers correctly, but only from the third request on (exercises retransmission).
    if (mode === 'third-only' && ++seen < 3) return;
    if (mode === 'garbage') reply = Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n');
    else {
      const tid = mode === 'wrong-transaction' ? Buffer.alloc(12, 7) : msg.subarray(8, 20);
      const m = stun.createMessage(stun.constants.STUN_BINDING_RESPONSE!, Buffer.from(tid));
      m.addAttribute(stun.constants.STUN_ATTR_XOR_MAPPED_ADDRESS!, rinfo.address, rinfo.port);
      m.addFingerprint();
      reply = m.toBuffer();
      if (mode === 'bad-fingerprint') reply[reply.length - 1] = reply[reply.length - 1]! ^ 0xff;
      if (mode === 'truncated') reply = reply.subarray(0, reply.length - 6);
    }
    sock.send(reply, rinfo.port, rinfo.address);
  });
  return bindUdp(sock, {});
}

/**
 * A next-generation firewall's application control on one port, as hospitals deploy them: the TCP
 * handshake completes, then the first bytes decide. A TLS ClientHello (record type 22) is let
 * through to `upstreamPort`; anything else is answered with a reset (RST), as such boxes do.
 */
export function startTlsOnlyGate(upstreamPort: number, upstreamHost = '127.0.0.1', bind: Bind = {}): Promise<Closable & { resets: number }> {
  const state = { resets: 0 };
  const server = net.createServer((client) => {
    client.on('error', () => {});
    client.once('data', (first: Buffer) => {
      if (first[0] !== 0x16) {
        state.resets++;
        client.resetAndDestroy();
        return;
      }
      const upstream = net.connect(upstreamPort, upstreamHost, () => {
        upstream.write(first);
        client.pipe(upstream).pipe(client);
      });
      upstream.on('error', () => client.destroy());
    });
  });
  return listen(server, bind.host, bind.port).then((c) => Object.defineProperty(c, 'resets', { get: () => state.resets }) as Closable & { resets: number });
}
