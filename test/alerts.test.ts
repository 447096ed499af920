// Alerts as code: the committed rules are the generated ones, Prometheus accepts them, the
// promtool unit tests pass (firing and not firing), and every alert has its French runbook.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertNames, renderRules } from '../deploy/prometheus/rules.ts';

const dir = join(import.meta.dirname, '..', 'deploy', 'prometheus');
const promtool = (args: string[]) => execFileSync('promtool', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('Prometheus rules', () => {
  it('deploy/prometheus/vigie-rules.yaml is current (npm run rules)', () => {
    expect(readFileSync(join(dir, 'vigie-rules.yaml'), 'utf8')).toBe(renderRules());
  });
  it('promtool check rules accepts them', () => {
    expect(promtool(['check', 'rules', 'vigie-rules.yaml'])).toMatch(/SUCCESS: \d+ rules found/);
  });
  it('promtool test rules: firing and not-firing cases pass', () => {
    expect(promtool(['test', 'rules', 'tests/vigie-rules.test.yaml'])).toContain('SUCCESS');
  });
  it('every alert links to a runbook written in French in docs/runbooks/', () => {
    for (const name of alertNames()) {
      const file = join(import.meta.dirname, '..', 'docs', 'runbooks', `${name}.md`);
      expect(existsSync(file), file).toBe(true);
      expect(readFileSync(file, 'utf8')).toMatch(/## (Que faire|Diagnostic)/);
    }
  });
});
