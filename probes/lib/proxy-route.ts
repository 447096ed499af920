// Outbound proxy handling shared by the http and proxy probes: NO_PROXY matching, the CONNECT
// tunnel (through node:http, which hands back the proxy's status and headers on any answer), and
// the reading of a 407: a proxy offering only NTLM/Negotiate is what Therap-e cannot cross.
import type net from 'node:net';
import { http } from '../../runner/core/node-http.ts';
import type { ProbeContext, ProxySettings } from '../../runner/core/contract.ts';
import { resolveAndConnect } from './connect.ts';
import type { CheckResult } from '../../runner/core/contract.ts';
import type { CheckRecorder } from '../../runner/core/recorder.ts';
import type { Reason } from '../../runner/core/reasons.ts';

export function bypassesProxy(host: string, noProxy: readonly string[]): boolean {
  const h = host.toLowerCase();
  return noProxy.some((raw) => {
    const entry = raw.trim().toLowerCase().replace(/:\d+$/, '');
    if (!entry) return false;
    if (entry === '*') return true;
    const bare = entry.replace(/^\*?\./, '');
    return h === bare || h.endsWith(`.${bare}`);
  });
}

export function proxyFor(host: string, ctx: ProbeContext): ProxySettings | undefined {
  return ctx.proxy && !bypassesProxy(host, ctx.proxy.noProxy) ? ctx.proxy : undefined;
}

export function basicAuth(proxy: ProxySettings): string | undefined {
  return proxy.auth ? `Basic ${Buffer.from(`${proxy.auth.username}:${proxy.auth.password}`).toString('base64')}` : undefined;
}

/** Authentication schemes named by the Proxy-Authenticate headers of a raw header list. */
export function authSchemes(rawHeaders: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() !== 'proxy-authenticate') continue;
    const scheme = rawHeaders[i + 1]?.trim().split(/[\s,]/)[0];
    if (scheme) out.push(scheme.toLowerCase());
  }
  return [...new Set(out)];
}

export class ProxyRefusedError extends Error {
  readonly status: number;
  readonly schemes: string[];
  readonly sentCredentials: boolean;
  constructor(status: number, schemes: string[], sentCredentials: boolean) {
    super(`proxy answered ${status}${schemes.length ? ` offering ${schemes.join(', ')}` : ''}`);
    this.name = 'ProxyRefusedError';
    this.status = status;
    this.schemes = schemes;
    this.sentCredentials = sentCredentials;
  }
}

const WINDOWS_ONLY = new Set(['ntlm', 'negotiate', 'kerberos']);

export function classifyProxyRefusal(e: ProxyRefusedError): { reason: Reason; message: string } {
  if (e.status === 407) {
    if (e.schemes.length && e.schemes.every((s) => WINDOWS_ONLY.has(s)))
      return { reason: 'proxy_ntlm_only', message: `proxy requires ${e.schemes.join('/')} authentication only` };
    return {
      reason: 'proxy_auth_required',
      message: e.sentCredentials ? 'proxy rejected the configured credentials' : `proxy requires authentication (${e.schemes.join(', ') || 'no scheme named'})`,
    };
  }
  return { reason: 'proxy_denied', message: e.message };
}

/**
 * A TCP connection to host:port the way a browser of the establishment makes it: through the proxy
 * when one applies to the host (a CONNECT tunnel), directly otherwise or when `direct` (a « hors
 * proxy » platform). Phases resolve and connect cover the first leg.
 */
export async function connectLikeBrowser(rec: CheckRecorder, host: string, port: number, ctx: ProbeContext, direct = false): Promise<net.Socket> {
  const proxy = direct ? undefined : proxyFor(host, ctx);
  rec.observe('via_proxy', proxy !== undefined);
  return proxy ? openTunnel(rec, proxy, host, port, ctx) : (await resolveAndConnect(rec, host, port, ctx)).socket;
}

/**
 * The result of a proxy's refusal. The probe speaks no NTLM: for a platform whose clients do (Covotem
 * asks for the NTLM domain) an NTLM-only proxy leaves the flow unproven, not failed.
 */
export function proxyRefusalResult(rec: CheckRecorder, e: ProxyRefusedError, rejectsNtlmProxy: boolean): CheckResult {
  const { reason, message } = classifyProxyRefusal(e);
  rec.observe('proxy_auth_schemes', e.schemes);
  if (reason === 'proxy_ntlm_only' && !rejectsNtlmProxy) return rec.finish('unproven', 'proxy_ntlm_unverified', `${message}: the probe cannot authenticate, and this platform's clients support NTLM`);
  return rec.fail(reason, message);
}

/** Opens a CONNECT tunnel to host:port through the proxy; phases resolve and connect cover the proxy leg. */
export async function openTunnel(rec: CheckRecorder, proxy: ProxySettings, host: string, port: number, ctx: ProbeContext): Promise<net.Socket> {
  const proxyPort = Number(proxy.url.port || (proxy.url.protocol === 'https:' ? 443 : 80));
  const { socket } = await resolveAndConnect(rec, proxy.url.hostname, proxyPort, ctx);
  const auth = basicAuth(proxy);
  return rec.phase('connect', () => connectThrough(socket, `${host.includes(':') ? `[${host}]` : host}:${port}`, auth, ctx.signal));
}

function connectThrough(socket: net.Socket, authority: string, auth: string | undefined, signal: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...(auth ? { 'proxy-authorization': auth } : {}) },
      createConnection: () => socket,
    });
    const onAbort = (): void => {
      req.destroy();
      socket.destroy();
      reject(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    req.once('connect', (res, tunnel) => {
      signal.removeEventListener('abort', onAbort);
      if (res.statusCode === 200) return resolve(tunnel);
      tunnel.destroy();
      reject(new ProxyRefusedError(res.statusCode ?? 0, authSchemes(res.rawHeaders), auth !== undefined));
    });
    req.once('error', (e) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(e);
    });
    req.end();
  });
}
