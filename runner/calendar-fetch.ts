// Fetches an iCalendar URL with undici, through the establishment's proxy when one applies.
import { ProxyAgent, request } from 'undici';
import { basicAuth, bypassesProxy } from '../probes/proxy-route.ts';
import type { SharedContext } from './context.ts';

export async function fetchCalendar(url: string, shared: Pick<SharedContext, 'proxy'>, timeoutMs = 15_000): Promise<string> {
  const u = new URL(url);
  const proxy = shared.proxy && !bypassesProxy(u.hostname, shared.proxy.noProxy) ? shared.proxy : undefined;
  const token = proxy ? basicAuth(proxy) : undefined;
  const dispatcher = proxy ? new ProxyAgent({ uri: proxy.url.href, ...(token ? { token } : {}) }) : undefined;
  try {
    const res = await request(url, { signal: AbortSignal.timeout(timeoutMs), ...(dispatcher ? { dispatcher } : {}) });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
    if (text.length > 5_000_000) throw new Error('calendar larger than 5 MB');
    return text;
  } finally {
    await dispatcher?.close().catch(() => {});
  }
}
