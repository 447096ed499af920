// Secrets: read from the environment or a file, never in logs (redacted by key and by value).
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readSecret, redact } from '../../../runner/config/secrets.ts';
import { createLogger } from '../../../runner/telemetry/logging.ts';

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

