// A TURN session (RFC 8656): opens the transport, answers the 401 challenge with long-term or
// REST-API (shared secret) credentials, allocates a relay and signs every later request on it.
// Shared by the turn probe and the relay test.
import { createHash, createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import { saslprep } from '@mongodb-js/saslprep';
import type { CheckTarget, ProbeContext } from '../../runner/core/contract.ts';
import type { CheckRecorder } from '../../runner/core/recorder.ts';
import type { Reason } from '../../runner/core/reasons.ts';
import { StunClient, type Outgoing, type StunTransport, type Transaction } from './stun-client.ts';
import {
  ATTR,
  ATTR_8489,
  PASSWORD_ALGORITHM_SHA256,
  appendAttribute,
  appendFingerprint,
  appendIntegritySha256,
  integritySha256Valid,
  offeredSha256,
  REQUESTED_TRANSPORT_UDP,
  TYPES,
  addressAttr,
  errorCode,
  integrityValid,
  messageClass,
  newRequest,
  stringAttr,
  type StunRequest,
} from './stun-wire.ts';

export interface TurnAuth {
  username: string;
  key: Buffer;
  /** SHA-256 when the server offered it (RFC 8489 PASSWORD-ALGORITHMS), with the list to echo. */
  sha256?: { passwordAlgorithms: Buffer };
}

/**
 * Long-term credential key (RFC 8489 §9.2.2): MD5 or SHA-256 of username ":" realm ":" password,
 * realm and password through OpaqueString (SASLprep, as the RFC's own test vector does).
 */
export function longTermKey(username: string, realm: string, password: string, algorithm: 'md5' | 'sha256' = 'md5'): Buffer {
  const text = algorithm === 'md5' ? `${username}:${realm}:${password}` : `${username}:${saslprep(realm)}:${saslprep(password)}`;
  return createHash(algorithm).update(text, 'utf8').digest();
}

/** REST API credentials (draft-uberti-behave-turn-rest, coturn's use-auth-secret). */
export function restCredentials(secret: string, user: string, ttlSeconds: number, now = Date.now()): { username: string; password: string } {
  const username = `${Math.floor(now / 1000) + ttlSeconds}:${user}`;
  return { username, password: createHmac('sha1', secret).update(username).digest('base64') };
}

function authed(type: number, auth: TurnAuth | undefined, realm: string | undefined, nonce: string | undefined, add: (m: StunRequest) => void): () => Outgoing {
  return () => {
    const m = newRequest(type);
    add(m);
    if (auth?.sha256 && realm !== undefined && nonce !== undefined) {
      // RFC 8489 §9.2.4: echo PASSWORD-ALGORITHMS, name the one chosen, sign with HMAC-SHA256.
      m.addAttribute(ATTR.username, auth.username);
      m.addAttribute(ATTR.realm, realm);
      m.addAttribute(ATTR.nonce, nonce);
      let bytes = appendAttribute(m.toBuffer(), ATTR_8489.passwordAlgorithms, auth.sha256.passwordAlgorithms);
      bytes = appendAttribute(bytes, ATTR_8489.passwordAlgorithm, Buffer.from([0, PASSWORD_ALGORITHM_SHA256, 0, 0]));
      bytes = appendFingerprint(appendIntegritySha256(bytes, auth.key));
      return { transactionId: m.transactionId, toBuffer: () => bytes };
    }
    if (auth && realm !== undefined && nonce !== undefined) {
      m.addAttribute(ATTR.username, auth.username);
      m.addAttribute(ATTR.realm, realm);
      m.addAttribute(ATTR.nonce, nonce);
      m.addMessageIntegrity(auth.key);
    }
    m.addFingerprint();
    return m;
  };
}

export function failure(code: number, reason: string, what: string): { reason: Reason; message: string } {
  const text = `${what} refused: ${code} ${reason}`.trim();
  if (code === 401 || code === 441 || code === 431) return { reason: 'turn_auth_failed', message: text };
  if (code === 486) return { reason: 'turn_quota', message: text };
  return { reason: 'turn_allocate_failed', message: text };
}

export interface Allocation {
  client: StunClient;
  relayed: { address: string; port: number };
  mapped?: { address: string; port: number };
  /** Sends an authenticated request on the allocation (CreatePermission, ChannelBind, Refresh). */
  request(type: number, add: (m: StunRequest) => void, signal: AbortSignal): Promise<Transaction>;
  release(signal: AbortSignal): Promise<boolean>;
}

export type AllocateOutcome =
  | { kind: 'allocated'; allocation: Allocation }
  | { kind: 'challenge'; realm: string }
  | { kind: 'failed'; reason: Reason; message: string };

/** The TURN ports a browser uses (libwebrtc's AllowedTurnPort): 53, 80, 443 and from 1024. */
export function allowedTurnPort(port: number): boolean {
  return port === 53 || port === 80 || port === 443 || port >= 1024;
}

/** Redirections followed at most (libwebrtc stops only at an address already tried; a chain this long is a fault). */
export const MAX_REDIRECTS = 3;

const isLoopback = (address: string): boolean => /^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address);

/**
 * Why a browser would not follow this 300 Try Alternate (libwebrtc's TurnPort::SetAlternateServer
 * and PrepareAddress), or undefined when it would: an address already tried, another IP family,
 * a loopback address, a port browsers do not use for TURN.
 */
export function redirectRefusal(alternate: { address: string; port: number }, server: { family: 4 | 6 }, transport: StunTransport, tried: readonly string[], hops: number): string | undefined {
  const at = `${alternate.address}:${alternate.port}`;
  if (tried.includes(at)) return `${at} was already tried (a redirection loop)`;
  if (isIP(alternate.address) !== server.family) return `${at} is not of the IP family of the server that redirects`;
  if (isLoopback(alternate.address)) return `${at} is a loopback address`;
  // Over UDP libwebrtc sends the next Allocate to the alternate as it is; over TCP and TLS it
  // connects anew, and first checks the port (its error 500 then).
  if (transport !== 'udp' && !allowedTurnPort(alternate.port)) return `port ${alternate.port} is not one browsers use for TURN (53, 80, 443 or from 1024)`;
  if (hops >= MAX_REDIRECTS) return `after ${MAX_REDIRECTS} redirections already`;
  return undefined;
}

type Step = AllocateOutcome | { kind: 'redirect'; to: { address: string; port: number }; reason: string };

/**
 * One allocation's negotiation, across the servers a 300 leads to: the realm, nonce and key it
 * learns (libwebrtc keeps them over a redirection) and the requests signed with them.
 */
class Negotiation {
  private auth: TurnAuth | undefined;
  private realm: string | undefined;
  private nonce: string | undefined;
  private readonly rec: CheckRecorder;
  private readonly ctx: ProbeContext;
  private readonly creds: { username?: string; password?: string; secret?: string } | undefined;
  private readonly restTtl: number;

  constructor(rec: CheckRecorder, ctx: ProbeContext, creds: Negotiation['creds'], restTtl: number) {
    this.rec = rec;
    this.ctx = ctx;
    this.creds = creds;
    this.restTtl = restTtl;
  }

  private send(client: StunClient): Promise<Transaction> {
    const requestTransport = (m: StunRequest) => m.addAttribute(ATTR.requestedTransport, REQUESTED_TRANSPORT_UDP);
    return this.rec.phase('allocate', () => client.transact(authed(TYPES.allocateRequest, this.auth, this.realm, this.nonce, requestTransport), this.ctx.signal));
  }

  /** One server's answers, from the first Allocate to a relay, a refusal or a redirection. */
  async on(client: StunClient): Promise<Step> {
    // After a redirection the credentials already computed go with the request, as libwebrtc sends them.
    let t = await this.send(client);
    for (let attempt = 0; messageClass(t.message.type) === 'error' && attempt < 2; attempt++) {
      const err = errorCode(t.raw);
      if (err?.code === 300) return this.alternate(t, err.reason);
      if (!err || (err.code !== 401 && err.code !== 438)) return { kind: 'failed', ...failure(err?.code ?? 0, err?.reason ?? 'no ERROR-CODE', 'Allocate') };
      this.realm = stringAttr(t.message, ATTR.realm) ?? this.realm;
      this.nonce = stringAttr(t.message, ATTR.nonce) ?? this.nonce;
      if (this.realm === undefined || this.nonce === undefined) return { kind: 'failed', reason: 'stun_bad_response', message: `${err.code} without REALM and NONCE` };
      if (this.auth && err.code === 401) return { kind: 'failed', ...failure(401, err.reason, 'Allocate with credentials') };
      if (!this.creds?.password && !this.creds?.secret) return { kind: 'challenge', realm: this.realm };
      this.auth ??= this.key(t, this.realm, this.nonce);
      t = await this.send(client);
    }
    if (messageClass(t.message.type) === 'error') {
      const err = errorCode(t.raw);
      if (err?.code === 300) return this.alternate(t, err.reason);
      return { kind: 'failed', ...failure(err?.code ?? 0, err?.reason ?? '', 'Allocate') };
    }
    const auth = this.auth;
    if (auth && !(auth.sha256 ? integritySha256Valid(t.raw, auth.key) || integrityValid(t.raw, auth.key) : integrityValid(t.raw, auth.key)))
      return { kind: 'failed', reason: 'stun_bad_response', message: 'Allocate success whose MESSAGE-INTEGRITY does not verify' };
    const relayed = addressAttr(t.message, ATTR.xorRelayedAddress);
    if (!relayed) return { kind: 'failed', reason: 'stun_bad_response', message: 'Allocate success without XOR-RELAYED-ADDRESS' };
    return { kind: 'allocated', allocation: this.allocationOn(client, relayed, addressAttr(t.message, ATTR.xorMappedAddress)) };
  }

  /** The long-term (or REST-API) key for the challenge's realm; SHA-256 when the server offers it. */
  private key(t: Transaction, realm: string, nonce: string): TurnAuth {
    const creds = this.creds!;
    const { username, password } = creds.secret ? restCredentials(creds.secret, creds.username ?? 'vigie', this.restTtl) : { username: creds.username ?? '', password: creds.password! };
    const offered = offeredSha256(t.raw, nonce);
    return offered ? { username, key: longTermKey(username, realm, password, 'sha256'), sha256: { passwordAlgorithms: offered } } : { username, key: longTermKey(username, realm, password) };
  }

  private alternate(t: Transaction, text: string): Step {
    const to = addressAttr(t.message, ATTR.alternateServer);
    // RFC 8489 §10: the 300 carries no integrity a client could check; libwebrtc takes its REALM and NONCE as they are.
    this.realm = stringAttr(t.message, ATTR.realm) ?? this.realm;
    this.nonce = stringAttr(t.message, ATTR.nonce) ?? this.nonce;
    if (!to) return { kind: 'failed', reason: 'turn_redirect_refused', message: `Allocate answered 300 ${text || 'Try Alternate'} without an ALTERNATE-SERVER: nowhere to go` };
    return { kind: 'redirect', to: { address: to.address, port: to.port }, reason: text || 'Try Alternate' };
  }

  private allocationOn(client: StunClient, relayed: { address: string; port: number }, mapped: { address: string; port: number } | undefined): Allocation {
    const request = async (type: number, add: (m: StunRequest) => void, signal: AbortSignal) => {
      let r = await client.transact(authed(type, this.auth, this.realm, this.nonce, add), signal);
      if (messageClass(r.message.type) === 'error' && errorCode(r.raw)?.code === 438) {
        this.nonce = stringAttr(r.message, ATTR.nonce) ?? this.nonce;
        r = await client.transact(authed(type, this.auth, this.realm, this.nonce, add), signal);
      }
      return r;
    };
    return {
      client,
      relayed: { address: relayed.address, port: relayed.port },
      ...(mapped ? { mapped: { address: mapped.address, port: mapped.port } } : {}),
      request,
      release: async (signal) => {
        try {
          const r = await request(TYPES.refreshRequest, (m) => m.addAttribute(ATTR.lifetime, 0), signal);
          return messageClass(r.message.type) === 'success';
        } catch {
          return false;
        }
      },
    };
  }
}

/**
 * Opens the transport and allocates a relay; shared by the turn and relay probes. A 300 Try
 * Alternate is followed as libwebrtc follows it: same transport, realm and nonce of the 300 kept
 * when it has them, never back to an address already tried nor to a loopback address; the server
 * the allocation ends on is observed as `redirected_to`.
 */
export async function allocate(
  rec: CheckRecorder,
  target: CheckTarget,
  transport: StunTransport,
  creds: { username?: string; password?: string; secret?: string } | undefined,
  restTtl: number,
  ctx: ProbeContext,
): Promise<AllocateOutcome> {
  const negotiation = new Negotiation(rec, ctx, creds, restTtl);
  let host = target.host;
  let port = target.port ?? 3478;
  const tried: string[] = [];
  for (let hops = 0; ; hops++) {
    const client = await StunClient.open(rec, host, port, transport, ctx);
    tried.push(`${client.remote.address}:${port}`);
    let step: Step;
    try {
      step = await negotiation.on(client);
    } catch (e) {
      client.close();
      throw e;
    }
    if (step.kind === 'allocated') return step;
    client.close();
    if (step.kind !== 'redirect') return step;
    const from = `${host}:${port}`;
    const refusal = redirectRefusal(step.to, client.remote, transport, tried, hops);
    if (refusal) return { kind: 'failed', reason: 'turn_redirect_refused', message: `${from} answered 300 ${step.reason} to ${step.to.address}:${step.to.port}, which browsers do not follow: ${refusal}` };
    // The same transport to the alternate; over TLS its certificate is then judged against that address, as the browser does.
    host = step.to.address;
    port = step.to.port;
    rec.observe('redirected_to', `${host}:${port}`);
  }
}

export function credentialsFor(target: CheckTarget, ctx: ProbeContext) {
  return ctx.credentials?.[target.host] ?? ctx.credentials?.[target.platform];
}
