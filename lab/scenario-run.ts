// Runs browser scenarios from a config text, through the real config parser, shared context and
// executor, as `vigie scenario` does. Every browser test shares one media cache.
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult } from '../runner/core/contract.ts';
import { parseConfig, type VigieConfig } from '../runner/config/config.ts';
import { sharedContext, type SharedContext } from '../runner/engine/shared-context.ts';
import { executeCheck } from '../runner/engine/execute.ts';
import { scenarioChecks, type CheckSpec } from '../runner/engine/plan.ts';
import { labTempDir } from './temp.ts';

export const TEST_CACHE = join(tmpdir(), 'vigie-test-cache');

/** Chromium flags of the loopback lab: loopback candidates are ignored by default. */
export const LOOPBACK_ARGS = ['--allow-loopback-in-peer-connection'];

export interface ScenarioLab {
  config: VigieConfig;
  shared: SharedContext;
  specs: CheckSpec[];
  run(name: string, stop?: AbortSignal): Promise<CheckResult[]>;
}

export function scenarioLab(yamlText: string): ScenarioLab {
  const dir = labTempDir('vigie-scn-');
  const file = join(dir, 'vigie.yaml');
  writeFileSync(file, yamlText);
  const config = parseConfig(yamlText, file);
  const shared = sharedContext(config, file);
  const specs = scenarioChecks(config);
  return {
    config,
    shared,
    specs,
    run: (name, stop) => Promise.all(specs.filter((s) => s.scenario === name).map((s) => executeCheck(s, shared, stop))),
  };
}

/** Every Chromium process on the machine (only the browser tests start Chromium here). */
export function probeBrowserProcesses(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const exe = readlinkSync(`/proc/${name}/exe`);
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Zombies are gone in all but name: they hold no memory and no sockets.
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (/\/(chromium|chrome_crashpad_handler|chrome)$/.test(exe)) out.push(Number(name));
    } catch {
      // ended
    }
  }
  return out;
}
