// Catalogs: one YAML per platform, transcribed from its seed document. Loaded and validated with
// zod (unknown keys rejected, every problem reported with file and path), then flattened into the
// rows of `vigie catalog --format json`.
import { readdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PROBES, ROW_KINDS, type ProbeKind } from '../../probes/index.ts';
import { InputError, type InputProblem, parseYaml, readInputFile, zodProblems } from './input-error.ts';
import { PORT_ROLES, type PortRole } from '../core/contract.ts';

export const EMBEDDED_CATALOG_DIR = fileURLToPath(new URL('../../catalog/', import.meta.url));

const checkKind = z.enum(ROW_KINDS);

/** The row kinds for which `cannot` holds (from each kind's planning: transports, URL rows, port ranges). */
function rowKindsWhere(cannot: (p: Extract<(typeof PROBES)[ProbeKind]['planning'], { scope: 'row' }>) => boolean): ProbeKind[] {
  return ROW_KINDS.filter((k) => {
    const p = PROBES[k].planning;
    return p.scope === 'row' && cannot(p);
  });
}
const TCP_ONLY = rowKindsWhere((p) => !p.transports.includes('udp'));
const FLOW_ONLY = rowKindsWhere((p) => !p.urls);
const NO_RANGE = rowKindsWhere((p) => !p.portRanges);
const listed = (kinds: readonly string[]) => (kinds.length > 1 ? `${kinds.slice(0, -1).join(', ')} and ${kinds.at(-1)}` : (kinds[0] ?? ''));
const hostname = z
  .string()
  .min(1)
  .refine((h) => isIP(h) !== 0 || /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(h), 'not a valid host name');
const ip = z.string().refine((s) => isIP(s) !== 0, 'not an IP address');
const port = z.union([
  z.number().int().min(1).max(65535),
  z
    .string()
    .regex(/^\d{1,5}-\d{1,5}$/, 'a port range is written "49152-65535"')
    .refine((r) => {
      const [a, b] = r.split('-').map(Number) as [number, number];
      return a >= 1 && b <= 65535 && a < b;
    }, 'a port range goes from a lower to a higher port within 1-65535'),
]);

const tlsExpect = z
  .object({
    /** Substrings one certificate above the leaf must carry in its subject (the CA the document names). */
    issuers: z.array(z.string().min(1)).default([]),
    /** base64 SHA-256 pins of an intermediate's or root's SPKI. */
    spki_sha256: z.array(z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'a base64 SHA-256 pin')).default([]),
  })
  .strict();

/**
 * The documents' environment labels and the stage each belongs to. Every production-stage label is
 * required infrastructure (Therap-e: « réaliser ces paramétrages vers les deux environnements »;
 * Covotem's "All environnements" OCSP and CRT hosts): only `preproduction` rows are optional.
 */
export const ENVIRONMENTS = {
  production: 'production',
  all: 'production',
  'environnement-1': 'production',
  'environnement-2': 'production',
  'salles-fixes': 'production',
  preproduction: 'preproduction',
} as const;
export type EnvironmentStage = (typeof ENVIRONMENTS)[keyof typeof ENVIRONMENTS];
export const STAGES = ['production', 'preproduction'] as const;

/** The stage of a row's environment label (rows without one are production). */
export function stageOf(environment: string | undefined): EnvironmentStage {
  return environment ? ENVIRONMENTS[environment as keyof typeof ENVIRONMENTS] : 'production';
}

const common = {
  checks: z.array(checkKind),
  /** What the TLS chain must look like; a chain that validates but does not match is tls_intercepted. */
  tls_expect: tlsExpect.optional(),
  usage: z.string().optional(),
  environment: z.enum(Object.keys(ENVIRONMENTS) as [keyof typeof ENVIRONMENTS]).optional(),
  /** This row's application goes without the proxy (overrides the platform's `bypasses_proxy`). */
  bypasses_proxy: z.boolean().optional(),
  note: z.string().optional(),
  source: z.string().min(1, 'every row names the section of the document it comes from'),
};

const flowSchema = z
  .object({
    host: hostname,
    ips: z.array(ip),
    /** False when the document warns that the addresses move (CDN). */
    ips_stable: z.boolean().default(true),
    aliases: z.array(hostname).optional(),
    port,
    transport: z.enum(['tcp', 'udp']),
    direction: z.enum(['out', 'in']),
    /** `ice-media`: the ICE port of a WebRTC media server; its silence is unproven, not a blocked flow. */
    role: z.enum(PORT_ROLES).optional(),
    ...common,
  })
  .strict()
  .superRefine((row, ctx) => {
    if (row.transport === 'udp' && row.checks.some((c) => TCP_ONLY.includes(c)))
      ctx.addIssue({ code: 'custom', path: ['checks'], message: `${listed(TCP_ONLY)} checks need transport tcp` });
    if (typeof row.port === 'string' && row.checks.some((c) => NO_RANGE.includes(c)))
      ctx.addIssue({ code: 'custom', path: ['checks'], message: `a port range can only be checked by ${listed(ROW_KINDS.filter((k) => !NO_RANGE.includes(k)))} (and media tests)` });
    if (row.direction === 'in' && row.checks.length)
      ctx.addIssue({ code: 'custom', path: ['checks'], message: 'an inbound flow cannot be checked from inside the establishment: leave checks empty' });
  });

const urlSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
    ips: z.array(ip).default([]),
    ips_stable: z.boolean().default(true),
    ...common,
  })
  .strict()
  .superRefine((row, ctx) => {
    if (row.checks.some((c) => FLOW_ONLY.includes(c)))
      ctx.addIssue({ code: 'custom', path: ['checks'], message: `${listed(FLOW_ONLY)} checks belong on flow rows (host, port, transport), not on URLs` });
  });

export const catalogFileSchema = z
  .object({
    platform: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'platform ids are lower-case words joined by dashes'),
    title: z.string().min(1),
    operator: z.string().min(1),
    seed: z.string().optional(),
    min_tls_version: z.enum(['1.0', '1.1', '1.2', '1.3']).optional(),
    requires_clock_sync: z.boolean().default(false),
    rejects_ntlm_proxy: z.boolean().default(false),
    /**
     * Platforms whose flows this one uses (the DCC web conference runs on TéléRCP's infrastructure:
     * « cf. Document de prérequis »): an RCP session of this platform checks theirs too.
     */
    depends_on: z.array(z.string()).default([]),
    /** The application is used « hors proxy »: its flows are checked on the direct path. */
    bypasses_proxy: z.boolean().default(false),
    notes: z.array(z.object({ text: z.string(), source: z.string() }).strict()).default([]),
    flows: z.array(flowSchema).default([]),
    urls: z.array(urlSchema).default([]),
  })
  .strict();

export type CatalogFile = z.output<typeof catalogFileSchema>;
export type FlowEntry = CatalogFile['flows'][number];
export type UrlEntry = CatalogFile['urls'][number];

export interface Catalog extends CatalogFile {
  file: string;
}

/** A row of `vigie catalog --format json` (a documented flow, or a URL), the contract scripts rely on. */
export type CatalogRow =
  | {
      platform: string;
      host: string;
      ips: string[];
      port: number | string;
      transport: 'tcp' | 'udp';
      direction: 'out' | 'in';
      checks: string[];
      source: string;
      role?: PortRole;
      usage?: string;
      environment?: string;
      note?: string;
    }
  | { platform: string; url: string; ips: string[]; checks: string[]; source: string; usage?: string; environment?: string; note?: string };

/** Parses YAML text into a validated catalog, or throws InputError naming every problem. */
export function parseCatalog(text: string, file: string): Catalog {
  return catalogFromData(parseYaml(text, file), file);
}

/** Validates already parsed YAML data (a catalog file, or one document of a region bundle). */
/** Rows one catalog may hold (the largest shipped one has a few dozen): checked before validating them. */
export const MAX_CATALOG_ROWS = 2000;

export function catalogFromData(data: unknown, file: string): Catalog {
  if (typeof data === 'object' && data !== null) {
    const rows = ['flows', 'urls'].map((k) => (data as Record<string, unknown>)[k]).reduce<number>((n, v) => n + (Array.isArray(v) ? v.length : 0), 0);
    if (rows > MAX_CATALOG_ROWS) throw new InputError([{ file, path: '', message: `${rows} flows and URLs: a catalog may hold at most ${MAX_CATALOG_ROWS}; refused` }]);
  }
  const parsed = catalogFileSchema.safeParse(data);
  if (!parsed.success) throw new InputError(zodProblems(file, parsed.error));
  return { ...parsed.data, file };
}

export function loadCatalogFile(path: string): Catalog {
  return parseCatalog(readInputFile(path), path);
}

export function embeddedCatalogFiles(): string[] {
  return readdirSync(EMBEDDED_CATALOG_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(EMBEDDED_CATALOG_DIR, f));
}

/** Loads several files, collecting the problems of all of them before failing; rejects duplicate platforms. */
export function loadCatalogs(files: readonly string[]): Catalog[] {
  const problems: InputProblem[] = [];
  const out: Catalog[] = [];
  for (const f of files) {
    try {
      const c = loadCatalogFile(f);
      const dup = out.find((o) => o.platform === c.platform);
      if (dup) problems.push({ file: f, path: 'platform', message: `platform "${c.platform}" is already defined by ${basename(dup.file)}` });
      else out.push(c);
    } catch (e) {
      if (e instanceof InputError) problems.push(...e.problems);
      else throw e;
    }
  }
  if (problems.length) throw new InputError(problems);
  return out;
}

export function catalogRows(catalogs: readonly Catalog[]): CatalogRow[] {
  const rows: CatalogRow[] = [];
  const extra = (r: { usage?: string; environment?: string; note?: string }) => ({
    ...(r.usage ? { usage: r.usage } : {}),
    ...(r.environment ? { environment: r.environment } : {}),
    ...(r.note ? { note: r.note } : {}),
  });
  for (const c of catalogs) {
    for (const f of c.flows)
      rows.push({ platform: c.platform, host: f.host, ips: f.ips, port: f.port, transport: f.transport, direction: f.direction, checks: f.checks, source: f.source, ...(f.role ? { role: f.role } : {}), ...extra(f) });
    for (const u of c.urls) rows.push({ platform: c.platform, url: u.url, ips: u.ips, checks: u.checks, source: u.source, ...extra(u) });
  }
  return rows;
}
