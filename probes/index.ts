// The probe registry: the one place a probe kind is added (its file, and one line here). The config
// schema, the catalog's check vocabulary, the planner, the executor, the metrics, the docs and the
// SLO rules all read these definitions, so they cannot drift apart.
import type { CheckKind } from '../runner/core/definition.ts';
import { clockProbe } from './clock.ts';
import { nontlsProbe } from './nontls.ts';
import { dnsProbe } from './dns.ts';
import { httpProbe } from './http.ts';
import { ocspProbe } from './ocsp.ts';
import { proxyProbe } from './proxy.ts';
import { relayProbe } from './relay.ts';
import { tcpProbe } from './tcp.ts';
import { stunProbe } from './stun.ts';
import { tlsProbe } from './tls.ts';
import { turnProbe, turnsProbe } from './turn.ts';

export const PROBES = {
  dns: dnsProbe,
  tcp: tcpProbe,
  nontls: nontlsProbe,
  tls: tlsProbe,
  http: httpProbe,
  ocsp: ocspProbe,
  stun: stunProbe,
  turn: turnProbe,
  turns: turnsProbe,
  relay: relayProbe,
  clock: clockProbe,
  proxy: proxyProbe,
} as const satisfies Record<string, CheckKind>;

export type ProbeKind = keyof typeof PROBES;
export const PROBE_KINDS = Object.keys(PROBES) as [ProbeKind, ...ProbeKind[]];
export const ROW_KINDS = PROBE_KINDS.filter((k) => PROBES[k].planning.scope === 'row') as [ProbeKind, ...ProbeKind[]];
