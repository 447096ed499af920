// Fetches a document the probe needs from its region (RCP calendars, catalog bundles) with undici,
// through the establishment's proxy when one applies, with conditional GET. undici loads at the
// first fetch: a probe without a region bundle or calendar URL never holds it.
import type { ProxySettings } from '../core/contract.ts';
import { basicAuth, bypassesProxy } from '../../probes/lib/proxy-route.ts';

export interface Fetched {
  status: number;
  text: string;
  etag?: string;
}

/** A region's bundle or calendar may be this large; a server sending more is cut off, not buffered. */
export const MAX_FETCH_BYTES = 5_000_000;

export async function fetchUrl(url: string, proxy: ProxySettings | undefined, opts: { etag?: string; timeoutMs?: number } = {}): Promise<Fetched> {
  const u = new URL(url);
  const via = proxy && !bypassesProxy(u.hostname, proxy.noProxy) ? proxy : undefined;
  const token = via ? basicAuth(via) : undefined;
  const { ProxyAgent, request } = await import('undici');
  const dispatcher = via ? new ProxyAgent({ uri: via.url.href, ...(token ? { token } : {}) }) : undefined;
  try {
    const res = await request(url, {
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
      headers: opts.etag ? { 'if-none-match': opts.etag } : {},
      ...(dispatcher ? { dispatcher } : {}),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_FETCH_BYTES) {
        res.body.destroy();
        throw new Error(`the answer is larger than ${MAX_FETCH_BYTES / 1e6} MB: refused`);
      }
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
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
