// The shipped Alertmanager configuration, run for real on loopback, receiving alerts as the central
// Prometheus sends them (re-sent while firing, then resolved): a platform incident never hides the
// on-call page of a session at risk, its establishment tickets are inhibited, the regional operators
// get one notification per platform; a silent establishment's alerts are inhibited; a flow that
// keeps RcpSessionAtRisk firing through its good runs (keep_firing_for) is one notification and
// one resolution.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../lab/paths.ts';
import { type Mail, startAlertmanager, startSmtpSink, startWebhook, type Notification, type Proc } from '../../lab/monitoring.ts';

type Labels = Record<string, string>;
const endpoint = { platform: 'covotem', host: 'visio-equinix2.covalia.fr', port: '443', transport: 'tcp', kind: 'tcp' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Alertmanager routes and inhibitions (real instance)', () => {
  let am: Proc;
  let webhook: Proc & { received: Notification[] };
  let smtp: Proc & { mails: Mail[] };
  beforeAll(async () => {
    webhook = await startWebhook();
    smtp = await startSmtpSink();
    am = await startAlertmanager(join(REPO_ROOT, 'deploy', 'alertmanager', 'alertmanager.yml'), webhook.port, smtp.port);
  }, 30_000);
  afterAll(async () => {
    await am?.stop();
    await webhook?.stop();
    await smtp?.stop();
  });

  /**
   * Posts the alerts as Prometheus does: startsAt is when the alert fired (the first post; an older
   * startsAt makes Alertmanager skip group_wait, and with it the time its inhibitor needs to see the
   * source alert), endsAt a few evaluations ahead while firing and now once resolved.
   */
  let firedAt: string | undefined;
  const post = async (alerts: { labels: Labels; resolved?: boolean }[]) => {
    const now = Date.now();
    firedAt ??= new Date(now).toISOString();
    const body = alerts.map((a) => ({ labels: a.labels, annotations: { summary: a.labels.alertname! }, startsAt: firedAt, endsAt: new Date(a.resolved ? now : now + 60_000).toISOString() }));
    const res = await fetch(`http://127.0.0.1:${am.port}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
  };
  const received = (path: string, pred: (l: Labels) => boolean) => webhook.received.filter((n) => n.path === path && n.body.alerts.some((a) => pred(a.labels)));

  it('a platform incident during a session: on-call paged, establishment ticket inhibited, one regional notification; a silent establishment inhibits its own; flapping is one page and one resolution; every receiver mails in French with Paris times', async () => {
    const rcp = (establishment: string): Labels => ({ alertname: 'RcpSessionAtRisk', establishment, region: 'cvl', ...endpoint, severity: 'page', audience: 'oncall' });
    const incident = [
      { labels: { alertname: 'PlatformEndpointDown', ...endpoint, severity: 'page', audience: 'regional-operators' } },
      { labels: { alertname: 'VigieErrorBudgetBurnFast', establishment: 'chu-a', region: 'cvl', platform: 'covotem', flow_class: 'signalling', severity: 'page', audience: 'regional-operators' } },
      { labels: rcp('chu-a') },
      { labels: { alertname: 'EstablishmentFlowBlocked', establishment: 'chu-b', region: 'cvl', ...endpoint, severity: 'ticket', audience: 'establishment-it' } },
      { labels: { alertname: 'ProbeSilent', establishment: 'chu-c', region: 'cvl', severity: 'ticket', audience: 'establishment-it' } },
      { labels: rcp('chu-c') },
    ];
    // Firing for 40 s, re-sent every 5 s as Prometheus does; chu-d's flapping flow is held firing by keep_firing_for.
    const t0 = Date.now();
    while (Date.now() - t0 < 40_000) {
      await post([...incident, { labels: rcp('chu-d') }]);
      await sleep(5000);
    }
    await post([{ labels: rcp('chu-d'), resolved: true }]);
    // The oncall route's group_interval (1 min) carries the resolution.
    const deadline = Date.now() + 90_000;
    const isD = (l: Labels) => l.establishment === 'chu-d';
    while (Date.now() < deadline && !received('/oncall', isD).some((n) => n.body.status === 'resolved')) await sleep(1000);

    expect(received('/oncall', (l) => l.establishment === 'chu-a').length, 'on-call hears of the session at risk despite the platform incident').toBeGreaterThanOrEqual(1);
    expect(received('/establishment', (l) => l.alertname === 'EstablishmentFlowBlocked'), 'the establishment ticket is a consequence of the incident').toEqual([]);
    const regional = webhook.received.filter((n) => n.path === '/regional-page');
    expect(regional.length, 'one notification per platform for the regional operators').toBe(1);
    expect(regional[0]!.body.alerts.map((a) => a.labels.alertname).sort()).toEqual(['PlatformEndpointDown', 'VigieErrorBudgetBurnFast']);
    expect(received('/oncall', (l) => l.establishment === 'chu-c'), 'a silent establishment: its own page is inhibited').toEqual([]);
    const d = received('/oncall', isD).map((n) => n.body.status);
    expect(d, 'one page and one resolution for the flapping flow').toEqual(['firing', 'resolved']);

    // Every receiver also mails, in French, with the Paris time (templates/vigie.tmpl).
    const address: Record<string, string> = { '/oncall': 'astreinte@region.example', '/regional-page': 'exploitation-astreinte@region.example', '/establishment': 'dsi-etablissements@region.example' };
    await sleep(3000);
    const mailsTo = (a: string) => smtp.mails.filter((m) => m.to.includes(a));
    for (const [path, to] of Object.entries(address)) expect(mailsTo(to).length, `one mail per ${path} notification`).toBe(webhook.received.filter((n) => n.path === path).length);
    const paris = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(firedAt!));
    const part = (t: string) => paris.find((p) => p.type === t)!.value;
    const page = mailsTo(address['/oncall']!).find((m) => m.subject.includes('chu-a'));
    expect(page?.subject).toBe('[ALERTE : 1] RcpSessionAtRisk — chu-a (covotem)');
    expect(page?.text).toContain(`• RcpSessionAtRisk\n  Depuis le ${part('day')}/${part('month')}/${part('year')} à ${part('hour')}h${part('minute')} (heure de Paris).`);
    const resolved = mailsTo(address['/oncall']!).filter((m) => m.subject.includes('chu-d')).map((m) => m.subject);
    expect(resolved).toEqual(['[ALERTE : 1] RcpSessionAtRisk — chu-d (covotem)', '[RÉSOLU] RcpSessionAtRisk — chu-d (covotem)']);
    expect(JSON.stringify(smtp.mails)).not.toMatch(/FIRING|RESOLVED|<no value>/);
  }, 180_000);
});
