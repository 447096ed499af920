// Runner behaviour: no overlap of the same check, bounded stop, start offsets, log redaction,
// metrics read back after a run.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostResolver } from '../../../probes/lib/resolve.ts';
import { embeddedCatalogFiles, loadCatalogs } from '../../../runner/config/catalog.ts';
import { parseConfig } from '../../../runner/config/config.ts';
import { createLogger } from '../../../runner/telemetry/logging.ts';
import { buildPlan } from '../../../runner/engine/plan.ts';
import { ProbeMetrics } from '../../../runner/telemetry/metrics.ts';
import { Scheduler } from '../../../runner/engine/scheduler.ts';
import { readSecret, redact } from '../../../runner/config/secrets.ts';
import { startHttp, type Closable } from '../../../lab/servers.ts';
import { spec, target } from '../../helpers.ts';

let web: Closable;
beforeAll(async () => (web = await startHttp()));
afterAll(async () => web.close());

const silent = createLogger({ level: 'silent' });
const shared = { resolver: createHostResolver(undefined) };
const slow = () => spec('http', target({ host: '127.0.0.1', port: web.port, url: `http://127.0.0.1:${web.port}/slow` }), { timeoutMs: 20_000 });

describe('scheduler', () => {
  it('never runs the same check twice at once, and counts the skipped run', async () => {
    const metrics = new ProbeMetrics();
    const s = new Scheduler([], shared, metrics, silent, { concurrency: 4, jitterMs: 0 });
    const check = spec('http', target({ host: '127.0.0.1', port: web.port, url: `http://127.0.0.1:${web.port}/slow` }), { timeoutMs: 300 });
    const first = s.run(check);
    expect(first).toBeDefined();
    expect(s.run(check)).toBeUndefined();
    expect((await first)?.reason).toBe('timeout');
    expect(await metrics.text()).toMatch(/probe_check_skipped_total\{[^}]*kind="http",cause="overlap"\} 1/);
  });

  it('stop() lets in-flight checks run for the grace period, then aborts them', async () => {
    const s = new Scheduler([], shared, new ProbeMetrics(), silent, { concurrency: 4, jitterMs: 0 });
    const running = s.run(slow())!;
    await new Promise((r) => setTimeout(r, 50)); // let it start
    const t0 = Date.now();
    await s.stop(300);
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(2000);
    expect((await running)?.status).toBe('failed');
    expect(s.run(slow())).toBeUndefined(); // no new run after stop
  });

  it('gives each schedule group a start offset within the jitter bound', async () => {
    const checks = [spec('tcp', target({ host: '127.0.0.1', port: web.port })), spec('dns', target({ host: 'localhost', transport: 'udp' }))];
    const s = new Scheduler(checks, shared, new ProbeMetrics(), silent, { concurrency: 2, jitterMs: 10_000, random: () => 0.5 });
    s.start();
    expect([...s.offsets.values()]).toEqual([5000, 5000]);
    await s.stop(0);
  });
});

describe('secrets in logs', () => {
  it('are redacted by key and by value', async () => {
    process.env.VIGIE_TEST_SECRET = 'correct-horse-battery';
    const value = readSecret({ env: 'VIGIE_TEST_SECRET' }, 'vigie.yaml', 'credentials.x.password');
    let out = '';
    const sink = new Writable({ write: (chunk, _e, cb) => ((out += String(chunk)), cb()) });
    const log = createLogger({ level: 'info', destination: sink });
    log.info({ password: 'hunter2hunter2', detail: `auth with ${value} failed` }, `message mentions ${value}`);
    log.flush();
    await new Promise((r) => setTimeout(r, 20));
    expect(out).toContain('[REDACTED]');
    expect(out).not.toContain('correct-horse-battery');
    expect(out).not.toContain('hunter2hunter2');
    expect(redact(`x ${value} y`)).toBe('x [REDACTED] y');
  });
  it('an unset secret variable is an input error naming the path', () => {
    expect(() => readSecret({ env: 'VIGIE_NOT_SET_ANYWHERE' }, 'vigie.yaml', 'credentials.proxy.password')).toThrow(
      'vigie.yaml: credentials.proxy.password: environment variable VIGIE_NOT_SET_ANYWHERE is not set',
    );
  });
});

describe('plan', () => {
  it('plans stun and turn on the documented rows, and relay only where credentials are configured', () => {
    const catalogs = loadCatalogs(embeddedCatalogFiles());
    const config = parseConfig('credentials: { sara: { username: vigie, password: { env: X } } }\nservice_credentials: { telercp: sara }\n', 'vigie.yaml');
    const plan = buildPlan(catalogs, config, undefined);
    const of = (kind: string) => plan.checks.filter((c) => c.kind === kind);
    expect(of('stun').length).toBeGreaterThan(0);
    expect(of('turn').some((c) => c.target.host === 'mediaserver1-1.maincare.com' && c.target.transport === 'tcp')).toBe(true);
    expect(of('stun').some((c) => c.target.host.startsWith('mediaserver') && c.target.transport === 'tcp')).toBe(false); // STUN on UDP only
    expect(new Set(of('relay').map((c) => c.target.platform))).toEqual(new Set(['telercp']));
    expect(of('relay').map((c) => `${c.target.host}:${c.target.port}/${c.target.transport}`).sort()).toEqual([
      'visio.sante-ra.fr:3478/tcp', 'visio.sante-ra.fr:3478/udp', 'visio02.sante-ra.fr:3478/tcp', 'visio02.sante-ra.fr:3478/udp', 'visio03.sante-ra.fr:3478/tcp', 'visio03.sante-ra.fr:3478/udp',
    ]);
  });
});
