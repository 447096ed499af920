// vigie.yaml: validated once at start with zod (snake_case, per-kind defaults, unknown keys rejected,
// every problem collected with its path). The JSON Schema in docs/ is generated from this file.
import { publicKeyProblem } from './bundle-signature.ts';
import { allowEntryProblem, portEntryProblem } from './destinations.ts';
import { z } from 'zod';
import { PROBE_KINDS, PROBES, type ProbeKind } from '../../probes/index.ts';
import { calendarSchema } from './rcp-sessions.ts';
import { InputError, parseYaml, readInputFile, zodProblems } from './input-error.ts';
import { cronProblem } from '../core/cron.ts';
import { duration } from '../core/duration.ts';
import { SCENARIO_KINDS, SCENARIOS, type ScenarioKind } from '../../scenarios/index.ts';
import { STAGES } from './catalog.ts';

export { parseDuration } from '../core/duration.ts';

/** A zod check from a function that says why a value is wrong (or undefined when it is right). */
function reportProblem<T>(problemOf: (value: T) => string | undefined) {
  return (value: T, ctx: z.RefinementCtx) => {
    const problem = problemOf(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };
}

export const remoteSchema = z
  .object({
    /** HTTPS URL of the region's catalog bundle (multi-document YAML). */
    url: z.url({ protocol: /^https?$/ }).describe("URL of the region's catalog bundle (multi-document YAML, one catalog per document)."),
    /** Poll interval. Default 5 minutes. */
    interval_seconds: z.number().int().min(5).max(86_400).default(300).describe('Poll interval in seconds.'),
    /** Where the last good bundle is kept across restarts. */
    cache_file: z.string().default('/var/lib/vigie/catalogs.yaml').describe('File keeping the last good bundle across restarts.'),
    /** The region's ed25519 public keys (two during a rotation): a bundle none of them signed is refused. */
    public_keys: z
      .array(z.string().superRefine(reportProblem(publicKeyProblem)))
      .min(1)
      .max(2)
      .optional()
      .describe("The region's ed25519 public keys (PEM, or the base64 line `vigie bundle keygen` prints); two during a key rotation. A bundle that none of them signed is refused and the last good one kept."),
    /** Where the detached signature is; default the bundle URL + ".sig". */
    signature_url: z.url({ protocol: /^https?$/ }).optional().describe('URL of the detached signature; default the bundle URL followed by .sig.'),
    /** Explicit opt-out of signatures (a lab); never the default. */
    allow_unsigned: z.boolean().default(false).describe('Accept bundles without a signature (a lab or a test). Without it, public_keys is required.'),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (!r.public_keys && !r.allow_unsigned) ctx.addIssue({ code: 'custom', path: ['public_keys'], message: "pin the region's signing key (the line `vigie bundle keygen` printed for the region), or set allow_unsigned: true" });
  });

export type RemoteConfig = z.output<typeof remoteSchema>;

const cron = z.string().superRefine((s, ctx) => {
  const problem = cronProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: `not a valid cron expression (5 or 6 fields, seconds first when 6): ${problem}` });
});

/** Where a secret comes from: an environment variable or a file. The secret itself never sits in the config. */
export const secretRef = z.union([
  z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not an environment variable name').describe('Environment variable holding the value.') }).strict(),
  z.object({ file: z.string().min(1).describe('File holding the value (trailing newline ignored).') }).strict(),
]);
export type SecretRef = z.output<typeof secretRef>;

const credential = z
  .object({
    username: z.union([z.string(), secretRef]).optional().describe('User name, literal or from env/file.'),
    password: secretRef.optional().describe('Password, from env/file only.'),
    secret: secretRef.optional().describe('Shared secret (e.g. TURN REST API), from env/file only.'),
  })
  .strict();

function kindSchema<K extends ProbeKind>(kind: K) {
  const def = PROBES[kind];
  return def.options
    .extend({
      /** Whether this kind runs at all. Default true. */
      enabled: z.boolean().default(true).describe('Whether this kind runs.'),
      /** Cron expression (5 or 6 fields). */
      schedule: cron.default(def.defaults.schedule).describe(`cron schedule (5 fields, or 6 with seconds first); default "${def.defaults.schedule}".`),
      /** Timeout of one check. */
      timeout: duration.prefault(def.defaults.timeout).describe(`Timeout of one check; default ${def.defaults.timeout}.`),
    })
    .strict()
    .prefault({});
}

const checksShape = Object.fromEntries(PROBE_KINDS.map((k) => [k, kindSchema(k)])) as { [K in ProbeKind]: ReturnType<typeof kindSchema<K>> };

/** One entry of `scenarios`: the fields every kind has, plus the kind's own options. */
function scenarioSchema<K extends ScenarioKind>(kind: K) {
  const def = SCENARIOS[kind];
  return def.options.safeExtend({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _').describe('Unique name (vigie scenario NAME, the scenario metric label).'),
    kind: z.literal(kind),
    platform: z.string().min(1).describe('Platform the scenario belongs to (metric label, status page).'),
    enabled: z.boolean().default(true).describe('Whether the scenario runs.'),
    schedule: cron.default(def.defaults.schedule).describe(`cron schedule (5 fields, or 6 with seconds first); default "${def.defaults.schedule}".`),
    timeout: duration.prefault(def.defaults.timeout).describe(`Timeout of one run; default ${def.defaults.timeout}.`),
    credentials: z.string().optional().describe('Name of a credentials entry (test account, TURN login or shared secret).'),
  });
}

const scenarioEntry = z.discriminatedUnion(
  'kind',
  SCENARIO_KINDS.map((k) => scenarioSchema(k)) as unknown as [ReturnType<typeof scenarioSchema<ScenarioKind>>, ...ReturnType<typeof scenarioSchema<ScenarioKind>>[]],
);

/** host or host:port; `minPort` 0 lets a listen address ask for any free port. */
const hostPort = (minPort: number) =>
  z
    .string()
    .regex(/^(\[[0-9a-f:.]+\]|[^\s:[\]]+)(:\d{1,5})?$/i, 'expected host or host:port')
    .refine((v) => {
      const port = /\]?:(\d+)$/.exec(v)?.[1];
      return port === undefined || (Number(port) >= minPort && Number(port) <= 65535);
    }, `the port must be between ${minPort} and 65535`);

export const configSchema = z
  .object({
    site: z
      .object({
        /** Short identifier of the establishment (becomes a Prometheus external label upstream). */
        establishment: z.string().min(1).default('local').describe('Short identifier of the establishment.'),
        /** Human name shown on the status page and the report. */
        name: z.string().default('').describe('Name shown on the status page and the report.'),
        /** Region identifier (e.g. ara, cvl, normandie). */
        region: z.string().default('').describe('Region identifier.'),
      })
      .strict()
      .prefault({}),
    /** Language of user-facing text. Default fr. */
    lang: z.enum(['fr', 'en']).default('fr').describe('Language of user-facing text.'),
    catalogs: z
      .object({
        /** Embedded platforms to check; default all of them. */
        platforms: z.array(z.string()).optional().describe('Embedded platforms to check; default all.'),
        /** Extra catalog files, added to the embedded ones. Relative paths are relative to this config file. */
        files: z.array(z.string()).default([]).describe('Extra catalog files, relative to this config file.'),
        /**
         * Stages to check: production rows (every environment the documents require, environnement-1/2,
         * salles-fixes, all) are always checked; `preproduction` rows only when listed. Default both.
         */
        environments: z
          .array(z.enum(STAGES))
          .optional()
          .describe('Stages to check (production, preproduction). Production rows, whatever their document environment, are always checked; preproduction rows only when listed. Default both.'),
      })
      .strict()
      .prefault({}),
    server: z
      .object({
        /** Address of /metrics, /healthz, /readyz and the status page. Default 0.0.0.0:9464. */
        listen: hostPort(0).default('0.0.0.0:9464').describe('host:port of the HTTP server.'),
        /** Name of a `credentials` entry: basic auth for the status page (metrics and health stay open). */
        basic_auth: z.string().optional().describe('Name of a credentials entry protecting the status page with basic auth.'),
      })
      .strict()
      .prefault({}),
    dns: z
      .object({
        /** DNS servers to ask (ip or ip:port). Default: the system resolver. */
        servers: z.array(hostPort(1)).optional().describe('DNS servers to ask (ip or ip:port); default: the system resolver.'),
      })
      .strict()
      .prefault({}),
    proxy: z
      .object({
        /** Outbound proxy URL. Default: HTTPS_PROXY / HTTP_PROXY from the environment when use_env. */
        url: z.url({ protocol: /^https?$/ }).optional().describe('Outbound proxy URL, e.g. http://proxy.chu.local:3128.'),
        /** Read HTTPS_PROXY, HTTP_PROXY and NO_PROXY from the environment. Default true. */
        use_env: z.boolean().default(true).describe('Read HTTPS_PROXY, HTTP_PROXY and NO_PROXY from the environment.'),
        /** Hosts that bypass the proxy (suffixes with a leading dot). */
        no_proxy: z.array(z.string()).default([]).describe('Hosts or .suffixes that bypass the proxy.'),
        /** Name of a `credentials` entry for Basic proxy authentication. */
        credentials: z.string().optional().describe('Name of a credentials entry for Basic proxy authentication.'),
      })
      .strict()
      .prefault({}),
    clock: z
      .object({
        /** NTP server. Default time.windows.com (named by the Covotem and Therap-e documents). */
        server: z.string().default('time.windows.com').describe('NTP server host.'),
        port: z.number().int().min(1).max(65535).default(123).describe('NTP server port.'),
      })
      .strict()
      .prefault({}),
    trust: z
      .object({
        /** PEM files of extra trusted roots, added to the system store and NODE_EXTRA_CA_CERTS. */
        extra_ca_files: z.array(z.string()).default([]).describe('PEM files of extra trusted root certificates, relative to this config file.'),
      })
      .strict()
      .prefault({}),
    /** Checks running at once. Default 8. */
    concurrency: z.number().int().min(1).max(256).default(8).describe('Checks running at once.'),
    /** Largest random delay added to every scheduled run, chosen once per schedule at start. Default 30s. */
    jitter: duration.prefault('30s').describe('Largest random start offset of each schedule (no thundering herd across a fleet).'),
    history_file: z.string().optional().describe('Where the last 24 h of every check are kept across restarts (relative to this file); default history.json in the browser cache directory.'),
    evidence_max_age: duration.prefault('2h').describe('Age after which a check or a scenario no longer proves a documented flow (status page, /api/results, probe_flow_status).'),
    /** Time given to in-flight checks after SIGTERM before they are aborted. Default 10s. */
    shutdown_grace: duration.prefault('10s').describe('Time given to in-flight checks after SIGTERM before they are aborted.'),
    /** Secret references, by name. */
    credentials: z.record(z.string(), credential).default({}).describe('Named credentials; values come from env vars or files.'),
    /** The region's catalog bundle, polled over HTTPS; replaces the embedded catalogs when set. */
    destinations: z
      .object({
        allow: z
          .array(z.string().superRefine(reportProblem(allowEntryProblem)))
          .optional()
          .describe("Domains (sante-ra.fr, *.sante-ra.fr), addresses and CIDR networks the region's bundle may send the probe to; default any public destination."),
        ports: z
          .array(z.union([z.number(), z.string()]).superRefine(reportProblem(portEntryProblem)))
          .optional()
          .describe('Ports (443) and ranges ("10000-20000") the bundle may name; default any.'),
        allow_private: z.boolean().default(false).describe('Let the bundle name private, loopback and link-local addresses without listing them in allow (a lab).'),
      })
      .strict()
      .prefault({})
      .describe("Where the region's bundle may send this probe (the establishment's own limit; a region cannot set it). Refused rows are reported, not applied."),
    remote: remoteSchema.optional().describe("The region's catalog bundle, polled over HTTPS; replaces the embedded catalogs when set."),
    /** RCP sessions and the pre-session runs before them. */
    rcp: calendarSchema.prefault({}).describe('RCP sessions (weekly or iCalendar) and the pre-session runs before them.'),
    /** Host name or platform id → name of a `credentials` entry used by the TURN checks. */
    service_credentials: z
      .record(z.string(), z.string())
      .default({})
      .describe('Host name or platform id → credentials entry for TURN (password: long-term credentials; secret: REST API shared secret).'),
    browser: z
      .object({
        /** Chromium binary driven by playwright-core. Default Debian's. */
        executable_path: z.string().default('/usr/bin/chromium').describe("Chromium binary; default Debian's /usr/bin/chromium."),
        /** Extra Chromium flags (the probe already adds its quiet and fake-media flags). */
        args: z
          .array(
            z
              .string()
              .regex(/^--[a-z0-9-]+(=.*)?$/, 'expected a Chromium flag such as --foo or --foo=bar')
              .refine((a) => a !== '--no-sandbox', 'turn the sandbox off with browser.sandbox: false, not a flag'),
          )
          .default([])
          .describe('Extra Chromium flags.'),
        /** Chromium's sandbox; false is the explicit opt-out. */
        sandbox: z
          .boolean()
          .default(true)
          .describe(
            "Chromium's sandbox (user namespaces and seccomp-BPF) for the third-party pages the scenarios load. When it cannot start (the probe runs as root, or the container's seccomp profile forbids user namespaces), the scenario runs without it and is degraded with browser_sandbox_unavailable. false turns it off on purpose (no warning).",
          ),
        /** Cache of the generated fake camera and microphone files. Default $VIGIE_CACHE_DIR, else ~/.cache/vigie. */
        cache_dir: z.string().optional().describe('Directory of the generated fake media and of failure screenshots; default $VIGIE_CACHE_DIR, else $XDG_CACHE_HOME/vigie or ~/.cache/vigie.'),
      })
      .strict()
      .prefault({}),
    /** Browser scenarios: each entry is one kind with its URL, room, schedule and credentials reference. */
    scenarios: z.array(scenarioEntry).default([]).describe('Browser scenarios (janus-videoroom, turn-relay, page-flow).'),
    /** Per-kind settings: enabled, schedule, timeout and kind options. */
    checks: z.object(checksShape).strict().prefault({}).describe('Per-kind settings.'),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const names = new Set(Object.keys(cfg.credentials));
    const ref = (path: (string | number)[], name: string | undefined) => {
      if (name !== undefined && !names.has(name)) ctx.addIssue({ code: 'custom', path, message: `no credentials entry named "${name}"` });
    };
    ref(['proxy', 'credentials'], cfg.proxy.credentials);
    ref(['server', 'basic_auth'], cfg.server.basic_auth);
    for (const [key, name] of Object.entries(cfg.service_credentials)) ref(['service_credentials', key], name);
    // Scenarios are identified by their name (a metric label): names are unique.
    cfg.scenarios.forEach((sc, i) => {
      ref(['scenarios', i, 'credentials'], sc.credentials);
      if (cfg.scenarios.findIndex((o) => o.name === sc.name) !== i) ctx.addIssue({ code: 'custom', path: ['scenarios', i, 'name'], message: `another scenario is named "${sc.name}"` });
    });
  });

export type VigieConfig = z.output<typeof configSchema>;

export type RawConfig = Record<string, unknown>;

/** Parses config text into its raw mapping (kept to merge the region's settings later). */
export function parseRawConfig(text: string, file: string): RawConfig {
  const raw: unknown = parseYaml(text, file) ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError([{ file, path: '', message: 'expected a mapping at the top level' }]);
  return raw as RawConfig;
}

export function validateConfig(raw: RawConfig, file: string): VigieConfig {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(zodProblems(file, parsed.error));
  return parsed.data;
}

/** Parses and validates config text; throws InputError with every problem. */
export function parseConfig(text: string, file: string): VigieConfig {
  return validateConfig(parseRawConfig(text, file), file);
}

export function loadRawConfig(path: string | undefined): RawConfig {
  return path ? parseRawConfig(readInputFile(path), path) : {};
}

export function loadConfig(path: string | undefined): VigieConfig {
  return validateConfig(loadRawConfig(path), path ?? '(defaults)');
}

/** The JSON Schema of vigie.yaml (what users write, so the input side of every transform). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://vigie.example/vigie.schema.json',
    title: 'Vigie probe configuration (vigie.yaml)',
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
  };
}
