// `npm run image`: builds the probe image (deploy/Dockerfile) with podman, or docker where that is
// what the machine has, from the repository alone. The base is the official debian:bookworm-slim
// when it is present or can be pulled; otherwise a Debian rootfs made with mmdebstrap from the
// Debian mirror (hospitals and regions that reach a Debian mirror but no container registry), made
// once a day and kept as localhost/vigie-base:bookworm-YYYYMMDD-RECIPE. The host's CA bundle (which holds a
// TLS-inspecting proxy's CA where the host trusts one) reaches the build as the secret `build_ca`.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_TAG = 'vigie:local';
export const REGISTRY_BASE = 'docker.io/library/debian:bookworm-slim';
const SUITE = 'bookworm';
/** The same repositories as debian:bookworm-slim: Chromium's security updates come from -security. */
const MIRRORS = [
  `deb http://deb.debian.org/debian ${SUITE} main`,
  `deb http://deb.debian.org/debian ${SUITE}-updates main`,
  `deb http://deb.debian.org/debian-security ${SUITE}-security main`,
];
/** What debian:bookworm-slim leaves out too (the rules stay in the rootfs for later apt installs). */
const SLIM_DPKG = ['path-exclude=/usr/share/doc/*', 'path-include=/usr/share/doc/*/copyright', 'path-exclude=/usr/share/man/*', 'path-exclude=/usr/share/info/*', 'path-exclude=/usr/share/locale/*', 'path-include=/usr/share/locale/fr/*', 'path-exclude=/usr/share/lintian/*'];
/** Merged /usr made by mmdebstrap itself: no usrmerge package, so no Perl (47 MB) in the base. */
const MERGED_USR_HOOK = '/usr/share/mmdebstrap/hooks/merged-usr';
const CGROUP2_MAGIC = 0x63677270;

export interface Engine {
  cmd: 'podman' | 'docker';
  /** Global flags: podman's crun cannot run on hybrid cgroups, runc can (`build` takes it as its own flag). */
  global: string[];
  /** `run`/`build` flags: podman's default rlimits may exceed what the machine allows. */
  limits: string[];
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function hardLimit(flag: 'n' | 'u'): number {
  const out = spawnSync('bash', ['-c', `ulimit -H${flag}`], { encoding: 'utf8' }).stdout.trim();
  if (out === 'unlimited') return Infinity;
  // An unreadable limit leaves podman's default alone rather than asking for 0.
  return /^\d+$/.test(out) ? Number(out) : NaN;
}

/** The container engine of this machine, or undefined when it has none. */
export function findEngine(): Engine | undefined {
  if (has('podman')) {
    const cgroup2 = (() => {
      try {
        return statfsSync('/sys/fs/cgroup').type === CGROUP2_MAGIC;
      } catch {
        return true;
      }
    })();
    // runc where crun cannot run (hybrid cgroups) or is not installed (podman depends on either).
    const global = (!cgroup2 || !has('crun')) && has('runc') ? ['--runtime', 'runc'] : [];
    // podman asks for 1048576 open files by default; set limits the machine grants (runc is refused
    // an nproc near the hard limit too: Chromium needs a few hundred threads, not thousands).
    const nofile = Math.min(hardLimit('n'), 65_536);
    const nproc = Math.min(hardLimit('u'), 4096);
    const limits = nofile > 0 && nproc > 0 && !Number.isNaN(nofile + nproc) ? ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`] : [];
    return { cmd: 'podman', global, limits };
  }
  if (has('docker')) return { cmd: 'docker', global: [], limits: [] };
  return undefined;
}

/** The engine's command line for a subcommand: the global flags first, except for `build`. */
export function engineArgs(engine: Engine, args: readonly string[]): string[] {
  // `podman --runtime X build` crashes (podman 4.3): build takes the runtime as its own flag.
  return [...(args[0] === 'build' ? [] : engine.global), ...args];
}

/** Runs the engine; the output when `capture`, else streamed. Throws with the engine's words. */
/** `cmd args`, or the same at the lowest CPU priority (`nice -n 19`): it then takes only the cycles others leave. */
function command(cmd: string, args: string[], nice: boolean | undefined): [string, string[]] {
  return nice ? ['nice', ['-n', '19', cmd, ...args]] : [cmd, args];
}

export function engineRun(engine: Engine, args: string[], opts: { capture?: boolean; nice?: boolean } = {}): string {
  const r = spawnSync(...command(engine.cmd, engineArgs(engine, args), opts.nice), { encoding: 'utf8', stdio: ['ignore', opts.capture ? 'pipe' : 'inherit', opts.capture ? 'pipe' : 'inherit'], maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${engine.cmd} ${args[0]} failed (exit ${r.status ?? r.signal}): ${(r.stderr ?? '').trim().split('\n').slice(-8).join(' / ')}`);
  return r.stdout ?? '';
}

function imageExists(engine: Engine, name: string): boolean {
  return spawnSync(engine.cmd, engineArgs(engine, ['image', 'inspect', name]), { stdio: 'ignore' }).status === 0;
}

/** A Debian rootfs from the mirror, imported as an image (about 30 s; once a day). */
function debootstrappedBase(engine: Engine, log: (s: string) => void, nice?: boolean): string {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  // A new recipe makes a new base the same day.
  const recipe = createHash('sha256').update(JSON.stringify([MIRRORS, SLIM_DPKG, MERGED_USR_HOOK])).digest('hex').slice(0, 8);
  const name = `localhost/vigie-base:${SUITE}-${day}-${recipe}`;
  if (imageExists(engine, name)) return name;
  if (!has('mmdebstrap')) throw new Error(`no base image: ${REGISTRY_BASE} cannot be pulled and mmdebstrap is not installed (apt-get install mmdebstrap)`);
  const dir = mkdtempSync(join(tmpdir(), 'vigie-rootfs-'));
  try {
    const tar = join(dir, 'rootfs.tar');
    log(`image: making a Debian ${SUITE} rootfs from the mirror (mmdebstrap)`);
    execFileSync(...command('mmdebstrap', ['--quiet', '--variant=minbase', `--hook-dir=${MERGED_USR_HOOK}`, ...SLIM_DPKG.map((o) => `--dpkgopt=${o}`), SUITE, tar, ...MIRRORS], nice), { stdio: ['ignore', 'inherit', 'inherit'] });
    engineRun(engine, ['import', '--quiet', '--change', 'CMD ["bash"]', tar, name], { capture: true, nice });
    return name;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type BaseChoice = 'auto' | 'registry' | 'mmdebstrap';

/** The base image to build on: the registry's when present or pullable, else one made from the mirror. */
export function chooseBase(engine: Engine, choice: BaseChoice, log: (s: string) => void = () => {}, nice?: boolean): string {
  if (choice !== 'mmdebstrap') {
    if (imageExists(engine, REGISTRY_BASE)) return REGISTRY_BASE;
    const pulled = spawnSync(engine.cmd, engineArgs(engine, ['pull', '--quiet', REGISTRY_BASE]), { stdio: 'ignore', timeout: 120_000 }).status === 0;
    if (pulled) return REGISTRY_BASE;
    if (choice === 'registry') throw new Error(`${REGISTRY_BASE} cannot be pulled`);
    log(`image: ${REGISTRY_BASE} cannot be pulled; building the base from the Debian mirror`);
  }
  return debootstrappedBase(engine, log, nice);
}

export interface BuildOptions {
  tag?: string;
  base?: BaseChoice;
  /** CA bundle for the build's downloads; default the host's bundle when it exists. */
  caFile?: string;
  log?: (s: string) => void;
  /** Stream the engine's output (the command line) or keep it quiet (the tests). */
  quiet?: boolean;
  /** At the lowest CPU priority: the suite builds it while its other files run (test/deploy/image-build.test.ts). */
  nice?: boolean;
}

/** The tag the tests build and run. */
export const TEST_TAG = 'localhost/vigie:test';

export const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export function buildImage(engine: Engine, opts: BuildOptions = {}): string {
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const tag = opts.tag ?? DEFAULT_TAG;
  const base = chooseBase(engine, opts.base ?? 'auto', log, opts.nice);
  const ca = opts.caFile ?? (existsSync(HOST_CA_BUNDLE) ? HOST_CA_BUNDLE : undefined);
  log(`image: building ${tag} on ${base} with ${engine.cmd}${ca ? ` (build CA: ${ca})` : ''}`);
  const args = ['build', '--network', 'host', '--file', join(ROOT, 'deploy', 'Dockerfile'), '--tag', tag, '--build-arg', `BASE=${base}`, ...engine.limits];
  // podman's default OCI format has no HEALTHCHECK.
  if (engine.cmd === 'podman') args.push('--format', 'docker', '--layers', ...engine.global);
  if (ca) args.push('--secret', `id=build_ca,src=${ca}`);
  args.push(ROOT);
  engineRun(engine, opts.quiet ? [...args.slice(0, 1), '--quiet', ...args.slice(1)] : args, { capture: opts.quiet ?? false, nice: opts.nice ?? false });
  return tag;
}

export interface ImageSize {
  bytes: number;
  layers: { size: number; createdBy: string }[];
}

export function imageSize(engine: Engine, tag: string): ImageSize {
  const bytes = Number(engineRun(engine, ['image', 'inspect', '--format', '{{.Size}}', tag], { capture: true }).trim());
  const history = engineRun(engine, ['history', '--no-trunc', '--format', '{{.Size}}\t{{.CreatedBy}}', tag], { capture: true });
  const layers = history
    .trim()
    .split('\n')
    .map((line) => {
      const [size = '', createdBy = ''] = line.split('\t');
      return { size: parseHumanSize(size), createdBy: createdBy.replace(/\s+/g, ' ').slice(0, 110) };
    })
    .filter((l) => l.size > 0);
  return { bytes, layers };
}

function parseHumanSize(s: string): number {
  const m = /^([\d.]+)\s*([kMG]?B)$/.exec(s.trim());
  if (!m) return 0;
  return Number(m[1]) * ({ B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2] as 'B' | 'kB' | 'MB' | 'GB'] ?? 1);
}

function usage(): never {
  process.stderr.write('usage: npm run image -- [--tag NAME] [--base auto|registry|mmdebstrap] [--ca-file PATH]\n');
  process.exit(2);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const opts: BuildOptions = {};
  for (let i = 0; i < args.length; i++) {
    const value = args[i + 1];
    if (value === undefined) usage();
    if (args[i] === '--tag') opts.tag = value;
    else if (args[i] === '--base' && ['auto', 'registry', 'mmdebstrap'].includes(value)) opts.base = value as BaseChoice;
    else if (args[i] === '--ca-file') opts.caFile = value;
    else usage();
    i++;
  }
  const engine = findEngine();
  if (!engine) {
    process.stderr.write('image: no container engine (install podman, or docker)\n');
    process.exit(2);
  }
  try {
    const tag = buildImage(engine, opts);
    const size = imageSize(engine, tag);
    process.stdout.write(`${tag}: ${(size.bytes / 1e6).toFixed(0)} MB\n`);
    for (const l of size.layers) process.stdout.write(`  ${(l.size / 1e6).toFixed(1).padStart(7)} MB  ${l.createdBy}\n`);
  } catch (e) {
    process.stderr.write(`image: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
