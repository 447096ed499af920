// The services every check shares, built once from the config and owned by one object: resolver,
// trust store, outbound proxy, credentials, browser settings, the cache of reusable outcomes and
// the slots that keep heavy checks one at a time. A new config (a region bundle) builds a new one.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import { createHostResolver } from '../../probes/lib/resolve.ts';
import { spkiSha256 } from '../../probes/lib/tls/tls-handshake.ts';
import { SystemTrustStore } from '../../probes/lib/tls/trust.ts';
import { defaultCacheDir } from '../../scenarios/lib/browser-resource.ts';
import type { VigieConfig } from '../config/config.ts';
import type { DestinationPolicy } from '../config/destinations.ts';
import { InputError } from '../config/input-error.ts';
import { readCredential, readLogin } from '../config/secrets.ts';
import type { BrowserSettings, ProbeContext, ProxySettings, ServiceCredentials } from '../core/contract.ts';
import { MemoryOutcomeCache, type HostResolver, type OutcomeCache, type TrustStore } from '../core/services.ts';

export { defaultCacheDir };

export interface SharedContext {
  resolver: HostResolver;
  trust: TrustStore;
  outcomes: OutcomeCache;
  proxy?: ProxySettings;
  credentials?: Record<string, ServiceCredentials>;
  browserSettings?: BrowserSettings;
  /** Each scenario's own credentials entry, read once, by scenario name. */
  scenarioLogins?: Record<string, ServiceCredentials>;
  /** Runs of the kinds that share a slot (the browser) go one at a time. */
  slots: Map<string, LimitFunction>;
  /** The region bundle's platforms, whose names may not resolve where the establishment's destinations settings refuse. */
  destinationGuard?: DestinationGuard;
}

export interface DestinationGuard {
  platforms: ReadonlySet<string>;
  policy: Pick<DestinationPolicy, 'resolvedRefusal'>;
}

/** Shared services with defaults for what is not given (the system resolver and trust store, an empty cache). */
export function makeShared(parts: Partial<SharedContext> = {}): SharedContext {
  return {
    ...parts,
    resolver: parts.resolver ?? createHostResolver(undefined),
    trust: parts.trust ?? new SystemTrustStore(),
    outcomes: parts.outcomes ?? new MemoryOutcomeCache(),
    slots: parts.slots ?? new Map(),
  };
}

/** The slot `name` of these shared services, made on first use. */
export function slotOf(shared: SharedContext, name: string): LimitFunction {
  let slot = shared.slots.get(name);
  if (!slot) shared.slots.set(name, (slot = pLimit(1)));
  return slot;
}

/** What a check gets from the shared services, with its own timeout signal (and the runner's stop). */
export function probeContext(shared: SharedContext, timeoutMs: number, stop?: AbortSignal): ProbeContext {
  const timeout = AbortSignal.timeout(timeoutMs);
  return {
    signal: stop ? AbortSignal.any([timeout, stop]) : timeout,
    timeoutMs,
    resolver: shared.resolver,
    trust: shared.trust,
    outcomes: shared.outcomes,
    ...(shared.proxy ? { proxy: shared.proxy } : {}),
    ...(shared.credentials ? { credentials: shared.credentials } : {}),
    ...(shared.browserSettings ? { browserSettings: shared.browserSettings } : {}),
  };
}

export function browserConfig(config: VigieConfig, file: string, extraRoots: readonly string[] = []): BrowserSettings {
  const base = file === '(defaults)' ? process.cwd() : dirname(resolve(file));
  // Chromium has no flag to add a root; it accepts chains through these keys, which is how the
  // establishment's own roots (trust.extra_ca_files) reach pages and TURN over TLS alike.
  const spki = extraRoots.length ? [`--ignore-certificate-errors-spki-list=${spkiHashes(extraRoots).join(',')}`] : [];
  return {
    executablePath: config.browser.executable_path,
    args: [...spki, ...config.browser.args],
    cacheDir: config.browser.cache_dir ? resolve(base, config.browser.cache_dir) : defaultCacheDir(),
    sandbox: config.browser.sandbox,
  };
}

/** The credentials that `service_credentials` assigns to hosts and platforms (TURN today). */
function serviceCredentials(config: VigieConfig, file: string): Record<string, ServiceCredentials> {
  return Object.fromEntries(Object.entries(config.service_credentials).map(([key, name]) => [key, readCredential(config, name, file)]));
}

export function resolveProxy(config: VigieConfig, file: string, env: NodeJS.ProcessEnv = process.env): ProxySettings | undefined {
  const fromEnv = config.proxy.use_env ? (env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy) : undefined;
  const raw = config.proxy.url ?? (fromEnv || undefined);
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError([{ file: 'environment', path: 'HTTPS_PROXY', message: 'not a valid proxy URL' }]);
  }
  const envNoProxy = config.proxy.use_env ? (env.NO_PROXY ?? env.no_proxy ?? '') : '';
  const noProxy = [...config.proxy.no_proxy, ...envNoProxy.split(',').map((s) => s.trim()).filter(Boolean)];
  let auth: ProxySettings['auth'];
  if (config.proxy.credentials) {
    auth = readLogin(config, config.proxy.credentials, file, '');
  } else if (url.username) {
    auth = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  }
  // Credentials embedded in an environment URL are moved out of it so the URL can be shown.
  url.username = '';
  url.password = '';
  return { url, noProxy, ...(auth ? { auth } : {}) };
}

/** SHA-256 of each certificate's SubjectPublicKeyInfo, base64: the form Chromium's SPKI list takes. */
export function spkiHashes(pems: readonly string[]): string[] {
  return pems.map((pem) => spkiSha256(new X509Certificate(pem).raw));
}

function loadExtraRoots(config: VigieConfig, file: string): string[] {
  return config.trust.extra_ca_files.flatMap((f, i) => {
    try {
      const text = readFileSync(resolve(dirname(file), f), 'utf8');
      const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
      if (!certs) throw new Error('no PEM certificate in it');
      return certs;
    } catch (e) {
      throw new InputError([{ file, path: `trust.extra_ca_files[${i}]`, message: `${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }]);
    }
  });
}

export function sharedContext(config: VigieConfig, file: string): SharedContext {
  const extraRoots = loadExtraRoots(config, file);
  const proxy = resolveProxy(config, file);
  const scenarioLogins = Object.fromEntries(config.scenarios.filter((s) => s.credentials).map((s) => [s.name, readCredential(config, s.credentials!, file)]));
  return makeShared({
    resolver: createHostResolver(config.dns.servers),
    trust: new SystemTrustStore(extraRoots),
    ...(proxy ? { proxy } : {}),
    credentials: serviceCredentials(config, file),
    browserSettings: browserConfig(config, file, extraRoots),
    scenarioLogins,
  });
}
