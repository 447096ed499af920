// Fetches a document the probe needs from its region (RCP calendars, catalog bundles) with undici,
// through the establishment's proxy when one applies, with conditional GET.
import { ProxyAgent, request } from 'undici';
import type { ProxySettings } from '../core/contract.ts';
import { basicAuth, bypassesProxy } from '../../probes/lib/proxy-route.ts';

export interface Fetched {
  status: number;
  text: string;
  etag?: string;
}

const MAX_BYTES = 5_000_000;

export async function fetchUrl(url: string, proxy: ProxySettings | undefined, opts: { etag?: string; timeoutMs?: number } = {}): Promise<Fetched> {
  const u = new URL(url);
  const via = proxy && !bypassesProxy(u.hostname, proxy.noProxy) ? proxy : undefined;
  const token = via ? basicAuth(via) : undefined;
  const dispatcher = via ? new ProxyAgent({ uri: via.url.href, ...(token ? { token } : {}) }) : undefined;
  try {
    const res = await request(url, {
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
      headers: opts.etag ? { 'if-none-match': opts.etag } : {},
      ...(dispatcher ? { dispatcher } : {}),
    });
    const text = await res.body.text();
    if (text.length > MAX_BYTES) throw new Error(`larger than ${MAX_BYTES} bytes`);
    const etag = res.headers.etag;
    return { status: res.statusCode, text, ...(typeof etag === 'string' ? { etag } : {}) };
  } finally {
    await dispatcher?.close().catch(() => {});
  }
}

/** The body of a 200 answer, or an error naming the status. */
export async function fetchText(url: string, proxy: ProxySettings | undefined): Promise<string> {
  const r = await fetchUrl(url, proxy);
  if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
  return r.text;
}
