// A STUN transaction layer over UDP, TCP or TLS. UDP retransmits on the RFC 8489 schedule (RTO
// 500 ms doubling, 7 sends) within the check's timeout; each transmission carries its own
// transaction id so the RTT is measured from the send that was actually answered. Replies that are
// not valid STUN, or answer no request of ours, are remembered: when nothing valid arrives, the
// probe reports what was wrong instead of "no response".
import dgram from 'node:dgram';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { CheckResult, ProbeContext } from '../../runner/core/contract.ts';
import { resolveAndConnect } from './connect.ts';
import { type CheckRecorder, formatMs } from '../../runner/core/recorder.ts';
import { decodeStun, MAGIC_COOKIE, stunFrameLength, type StunMessage } from './stun-wire.ts';
import { browserHandshake, judgeCertificate, TlsRefused } from './tls/browser-tls.ts';
import { describeCertificate } from './tls/tls-handshake.ts';

export type StunTransport = 'udp' | 'tcp' | 'tls';

export const RFC8489_RTO_MS = 500;
export const RFC8489_SENDS = 7;

export class NoStunResponse extends Error {
  readonly badResponse: string | undefined;
  constructor(badResponse: string | undefined) {
    super(badResponse ? `invalid answer: ${badResponse}` : 'no STUN response');
    this.name = 'NoStunResponse';
    this.badResponse = badResponse;
  }
}

/** What a transaction sends: a package-built request, or raw bytes with their transaction id. */
export interface Outgoing {
  readonly transactionId: Buffer;
  toBuffer(): Buffer;
}

export interface Transaction {
  message: StunMessage;
  raw: Buffer;
  rttMs: number;
  transmissions: number;
}

type Listener = (m: StunMessage | Buffer) => void;

export class StunClient {
  private readonly pending = new Map<string, { sentAt: number; resolve: (t: { message: StunMessage; raw: Buffer; at: number; sentAt: number }) => void }>();
  private lastBad: string | undefined;
  /** A socket error (ICMP port unreachable arrives as ECONNREFUSED on a connected UDP socket). */
  private failure: Error | undefined;
  private readonly onFailure = new Set<(e: Error) => void>();
  private buffered = Buffer.alloc(0);
  private closed = false;
  /** Messages that answer no transaction of ours (TURN Data indications, ChannelData). */
  onUnsolicited: Listener | undefined;
  readonly transport: StunTransport;
  private readonly udp: dgram.Socket | undefined;
  private readonly stream: net.Socket | undefined;
  readonly local: { address: string; port: number };
  /** The server's address and port (where a 300 Try Alternate must not send us back). */
  readonly remote: { address: string; port: number; family: 4 | 6 };

  private constructor(transport: StunTransport, udp: dgram.Socket | undefined, stream: net.Socket | undefined, remote: StunClient['remote']) {
    this.transport = transport;
    this.remote = remote;
    this.udp = udp;
    this.stream = stream;
    if (udp) {
      udp.on('message', (b) => this.onDatagram(b));
      // The port answered "closed": every transaction under way ends now, as refused, not at the timeout.
      udp.on('error', (e) => {
        this.failure = e;
        for (const f of this.onFailure) f(e);
      });
      const a = udp.address();
      this.local = { address: a.address, port: a.port };
    } else {
      stream!.on('data', (b: Buffer) => this.onStreamData(b));
      stream!.on('error', () => {});
      this.local = { address: stream!.localAddress ?? '', port: stream!.localPort ?? 0 };
    }
  }

  /** Resolves and connects (phases resolve, connect and, for TLS, tls). */
  static async open(rec: CheckRecorder, host: string, port: number, transport: StunTransport, ctx: ProbeContext): Promise<StunClient> {
    if (transport === 'udp') {
      const [addr] = await rec.phase('resolve', () => ctx.resolver.lookup(host, ctx.signal));
      if (!addr) throw Object.assign(new Error(`no address for ${host}`), { code: 'ENODATA' });
      rec.observe('address', addr.address);
      // 1 MiB: the relay test's 1.5 Mbps stream survives a few seconds of this process being busy
      // without the kernel dropping what arrived (the default 208 KiB is ~0.5 s of it).
      const sock = dgram.createSocket({ type: addr.family === 6 ? 'udp6' : 'udp4', recvBufferSize: 1 << 20 });
      await rec.phase('connect', () => new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.connect(port, addr.address, () => {
          sock.off('error', reject);
          resolve();
        });
      }));
      return new StunClient('udp', sock, undefined, { address: addr.address, port, family: addr.family });
    }
    const { socket, address } = await resolveAndConnect(rec, host, port, ctx);
    const remote = { address: address.address, port, family: address.family };
    if (transport === 'tcp') return new StunClient('tcp', undefined, socket, remote);
    // TURN over TLS carries the relay's credentials: the server is judged as Chrome judges it
    // (its hello, its verifier) before anything is sent to it.
    const reopen = async (signal: AbortSignal) => (await resolveAndConnect(rec.scratch(), host, port, { ...ctx, signal })).socket;
    const tlsSocket = await rec.phase('tls', () => browserHandshake(socket, host, ctx, [], reopen));
    rec.observe('tls_version', tlsSocket.getProtocol());
    const v = await judgeCertificate(tlsSocket, host, ctx, rec);
    const leaf = v.path[0];
    rec.observe('leaf_issuer', leaf ? describeCertificate(leaf.raw).issuer : undefined);
    if (v.status === 'failed') {
      tlsSocket.destroy();
      throw new TlsRefused(v.reason, v.message);
    }
    return new StunClient('tls', undefined, tlsSocket, remote);
  }

  private deliver(buf: Buffer): void {
    const d = decodeStun(buf);
    if (!d.ok) {
      if (this.onUnsolicited && this.transport === 'udp' && buf.length >= 4 && (buf[0]! & 0xc0) === 0x40) return this.onUnsolicited(buf);
      this.lastBad = d.why;
      return;
    }
    const tid = d.message.transactionId.toString('hex');
    const p = this.pending.get(tid);
    if (p) {
      this.pending.delete(tid);
      p.resolve({ message: d.message, raw: d.raw, at: performance.now(), sentAt: p.sentAt });
    } else if (this.onUnsolicited) this.onUnsolicited(d.message);
    else this.lastBad = 'answer to a transaction id we never sent';
  }

  private onDatagram(buf: Buffer): void {
    this.deliver(buf);
  }

  private onStreamData(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      // ChannelData (first two bits 01) has a 4-byte header and is padded to 4 bytes over streams;
      // it comes only once a relay streams (a listener is set): before, "HTTP/1.1" is not a channel.
      if (this.onUnsolicited && (this.buffered[0]! & 0xc0) === 0x40) {
        const total = 4 + Math.ceil(this.buffered.readUInt16BE(2) / 4) * 4;
        if (this.buffered.length < total) return;
        const frame = this.buffered.subarray(0, total);
        this.buffered = this.buffered.subarray(total);
        this.onUnsolicited?.(frame);
        continue;
      }
      if (this.buffered.length < 20) return;
      const total = stunFrameLength(this.buffered);
      if (total === undefined) {
        this.lastBad = notStun(this.buffered);
        this.buffered = Buffer.alloc(0);
        return;
      }
      if (this.buffered.length < total) return;
      const frame = this.buffered.subarray(0, total);
      this.buffered = this.buffered.subarray(total);
      this.deliver(Buffer.from(frame));
    }
  }

  send(buf: Buffer): void {
    if (this.closed) return;
    if (this.udp) this.udp.send(buf);
    else this.stream!.write(buf);
  }

  /**
   * Sends the request built by `build` (called again for each retransmission, with a fresh
   * transaction id) until an answer arrives or `signal` aborts.
   */
  transact(build: () => Outgoing, signal: AbortSignal): Promise<Transaction> {
    return new Promise((resolve, reject) => {
      const timers: NodeJS.Timeout[] = [];
      let sends = 0;
      const finish = (fn: () => void) => {
        timers.forEach(clearTimeout);
        signal.removeEventListener('abort', onAbort);
        this.onFailure.delete(onFailure);
        fn();
      };
      const onAbort = () => finish(() => reject(new NoStunResponse(this.lastBad)));
      const onFailure = (e: Error) => finish(() => reject(e));
      if (this.failure) return reject(this.failure);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.onFailure.add(onFailure);
      const onAnswer = (t: { message: StunMessage; raw: Buffer; at: number; sentAt: number }) =>
        finish(() => {
          for (const k of mine) this.pending.delete(k);
          resolve({ message: t.message, raw: t.raw, rttMs: t.at - t.sentAt, transmissions: sends });
        });
      const mine: string[] = [];
      const transmit = () => {
        const req = build();
        const tid = req.transactionId.toString('hex');
        mine.push(tid);
        this.pending.set(tid, { sentAt: performance.now(), resolve: onAnswer });
        sends++;
        this.send(req.toBuffer());
      };
      transmit();
      if (this.udp) {
        let at = 0;
        for (let i = 1; i < RFC8489_SENDS; i++) {
          at += RFC8489_RTO_MS * 2 ** (i - 1);
          timers.push(setTimeout(transmit, at));
        }
      }
      // Closed after bytes that were not STUN: something else than a TURN server answered; say what.
      if (this.stream) this.stream.once('close', () => finish(() => reject(this.badBeforeClose() ? new NoStunResponse(this.badBeforeClose()) : Object.assign(new Error('connection closed by the server'), { code: 'ECONNRESET' }))));
    });
  }

  /** What was wrong with what the server sent before it closed: an invalid message, or a start that is no STUN header. */
  private badBeforeClose(): string | undefined {
    if (this.lastBad) return this.lastBad;
    const b = this.buffered;
    if (b.length >= 4 && ((b[0]! & 0xc0) !== 0 || (b.length >= 8 && b.readUInt32BE(4) !== MAGIC_COOKIE))) return notStun(b);
    return undefined;
  }

  close(): void {
    this.closed = true;
    this.pending.clear();
    try {
      this.udp?.close();
    } catch {}
    this.stream?.destroy();
  }
}

/** What a stream carried instead of STUN, for the message (an HTTP status line is named as such). */
export function notStun(bytes: Buffer): string {
  const head = bytes.subarray(0, 200).toString('latin1');
  const http = /^HTTP\/\d(?:\.\d)? \d{3}[^\r\n]*/.exec(head);
  if (http) return `the server answers in HTTP ("${http[0].slice(0, 60)}"), not STUN: a web server or a proxy, not a TURN server, listens on this port`;
  return `the stream carries bytes that are not STUN (${bytes.subarray(0, 8).toString('hex')}…)`;
}

/** The result of a check whose STUN transaction got no (valid) answer. */
export function noResponse(rec: CheckRecorder, e: NoStunResponse, ctx: ProbeContext): CheckResult {
  if (e.badResponse) return rec.fail('stun_bad_response', e.badResponse);
  return rec.fail('stun_no_response', `no STUN response within ${formatMs(ctx.timeoutMs)}`);
}
