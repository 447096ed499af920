// The parity matrix's network: the fault lab's two namespaces ("hospital", where Chromium and the
// probe run; "platform", where the servers run), one platform address per cell so that every cell
// has its own server on the documented port, and the cells' names in each namespace's hosts file
// (`ip netns exec` mounts /etc/netns/NS/hosts over /etc/hosts: Chromium and the probe both read it).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult } from '../../runner/core/contract.ts';
import { VIGIE_BIN } from '../paths.ts';
import { createNetLab, type NetLab } from '../fault/netns.ts';
import { labTempDir } from '../temp.ts';
import { launchParityChrome, type ParityChrome } from './chrome.ts';

export const PARITY_DOMAIN = 'parity.test';

export interface ParityLab {
  net: NetLab;
  dir: string;
  /** `name` → its platform address (each name given at creation has one). */
  ip(name: string): string;
  /** `name.parity.test`. */
  host(name: string): string;
  /** Chromium in the hospital namespace, trusting `roots` through its NSS database. */
  chrome(roots: readonly string[], args?: readonly string[]): Promise<ParityChrome>;
  /** `vigie check --format json` in the hospital namespace with this catalog and config. */
  check(catalogYaml: string, config: Record<string, unknown>, env?: Record<string, string>): Promise<{ code: number | null; results: CheckResult[]; stderr: string }>;
  stop(): Promise<void>;
}

/** First host octet of the cells' addresses (the platform's own is .1). */
const FIRST = 10;

export function createParityLab(names: readonly string[]): ParityLab {
  if (names.length > 240) throw new Error('a parity lab holds at most 240 names');
  const net = createNetLab({ extraPlatformHosts: names.map((_, i) => FIRST + i) });
  const dir = labTempDir('vigie-parity-');
  const addresses = new Map(names.map((n, i) => [n, net.platformAddress(FIRST + i)]));
  const host = (name: string) => `${name}.${PARITY_DOMAIN}`;
  const hostsDirs = [net.hospital, net.platform].map((ns) => join('/etc/netns', ns));
  // Each name also with its final dot: Chrome resolves STUN and TURN server names as fully
  // qualified ones (its P2P resolver appends the dot), which a hosts file must list as such.
  const hosts = ['127.0.0.1 localhost', ...names.map((n) => `${addresses.get(n)} ${host(n)} ${host(n)}.`)].join('\n');
  for (const d of hostsDirs) {
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'hosts'), `${hosts}\n`);
  }
  const browsers: ParityChrome[] = [];
  return {
    net,
    dir,
    ip(name) {
      const a = addresses.get(name);
      if (!a) throw new Error(`no parity address for "${name}"`);
      return a;
    },
    host,
    async chrome(roots, args = []) {
      const c = await launchParityChrome({ netns: net.hospital, dir: join(dir, `chrome-${browsers.length}`), roots, args });
      browsers.push(c);
      return c;
    },
    async check(catalogYaml, config, env = {}) {
      const catalogFile = join(dir, 'catalog.yaml');
      const configFile = join(dir, 'vigie.yaml');
      writeFileSync(catalogFile, catalogYaml);
      writeFileSync(configFile, JSON.stringify(config));
      const { code, stdout, stderr } = await net.runAsync(net.hospital, process.execPath, [VIGIE_BIN, 'check', '--config', configFile, '--catalog', catalogFile, '--format', 'json'], { cwd: dir, env: { ...process.env, ...env } });
      try {
        return { code, results: (JSON.parse(stdout) as { results: CheckResult[] }).results, stderr };
      } catch {
        throw new Error(`vigie check (exit ${code}) printed no JSON: ${stderr.slice(-1500)}`);
      }
    },
    async stop() {
      await Promise.all(browsers.map((b) => b.close().catch(() => {})));
      net.destroy();
      for (const d of hostsDirs) rmSync(d, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
