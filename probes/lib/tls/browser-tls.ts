// How Chrome judges a TLS server, for every check that reaches one (tls, http, TURN over TLS). The
// hello is Chrome's (lib/tls/tls-offer.ts); when the server refuses it, a second hello that accepts
// anything names why (an old version, suites or a key Chrome dropped); when the connection is cut on
// it, a one-packet hello tells a middlebox that breaks on Chrome's large post-quantum hello, and a
// hello naming no server a filter on the name; no answer at all is a handshake timeout. The certificate is then judged as Chrome's verifier does (net/cert/cert_verify_proc_builtin.cc,
// BoringSSL's pki/, checked by the parity matrix against Chromium): the path is built from what the
// server sent, the trusted roots and the issuers its CA issuers URLs (AIA, plain http) give, trusted
// and newer issuers first, every date enforced, the anchor's too; names from the subjectAltName only;
// no SHA-1 or MD5 signature below the anchor; RSA keys of 1024 bits at least; serverAuth in the
// extended key usages; DNS name constraints; the key usage the negotiated handshake needs; a stapled
// "revoked" answer.
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import type tls from 'node:tls';
import type { ProbeContext } from '../../../runner/core/contract.ts';
import { type CheckRecorder, formatMs, rootError } from '../../../runner/core/recorder.ts';
import type { Reason } from '../../../runner/core/reasons.ts';
import type { TlsOffer } from '../../../runner/core/services.ts';
import { httpExchange, type SecureHook } from '../http-exchange.ts';
import { proxyFor } from '../proxy-route.ts';
import { handshake, PROTOCOL_TO_VERSION } from './tls-handshake.ts';
import { staticRsa, unusableKey } from './tls-offer.ts';
import { issued, selfIssued } from './trust.ts';
import { dnsNameConstraints, KEY_USAGE, keyUsageBits, pkcs7Certificates, withinDnsSubtree } from './x509-der.ts';

/** A server's TLS refusal, named: the caller fails the check with it. */
export class TlsRefused extends Error {
  readonly reason: Reason;
  /** What the hello that got through negotiated (version, suite), for the check's observations. */
  readonly seen: { tls_version?: string; cipher?: string; leaf_subject?: string; leaf_sha256?: string };
  constructor(reason: Reason, message: string, seen: TlsRefused['seen'] = {}) {
    super(message);
    this.reason = reason;
    this.seen = seen;
  }
}

export interface TlsVerdict {
  status: 'ok' | 'degraded' | 'failed';
  reason: Reason;
  message: string;
  /** The certification path judged, leaf first. */
  path: X509Certificate[];
  /** How the chain the server sends departs from it (the tls check reports them). */
  defects: string[];
}

const DNS_ERROR = /^(ENOTFOUND|ENODATA|ESERVFAIL|EAI_AGAIN|ETIMEOUT)$/;
/** Errors of the connection itself, not of TLS: a reset, a close (a middlebox may be breaking on the hello). */
const CUT = new Set(['ECONNRESET', 'EPIPE', 'ERR_SSL_UNEXPECTED_EOF_WHILE_READING', 'ECONNABORTED']);

function tlsAlert(e: unknown): string {
  const msg = rootError(e).message ?? String(e);
  return /:((?:tlsv1|sslv3|ssl\/tls) alert [a-z ]+|tlsv1 unrecognized name|[a-z ]+):\.\.\//.exec(msg)?.[1] ?? msg.split('\n')[0]!.slice(0, 160);
}

/**
 * A handshake with Chrome's hello over `socket`. When the server refuses it, or the connection is cut,
 * `reopen` gives a fresh connection for the hello that names why; a TlsRefused is thrown with the
 * reason (a stall: tls_handshake_timeout). Network errors of the first connection are rethrown as they are when the second
 * hello does not tell a TLS cause apart.
 */
export async function browserHandshake(
  socket: net.Socket,
  host: string,
  ctx: ProbeContext,
  alpn: string[],
  reopen: (signal: AbortSignal) => Promise<net.Socket>,
  onStapledOcsp?: (r: Buffer | null) => void,
): Promise<tls.TLSSocket> {
  const t0 = performance.now();
  try {
    return await handshake(socket, host, ctx, alpn, onStapledOcsp, 'browser');
  } catch (first) {
    const code = rootError(first).code ?? '';
    // A stall takes the whole time: no second hello could tell more (a slow server would read as a
    // middlebox breaking on the first one). TCP works and TLS never answers: named as such.
    if (code === 'ABORT_ERR' || ctx.signal.aborted)
      throw new TlsRefused('tls_handshake_timeout', `TCP connects, but no TLS answer came within ${formatMs(performance.now() - t0)}: the server hangs, or its large packets are lost on the way (a path MTU black hole)`);
    if (DNS_ERROR.test(code)) throw first;
    const cut = CUT.has(code) || !code.startsWith('ERR_SSL_');
    if (cut) {
      // Did Chrome's large hello break it? The same offer in one packet tells.
      const small = await tryOffer(reopen, host, ctx, alpn, 'small');
      if (small.socket) {
        small.socket.destroy();
        throw new TlsRefused('tls_hello_rejected', `the connection was cut (${code}) after a ClientHello as large as Chrome's (post-quantum key share, two packets); the same hello in one packet succeeds: a middlebox breaks on current browsers' hellos`);
      }
      // Does the name in the hello decide? A hello naming no server tells a filter on the name (SNI).
      const unnamed = net.isIP(host) ? {} : await tryOffer(reopen, '', ctx, alpn, 'any');
      if (unnamed.socket) {
        unnamed.socket.destroy();
        throw new TlsRefused('tls_sni_filtered', `the connection is cut (${code}) when the hello names ${host}, while a hello naming no server gets an answer: a firewall filters this server name (SNI)`);
      }
      throw first;
    }
    // A TLS refusal: what does the server speak, if not what Chrome offers?
    const any = await tryOffer(reopen, host, ctx, alpn, 'any');
    if (!any.socket) throw refusal(first);
    const s = any.socket;
    const version = s.getProtocol() ?? '';
    const cipher = s.getCipher();
    const leaf = s.getPeerX509Certificate();
    const group = s.getEphemeralKeyInfo() as { name?: string; type?: string };
    s.destroy();
    const seen = { tls_version: PROTOCOL_TO_VERSION[version] ?? version, cipher: cipher.name, ...(leaf ? { leaf_subject: name(leaf), leaf_sha256: leaf.fingerprint256 } : {}) };
    if (version !== 'TLSv1.2' && version !== 'TLSv1.3') throw new TlsRefused('tls_version_too_old', `server negotiated TLS ${seen.tls_version}, at least 1.2 is required (browsers refuse older versions)`, seen);
    const key = leaf ? unusableKey(leaf) : undefined;
    if (key) throw new TlsRefused('tls_cipher_mismatch', `the certificate's key is ${key}, which browsers cannot use (no signature algorithm for it in their hello); Chrome's hello is refused (${tlsAlert(first)})`, seen);
    throw new TlsRefused('tls_cipher_mismatch', `the server accepts only what browsers no longer offer: it negotiates ${cipher.name}${group?.name ? ` with ${group.type} ${group.name}` : ''} (${version}), and Chrome's hello is refused (${tlsAlert(first)})`, seen);
  }
}

async function tryOffer(reopen: (signal: AbortSignal) => Promise<net.Socket>, host: string, ctx: ProbeContext, alpn: string[], offer: TlsOffer): Promise<{ socket?: tls.TLSSocket }> {
  try {
    const socket = await reopen(ctx.signal);
    return { socket: await handshake(socket, host, ctx, alpn, undefined, offer) };
  } catch {
    return {};
  }
}

/** The reason a TLS error stands for when no other hello got through either. */
export function refusal(e: unknown): TlsRefused {
  const code = rootError(e).code ?? '';
  const alert = tlsAlert(e);
  if (code === 'ERR_SSL_TLSV1_UNRECOGNIZED_NAME' || /unrecognized name/.test(alert)) return new TlsRefused('tls_server_name_unknown', `the server refuses the name asked for (unrecognized_name alert): it does not serve this host name`);
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || /wrong version number|packet length too long/.test(alert)) return new TlsRefused('tls_handshake_failed', `the server does not answer in TLS (${alert}): another protocol on this port`);
  if (/certificate required|alert bad certificate|alert handshake failure.*certificate/.test(alert)) return new TlsRefused('tls_client_certificate_required', `the server requires a client certificate (${alert})`);
  return new TlsRefused('tls_handshake_failed', `TLS handshake refused: ${alert}`);
}

// --- the certificate -------------------------------------------------------------------------

/** OpenSSL errors that a path through other issuers (the trust store's, the CA issuers URLs') may resolve. */
const PATH_ERRORS = new Set(['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'SELF_SIGNED_CERT_IN_CHAIN']);
/** SHA-1 and MD5 signatures (RSA, ECDSA, DSA): refused by Chrome below the trust anchor. */
const WEAK_SIGNATURES = new Set(['1.2.840.113549.1.1.4', '1.2.840.113549.1.1.5', '1.2.840.10045.4.1', '1.2.840.10040.4.3', '1.3.14.3.2.29']);
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const ANY_EKU = '2.5.29.37.0';
/** Chrome's limits on AIA fetching (net/cert/internal/cert_issuer_source_aia.cc). */
const AIA_MAX_FETCHES = 5;
const AIA_MAX_BYTES = 65_536;

const name = (c: X509Certificate): string => c.subject.split('\n').join(', ');
const day = (d: Date): string => d.toISOString().slice(0, 10);

interface Problem {
  reason: Reason;
  message: string;
}

/** What is wrong with the dates of a path, naming the certificate (leaf, intermediate or root). */
function dateProblem(path: readonly X509Certificate[], now = new Date()): Problem | undefined {
  for (const [i, c] of path.entries()) {
    const role = i === 0 ? 'the certificate' : i === path.length - 1 && selfIssued(c) ? `the root "${name(c)}"` : `the intermediate "${name(c)}"`;
    if (c.validToDate < now) return { reason: 'tls_expired', message: `${role} expired on ${c.validToDate.toISOString()}` };
    if (c.validFromDate > now) return { reason: 'tls_not_yet_valid', message: `${role} is valid only from ${c.validFromDate.toISOString()}` };
  }
  return undefined;
}

/** What Chrome refuses in a path whose links and dates hold (the order of its cert status precedence). */
function pathRules(path: readonly X509Certificate[], host: string, anchored: boolean): Problem | undefined {
  const leaf = path[0]!;
  const below = anchored ? path.slice(0, -1) : path;
  for (const [i, c] of below.entries()) {
    const eku = c.keyUsage;
    if (eku && !eku.includes(SERVER_AUTH) && !eku.includes(ANY_EKU))
      return { reason: 'tls_certificate_invalid', message: `${i === 0 ? 'the certificate' : `the intermediate "${name(c)}"`} is not for web servers: its extended key usage lacks serverAuth` };
  }
  const names = (leaf.subjectAltName ?? '').split(', ').filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4));
  for (const ca of path.slice(1)) {
    const nc = dnsNameConstraints(ca.raw);
    if (!nc) continue;
    const bad = names.find((n) => (nc.permitted.length && !nc.permitted.some((b) => withinDnsSubtree(n, b))) || nc.excluded.some((b) => withinDnsSubtree(n, b)));
    if (bad) return { reason: 'tls_certificate_invalid', message: `"${bad}" is outside the names the CA "${name(ca)}" may certify (name constraints)` };
  }
  const matches = net.isIP(host) ? leaf.checkIP(host) !== undefined : leaf.checkHost(host, { subject: 'never' }) !== undefined;
  if (!matches) {
    if (!leaf.subjectAltName) return { reason: 'tls_hostname_mismatch', message: `the certificate has no subjectAltName: browsers ignore the name in its subject (${name(leaf)})` };
    return { reason: 'tls_hostname_mismatch', message: `certificate names ${leaf.subjectAltName}, not ${host}` };
  }
  const weak = below.find((c) => WEAK_SIGNATURES.has(c.signatureAlgorithmOid ?? ''));
  if (weak) return { reason: 'tls_weak_signature', message: `${weak === leaf ? 'the certificate' : `the intermediate "${name(weak)}"`} is signed with ${weak.signatureAlgorithm}, which browsers refuse` };
  const small = path.find((c) => c.publicKey.asymmetricKeyType === 'rsa' && (c.publicKey.asymmetricKeyDetails?.modulusLength ?? 2048) < 1024);
  if (small) return { reason: 'tls_weak_key', message: `"${name(small)}" has an RSA key of ${small.publicKey.asymmetricKeyDetails?.modulusLength} bits, below the 1024 browsers accept` };
  return undefined;
}

/** The key usage the negotiated handshake needs from the leaf (BoringSSL enforces it). */
function keyUsageProblem(leaf: X509Certificate, s: tls.TLSSocket): Problem | undefined {
  const bits = keyUsageBits(leaf.raw);
  if (!bits) return undefined;
  const rsaKx = staticRsa(s.getCipher().name, s.getProtocol() ?? '');
  const need = rsaKx ? KEY_USAGE.keyEncipherment : KEY_USAGE.digitalSignature;
  if (bits.has(need)) return undefined;
  const what = rsaKx ? 'keyEncipherment, which RSA key exchange needs' : `digitalSignature, which ${s.getProtocol() === 'TLSv1.3' ? 'TLS 1.3' : 'an ECDHE key exchange'} needs`;
  return { reason: 'tls_certificate_invalid', message: `the certificate's key usage lacks ${what} (browsers refuse the handshake)` };
}

/** The CA issuers URLs of a certificate (plain http only, as Chrome fetches them). */
function caIssuerUrls(c: X509Certificate): string[] {
  return [...(c.infoAccess ?? '').matchAll(/CA Issuers - URI:(\S+)/g)].map((m) => m[1]!).filter((u) => u.startsWith('http://'));
}

/** Certificates in an AIA answer: DER, PKCS#7 certs-only, or PEM, as Chrome accepts them. */
function parseIssuers(body: Buffer): X509Certificate[] {
  try {
    return [new X509Certificate(body)];
  } catch {
    const inCms = pkcs7Certificates(body);
    if (inCms.length) return inCms.map((der) => new X509Certificate(der));
    throw new Error('the answer is not a certificate (DER, PKCS#7 or PEM)');
  }
}

/** Fetched at every check that needs it, never cached: a reused answer would not prove the CA issuers URL reachable now. */
async function fetchIssuers(url: string, ctx: ProbeContext, rec: CheckRecorder): Promise<X509Certificate[]> {
  const u = new URL(url);
  const answer = await httpExchange(rec.scratch(), u, ctx, proxyFor(u.hostname, ctx), { method: 'GET', maxBody: AIA_MAX_BYTES });
  if (answer.status !== 200) throw new Error(`answered HTTP ${answer.status}`);
  return parseIssuers(answer.body);
}

interface Built {
  /** A valid path to a trusted root, when one exists. */
  path?: X509Certificate[];
  /** The best invalid path's problem (a complete path with a bad date beats no path at all). */
  problem?: Problem;
  /** The issuers fetched, with their URLs; and the fetches that failed. */
  fetched: { url: string; cert: X509Certificate }[];
  failures: { url: string; error: string }[];
  /** The certificate the search could not go above, when no path reached a root. */
  stuckAt?: X509Certificate;
}

/**
 * Chrome's path building: depth first from the leaf, trusted roots before sent or fetched issuers,
 * newer ones first; a certificate's CA issuers URLs are fetched when nothing else issued it; a
 * complete path must hold every date, its anchor's included.
 */
async function buildPath(leaf: X509Certificate, sent: readonly X509Certificate[], ctx: ProbeContext, rec: CheckRecorder): Promise<Built> {
  const out: Built = { fetched: [], failures: [] };
  const pool = [...sent];
  const fetchedFor = new Set<string>();
  let fetches = 0;
  const walk = async (path: X509Certificate[]): Promise<X509Certificate[] | undefined> => {
    const cur = path.at(-1)!;
    if (ctx.trust.isAnchor(cur)) {
      const p = dateProblem(path);
      if (!p) return path;
      out.problem ??= p;
      return undefined;
    }
    if (path.length > 8) return undefined;
    const onPath = (c: X509Certificate) => path.some((x) => x.fingerprint256 === c.fingerprint256);
    const candidates = () => {
      const anchors = ctx.trust.anchorsFor(cur).filter((c) => !onPath(c));
      const others = pool.filter((c) => !onPath(c) && c.fingerprint256 !== cur.fingerprint256 && c.ca && issued(cur, c)).sort((a, b) => b.validFromDate.getTime() - a.validFromDate.getTime());
      return [...anchors, ...others.filter((o) => !anchors.some((a) => a.fingerprint256 === o.fingerprint256))];
    };
    let next = candidates();
    const tryAll = async (list: X509Certificate[]) => {
      for (const c of list) {
        const found = await walk([...path, c]);
        if (found) return found;
      }
      return undefined;
    };
    const found = await tryAll(next);
    if (found) return found;
    // Nothing sent or trusted leads to a root: ask this certificate's CA issuers URLs, as Chrome does.
    if (!fetchedFor.has(cur.fingerprint256)) {
      fetchedFor.add(cur.fingerprint256);
      for (const url of caIssuerUrls(cur)) {
        if (fetches >= AIA_MAX_FETCHES) break;
        fetches++;
        try {
          for (const cert of await fetchIssuers(url, ctx, rec)) {
            if (!pool.some((c) => c.fingerprint256 === cert.fingerprint256)) {
              pool.push(cert);
              out.fetched.push({ url, cert });
            }
          }
        } catch (e) {
          const err = rootError(e);
          out.failures.push({ url, error: err.code ? `${err.code}${err.message ? ` ${err.message}` : ''}` : (err.message ?? String(e)) });
        }
      }
      const fresh = candidates().filter((c) => !next.some((n) => n.fingerprint256 === c.fingerprint256));
      next = [...next, ...fresh];
      const viaFetched = await tryAll(fresh);
      if (viaFetched) return viaFetched;
    }
    if (!next.length && !out.stuckAt) out.stuckAt = cur;
    return undefined;
  };
  const path = await walk([leaf]);
  if (path) out.path = path;
  return out;
}

function usedFetched(path: readonly X509Certificate[], built: Built): { url: string; cert: X509Certificate }[] {
  return built.fetched.filter((f) => path.some((c) => c.fingerprint256 === f.cert.fingerprint256));
}

/** Why no path reached a trusted root: a missing intermediate the server should send, or an untrusted root. */
function noPath(leaf: X509Certificate, built: Built, authError: string): Problem {
  if (built.problem) return built.problem;
  const stuck = built.stuckAt ?? leaf;
  const fetchNote = built.failures.length ? `its CA issuers URL ${built.failures.map((f) => `${f.url} does not answer (${f.error})`).join(', ')}` : caIssuerUrls(stuck).length ? 'its CA issuers URL gives no usable issuer' : 'it names no CA issuers URL';
  if (selfIssued(stuck)) return { reason: 'tls_untrusted', message: `${authError}: the chain ends at "${name(stuck)}", a root this machine does not trust` };
  // A leaf naming where its issuer is (AIA: public CAs do) lacks an intermediate; one naming nothing
  // may as well come from a root this machine does not have (an inspecting middlebox mints such leaves).
  if (stuck === leaf && caIssuerUrls(leaf).length) return { reason: 'tls_chain_incomplete', message: `the server does not send the intermediate "${leaf.issuer.split('\n').join(', ')}" that issued its certificate, and ${fetchNote}` };
  if (stuck === leaf) return { reason: 'tls_untrusted', message: `${authError}: the certificate is issued by "${leaf.issuer.split('\n').join(', ')}", which the server does not send and this machine does not trust (a missing intermediate without a CA issuers URL, or an unknown root: an inspecting middlebox?)` };
  return { reason: 'tls_untrusted', message: `${authError}: chain issued by "${stuck.issuer.split('\n').join(', ')}", which is not trusted here (${fetchNote})` };
}

/**
 * Chrome's verdict on the certificate of a completed handshake (`staple`: the OCSP answer the
 * server stapled). Degraded: the path needed the CA issuers URL (the server should send its chain),
 * or the chain sent is messy; failed: what Chrome refuses, named.
 */
export async function judgeCertificate(s: tls.TLSSocket, host: string, ctx: ProbeContext, rec: CheckRecorder, staple?: Buffer | null): Promise<TlsVerdict> {
  const peer = ctx.trust.peerChain(s);
  const leaf = peer.sent[0];
  const authError = s.authorizationError ? String(s.authorizationError) : undefined;
  const verdict = (status: TlsVerdict['status'], p: Problem, path = peer.path, defects = peer.defects): TlsVerdict => ({ status, reason: p.reason, message: p.message, path, defects });
  if (!leaf) return verdict('failed', { reason: 'tls_handshake_failed', message: 'server sent no certificate' });
  let path = peer.path;
  let completed: string | undefined;
  if (authError && authError !== 'ERR_TLS_CERT_ALTNAME_INVALID') {
    if (!PATH_ERRORS.has(authError)) return verdict('failed', openSslProblem(authError, peer.path, host));
    const built = await buildPath(leaf, peer.sent, ctx, rec);
    if (!built.path) return verdict('failed', noPath(leaf, built, authError));
    path = built.path;
    const fetched = usedFetched(path, built);
    completed = fetched.length
      ? `the chain the server sends does not verify alone (${authError}); browsers complete it with ${fetched.map((f) => `"${name(f.cert)}" from its CA issuers URL ${f.url}`).join(', ')}: send that intermediate in the chain`
      : undefined;
  }
  const anchored = ctx.trust.isAnchor(path.at(-1)!);
  const problem = dateProblem(path) ?? pathRules(path, host, anchored) ?? keyUsageProblem(leaf, s) ?? (staple?.length ? await stapledRevocation(staple, path) : undefined);
  if (problem) return verdict('failed', problem, path);
  if (completed) return verdict('degraded', { reason: 'tls_chain_incomplete', message: completed }, path, [...peer.defects.filter((d) => !/not on the path/.test(d)), 'intermediate not sent']);
  return { status: 'ok', reason: 'ok', message: '', path, defects: peer.defects };
}

/** OpenSSL's other verification errors, in Chrome's words. */
function openSslProblem(code: string, path: readonly X509Certificate[], host: string): Problem {
  if (code === 'INVALID_PURPOSE') return { reason: 'tls_certificate_invalid', message: 'the certificate is not for web servers: its extended key usage lacks serverAuth' };
  if (code === 'PERMITTED_VIOLATION' || code === 'EXCLUDED_VIOLATION' || code === 'UNSPECIFIED') {
    const p = pathRules(path, host, true);
    if (p) return p;
  }
  if (code === 'CERT_SIGNATURE_FAILURE') return { reason: 'tls_certificate_invalid', message: 'a certificate of the chain has a signature that does not verify' };
  if (code === 'DEPTH_ZERO_SELF_SIGNED_CERT') return { reason: 'tls_untrusted', message: `${code}: the certificate is self-signed ("${path[0] ? name(path[0]) : '?'}")` };
  return { reason: 'tls_untrusted', message: `${code}: chain issued by "${path[0]?.issuer.split('\n').join(', ') ?? '?'}" is not trusted` };
}

/** A stapled OCSP answer that says "revoked" for the leaf, verified against its issuer (pkijs, loaded only then). */
async function stapledRevocation(staple: Buffer, path: readonly X509Certificate[]): Promise<Problem | undefined> {
  const [leaf, issuer] = path;
  if (!leaf || !issuer) return undefined;
  const { stapledStatus } = await import('./stapled-ocsp.ts');
  const st = stapledStatus(staple, leaf.raw, issuer.raw);
  if (st?.status !== 'revoked') return undefined;
  return { reason: 'tls_revoked', message: `the server staples an OCSP answer that says its certificate is revoked${st.revokedAt ? ` since ${day(st.revokedAt)}` : ''}${st.reason ? ` (${st.reason})` : ''}` };
}

/** The http check's TLS: Chrome's hello and Chrome's verdict; what Chrome refuses fails the exchange. */
export function browserSecure(ctx: ProbeContext, rec: CheckRecorder): SecureHook {
  return async (socket, host, reopen) => {
    let staple: Buffer | null = null;
    const s = await browserHandshake(socket, host, ctx, ['http/1.1'], reopen, (r) => (staple = r));
    const v = await judgeCertificate(s, host, ctx, rec, staple);
    if (v.status === 'failed') {
      s.destroy();
      throw new TlsRefused(v.reason, v.message);
    }
    return s;
  };
}
