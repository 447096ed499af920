// Set-up run before `npm test` and `npm run demo` (plain JS: it may run on the system's older Node).
// Installs missing Debian packages when root, npm dependencies when absent or stale (which brings
// the pinned Node 24 runtime), and checks that the runtime is there.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

run('bash', [join(root, 'deploy', 'install-system.sh'), join(root, 'deploy', 'system-packages.txt'), join(root, 'deploy', 'lab-packages.txt')]);

const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  console.error('setup: installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
}

const node = join(root, 'node_modules', 'node', 'bin', 'node');
const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
if (!version.startsWith('v24.')) {
  console.error(`setup: expected the pinned Node 24 runtime, found ${version}`);
  process.exit(1);
}

// The compiled JavaScript the image runs (dist/): tests compare it with the sources.
if (process.argv.includes('--build')) execFileSync(node, [join(root, 'scripts', 'build.ts')], { cwd: root, stdio: 'inherit' });
