// http: one GET (and its redirects) with undici; phases resolve, connect, tls, ttfb, transfer.
// A custom connector times each leg and, when a proxy applies, tunnels https with CONNECT or
// sends http in absolute form to the proxy, so a 407 can be read and named.
import { performance } from 'node:perf_hooks';
import type net from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { z } from 'zod';
import type { CheckResult, CheckTarget, ProbeContext, ProbeDefinition, ProxySettings } from '../runner/core/contract.ts';
import { resolveAndConnect } from './lib/connect.ts';
import { basicAuth, classifyProxyRefusal, openTunnel, proxyFor, ProxyRefusedError, authSchemes } from './lib/proxy-route.ts';
import { CheckRecorder, classifyNetworkError } from '../runner/core/recorder.ts';
import { authErrorReason, handshake } from './tls.ts';

const statusRange = z
  .string()
  .regex(/^\d{3}(-\d{3})?(,\s*\d{3}(-\d{3})?)*$/, 'expected status codes such as "200-399" or "200,301,302"');

const options = z
  .object({
    /** Acceptable final status codes. Default "200-499": any answer of the real server proves the flow. */
    expect_status: statusRange.default('200-499').describe('Acceptable final HTTP status codes, e.g. "200-399" or "200,401".'),
    /** Redirects followed. Default 5. */
    max_redirects: z.number().int().min(0).max(20).default(5).describe('Redirects followed before giving up.'),
    /** Bytes of body read at most; the rest is discarded. Default 262144. */
    max_body_bytes: z.number().int().min(0).default(262_144).describe('Bytes of body read at most.'),
  })
  .strict();

export function statusMatches(status: number, spec: string): boolean {
  return spec.split(',').some((part) => {
    const [lo, hi] = part.trim().split('-').map(Number);
    return hi === undefined ? status === lo : status >= (lo ?? 0) && status <= hi;
  });
}

const REQUEST_HEADERS = { 'user-agent': 'vigie-probe/0.1 (+synthetic monitoring)', accept: '*/*' };

/**
 * An undici Agent whose connector times resolve, connect and tls into `rec`, resolves through the
 * probe's resolver, and routes through `proxy` (CONNECT for https, absolute form for http).
 */
export function probeAgent(rec: CheckRecorder, url: URL, ctx: ProbeContext, proxy: ProxySettings | undefined): Agent {
  const https = url.protocol === 'https:';
  const port = Number(url.port || (https ? 443 : 80));
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
        .then((socket) => (https ? rec.phase('tls', () => verifiedHandshake(socket, url.hostname, ctx.signal)) : socket))
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

async function fetchOnce(
  rec: CheckRecorder,
  url: URL,
  ctx: ProbeContext,
  proxy: ProxySettings | undefined,
  maxBody: number,
): Promise<{ status: number; headers: Dispatcher.ResponseData['headers']; rawProxySchemes: string[]; bytes: number }> {
  const forward = proxy !== undefined && url.protocol !== 'https:';
  const agent = probeAgent(rec, url, ctx, proxy);
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
async function verifiedHandshake(socket: net.Socket, host: string, signal: AbortSignal): Promise<net.Socket> {
  const s = await handshake(socket, host, signal, ['http/1.1']);
  if (!s.authorized) {
    s.destroy();
    throw Object.assign(new Error(`certificate not accepted: ${String(s.authorizationError)}`), { code: 'TLS_UNTRUSTED', tlsCode: String(s.authorizationError) });
  }
  return s;
}

async function run(target: CheckTarget, opts: z.output<typeof options>, ctx: ProbeContext): Promise<CheckResult> {
  const rec = new CheckRecorder(target, 'http', ['resolve', 'connect', 'tls', 'ttfb', 'transfer']);
  let url = new URL(target.url ?? `http://${target.host}:${target.port ?? 80}/`);
  const chain: string[] = [];
  try {
    for (let hop = 0; ; hop++) {
      const proxy = proxyFor(url.hostname, ctx);
      rec.observe('via_proxy', proxy !== undefined);
      const res = await fetchOnce(rec, url, ctx, proxy, opts.max_body_bytes);
      rec.observe('status_code', res.status);
      rec.observe('body_bytes', res.bytes);
      if (res.status === 407 && proxy) throw new ProxyRefusedError(407, res.rawProxySchemes, proxy.auth !== undefined);
      const location = res.headers.location;
      if (res.status >= 300 && res.status < 400 && typeof location === 'string' && hop < opts.max_redirects) {
        url = new URL(location, url);
        chain.push(url.href);
        rec.observe('redirects', chain);
        continue;
      }
      rec.observe('final_url', url.href);
      if (!statusMatches(res.status, opts.expect_status))
        return rec.fail('http_status', `HTTP ${res.status} from ${url.host}, expected ${opts.expect_status}`);
      return rec.ok(`HTTP ${res.status}`);
    }
  } catch (e) {
    if (e instanceof ProxyRefusedError) {
      const { reason, message } = classifyProxyRefusal(e);
      rec.observe('proxy_auth_schemes', e.schemes);
      return rec.fail(reason, message);
    }
    const tlsCode = (e as { tlsCode?: string }).tlsCode;
    if (tlsCode) {
      return rec.fail(authErrorReason(tlsCode), (e as Error).message);
    }
    const { reason, message } = classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs);
    if (reason === 'internal_error' && (e as { code?: string }).code?.startsWith('UND_ERR')) return rec.fail('http_error', message);
    return rec.fail(reason, message);
  }
}

export const httpProbe = {
  description: 'HTTP(S) GET with redirects, phase timings and proxy support.',
  scope: 'row',
  phases: ['resolve', 'connect', 'tls', 'ttfb', 'transfer'],
  options,
  defaults: { timeout: '10s', schedule: '*/2 * * * *' },
  run,
} satisfies ProbeDefinition<typeof options>;
