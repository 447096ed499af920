// The ocsp probe against OpenSSL's OCSP responder on loopback, and TLS interception detection.
import { REPO_ROOT } from '../../lab/paths.ts';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { pkijs } from '../../probes/lib/pki-libs.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CheckResult } from '../../runner/core/contract.ts';
import { certIdFor } from '../../probes/lib/ocsp-signer.ts';
import { verifyOcspResponse } from '../../probes/lib/ocsp-wire.ts';
import { spkiSha256 } from '../../probes/lib/tls/tls-handshake.ts';
import { SystemTrustStore } from '../../probes/lib/tls/trust.ts';
import { MemoryOutcomeCache } from '../../runner/core/services.ts';
import type { SharedContext } from '../../runner/engine/shared-context.ts';
import { makeOcspLab, type OcspLab } from '../../lab/ocsp-pki.ts';
import { makePki, type LabPki } from '../../lab/pki.ts';
import { type HandshakeLog, startHttpOn, startHttps, startProxy, startSilentTcp, type Closable } from '../../lab/servers.ts';
import { type RunOptions, runProbe as runWith, scrape, spec, target } from '../helpers.ts';

let lab: OcspLab;
const services: Partial<SharedContext> = {};
const runProbe = (kind: Parameters<typeof runWith>[0], t: Parameters<typeof runWith>[1], o: RunOptions = {}) => runWith(kind, t, { ...o, shared: services });
let dpi: LabPki;
const https: Record<string, Closable> = {};

beforeAll(async () => {
  lab = await makeOcspLab();
  dpi = makePki();
  services.trust = new SystemTrustStore([lab.rootPem, dpi.caCert]);
  await lab.startResponder();
  for (const n of ['good', 'revoked', 'unknown'] as const) https[n] = await startHttps(lab.leaves[n]);
  https.stapled = await startHttps(lab.leaves.good, { staple: lab.fetchResponse() });
  https.dpi = await startHttps(dpi.leaves.valid);
});
afterAll(async () => {
  await Promise.all(Object.values(https).map((s) => s.close()));
  await lab.stop();
});
// Each test starts with no cached OCSP answer; the runs of one test share the cache, as a probe's do.
beforeEach(() => {
  services.outcomes = new MemoryOutcomeCache();
});

const ocsp = (server: string, timeoutMs = 3000) => runProbe('ocsp', target({ host: 'localhost', port: https[server]!.port }), { timeoutMs });

describe('ocsp probe against openssl ocsp', () => {
  it('reads the certificate and ends the connection as a client should: the server logs a completed handshake', async () => {
    const log: HandshakeLog = { connections: 0, completed: 0, failed: [] };
    const server = await startHttps(lab.leaves.good, { log });
    try {
      expect(await runProbe('ocsp', target({ host: 'localhost', port: server.port }))).toMatchObject({ status: 'ok', observations: { status: 'good' } });
      await vi.waitFor(() => expect(log.completed).toBe(1));
      expect(log.failed).toEqual([]);
    } finally {
      await server.close();
    }
  });
  it('good: verified, delegated signer, nonce echoed, CA issuers answering', async () => {
    const r = await ocsp('good');
    expect(r).toMatchObject({ status: 'ok', reason: 'ok', observations: { status: 'good', method: 'POST', nonce_echoed: true, stapled: false } });
    expect(r.observations.responder_url).toBe(`http://127.0.0.1:${lab.ocspPort}/`);
    expect(r.observations.ca_issuers_subject).toContain('Vigie Lab Issuing CA');
    expect(r.observations.next_update_timestamp).toBeGreaterThan(Date.now() / 1000);
    expect(Object.keys(r.phases)).toEqual(['resolve', 'connect', 'tls', 'issuer', 'request']);
  });
  it('revoked: reason and time', async () => {
    const r = await ocsp('revoked');
    expect(r).toMatchObject({ status: 'failed', reason: 'ocsp_revoked', observations: { status: 'revoked', revocation_reason: 'keyCompromise' } });
    expect(Date.parse(r.observations.revocation_time as string)).toBeLessThanOrEqual(Date.now());
  });
  it('unknown to the responder', async () => {
    expect(await ocsp('unknown')).toMatchObject({ status: 'failed', reason: 'ocsp_unknown', observations: { status: 'unknown' } });
  });
  it('a server that does not send its issuer: the issuer is fetched over AIA (CA issuers URL)', async () => {
    const leafOnly = await startHttps({ ...lab.leaves.good, chain: lab.leaves.good.cert });
    try {
      const r = await runProbe('ocsp', target({ host: 'localhost', port: leafOnly.port }));
      expect(r).toMatchObject({ status: 'ok', observations: { status: 'good', issuer_fetched: true } });
      expect(r.phases.issuer).toBeGreaterThan(0);
    } finally {
      await leafOnly.close();
    }
  });
  it('CA issuers URL failing while OCSP answers good is degraded ca_issuers_unreachable', async () => {
    lab.setIssuersDown(true);
    try {
      const r = await ocsp('good');
      expect(r).toMatchObject({ status: 'degraded', reason: 'ca_issuers_unreachable', observations: { status: 'good' } });
      expect(r.message).toContain('HTTP 503');
    } finally {
      lab.setIssuersDown(false);
    }
  });
  it('stapled response is reported', async () => {
    expect(await ocsp('stapled')).toMatchObject({ status: 'ok', observations: { stapled: true } });
  });
  it('a response signed by an unrelated key is ocsp_bad_signature', async () => {
    await lab.startResponder('unrelated');
    try {
      expect(await ocsp('good')).toMatchObject({ status: 'failed', reason: 'ocsp_bad_signature' });
    } finally {
      await lab.startResponder();
    }
  });
  it('a delegated signer must carry the OCSP-signing usage and be valid now; RSA and RSA-PSS signatures verify', async () => {
    const expectations = [
      ['no-eku', 'failed', /lacks the OCSP-signing extended key usage/],
      ['expired', 'failed', /not valid now/],
      ['rsa', 'ok', /OCSP: good/],
      ['rsa-pss', 'ok', /OCSP: good/],
    ] as const;
    try {
      for (const [signer, status, message] of expectations) {
        await lab.startResponder(signer);
        services.outcomes = new MemoryOutcomeCache();
        const r = await ocsp('good');
        expect(r, signer).toMatchObject({ status, reason: status === 'ok' ? 'ok' : 'ocsp_bad_signature' });
        expect(r.message, signer).toMatch(message);
      }
    } finally {
      await lab.startResponder();
    }
  });
  it('an issuer-signed response (no delegation) verifies', async () => {
    await lab.startResponder('issuer');
    try {
      expect(await ocsp('good')).toMatchObject({ status: 'ok', observations: { status: 'good' } });
    } finally {
      await lab.startResponder();
    }
  });
  describe('responder faults (the responder port is taken by a fault)', () => {
    const swap = async (fault: () => Promise<Closable>, check: (r: CheckResult) => void, timeoutMs = 3000) => {
      await lab.stopResponder();
      const f = await fault();
      try {
        check(await ocsp('good', timeoutMs));
      } finally {
        await f.close();
        await lab.startResponder();
      }
    };
    it('responder down is ocsp_unreachable', async () => {
      await lab.stopResponder();
      try {
        expect(await ocsp('good')).toMatchObject({ status: 'failed', reason: 'ocsp_unreachable' });
      } finally {
        await lab.startResponder();
      }
    });
    it('responder slower than the timeout is ocsp_unreachable within the bound', async () => {
      const t0 = Date.now();
      await swap(
        () => startSilentTcp(lab.ocspPort),
        (r) => expect(r).toMatchObject({ status: 'failed', reason: 'ocsp_unreachable' }),
        1500,
      );
      expect(Date.now() - t0).toBeLessThan(1500 + 2500);
    });
    it('a stale response (made two days ago, faketime) is ocsp_stale', async () => {
      const stale = lab.staleResponse(2);
      await swap(
        () => startHttpOn(lab.ocspPort, (_q, s) => s.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(stale)),
        (r) => expect(r).toMatchObject({ status: 'failed', reason: 'ocsp_stale' }),
      );
    });
    it('random bytes as an answer are ocsp_bad_response', async () => {
      await swap(
        () => startHttpOn(lab.ocspPort, (_q, s) => s.writeHead(200).end(randomBytes(300))),
        (r) => expect(r).toMatchObject({ status: 'failed', reason: 'ocsp_bad_response' }),
      );
    });
    it('POST refused: falls back to GET', async () => {
      const good = lab.fetchResponse();
      const methods: string[] = [];
      await swap(
        () =>
          startHttpOn(lab.ocspPort, (q, s) => {
            methods.push(q.method ?? '');
            if (q.method === 'POST') return void s.writeHead(405).end();
            s.writeHead(200).end(good);
          }),
        (r) => expect(r).toMatchObject({ status: 'ok', observations: { method: 'GET', nonce_echoed: false } }),
      );
      expect(methods).toEqual(['POST', 'GET']);
    });
  });
  it('asks the responder through the configured proxy', async () => {
    const proxy = await startProxy('open');
    try {
      const r = await runProbe('ocsp', target({ host: 'localhost', port: https.good!.port }), { proxy: { url: new URL(`http://127.0.0.1:${proxy.port}`), noProxy: ['localhost'] } });
      expect(r).toMatchObject({ status: 'ok', observations: { status: 'good' } });
      expect(proxy.requests).toContain(`POST http://127.0.0.1:${lab.ocspPort}/`);
    } finally {
      await proxy.close();
    }
  });
  it('answers for one certificate are reused by endpoints presenting it (cache keyed on the CertID)', async () => {
    const first = await ocsp('good');
    const second = await ocsp('stapled'); // same leaf
    expect(first.observations.cached).toBeUndefined();
    expect(second).toMatchObject({ status: 'ok', observations: { cached: true, stapled: true } });
  });
  it('the next round asks the responder again: one blocked since the last round is ocsp_unreachable, not a cached good', async () => {
    expect((await ocsp('good')).observations.status).toBe('good');
    await lab.stopResponder();
    try {
      // The next round: every check schedule and the RCP in-window interval (60 s) are longer than the default cache.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 60_000);
      try {
        expect(await ocsp('good')).toMatchObject({ status: 'failed', reason: 'ocsp_unreachable' });
      } finally {
        vi.useRealTimers();
      }
    } finally {
      await lab.startResponder();
    }
  });
  it('exports the OCSP metric family', async () => {
    const s = spec('ocsp', target({ host: 'localhost', port: https.revoked!.port }));
    const text = await scrape([[s, await ocsp('revoked')]]);
    expect(text).toMatch(/probe_ocsp_status_info\{platform="lab",host="localhost",port="\d+",transport="tcp",kind="ocsp",status="revoked"\} 1/);
    expect(text).toMatch(/probe_ocsp_response_seconds\{[^}]*kind="ocsp"\} [\d.e-]+/);
    expect(text).toMatch(/probe_ocsp_next_update_timestamp_seconds\{[^}]*\} \d+/);
    expect(text).toMatch(/probe_tls_ocsp_stapled\{[^}]*\} 0/);
  });
});

describe('OCSP decoder under malformed input', () => {
  it('random, truncated and mutated bodies never escape as exceptions', async () => {
    const good = lab.fetchResponse();
    const leaf = pkijs.Certificate.fromBER(Buffer.from(lab.leaves.good.cert.replace(/-----[^-]+-----|\s+/g, ''), 'base64'));
    const issuer = pkijs.Certificate.fromBER(Buffer.from(lab.intermediatePem.replace(/-----[^-]+-----|\s+/g, ''), 'base64'));
    const certId = certIdFor(leaf, issuer);
    // The same CertID as pkijs's own construction (through WebCrypto), which responders answered before.
    const req = new pkijs.OCSPRequest();
    await req.createForCertificate(leaf, { hashAlgorithm: 'SHA-1', issuerCertificate: issuer });
    expect(Buffer.from(certId.toSchema().toBER(false))).toEqual(Buffer.from(req.tbsRequest.requestList[0]!.reqCert.toSchema().toBER(false)));
    expect(verifyOcspResponse(good, certId, issuer, undefined, new Date(), 300).status).toBe('good');
    const outcome = async (body: Buffer) => {
      try {
        verifyOcspResponse(body, certId, issuer, undefined, new Date(), 300);
        return 'accepted';
      } catch (e) {
        const reason = (e as { reason?: string }).reason;
        expect(reason, (e as Error).message).toMatch(/^ocsp_(bad_response|bad_signature|stale)$/);
        return reason!;
      }
    };
    expect(await outcome(good.subarray(0, good.length - 40))).toBe('ocsp_bad_response');
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (b) => void (await outcome(Buffer.from(b)))), { numRuns: 500 });
    await fc.assert(
      fc.asyncProperty(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), async (pos, x) => {
        const m = Buffer.from(good);
        m[pos] = m[pos]! ^ x;
        await outcome(m);
      }),
      { numRuns: 500 },
    );
  });
});

describe('TLS interception', () => {
  // The re-signing root is trusted here, as on the establishment's workstations: Chrome connects, so the flow works (degraded), and the inspection is named.
  it('a chain re-signed by another CA than the catalog expects is tls_intercepted (degraded: browsers trusting that root connect), naming the issuer seen', async () => {
    const r = await runProbe('tls', target({ host: 'localhost', port: https.dpi!.port }), { options: { expect_issuers: ['Sectigo'] } });
    expect(r).toMatchObject({ status: 'degraded', reason: 'tls_intercepted', observations: { interception: 'detected' } });
    expect(r.message).toContain('Vigie Lab Root CA');
  });
  it('a chain matching the expected issuer or pin is not flagged; a re-signed one fails the pin', async () => {
    const byName = await runProbe('tls', target({ host: 'localhost', port: https.good!.port }), { options: { expect_issuers: ['Vigie Lab Issuing CA'] } });
    expect(byName).toMatchObject({ status: 'ok', observations: { interception: 'none' } });
    const pin = spkiSha256(Buffer.from(lab.intermediatePem.replace(/-----[^-]+-----|\s+/g, ''), 'base64'));
    const byPin = await runProbe('tls', target({ host: 'localhost', port: https.good!.port }), { options: { expect_spki_sha256: [pin] } });
    expect(byPin).toMatchObject({ status: 'ok', observations: { interception: 'none' } });
    const resigned = await runProbe('tls', target({ host: 'localhost', port: https.dpi!.port }), { options: { expect_spki_sha256: [pin] } });
    expect(resigned).toMatchObject({ status: 'degraded', reason: 'tls_intercepted' });
  });
  it('without expectations, a root trusted only on this machine (NODE_EXTRA_CA_CERTS) is tls_intercepted_suspected', async () => {
    const rootFile = join(dpi.dir, 'machine-root.pem');
    writeFileSync(rootFile, dpi.caCert);
    const input = { kind: 'tls', host: 'localhost', port: https.dpi!.port, transport: 'tcp', timeoutMs: 3000 };
    const child = spawn(process.execPath, [join(REPO_ROOT, 'lab', 'run-check.ts'), JSON.stringify(input)], { env: { ...process.env, NODE_EXTRA_CA_CERTS: rootFile } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => child.once('close', r));
    const r = JSON.parse(out) as CheckResult;
    expect(r).toMatchObject({ status: 'degraded', reason: 'tls_intercepted_suspected', observations: { root_source: 'local', interception: 'suspected' } });
  });
  it('exports probe_tls_intercepted', async () => {
    const s = spec('tls', target({ host: 'localhost', port: https.dpi!.port }), { options: { expect_issuers: ['Sectigo'] } });
    expect(await scrape([[s, await runProbe('tls', s.target, { options: { expect_issuers: ['Sectigo'] } })]])).toMatch(/probe_tls_intercepted\{[^}]*kind="tls"\} 1/);
  });
});
