// dns: A and AAAA answers, resolve time, and drift away from the addresses the seed documents list
// (hospital firewalls open these flows by IP, so a silent change breaks them).
import { z } from 'zod';
import type { CheckResult, CheckTarget, ProbeContext, ProbeDefinition } from './contract.ts';
import { CheckRecorder, formatMs } from './result.ts';
import type { Reason } from './reasons.ts';

const options = z
  .object({
    /** Also ask for AAAA records. Default true. */
    ipv6: z.boolean().default(true).describe('Also ask for AAAA records.'),
  })
  .strict();

const DNS_REASONS: Record<string, Reason> = {
  ENOTFOUND: 'dns_nxdomain',
  ENODATA: 'dns_no_address',
  ESERVFAIL: 'dns_servfail',
  EREFUSED: 'dns_servfail',
  EFORMERR: 'dns_servfail',
  EBADRESP: 'dns_servfail',
  ECONNREFUSED: 'dns_timeout',
  ETIMEOUT: 'dns_timeout',
  ABORT_ERR: 'dns_timeout',
  ECANCELLED: 'dns_timeout',
};

async function run(target: CheckTarget, opts: z.output<typeof options>, ctx: ProbeContext): Promise<CheckResult> {
  const rec = new CheckRecorder(target, 'dns', ['resolve']);
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
    const code = ctx.signal.aborted ? 'ABORT_ERR' : (err?.code ?? 'ENODATA');
    const reason = DNS_REASONS[code] ?? 'dns_servfail';
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

export const dnsProbe = {
  description: 'A and AAAA resolution, compared with the documented addresses.',
  scope: 'row',
  phases: ['resolve'],
  options,
  defaults: { timeout: '3s', schedule: '*/5 * * * *' },
  run,
} satisfies ProbeDefinition<typeof options>;
