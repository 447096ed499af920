// The lab servers the tcp, tls, http and proxy probe tests run against: a PKI (valid, expired,
// expiring, wrong-host, self-signed, TLS 1.0-only and leaf-only servers), plain HTTP, a silent TCP
// server and a closed port; started before the file's tests, closed after them.
import { afterAll, beforeAll } from 'vitest';
import { makePki, type LabPki } from '../../lab/pki.ts';
import { closedPort, startHttp, startHttps, startSilentTcp, type Closable } from '../../lab/servers.ts';
import { SystemTrustStore } from '../../probes/lib/tls/trust.ts';
import type { SharedContext } from '../../runner/engine/shared-context.ts';
import { type RunOptions, runProbe as runWith } from '../helpers.ts';

export interface NetLab {
  pki: LabPki;
  s: Record<string, Closable>;
  refusedPort: number;
  /** Runs a probe with the lab's CA in the trust store. */
  runProbe: (kind: Parameters<typeof runWith>[0], t: Parameters<typeof runWith>[1], o?: RunOptions) => ReturnType<typeof runWith>;
}

export function useNetLab(): NetLab {
  const services: Partial<SharedContext> = {};
  const lab = {
    s: {},
    refusedPort: 0,
    runProbe: (kind, t, o = {}) => runWith(kind, t, { ...o, shared: services }),
  } as NetLab;
  beforeAll(async () => {
    const pki = makePki();
    lab.pki = pki;
    services.trust = new SystemTrustStore([pki.caCert]);
    const s = lab.s;
    s.valid = await startHttps(pki.leaves.valid);
    s.expired = await startHttps(pki.leaves.expired);
    s.expiring = await startHttps(pki.leaves.expiring);
    s.wronghost = await startHttps(pki.leaves.wronghost);
    s.selfsigned = await startHttps(pki.leaves.selfsigned);
    s.tls10 = await startHttps(pki.leaves.valid, { tls10Only: true });
    s.leafOnly = await startHttps({ ...pki.leaves.valid, chain: pki.leaves.valid.cert });
    s.http = await startHttp();
    s.silent = await startSilentTcp();
    lab.refusedPort = await closedPort();
  });
  afterAll(async () => {
    await Promise.all(Object.values(lab.s).map((x) => x.close()));
  });
  return lab;
}
