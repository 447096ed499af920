// Name resolution shared by every probe: the system resolver (getaddrinfo, honours /etc/hosts) by
// default, or c-ares against the DNS servers named in the config so the probe asks what the
// hospital's own resolvers answer.
import dns from 'node:dns';
import { isIP } from 'node:net';
import type { HostResolver, ResolvedAddress } from '../../runner/core/services.ts';

export type { HostResolver, ResolvedAddress };

/** `work` unless `signal` aborts first; what it settles to afterwards is dropped. */
function abortable<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  const p = work();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(Object.assign(new Error('aborted'), { code: 'ABORT_ERR', name: 'AbortError' }));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** c-ares and getaddrinfo codes, folded onto the ones the reason table knows as DNS failures. */
export const DNS_CODES: Record<string, string> = {
  ECONNREFUSED: 'EAI_AGAIN',
  ETIMEOUT: 'EAI_AGAIN',
  ECANCELLED: 'EAI_AGAIN',
  EREFUSED: 'ESERVFAIL',
  EBADRESP: 'ESERVFAIL',
  EFORMERR: 'ESERVFAIL',
  ENOTIMP: 'ESERVFAIL',
};

/** How long one DNS question may wait when the check's own timeout is longer. */
const RESOLVER_TIMEOUT_MS = 5000;

export function createHostResolver(servers: readonly string[] | undefined): HostResolver {
  const useCares = servers !== undefined && servers.length > 0;
  // One c-ares channel per question timeout, shared by every check: a channel set up per question
  // (as before) took 681 ms in a CPU profile of `vigie check` on 1,000 TLS rows, shared ones 77 ms. An aborted check does not cancel
  // the channel (that would cancel every check's questions): its question ends at its own timeout.
  // Each question still reaches the servers: no answer is cached (test/probes/dns-clock.test.ts).
  const channels = new Map<number, dns.promises.Resolver>();
  const channel = (timeoutMs: number): dns.promises.Resolver => {
    const timeout = Math.max(1, Math.floor(timeoutMs));
    let r = channels.get(timeout);
    if (!r) {
      r = new dns.promises.Resolver({ timeout, tries: 1 });
      if (useCares) r.setServers([...servers]);
      channels.set(timeout, r);
    }
    return r;
  };

  const query: HostResolver['query'] = (host, type, signal, timeoutMs) =>
    abortable(signal, () => {
      const r = channel(timeoutMs);
      return type === 'A' ? r.resolve4(host, { ttl: true }) : r.resolve6(host, { ttl: true });
    });

  const lookup: HostResolver['lookup'] = (host, signal) =>
    lookupRaw(host, signal).catch((e: NodeJS.ErrnoException) => {
      // A resolver failure must not read as a refused or timed-out flow to the platform, nor a
      // lookup that used up the check's time: the flow was never tried, the resolver is to blame.
      if (e.code === 'ABORT_ERR') throw Object.assign(new Error(`no DNS answer for ${host} before the check's timeout`), { code: 'ETIMEOUT' });
      const code = DNS_CODES[e.code ?? ''] ?? e.code;
      if (e.code === 'ETIMEOUT') throw Object.assign(new Error(`no DNS answer for ${host} within the resolver's ${RESOLVER_TIMEOUT_MS / 1000} s`), { code });
      throw Object.assign(new Error(`DNS lookup of ${host} failed: ${e.code ?? e.message}`), { code });
    });

  const lookupRaw = async (host: string, signal: AbortSignal): Promise<ResolvedAddress[]> => {
    const family = isIP(host);
    if (family) return [{ address: host, family: family as 4 | 6 }];
    if (!useCares) {
      const all = await abortable(signal, () => dns.promises.lookup(host, { all: true, order: 'ipv4first' }));
      return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
    }
    // c-ares: ask A then AAAA; NODATA on A is not fatal when AAAA answers.
    const v4 = await query(host, 'A', signal, RESOLVER_TIMEOUT_MS).catch((e: NodeJS.ErrnoException) => (e.code === 'ENODATA' ? [] : Promise.reject(e)));
    if (v4.length) return v4.map((a) => ({ address: a.address, family: 4 as const }));
    const v6 = await query(host, 'AAAA', signal, RESOLVER_TIMEOUT_MS);
    return v6.map((a) => ({ address: a.address, family: 6 as const }));
  };

  return { lookup, query };
}
