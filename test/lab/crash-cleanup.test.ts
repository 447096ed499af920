// A bench or demo that crashes (an uncaught exception) leaves no lab server listening and none of
// its folders (keys, secrets) on disk: a real OpenSSL OCSP responder, started by a real process.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../lab/paths.ts';

const SCRIPT = `
import { makeOcspLab } from ${JSON.stringify(join(REPO_ROOT, 'lab', 'ocsp-pki.ts'))};
const lab = await makeOcspLab();
await lab.startResponder();
console.log(JSON.stringify({ port: lab.ocspPort, dir: lab.dir }));
throw new Error('the bench crashed');
`;

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('lab clean-up when its process crashes', () => {
  it('kills the OCSP responder and removes the lab folder', async () => {
    // Outside a test run: no manifest, as a bench or the demo runs.
    const env = { ...process.env };
    delete env.VIGIE_LAB_MANIFEST;
    const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise((r) => child.once('exit', r));
    expect(err).toContain('the bench crashed');
    expect(code).not.toBe(0);
    const { port, dir } = JSON.parse(out.trim()) as { port: number; dir: string };
    // The responder answered while the lab ran (startResponder waits for it), and not after.
    const deadline = Date.now() + 3000;
    while ((await answers(port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await answers(port), `the responder on ${port} still answers`).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});
