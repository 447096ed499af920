// The probe's HTTP server: /metrics, /healthz, /readyz, /api/results and the status page.
// Needs no inbound port from outside the establishment; unref()ed so it never holds the process.
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { http } from '../core/node-http.ts';
import { flowStatuses } from '../engine/flow-evidence.ts';
import type { ResultsStore } from '../engine/results-store.ts';
import { type Lang, langOf } from './i18n.ts';
import { renderStatusPage, type StatusSnapshot } from './status-page.ts';

export interface ServerDeps {
  /** Serves /metrics (the current registry: a new plan brings a new one). */
  metrics: (req: IncomingMessage, res: ServerResponse) => void;
  store: ResultsStore;
  snapshot: () => Omit<StatusSnapshot, 'latest' | 'lang'> & { lang: Lang };
  ready: () => boolean;
  basicAuth?: { username: string; password: string };
}

function authorized(header: string | undefined, auth: { username: string; password: string }): boolean {
  const expected = Buffer.from(`Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`);
  const got = Buffer.from(header ?? '');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(listen);
  return { host: m?.[1] ?? m?.[2] ?? '0.0.0.0', port: Number(m?.[3] ?? 9464) };
}

export function startServer(listen: string, deps: ServerDeps): Promise<Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://probe');
    try {
      if (url.pathname === '/metrics') return deps.metrics(req, res);
      if (url.pathname === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      if (url.pathname === '/readyz') {
        const ok = deps.ready();
        return void res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'first cycle not finished\n');
      }
      if (deps.basicAuth && !authorized(req.headers.authorization, deps.basicAuth))
        return void res.writeHead(401, { 'www-authenticate': 'Basic realm="vigie", charset="UTF-8"' }).end();
      const snap = deps.snapshot();
      if (url.pathname === '/api/results') {
        const results = [...deps.store.all().values()].map((l) => l.result);
        const flows = flowStatuses(snap.plan, deps.store.all(), Date.now() / 1000, snap.evidenceMaxAgeMs);
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ site: snap.site, results, flows }));
      }
      if (url.pathname === '/' || url.pathname === '/index.html') {
        const html = renderStatusPage({ ...snap, lang: langOf(url.searchParams.get('lang'), snap.lang), latest: deps.store.all() });
        return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`error: ${(e as Error).message}\n`);
    }
  });
  const { host, port } = parseListen(listen);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.unref();
      resolve(server);
    });
  });
}

export function serverAddress(server: Server): string {
  const a = server.address() as AddressInfo;
  return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
}
