// Real Prometheus and Alertmanager (Debian's binaries) on loopback for the end-to-end alerting
// test, and a webhook receiver that records the notifications Alertmanager delivers.
import { type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { readyEndpointOk, startListeningChild } from './listening-child.ts';
import { closedPort, listen } from './servers.ts';
import { labTempDir } from './temp.ts';

export interface Proc {
  port: number;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

export interface Notification {
  at: number;
  path: string;
  body: { status: string; alerts: { labels: Record<string, string>; annotations: Record<string, string> }[] };
}

export async function startWebhook(): Promise<Proc & { received: Notification[] }> {
  const received: Notification[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      try {
        received.push({ at: Date.now(), path: req.url ?? '', body: JSON.parse(body) as Notification['body'] });
      } catch {}
      res.writeHead(200).end();
    });
  });
  const { port, close } = await listen(server);
  return { port, received, stop: close };
}

export interface Mail {
  at: number;
  to: string[];
  subject: string;
  text: string;
}

/** A real SMTP server (nodemailer's smtp-server) on loopback that keeps every mail Alertmanager sends. */
export async function startSmtpSink(): Promise<Proc & { mails: Mail[] }> {
  const { SMTPServer } = await import('smtp-server');
  const { simpleParser } = await import('mailparser');
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, done) {
      simpleParser(stream).then(
        (m) => {
          mails.push({ at: Date.now(), to: session.envelope.rcptTo.map((r) => r.address), subject: m.subject ?? '', text: m.text ?? '' });
          done();
        },
        (e: Error) => done(e),
      );
    },
  });
  // Port 0: the kernel's choice cannot be taken between a check and the bind.
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, stop: () => new Promise((r) => server.close(() => r())) };
}

/**
 * The shipped configuration, run for real: its webhooks and SMTP relay pointed at the lab's, its
 * templates read from the repository, times in Europe/Paris (TZ, as the deployments set it).
 */
export async function startAlertmanager(configFile: string, webhookPort: number, smtpPort?: number): Promise<Proc> {
  const dir = labTempDir('vigie-am-');
  let config = readFileSync(configFile, 'utf8')
    .replaceAll('127.0.0.1:9099', `127.0.0.1:${webhookPort}`)
    .replaceAll('/etc/alertmanager/templates/', `${join(dirname(configFile), 'templates')}/`);
  // Without a sink, mails go to a closed port: Alertmanager logs the failure, the webhooks still work.
  config = config.replace(/smtp_smarthost: .*/, `smtp_smarthost: 127.0.0.1:${smtpPort ?? (await closedPort())}`).replace(/smtp_require_tls: .*/, 'smtp_require_tls: false');
  writeFileSync(join(dir, 'alertmanager.yml'), config);
  const { child, port } = await startListeningChild({
    command: 'prometheus-alertmanager',
    args: (p) => [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${p}`, '--cluster.listen-address='],
    env: { ...process.env, TZ: 'Europe/Paris' },
    ready: readyEndpointOk,
  });
  return { port, stop: () => stopChild(child).then(() => rmSync(dir, { recursive: true, force: true })) };
}

/** `labels` go on the scrape target (as the agent's remote write delivers them centrally); `externalLabels` only on what leaves this Prometheus. */
export async function startPrometheus(opts: { rules: string; targets: string[]; labels: Record<string, string>; externalLabels?: Record<string, string>; alertmanagerPort: number; intervalSeconds: number }): Promise<Proc> {
  const dir = labTempDir('vigie-prom-');
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:
  scrape_interval: ${opts.intervalSeconds}s
  evaluation_interval: ${opts.intervalSeconds}s
  external_labels: ${JSON.stringify(opts.externalLabels ?? {})}
rule_files: ["${opts.rules}"]
alerting:
  alertmanagers:
    - static_configs: [{ targets: ["127.0.0.1:${opts.alertmanagerPort}"] }]
scrape_configs:
  - job_name: vigie
    static_configs:
      - targets: ${JSON.stringify(opts.targets)}
        labels: ${JSON.stringify(opts.labels)}
`,
  );
  const { child, port } = await startListeningChild({
    command: 'prometheus',
    args: (p) => [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${dir}/data`, `--web.listen-address=127.0.0.1:${p}`],
    ready: readyEndpointOk,
  });
  return { port, stop: () => stopChild(child).then(() => rmSync(dir, { recursive: true, force: true })) };
}
