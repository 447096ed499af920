// `npm run demo -- --profile udp-blocked` as a user runs it: the banner, the status page and the
// metrics on the host's loopback, the fault visible there, and Ctrl-C leaving no process and no
// network namespace behind (browser scenarios included, which are running at that moment).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { closedPort } from './lab/servers.ts';

const root = join(import.meta.dirname, '..');

it('npm run demo -- --profile udp-blocked shows the fault live, and Ctrl-C stops everything', async () => {
  const port = await closedPort();
  const demo = spawn(process.execPath, [join(root, 'scripts', 'demo.ts'), '--profile', 'udp-blocked', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  demo.stdout.on('data', (d: Buffer) => (out += d.toString()));
  demo.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => demo.once('exit', (code) => r(code)));
  try {
    for (let i = 0; !/Vigie demo \(ready/.test(out); i++) {
      expect(demo.exitCode, out.slice(-2000)).toBeNull();
      expect(i, 'the demo is ready within 60 s').toBeLessThan(600);
      await new Promise((r) => setTimeout(r, 100));
    }
    const [, hospital, platform] = /probe in namespace (\S+), platform in (\S+);/.exec(out)!;
    expect(out).toContain(`http://127.0.0.1:${port}/`);
    expect(out).toContain('ask the network team: Open 3478/UDP');
    const labPids = [hospital!, platform!].flatMap((ns) => execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean));
    expect(labPids.length, 'probe, coturn, Janus, OCSP responder, lab servers').toBeGreaterThanOrEqual(6);

    // The blocked STUN flow shows on the status page and in the metrics, from the host's loopback.
    const base = `http://127.0.0.1:${port}`;
    let page = '';
    const stunRow = () => /<tr class="(\w+)" data-check="stun\|lab\|visio\.lab\.test\|3478\|udp">(.*?)<\/tr>/.exec(page);
    for (let i = 0; i < 60 && stunRow()?.[1] !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      page = await fetch(`${base}/`).then((r) => r.text());
    }
    expect(stunRow()?.[1]).toBe('failed');
    expect(stunRow()?.[2]).toContain('ÉCHEC');
    expect(stunRow()?.[2]).toContain('Aucune réponse STUN');
    expect(stunRow()?.[2]).toMatch(/Ouvrir 3478\/UDP sortant vers visio\.lab\.test \(10\.231\.\d+\.10\)/);
    const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
    expect(metrics).toContain('probe_success{platform="lab",host="visio.lab.test",port="3478",transport="udp",kind="stun"} 0');
    expect(metrics).toContain('probe_success{platform="lab",host="visio.lab.test",port="443",transport="tcp",kind="turns"} 1');

    demo.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(hospital);
    const alive = labPids.filter((pid) => {
      try {
        process.kill(Number(pid), 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive, 'lab processes left after Ctrl-C').toEqual([]);
    // Chromium was killed (SIGKILL) by the probe: give the kernel a moment to finish the tree.
    const chromium = () => spawnSync('pgrep', ['-f', 'vigie-run='], { encoding: 'utf8' }).stdout.trim();
    for (let i = 0; i < 50 && chromium() !== ''; i++) await new Promise((r) => setTimeout(r, 100));
    expect(chromium(), 'Chromium left after Ctrl-C').toBe('');
  } finally {
    if (demo.exitCode === null) demo.kill('SIGINT');
    await exited;
  }
}, 120_000);
