// Config validation: one file per invalid case, with the exact message the user sees.
import { REPO_ROOT } from '../../../lab/paths.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, loadConfig, parseConfig } from '../../../runner/config/config.ts';
import { InputError, formatProblem, listProblems, MAX_LISTED_PROBLEMS } from '../../../runner/config/input-error.ts';

const dir = join(REPO_ROOT, 'test', 'fixtures', 'config-invalid');

describe('invalid configurations', () => {
  for (const name of readdirSync(dir).sort()) {
    it(name, () => {
      const file = join(dir, name);
      const text = readFileSync(file, 'utf8');
      const expected = [...text.matchAll(/^# expect: (.*)$/gm)].map((m) => `${file}: ${m[1]}`);
      let problems: string[] = [];
      try {
        parseConfig(text, file);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        problems = (e as InputError).problems.map(formatProblem);
      }
      expect(problems).toEqual(expected);
    });
  }
});

describe('valid configuration', () => {
  it('defaults apply without a config file', () => {
    const c = loadConfig(undefined);
    expect(c.lang).toBe('fr');
    expect(c.concurrency).toBe(8);
    expect(c.checks.tcp).toMatchObject({ enabled: true, timeout: 3000, schedule: '* * * * *' });
    expect(c.checks.tls).toMatchObject({ min_version: '1.2', expiry_warning_days: 21 });
    expect(c.server.listen).toBe('0.0.0.0:9464');
    expect(c.browser.sandbox).toBe(true);
  });

  it('the browser sandbox is turned off by its setting, never by a smuggled flag', () => {
    expect(parseConfig('browser: { sandbox: false }\n', 'v.yaml').browser.sandbox).toBe(false);
    expect(() => parseConfig('browser: { args: [--no-sandbox] }\n', 'v.yaml')).toThrow(/browser\.args\[0\]: turn the sandbox off with browser\.sandbox: false/);
  });
  it('a complete file parses with durations in milliseconds', () => {
    const c = parseConfig(readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'config-valid', 'full.yaml'), 'utf8'), 'full.yaml');
    expect(c.checks.tcp.timeout).toBe(2000);
    expect(c.jitter).toBe(10_000);
    expect(c.credentials.proxy?.password).toEqual({ file: '/run/secrets/proxy_password' });
  });
  it('a missing file is reported with its path', () => {
    expect(() => loadConfig('/nonexistent/vigie.yaml')).toThrow('/nonexistent/vigie.yaml: cannot read: ENOENT');
  });
  it('the committed JSON Schema is generated from the current definitions', () => {
    const committed = JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'vigie.schema.json'), 'utf8'));
    expect(committed).toEqual(configJsonSchema());
  });
});

describe('problem lists', () => {
  it('a file with thousands of problems lists the first ones and says how many more', () => {
    const text = `checks:\n${Array.from({ length: 500 }, (_, i) => `  bogus${i}: {}`).join('\n')}\n`;
    let lines: string[] = [];
    try {
      parseConfig(text, 'big.yaml');
    } catch (e) {
      lines = listProblems((e as InputError).problems);
    }
    expect(lines).toHaveLength(MAX_LISTED_PROBLEMS + 1);
    expect(lines.at(-1)).toBe(`… and ${500 - MAX_LISTED_PROBLEMS} more problems`);
  });
});
