// dns: A and AAAA answers, resolve time, and drift away from the addresses the seed documents list
// (hospital firewalls open these flows by IP, so a silent change breaks them).
import { z } from 'zod';
import type { CheckResult, CheckTarget } from '../runner/core/contract.ts';
import { defineCheck, DIRECT, rowTarget, type RunContext } from '../runner/core/definition.ts';
import { CODE_REASONS, formatMs } from '../runner/core/recorder.ts';
import type { Reason } from '../runner/core/reasons.ts';
import { DNS_CODES } from './lib/resolve.ts';

const options = z
  .object({
    /** Also ask for AAAA records. Default true. */
    ipv6: z.boolean().default(true).describe('Also ask for AAAA records.'),
  })
  .strict();

async function run(target: CheckTarget, opts: z.output<typeof options>, ctx: RunContext): Promise<CheckResult> {
  const { rec } = ctx;
  const ask = (type: 'A' | 'AAAA') =>
    ctx.resolver.query(target.host, type, ctx.signal, ctx.timeoutMs).then(
      (answers) => ({ answers, error: undefined }),
      (error: NodeJS.ErrnoException) => ({ answers: [], error }),
    );
  const [a, aaaa] = await rec.phase('resolve', () => Promise.all([ask('A'), opts.ipv6 ? ask('AAAA') : Promise.resolve({ answers: [], error: undefined })]));
  const v4 = a.answers.map((x) => x.address).sort();
  const v6 = aaaa.answers.map((x) => x.address).sort();
  rec.observe('addresses', v4);
  rec.observe('addresses6', v6);
  const ttls = [...a.answers, ...aaaa.answers].map((x) => x.ttl);
  if (ttls.length) rec.observe('ttl_seconds', Math.min(...ttls));
  rec.observe('documented', [...target.documentedIps]);

  if (!v4.length && !v6.length) {
    // Prefer the A error: it is the one the platform's clients depend on.
    const err = a.error ?? aaaa.error;
    const raw = err?.code ?? 'ENODATA';
    const code = DNS_CODES[raw] ?? raw;
    // The resolver's codes folded as for every other probe; our own timeout is a DNS timeout here.
    const known = CODE_REASONS[code];
    const reason: Reason = ctx.signal.aborted || code === 'ABORT_ERR' ? 'dns_timeout' : known?.startsWith('dns_') ? known : 'dns_servfail';
    const detail = reason === 'dns_timeout' ? `no DNS answer within ${formatMs(ctx.timeoutMs)}` : `${code} for ${target.host}`;
    return rec.fail(reason, detail);
  }
  const documented = target.documentedIps;
  if (documented.length) {
    const family = (ip: string) => (ip.includes(':') ? 6 : 4);
    const comparable = [...v4, ...v6].filter((ip) => documented.some((d) => family(d) === family(ip)));
    const undocumented = comparable.filter((ip) => !documented.includes(ip));
    rec.observe('undocumented', undocumented);
    if (undocumented.length) {
      const msg = `${target.host} resolves to ${undocumented.join(', ')}, not in the documented ${documented.join(', ')}`;
      if (!target.ipsStable) {
        rec.observe('drift_expected', true);
        return rec.ok(`${msg} (addresses documented as moving)`);
      }
      return rec.finish('degraded', 'dns_ip_drift', msg);
    }
  }
  return rec.ok(`${target.host} resolves to ${[...v4, ...v6].join(', ')}`);
}

const list = (v: unknown): readonly string[] => (Array.isArray(v) ? (v as readonly string[]) : []);

export const dnsProbe = defineCheck({
  description: 'A and AAAA resolution, compared with the documented addresses.',
  phases: ['resolve'],
  options,
  defaults: { timeout: '3s', schedule: '*/5 * * * *' },
  flowClass: 'signalling',
  // One dns check per host, whatever the row's port: a name is resolved once.
  planning: { scope: 'row', transports: ['tcp', 'udp'], urls: true, portRanges: true, plan: (row) => ({ target: rowTarget(row, 'udp', false) }) },
  metrics: [
    {
      spec: { name: 'probe_dns_ip_drift', type: 'gauge', help: 'Whether DNS answered addresses outside the documented ones (1) or not (0).' },
      read: (r, emit) => emit(r.reason === 'dns_ip_drift' || list(r.observations.undocumented).length ? 1 : 0),
    },
    {
      spec: { name: 'probe_dns_answer_addresses', type: 'gauge', help: 'Number of A and AAAA addresses in the last answer.' },
      read: (r, emit) => emit(list(r.observations.addresses).length + list(r.observations.addresses6).length),
    },
  ],
  resource: DIRECT,
  run,
});
