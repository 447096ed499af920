// proxy: the configured outbound proxy, asked to CONNECT to a platform host as the browser would.
// Names a proxy that offers only NTLM/Negotiate (Therap-e cannot use one), one that wants
// credentials, and one that denies the flow.
import { z } from 'zod';
import type { CheckResult, CheckTarget } from '../runner/core/contract.ts';
import { defineCheck, DIRECT, type RunContext } from '../runner/core/definition.ts';
import { classifyNetworkError } from '../runner/core/recorder.ts';
import { classifyProxyRefusal, openTunnel, ProxyRefusedError } from './lib/proxy-route.ts';

const options = z
  .object({
    /** host:port the proxy is asked to CONNECT to. Default: the first TLS endpoint of the catalog. */
    connect_to: z
      .string()
      .regex(/^[^\s:]+:\d+$/, 'expected host:port')
      .optional()
      .describe('host:port the proxy is asked to CONNECT to; default: the first TLS endpoint of the catalog.'),
  })
  .strict();

async function run(target: CheckTarget, opts: z.output<typeof options>, ctx: RunContext): Promise<CheckResult> {
  const { rec } = ctx;
  if (!ctx.proxy) return rec.fail('internal_error', 'no proxy configured');
  const [host, port] = (opts.connect_to ?? 'www.sante-ra.fr:443').split(':') as [string, string];
  rec.observe('connect_to', `${host}:${port}`);
  try {
    const tunnel = await openTunnel(rec, ctx.proxy, host, Number(port), ctx);
    tunnel.destroy();
    return rec.ok(`proxy opened a tunnel to ${host}:${port}`);
  } catch (e) {
    if (e instanceof ProxyRefusedError) {
      rec.observe('status_code', e.status);
      rec.observe('proxy_auth_schemes', e.schemes);
      const { reason, message } = classifyProxyRefusal(e);
      return rec.fail(reason, message);
    }
    const c = classifyNetworkError(e, ctx.signal.aborted, ctx.timeoutMs);
    return rec.fail(c.reason === 'internal_error' ? 'proxy_unreachable' : c.reason === 'timeout' ? 'timeout' : 'proxy_unreachable', `proxy ${target.host}:${target.port}: ${c.message}`);
  }
}

export const proxyProbe = defineCheck({
  description: 'The outbound proxy: CONNECT to a platform host, authentication schemes offered.',
  phases: ['resolve', 'connect'],
  options,
  defaults: { timeout: '5s', schedule: '*/15 * * * *' },
  flowClass: 'site',
  planning: {
    scope: 'site',
    plan: (site, o) => {
      if (!site.proxy) return undefined;
      const tls = site.planned.find((c) => c.kind === 'tls')?.target;
      return {
        target: { platform: 'site', host: site.proxy.url.hostname, port: Number(site.proxy.url.port || 80), transport: 'tcp', documentedIps: [], ipsStable: true },
        options: { connect_to: o.connect_to ?? (tls ? `${tls.host}:${tls.port}` : undefined) },
      };
    },
  },
  metrics: [],
  resource: DIRECT,
  run,
});
