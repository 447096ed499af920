// Fleet-scale catalogs: the region publishes its catalogs at one HTTPS URL (a multi-document YAML,
// one catalog per document) that every probe polls. A bundle is applied only when every catalog in
// it validates; otherwise the probe keeps the last good one (also kept on disk, so a restart
// without the network still has it). An IP change in a seed document reaches every probe within
// one poll interval.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import type { ProxySettings } from '../probes/contract.ts';
import { type Catalog, catalogFromData } from './catalog.ts';
import { type Fetched, fetchUrl } from './fetch-url.ts';
import { InputError, type InputProblem, formatProblem } from './input-error.ts';

export const remoteSchema = z
  .object({
    /** HTTPS URL of the region's catalog bundle (multi-document YAML). */
    url: z.url({ protocol: /^https?$/ }).describe("URL of the region's catalog bundle (multi-document YAML, one catalog per document)."),
    /** Poll interval. Default 5 minutes. */
    interval_seconds: z.number().int().min(5).max(86_400).default(300).describe('Poll interval in seconds.'),
    /** Where the last good bundle is kept across restarts. */
    cache_file: z.string().default('/var/lib/vigie/catalogs.yaml').describe('File keeping the last good bundle across restarts.'),
  })
  .strict();

export type RemoteConfig = z.output<typeof remoteSchema>;

/** Parses a bundle; every catalog must validate and platforms must be unique, else InputError. */
export function parseBundle(text: string, source: string): Catalog[] {
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const problems: InputProblem[] = [];
  const out: Catalog[] = [];
  for (const [i, doc] of list.entries()) {
    const name = `${source}#${i + 1}`;
    if (doc.errors.length) {
      problems.push({ file: name, path: '', message: `YAML: ${doc.errors[0]!.message.split('\n')[0]}` });
      continue;
    }
    try {
      const c = catalogFromData(doc.toJS(), name);
      if (out.some((o) => o.platform === c.platform)) problems.push({ file: name, path: 'platform', message: `platform "${c.platform}" appears twice in the bundle` });
      else out.push(c);
    } catch (e) {
      if (e instanceof InputError) problems.push(...e.problems);
      else throw e;
    }
  }
  if (!out.length && !problems.length) problems.push({ file: source, path: '', message: 'the bundle holds no catalog' });
  if (problems.length) throw new InputError(problems);
  return out;
}

export interface PollOutcome {
  changed: boolean;
  catalogs?: Catalog[];
  error?: string;
}

export class RemoteCatalogs {
  private etag: string | undefined;
  private lastText: string | undefined;
  private readonly cfg: RemoteConfig;
  private readonly proxy: ProxySettings | undefined;

  constructor(cfg: RemoteConfig, proxy: ProxySettings | undefined) {
    this.cfg = cfg;
    this.proxy = proxy;
  }

  /** The last good bundle kept on disk, if any and still valid. */
  cached(): Catalog[] | undefined {
    try {
      const text = readFileSync(this.cfg.cache_file, 'utf8');
      const catalogs = parseBundle(text, this.cfg.cache_file);
      this.lastText = text;
      return catalogs;
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
    let catalogs: Catalog[];
    try {
      catalogs = parseBundle(res.text, this.cfg.url);
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
    } catch {
      // A read-only disk only costs the restart-without-network case.
    }
    return { changed: true, catalogs };
  }
}
