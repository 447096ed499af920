// ocsp: revocation status of a TLS endpoint's certificate, asked of the responder named in the
// leaf's Authority Information Access, through the proxy when one applies, and verified for real
// (probes/lib/ocsp-status.ts, loaded at the first ocsp check with pkijs). The Covotem client
// refuses to start when it cannot reach ocsp.sectigo.com: `ocsp_unreachable` names that failure.
import { z } from 'zod';
import { defineCheck, DIRECT, rowTarget } from '../runner/core/definition.ts';
import { observedNumber } from '../runner/core/kind-metrics.ts';

const options = z
  .object({
    /** Clock tolerance on thisUpdate, in seconds. Default 300. */
    clock_skew_seconds: z.number().int().min(0).default(300).describe('Tolerance on thisUpdate in the future, in seconds.'),
    /** Also fetch the CA issuers URL of the leaf and check it answers with a certificate. Default true. */
    check_ca_issuers: z.boolean().default(true).describe('Also fetch the CA issuers URL (AIA) and check it answers with a certificate.'),
    /**
     * How long a verified answer for one certificate is reused by other endpoints presenting it.
     * Default 30: the endpoints of one round share an answer, but the next round (15 min later, or
     * 60 s later inside an RCP window) asks again, since a reused answer proves nothing of the path
     * to the responder (a soak run reported a blocked responder as good for ten minutes with 600).
     */
    cache_seconds: z.number().int().min(0).default(30).describe("Seconds a verified answer for one certificate (CertID) is reused by the other endpoints presenting it, never past its nextUpdate. Keep it shorter than the check's period: a reused answer does not prove the path to the responder."),
  })
  .strict();

export const ocspProbe = defineCheck({
  description: 'OCSP status of the certificate a TLS endpoint presents, asked of the responder its AIA names, verified.',
  phases: ['resolve', 'connect', 'tls', 'issuer', 'request'],
  options,
  defaults: { timeout: '10s', schedule: '*/15 * * * *' },
  flowClass: 'pki',
  // Every TLS endpoint also gets its certificate's revocation status checked.
  planning: { scope: 'row', transports: ['tcp'], urls: true, portRanges: false, alsoFor: ['tls'], plan: (row) => ({ target: rowTarget(row, 'tcp') }) },
  metrics: [
    {
      spec: { name: 'probe_ocsp_status_info', type: 'gauge', help: 'OCSP status of the certificate (value 1): good, revoked, unknown, or error when no verified answer was obtained.', labels: ['status'] },
      read: (r, emit) => emit(1, { status: typeof r.observations.status === 'string' ? r.observations.status : 'error' }),
    },
    observedNumber({ name: 'probe_ocsp_response_seconds', type: 'gauge', help: 'Latency of the OCSP responder.' }, 'responder_latency_seconds'),
    observedNumber({ name: 'probe_ocsp_next_update_timestamp_seconds', type: 'gauge', help: 'Unix time of the nextUpdate of the verified OCSP answer.' }, 'next_update_timestamp'),
    {
      spec: { name: 'probe_tls_ocsp_stapled', type: 'gauge', help: 'Whether the server staples an OCSP response in the handshake (1) or not (0).' },
      read(r, emit) {
        if (typeof r.observations.stapled === 'boolean') emit(r.observations.stapled ? 1 : 0);
      },
    },
  ],
  resource: DIRECT,
  run: async (target, opts, ctx) => (await import('./lib/ocsp-status.ts')).ocspStatus(target, opts, ctx),
});
