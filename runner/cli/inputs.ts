// Config plus catalogs, as every command reads them, and the plan for a command's filters.
import { dirname, resolve } from 'node:path';
import { type Catalog, embeddedCatalogFiles, loadCatalogs } from '../config/catalog.ts';
import { loadRawConfig, type RawConfig, validateConfig, type VigieConfig } from '../config/config.ts';
import { InputError } from '../config/input-error.ts';
import { isScenarioKind, KIND_NAMES } from '../config/kinds.ts';
import { buildPlan, type Plan, sessionPlatforms } from '../engine/plan.ts';
import type { SharedContext } from '../engine/shared-context.ts';
import { UsageError } from './command.ts';

export interface Inputs {
  config: VigieConfig;
  /** The file's own mapping, under which a region's settings are merged (`remote`). */
  raw: RawConfig;
  configFile: string;
  catalogs: Catalog[];
  /** The config's own extra catalog files (kept when a region bundle replaces the embedded ones). */
  extraFiles: string[];
}

/** Config plus catalogs: `--catalog` replaces the embedded ones; the config's files are added. */
export function loadInputs(configPath: string | undefined, catalogArgs: readonly string[]): Inputs {
  const configFile = configPath ?? '(defaults)';
  const raw = loadRawConfig(configPath);
  const config = validateConfig(raw, configFile);
  const base = configPath ? dirname(resolve(configPath)) : process.cwd();
  const embedded = catalogArgs.length ? [...catalogArgs] : embeddedCatalogFiles();
  const extraFiles = config.catalogs.files.map((f) => resolve(base, f));
  let catalogs = loadCatalogs([...embedded, ...extraFiles]);
  const wanted = config.catalogs.platforms;
  if (wanted) {
    const unknown = wanted.filter((p) => !catalogs.some((c) => c.platform === p));
    if (unknown.length)
      throw new InputError(unknown.map((p) => ({ file: configFile, path: 'catalogs.platforms', message: `unknown platform "${p}" (known: ${catalogs.map((c) => c.platform).join(', ')})` })));
    // A chosen platform brings the platforms it depends on (the DCC web conference, TéléRCP's flows).
    const needed = new Set(wanted.flatMap((p) => sessionPlatforms(catalogs, p)));
    catalogs = catalogs.filter((c) => needed.has(c.platform));
  }
  const known = new Set(catalogs.map((c) => c.platform));
  const badSessions = [
    ...config.rcp.sessions.map((s, i) => ({ p: s.platform, path: `rcp.sessions[${i}].platform` })),
    ...config.rcp.ical.map((s, i) => ({ p: s.platform, path: `rcp.ical[${i}].platform` })),
  ].filter((x) => !known.has(x.p));
  if (badSessions.length) throw new InputError(badSessions.map((x) => ({ file: configFile, path: x.path, message: `unknown platform "${x.p}" (known: ${[...known].join(', ')})` })));
  return { config, raw, configFile, catalogs, extraFiles };
}

/** The plan of `vigie check` and `vigie report`: the catalogs' checks, filtered by platform and kind. */
export function planFor(inputs: Inputs, shared: SharedContext, platforms: readonly string[] = [], kinds: readonly string[] = []): Plan {
  const unknownPlatforms = platforms.filter((p) => !inputs.catalogs.some((c) => c.platform === p) && p !== 'site');
  if (unknownPlatforms.length) throw new UsageError(`unknown platform: ${unknownPlatforms.join(', ')} (known: ${inputs.catalogs.map((c) => c.platform).join(', ')})`);
  const unknownKinds = kinds.filter((k) => !(KIND_NAMES as readonly string[]).includes(k));
  if (unknownKinds.length) throw new UsageError(`unknown kind: ${unknownKinds.join(', ')} (known: ${KIND_NAMES.join(', ')})`);
  // Browser scenarios are heavy: `vigie check` runs them only when --kind names their kind.
  const plan = buildPlan(inputs.catalogs, inputs.config, shared.proxy, { platforms: platforms.filter((p) => p !== 'site'), kinds, scenarios: kinds.some(isScenarioKind) ? 'all' : 'none' });
  // --platform site, or no platform filter, keeps the site-wide checks.
  if (platforms.length && !platforms.includes('site')) plan.checks = plan.checks.filter((c) => c.target.platform !== 'site');
  return plan;
}
