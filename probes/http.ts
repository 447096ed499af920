// http: one GET (and its redirects) over the probe's own connections; phases resolve, connect, tls,
// ttfb, transfer. When a proxy applies, https is tunnelled with CONNECT and http sent in absolute
// form to the proxy, so a 407 can be read and named (lib/http-exchange.ts).
import { z } from 'zod';
import type { CheckResult, CheckTarget } from '../runner/core/contract.ts';
import { defineCheck, DIRECT, rowTarget, type RunContext } from '../runner/core/definition.ts';
import { finite } from '../runner/core/kind-metrics.ts';
import { type CheckRecorder, classifyNetworkError } from '../runner/core/recorder.ts';
import { httpExchange } from './lib/http-exchange.ts';
import { proxyFor, proxyRefusalResult, ProxyRefusedError } from './lib/proxy-route.ts';
import { browserSecure, TlsRefused } from './lib/tls/browser-tls.ts';

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
    /** The application reaches this platform without the proxy (« hors proxy »): so does the check. Set by the catalog. */
    direct: z.boolean().default(false).describe('Reach the URL without the proxy, as a "hors proxy" platform\'s application does (set by the catalog).'),
    /** An NTLM-only proxy fails this platform (its document rejects NTLM); otherwise the flow is unproven through it. Set by the catalog. */
    rejects_ntlm_proxy: z.boolean().default(false).describe('An NTLM/Negotiate-only proxy fails this platform (its document says so); otherwise the flow is unproven through such a proxy (set by the catalog).'),
  })
  .strict();

export function statusMatches(status: number, spec: string): boolean {
  return spec.split(',').some((part) => {
    const [lo, hi] = part.trim().split('-').map(Number);
    return hi === undefined ? status === lo : status >= (lo ?? 0) && status <= hi;
  });
}

type Route = 'auto' | 'direct' | 'proxy';

async function run(target: CheckTarget, opts: z.output<typeof options>, ctx: RunContext): Promise<CheckResult> {
  // A « hors proxy » platform is judged on the direct path; when a proxy exists its path is tried
  // at the same time and reported beside (the application might be set up either way).
  const viaProxy = opts.direct && ctx.proxy && proxyFor(new URL(target.url ?? `http://${target.host}/`).hostname, ctx) ? get(ctx.rec.scratch(), target, opts, ctx, 'proxy') : undefined;
  const result = await get(ctx.rec, target, opts, ctx, opts.direct ? 'direct' : 'auto');
  if (viaProxy) {
    const p = await viaProxy;
    ctx.rec.observe('proxy_path', p.status === 'ok' ? 'ok' : `${p.status} ${p.reason}`);
  }
  return result;
}

async function get(rec: CheckRecorder, target: CheckTarget, opts: z.output<typeof options>, ctx: RunContext, route: Route): Promise<CheckResult> {
  let url = new URL(target.url ?? `http://${target.host}:${target.port ?? 80}/`);
  const chain: string[] = [];
  try {
    for (let hop = 0; ; hop++) {
      const proxy = route === 'direct' ? undefined : route === 'proxy' ? ctx.proxy : proxyFor(url.hostname, ctx);
      rec.observe('via_proxy', proxy !== undefined);
      const res = await httpExchange(rec, url, ctx, proxy, { method: 'GET', maxBody: opts.max_body_bytes, secure: browserSecure(ctx, rec) });
      rec.setPhase('ttfb', res.ttfb);
      rec.setPhase('transfer', res.transfer);
      rec.observe('status_code', res.status);
      rec.observe('body_bytes', res.body.length);
      if (res.status === 407 && proxy) throw new ProxyRefusedError(407, res.proxySchemes, proxy.auth !== undefined);
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
    if (e instanceof ProxyRefusedError) return proxyRefusalResult(rec, e, opts.rejects_ntlm_proxy);
    if (e instanceof TlsRefused) return rec.fail(e.reason, e.message);
    const { reason, message } = classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs);
    return rec.fail(reason, message);
  }
}

export const httpProbe = defineCheck({
  description: 'HTTP(S) GET with redirects, phase timings and proxy support.',
  phases: ['resolve', 'connect', 'tls', 'ttfb', 'transfer'],
  options,
  defaults: { timeout: '10s', schedule: '*/2 * * * *' },
  flowClass: 'web',
  planning: {
    scope: 'row',
    transports: ['tcp'],
    urls: true,
    portRanges: false,
    plan: (row) => (row.url ? { target: { ...rowTarget(row, 'tcp'), url: row.url }, options: { ...(row.direct ? { direct: true } : {}), ...(row.rejectsNtlmProxy ? { rejects_ntlm_proxy: true } : {}) } } : undefined),
  },
  metrics: [
    {
      spec: { name: 'probe_http_status_code', type: 'gauge', help: 'Final HTTP status code of the last run (0 when none).' },
      read: (r, emit) => emit(finite(r.observations.status_code) ?? 0),
    },
  ],
  resource: DIRECT,
  run,
});
