// Alerts as code: the committed rules are the generated ones, Prometheus accepts them, the
// promtool unit tests pass (firing and not firing), and every alert has its French runbook.
import { REPO_ROOT } from '../../lab/paths.ts';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertNames, renderRules } from '../../deploy/prometheus/rules.ts';

const dir = join(REPO_ROOT, 'deploy', 'prometheus');
const promtool = (args: string[]) => execFileSync('promtool', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('Prometheus rules', () => {
  it('deploy/prometheus/vigie-rules.yaml is current (npm run rules)', () => {
    expect(readFileSync(join(dir, 'vigie-rules.yaml'), 'utf8')).toBe(renderRules());
  });
  it('promtool check rules accepts them', () => {
    expect(promtool(['check', 'rules', 'vigie-rules.yaml'])).toMatch(/SUCCESS: \d+ rules found/);
  });
  // CPU work (every test case's series evaluated): 16 s alone here, twice that while the suite runs beside it.
  it('promtool test rules: firing and not-firing cases pass', () => {
    expect(promtool(['test', 'rules', 'tests/vigie-rules.test.yaml'])).toContain('SUCCESS');
  }, 120_000);
  it('every alert links to a runbook written in French in docs/runbooks/', () => {
    for (const name of alertNames()) {
      const file = join(REPO_ROOT, 'docs', 'runbooks', `${name}.md`);
      expect(existsSync(file), file).toBe(true);
      expect(readFileSync(file, 'utf8')).toMatch(/## (Que faire|Diagnostic)/);
    }
  });
});

describe('Alertmanager configuration', () => {
  const am = join(REPO_ROOT, 'deploy', 'alertmanager');
  const amtool = (args: string[]) => execFileSync('amtool', args, { cwd: am, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  it('amtool check-config accepts it', () => {
    expect(amtool(['check-config', 'alertmanager.yml'])).toContain('SUCCESS');
  });
  const routes: [string, string[]][] = [
    ['oncall', ['alertname=RcpSessionAtRisk', 'establishment=chu-a', 'severity=page', 'audience=oncall']],
    ['regional-operators-page', ['alertname=PlatformEndpointDown', 'platform=covotem', 'severity=page', 'audience=regional-operators']],
    ['regional-operators', ['alertname=TlsCertificateExpiringSoon', 'severity=ticket', 'audience=regional-operators']],
    ['establishment-it', ['alertname=EstablishmentFlowBlocked', 'establishment=ch-autre', 'severity=ticket', 'audience=establishment-it']],
    ['establishment-it-chu-exemple', ['alertname=ProbeDown', 'establishment=chu-exemple', 'severity=ticket', 'audience=establishment-it']],
  ];
  for (const [receiver, labels] of routes) {
    it(`routes ${labels[0]} to ${receiver}`, () => {
      expect(amtool(['config', 'routes', 'test', '--config.file=alertmanager.yml', `--verify.receivers=${receiver}`, ...labels]).trim()).toBe(receiver);
    });
  }
});
