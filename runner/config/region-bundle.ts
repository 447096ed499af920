// Fleet-scale catalogs: the region publishes its catalogs at one HTTPS URL (a multi-document YAML,
// one catalog per document, plus at most one `region_config:` document with the checks and
// scenarios the region sets) that every probe polls. A bundle is applied only when every catalog in
// it validates; otherwise the probe keeps the last good one (also kept on disk, so a restart
// without the network still has it). An IP change in a seed document reaches every probe within
// one poll interval. With the region's key pinned (remote.public_keys), only a bundle the region
// signed is applied (bundle-signature.ts); its signature is kept beside the cached copy.
import type { KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ProxySettings } from '../core/contract.ts';
import { type Catalog, catalogFromData } from './catalog.ts';
import { parsePublicKey, verifyBundle } from './bundle-signature.ts';
import { applyDestinationPolicy, applyToRegionScenarios, type DestinationPolicy, type RefusedDestination } from './destinations.ts';
import { type Fetched, fetchUrl } from './fetch-url.ts';
import { documentData, InputError, type InputProblem, formatProblem } from './input-error.ts';
import { type RawConfig, type RemoteConfig, validateConfig, type VigieConfig } from './config.ts';

/** Documents one bundle may hold: a region has a few dozen platforms at most. */
const MAX_BUNDLE_DOCUMENTS = 200;

export interface Bundle {
  catalogs: Catalog[];
  /** The region's `checks` and `scenarios`, when the bundle has a `region_config:` document. */
  regionConfig?: RawConfig;
}

/** Parses a bundle; every catalog must validate and platforms must be unique, else InputError. */
export function parseBundle(text: string, source: string): Catalog[] {
  return parseBundleDocs(text, source).catalogs;
}

export function parseBundleDocs(text: string, source: string): Bundle {
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.length > MAX_BUNDLE_DOCUMENTS) throw new InputError([{ file: source, path: '', message: `${list.length} documents: a bundle may hold at most ${MAX_BUNDLE_DOCUMENTS} (one per platform and a region_config); refused` }]);
  const problems: InputProblem[] = [];
  const out: Catalog[] = [];
  let regionConfig: RawConfig | undefined;
  for (const [i, doc] of list.entries()) {
    const name = `${source}#${i + 1}`;
    if (doc.errors.length) {
      problems.push({ file: name, path: '', message: `YAML: ${doc.errors[0]!.message.split('\n')[0]}` });
      continue;
    }
    let data: unknown;
    try {
      data = documentData(doc, name);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      problems.push(...e.problems);
      continue;
    }
    if (typeof data === 'object' && data !== null && 'region_config' in data) {
      const rc = (data as { region_config: unknown }).region_config;
      if (regionConfig) problems.push({ file: name, path: 'region_config', message: 'the bundle holds two region_config documents' });
      else if (typeof rc !== 'object' || rc === null || Array.isArray(rc)) problems.push({ file: name, path: 'region_config', message: 'expected a mapping' });
      else regionConfig = rc as RawConfig;
      continue;
    }
    try {
      const c = catalogFromData(data, name);
      if (out.some((o) => o.platform === c.platform)) problems.push({ file: name, path: 'platform', message: `platform "${c.platform}" appears twice in the bundle` });
      else out.push(c);
    } catch (e) {
      if (e instanceof InputError) problems.push(...e.problems);
      else throw e;
    }
  }
  if (!out.length && !problems.length) problems.push({ file: source, path: '', message: 'the bundle holds no catalog' });
  if (problems.length) throw new InputError(problems);
  return { catalogs: out, ...(regionConfig ? { regionConfig } : {}) };
}

interface Accepted {
  catalogs: Catalog[];
  config?: VigieConfig;
  refused: RefusedDestination[];
}

export interface PollOutcome {
  changed: boolean;
  /** A bundle refused for its signature (missing, malformed, or from no pinned key). */
  refusedSignature?: boolean;
  /** Rows of an applied bundle that the establishment's destinations refuse. */
  refused?: RefusedDestination[];
  catalogs?: Catalog[];
  /** The effective config (the region's settings under the local file's), when the bundle changed. */
  config?: VigieConfig;
  error?: string;
}

/** Builds the effective config from the region's settings; throws InputError when they do not validate. */
export type RegionConfigCheck = (region: RawConfig | undefined, source: string) => VigieConfig;

export class RemoteCatalogs {
  private etag: string | undefined;
  private lastText: string | undefined;
  private readonly cfg: RemoteConfig;
  private readonly proxy: ProxySettings | undefined;
  private readonly effective: RegionConfigCheck | undefined;
  /** The pinned keys; empty only with allow_unsigned. */
  private readonly keys: KeyObject[];
  private readonly policy: DestinationPolicy | undefined;

  constructor(cfg: RemoteConfig, proxy: ProxySettings | undefined, effective?: RegionConfigCheck, policy?: DestinationPolicy) {
    this.cfg = cfg;
    this.proxy = proxy;
    this.effective = effective;
    this.policy = policy;
    this.keys = (cfg.public_keys ?? []).map(parsePublicKey);
  }

  private get signatureUrl(): string {
    return this.cfg.signature_url ?? `${this.cfg.url}.sig`;
  }

  /** Why these bytes are not the region's, or undefined when a pinned key signed them (or none is pinned). */
  private signatureProblem(text: string, signature: string | undefined): string | undefined {
    if (!this.keys.length) return undefined;
    if (signature === undefined) return 'no signature';
    const check = verifyBundle(text, signature, this.keys);
    return check.ok ? undefined : check.why;
  }

  /**
   * Parses and checks a bundle as a whole: its catalogs and the config its region settings give,
   * without the destinations the establishment refuses (returned, to be reported).
   */
  private accept(text: string, source: string): Accepted {
    const b = parseBundleDocs(text, source);
    let { catalogs, regionConfig } = b;
    const refused: RefusedDestination[] = [];
    if (this.policy) {
      const rows = applyDestinationPolicy(catalogs, this.policy);
      catalogs = rows.catalogs;
      refused.push(...rows.refused);
      if (regionConfig && 'scenarios' in regionConfig) {
        const scn = applyToRegionScenarios(regionConfig.scenarios, this.policy);
        regionConfig = { ...regionConfig, scenarios: scn.scenarios };
        refused.push(...scn.refused);
      }
    }
    return { catalogs, refused, ...(this.effective ? { config: this.effective(regionConfig, source) } : {}) };
  }

  /** The last good bundle kept on disk, if any and still valid. */
  cached(): Accepted | undefined {
    try {
      const text = readFileSync(this.cfg.cache_file, 'utf8');
      const signature = this.keys.length ? readFileSync(`${this.cfg.cache_file}.sig`, 'utf8') : undefined;
      if (this.signatureProblem(text, signature)) return undefined;
      const accepted = this.accept(text, this.cfg.cache_file);
      this.lastText = text;
      return accepted;
    } catch {
      return undefined;
    }
  }

  /** Fetches the bundle; returns the new catalogs when they changed and validate. Never throws. */
  async poll(): Promise<PollOutcome> {
    let res: Fetched;
    try {
      res = await fetchUrl(this.cfg.url, this.proxy, this.etag ? { etag: this.etag } : {});
    } catch (e) {
      return { changed: false, error: `cannot fetch ${this.cfg.url}: ${(e as Error).message}` };
    }
    if (res.status === 304) return { changed: false };
    if (res.status !== 200) return { changed: false, error: `${this.cfg.url} answered HTTP ${res.status}` };
    if (res.text === this.lastText) return { changed: false };
    let signature: string | undefined;
    if (this.keys.length) {
      try {
        const sig = await fetchUrl(this.signatureUrl, this.proxy);
        if (sig.status === 200) signature = sig.text;
      } catch {
        // No signature is the same refusal as a wrong one.
      }
      const problem = this.signatureProblem(res.text, signature);
      if (problem) return { changed: false, refusedSignature: true, error: `bundle refused, keeping the last good catalogs: its signature (${this.signatureUrl}) does not verify: ${problem}` };
    }
    let accepted: Accepted;
    try {
      accepted = this.accept(res.text, this.cfg.url);
    } catch (e) {
      const why = e instanceof InputError ? e.problems.map(formatProblem).join('; ') : (e as Error).message;
      return { changed: false, error: `bundle rejected, keeping the last good catalogs: ${why}` };
    }
    this.etag = res.etag;
    this.lastText = res.text;
    try {
      mkdirSync(dirname(this.cfg.cache_file), { recursive: true });
      writeFileSync(`${this.cfg.cache_file}.tmp`, res.text);
      renameSync(`${this.cfg.cache_file}.tmp`, this.cfg.cache_file);
      if (signature !== undefined) writeFileSync(`${this.cfg.cache_file}.sig`, signature);
    } catch {
      // A read-only disk only costs the restart-without-network case.
    }
    return { changed: true, ...accepted };
  }
}

/**
 * The settings a region may ship to its probes with the catalogs: what to check and how often, and
 * the test rooms. Site, proxy, DNS, secrets and RCP sessions stay the establishment's own.
 */
export const REGION_KEYS = ['checks', 'scenarios'] as const;

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Region settings under the establishment's: mappings merge key by key, the local value wins; lists are replaced whole. */
export function underlay(region: unknown, local: unknown): unknown {
  if (local === undefined) return region;
  if (isMapping(region) && isMapping(local)) {
    const out: Record<string, unknown> = { ...region };
    for (const [k, v] of Object.entries(local)) out[k] = underlay(region[k], v);
    return out;
  }
  return local;
}

/** The effective config: the region's settings under the local file's, validated as a whole. */
export function withRegionConfig(local: RawConfig, region: RawConfig | undefined, source: string): VigieConfig {
  if (!region) return validateConfig(local, source);
  const unknown = Object.keys(region).filter((k) => !(REGION_KEYS as readonly string[]).includes(k));
  if (unknown.length) throw new InputError(unknown.map((k) => ({ file: source, path: `region_config.${k}`, message: `a region may set only ${REGION_KEYS.join(', ')}` })));
  return validateConfig(underlay(region, local) as RawConfig, source);
}
