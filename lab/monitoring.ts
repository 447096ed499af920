// Real Prometheus and Alertmanager (Debian's binaries) on loopback for the end-to-end alerting
// test, and a webhook receiver that records the notifications Alertmanager delivers.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { closedPort } from './servers.ts';
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

async function waitHttp(url: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
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
  const port = await closedPort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { port, received, stop: () => new Promise((r) => server.close(() => r())) };
}

export async function startAlertmanager(configFile: string, webhookPort: number): Promise<Proc> {
  const dir = labTempDir('vigie-am-');
  const port = await closedPort();
  const config = readFileSync(configFile, 'utf8').replaceAll('127.0.0.1:9099', `127.0.0.1:${webhookPort}`);
  writeFileSync(join(dir, 'alertmanager.yml'), config);
  const child = spawn('prometheus-alertmanager', [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], { stdio: 'ignore' });
  await waitHttp(`http://127.0.0.1:${port}/-/ready`);
  return { port, stop: () => stopChild(child).then(() => rmSync(dir, { recursive: true, force: true })) };
}

export async function startPrometheus(opts: { rules: string; targets: string[]; labels: Record<string, string>; alertmanagerPort: number; intervalSeconds: number }): Promise<Proc> {
  const dir = labTempDir('vigie-prom-');
  const port = await closedPort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:
  scrape_interval: ${opts.intervalSeconds}s
  evaluation_interval: ${opts.intervalSeconds}s
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
  const child = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${dir}/data`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  await waitHttp(`http://127.0.0.1:${port}/-/ready`);
  return { port, stop: () => stopChild(child).then(() => rmSync(dir, { recursive: true, force: true })) };
}
