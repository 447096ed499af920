// The nontls check on documented TCP flows that are not HTTPS: against a real STUN/TURN server
// over TCP (coturn answers the bytes), a server that says nothing, a closed port, and a firewall
// that lets only TLS through on the port and resets anything else — where a bare TCP connect and
// a TLS handshake both succeed while the application's own protocol is blocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoturn, type Coturn } from '../../lab/coturn.ts';
import { makePki, type LabPki } from '../../lab/pki.ts';
import { closedPort, startHttps, startSilentTcp, startTlsOnlyGate, type Closable } from '../../lab/servers.ts';
import { SystemTrustStore } from '../../probes/lib/tls/trust.ts';
import { fixText } from '../../runner/ui/fix-text.ts';
import { runProbe, target } from '../helpers.ts';

let pki: LabPki;
let coturn: Coturn;
let silent: Closable;
let https: Closable;
let gate: Closable & { resets: number };

beforeAll(async () => {
  pki = makePki();
  coturn = await startCoturn(pki.leaves.valid, { user: 'alice', password: 'lab-turn-pass' });
  silent = await startSilentTcp();
  https = await startHttps(pki.leaves.valid);
  gate = await startTlsOnlyGate(https.port);
});
afterAll(async () => Promise.all([coturn?.stop(), silent?.close(), https?.close(), gate?.close()]));

describe('nontls probe', () => {
  it('a server that answers the bytes (coturn over TCP) is an open path', async () => {
    const r = await runProbe('nontls', target({ host: '127.0.0.1', port: coturn.port }));
    expect(r, r.message).toMatchObject({ status: 'ok', observations: { after_payload: 'answered' } });
    expect(Object.keys(r.phases)).toEqual(['resolve', 'connect', 'payload']);
  });

  it('a connection that stays up after the bytes is an open path', async () => {
    const r = await runProbe('nontls', target({ host: '127.0.0.1', port: silent.port }), { options: { hold: 300 } });
    expect(r).toMatchObject({ status: 'ok', observations: { after_payload: 'open' } });
  });

  it('a server that closes on the bytes without a word (here a TLS server) is unproven: a middlebox would look the same', async () => {
    const r = await runProbe('nontls', target({ host: '127.0.0.1', port: https.port }));
    expect(r, r.message).toMatchObject({ status: 'unproven', reason: 'nontls_unproven', observations: { after_payload: 'closed' } });
    expect(fixText(r, [], 'en')).toContain('if the application fails on this flow, exempt');
  });

  it('a closed port is refused', async () => {
    expect(await runProbe('nontls', target({ host: '127.0.0.1', port: await closedPort() }))).toMatchObject({ status: 'failed', reason: 'refused' });
  });

  it('a TLS-only firewall: tcp and tls say ok, nontls names the reset and asks for an inspection exemption', async () => {
    const trust = { shared: { trust: new SystemTrustStore([pki.caCert]) } };
    const before = gate.resets;
    expect(await runProbe('tcp', target({ host: '127.0.0.1', port: gate.port }))).toMatchObject({ status: 'ok' });
    expect(await runProbe('tls', target({ host: 'localhost', port: gate.port }), trust)).toMatchObject({ status: 'ok' });
    const r = await runProbe('nontls', target({ host: '127.0.0.1', port: gate.port }));
    expect(r).toMatchObject({ status: 'failed', reason: 'non_tls_blocked', observations: { after_payload: 'reset' } });
    expect(gate.resets).toBe(before + 1);
    expect(fixText(r, [], 'fr')).toBe(`Exclure ${gate.port}/TCP vers 127.0.0.1 du contrôle protocolaire (DPI, pare-feu de nouvelle génération) : ce flux n'est pas du HTTPS, comme le document le précise`);
  });
});
