// One HTTP/1.1 exchange over the probe's own connection: the probe opens and times the socket
// (resolve, connect, a CONNECT tunnel through the proxy for https, a verified TLS handshake), then
// node:http speaks HTTP on it (absolute form to the proxy for http, so a 407 can be read and named).
// Used by the http, ocsp and clock probes.
// node:http rather than undici: the socket is ours, so only the HTTP codec is needed, and Node's is
// the native llhttp already in the binary. undici would stay resident in a probe that idles between
// checks: 14 MiB once loaded (it loads node:http2 eagerly) and 9 MiB more for its llhttp
// WebAssembly at the first request, a quarter of the idle probe.
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { http } from '../../runner/core/node-http.ts';
import type { ProbeContext, ProxySettings } from '../../runner/core/contract.ts';
import type { CheckRecorder } from '../../runner/core/recorder.ts';
import { resolveAndConnect } from './connect.ts';
import { authSchemes, basicAuth, openTunnel } from './proxy-route.ts';
import { handshake } from './tls/tls-handshake.ts';

const REQUEST_HEADERS = { 'user-agent': 'vigie-probe/0.1 (+synthetic monitoring)', accept: '*/*' };

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST';
  /** Path and query; the URL's by default. */
  path?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Bytes of body read at most; the rest is discarded with the connection. */
  maxBody: number;
  /**
   * How an https connection is secured and judged (the http check judges the server as Chrome does,
   * lib/tls/browser-tls.ts); by default a handshake OpenSSL verifies. `reopen` gives a fresh connection
   * to the same place (through the same proxy), to name why a hello failed.
   */
  secure?: SecureHook;
}

export type SecureHook = (socket: net.Socket, host: string, reopen: (signal: AbortSignal) => Promise<net.Socket>) => Promise<net.Socket>;

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** Proxy-Authenticate schemes of a proxy's own answer (forward proxying only). */
  proxySchemes: string[];
  body: Buffer;
  /** Wall-clock times (ms) the request was sent and its answer's headers arrived. */
  sentAt: number;
  headersAt: number;
  /** Request sent to headers received, and the body's reading, in seconds. */
  ttfb: number;
  transfer: number;
}

/**
 * Opens a connection to `url` (through `proxy` when given), timing its legs into `rec`, and makes
 * one request on it. The connection is closed once the answer is read.
 */
export async function httpExchange(rec: CheckRecorder, url: URL, ctx: ProbeContext, proxy: ProxySettings | undefined, req: HttpRequest): Promise<HttpAnswer> {
  const https = url.protocol === 'https:';
  const forward = proxy !== undefined && !https;
  const socket = await open(rec, url, ctx, proxy, req.secure);
  const path = req.path ?? `${url.pathname}${url.search}`;
  const headers: Record<string, string> = { host: url.host, ...REQUEST_HEADERS, ...req.headers };
  const auth = forward ? basicAuth(proxy) : undefined;
  if (auth) headers['proxy-authorization'] = auth;
  // A length, not chunks: OpenSSL's OCSP responder, for one, reads no chunked body.
  if (req.body) headers['content-length'] = String(req.body.length);
  try {
    return await new Promise<HttpAnswer>((resolve, reject) => {
      const sentAt = Date.now();
      const t0 = performance.now();
      const request = http.request({
        createConnection: () => socket,
        method: req.method,
        path: forward ? new URL(path, url).href : path,
        headers,
        setHost: false,
        signal: ctx.signal,
      });
      // Not once: the socket's end after an answer may still raise one, and the promise is settled.
      request.on('error', reject);
      request.once('response', (res) => {
        res.on('error', () => {});
        const headersAt = Date.now();
        const t1 = performance.now();
        readBody(res, req.maxBody).then((body) => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            proxySchemes: forward ? authSchemes(res.rawHeaders) : [],
            body,
            sentAt,
            headersAt,
            ttfb: (t1 - t0) / 1000,
            transfer: (performance.now() - t1) / 1000,
          });
        }, reject);
      });
      request.end(req.body);
    });
  } finally {
    // The exchange is over (answered, failed or aborted). destroy() without an error makes no
    // error object, whose stack trace would cost a tenth of a check's CPU.
    socket.destroy();
  }
}

async function open(rec: CheckRecorder, url: URL, ctx: ProbeContext, proxy: ProxySettings | undefined, secure: SecureHook | undefined): Promise<net.Socket> {
  const https = url.protocol === 'https:';
  const port = Number(url.port || (https ? 443 : 80));
  const hop = proxy ? { host: proxy.url.hostname, port: Number(proxy.url.port || 80) } : { host: url.hostname, port };
  const connect = async (r: CheckRecorder, c: ProbeContext) => (proxy && https ? openTunnel(r, proxy, url.hostname, port, c) : (await resolveAndConnect(r, hop.host, hop.port, c)).socket);
  const socket = await connect(rec, ctx);
  if (!https) return socket;
  // A second connection only names why a hello failed: not this exchange's phases.
  const reopen = (signal: AbortSignal) => connect(rec.scratch(), { ...ctx, signal });
  return rec.phase('tls', () => (secure ? secure(socket, url.hostname, reopen) : verifiedHandshake(socket, url.hostname, ctx)));
}

/** Reads up to `maxBytes`; an error after the headers (the check's timeout) rejects. */
async function readBody(res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    if (size >= maxBytes) break;
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return Buffer.concat(chunks).subarray(0, maxBytes);
}

/** Like the browser: the handshake must validate, else the error names the TLS reason. */
async function verifiedHandshake(socket: net.Socket, host: string, ctx: ProbeContext): Promise<net.Socket> {
  const s = await handshake(socket, host, ctx, ['http/1.1']);
  if (!s.authorized) {
    s.destroy();
    throw Object.assign(new Error(`certificate not accepted: ${String(s.authorizationError)}`), { code: 'TLS_UNTRUSTED', tlsCode: String(s.authorizationError) });
  }
  return s;
}
