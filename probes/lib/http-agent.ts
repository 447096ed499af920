// HTTP over the probe's own connections: an undici Agent whose connector times resolve, connect
// and tls, resolves through the probe's resolver and routes through the proxy (CONNECT for https,
// absolute form for http, so a 407 can be read and named). Used by the http, ocsp and clock probes.
// undici loads at the first request: a probe whose HTTP checks never run does not hold it.
import { performance } from 'node:perf_hooks';
import type net from 'node:net';
import type { Agent, Dispatcher } from 'undici';
import type { ProbeContext, ProxySettings } from '../../runner/core/contract.ts';
import type { CheckRecorder } from '../../runner/core/recorder.ts';
import { resolveAndConnect } from './connect.ts';
import { authSchemes, basicAuth, openTunnel } from './proxy-route.ts';
import { handshake } from './tls-handshake.ts';

const REQUEST_HEADERS = { 'user-agent': 'vigie-probe/0.1 (+synthetic monitoring)', accept: '*/*' };

/**
 * An undici Agent whose connector times resolve, connect and tls into `rec`, resolves through the
 * probe's resolver, and routes through `proxy` (CONNECT for https, absolute form for http).
 */
export async function probeAgent(rec: CheckRecorder, url: URL, ctx: ProbeContext, proxy: ProxySettings | undefined): Promise<Agent> {
  const https = url.protocol === 'https:';
  const port = Number(url.port || (https ? 443 : 80));
  const { Agent } = await import('undici');
  return new Agent({
    connections: 1,
    pipelining: 1,
    connect: (_opts, cb) => {
      const open = async (): Promise<net.Socket> => {
        if (proxy && https) return openTunnel(rec, proxy, url.hostname, port, ctx);
        if (proxy) return (await resolveAndConnect(rec, proxy.url.hostname, Number(proxy.url.port || 80), ctx)).socket;
        return (await resolveAndConnect(rec, url.hostname, port, ctx)).socket;
      };
      open()
        .then((socket) => (https ? rec.phase('tls', () => verifiedHandshake(socket, url.hostname, ctx)) : socket))
        .then((s) => cb(null, s), (e: Error) => cb(e, null));
    },
  });
}

/**
 * Reads a response body up to `maxBytes` and discards the rest. An abort after the headers (the
 * check's timeout) would otherwise surface as an unhandled stream error.
 */
export async function readBody(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<Buffer> {
  body.on('error', () => {});
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= maxBytes) break;
  }
  body.destroy();
  return Buffer.concat(chunks);
}

export async function fetchOnce(
  rec: CheckRecorder,
  url: URL,
  ctx: ProbeContext,
  proxy: ProxySettings | undefined,
  maxBody: number,
): Promise<{ status: number; headers: Dispatcher.ResponseData['headers']; rawProxySchemes: string[]; bytes: number }> {
  const forward = proxy !== undefined && url.protocol !== 'https:';
  const agent = await probeAgent(rec, url, ctx, proxy);
  try {
    const before = performance.now();
    const connectBefore = (rec.phases.resolve ?? 0) + (rec.phases.connect ?? 0) + (rec.phases.tls ?? 0);
    const headers: Record<string, string> = { ...REQUEST_HEADERS };
    const auth = forward ? basicAuth(proxy) : undefined;
    if (auth) headers['proxy-authorization'] = auth;
    const res = await agent.request({
      origin: url.origin,
      path: forward ? url.href : `${url.pathname}${url.search}`,
      method: 'GET',
      headers,
      signal: ctx.signal,
    });
    const connectAfter = (rec.phases.resolve ?? 0) + (rec.phases.connect ?? 0) + (rec.phases.tls ?? 0);
    rec.setPhase('ttfb', Math.max(0, (performance.now() - before) / 1000 - (connectAfter - connectBefore)));
    const t1 = performance.now();
    const bytes = (await readBody(res.body, maxBody)).length;
    rec.setPhase('transfer', (performance.now() - t1) / 1000);
    const raw: string[] = [];
    for (const [k, v] of Object.entries(res.headers)) for (const x of Array.isArray(v) ? v : [v ?? '']) raw.push(k, x);
    return { status: res.statusCode, headers: res.headers, rawProxySchemes: forward ? authSchemes(raw) : [], bytes };
  } finally {
    // The request is over (answered, failed or aborted): close() ends the socket without the
    // error object (and its stack trace) that destroy() makes, a tenth of a check's CPU.
    agent.close().catch(() => {});
  }
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
