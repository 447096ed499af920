// Idle memory of `vigie run` inside the probe image, run as docs/deployment.md says (read-only
// root, uid 1000, the data volume, host network), against the idle lab of bench/idle.ts: RSS of
// the probe's node process 15 s and 60 s after start, read from the host's /proc.
// `node bench/image-idle.ts [--tag NAME]` (default vigie:local: `npm run image` first).
import { chmodSync, chownSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_TAG, engineRun, findEngine } from '../deploy/image.ts';
import { labTempDir } from '../lab/temp.ts';
import { startIdleLab } from './idle.ts';
import { containerProcesses, memoryMiB, probeProcesses } from './proc.ts';

const { values } = parseArgs({ options: { tag: { type: 'string', default: DEFAULT_TAG } } });
const engine = findEngine();
if (!engine) {
  console.error('image-idle: no container engine (podman or docker) on this machine');
  process.exit(2);
}

const lab = await startIdleLab();
const labDir = dirname(lab.config);
const data = labTempDir('vigie-image-idle-');
const name = `vigie-image-idle-${process.pid}`;
try {
  chmodSync(labDir, 0o755);
  for (const f of readdirSync(labDir)) chmodSync(join(labDir, f), 0o644);
  mkdirSync(join(data, 'data'));
  chownSync(join(data, 'data'), 1000, 1000);
  const flags = [...engine.limits, '--network', 'host', '--read-only', '--tmpfs', '/tmp:size=512m', '-v', `${join(data, 'data')}:/var/lib/vigie`, '-v', `${labDir}:${labDir}:ro`];
  engineRun(engine, ['run', '--detach', '--name', name, ...flags, values.tag!, 'run', '--config', lab.config], { capture: true });
  const initPid = Number(engineRun(engine, ['inspect', '--format', '{{.State.Pid}}', name], { capture: true }).trim());
  const at = async (s: number) => {
    await new Promise((r) => setTimeout(r, s * 1000));
    const probe = probeProcesses(containerProcesses(initPid))[0];
    if (!probe) throw new Error('image-idle: the probe is not running in the container');
    const { pid } = probe;
    return { rss: memoryMiB(pid, 'VmRSS'), anon: memoryMiB(pid, 'RssAnon'), file: memoryMiB(pid, 'RssFile'), cmdline: probe.cmdline.filter(Boolean) };
  };
  const s15 = await at(15);
  const s60 = await at(45);
  console.log(`| idle \`vigie run\` in the image (\`${s60.cmdline.join(' ')}\`) | RSS at 15 s (MiB) | RSS at 60 s (MiB) | own pages at 60 s (RssAnon) | mapped files at 60 s (RssFile) |`);
  console.log('|---|---|---|---|---|');
  console.log(`| ${values.tag} | ${s15.rss.toFixed(1)} | ${s60.rss.toFixed(1)} | ${s60.anon.toFixed(1)} | ${s60.file.toFixed(1)} |`);
} finally {
  engineRun(engine, ['rm', '--force', '--time', '0', name], { capture: true });
  rmSync(data, { recursive: true, force: true });
  await lab.close();
}
