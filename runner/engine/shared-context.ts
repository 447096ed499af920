// The services probes share, built once from the config: resolver and outbound proxy.
import type { ProbeContext, ProxySettings, ServiceCredentials } from '../core/contract.ts';
import { createHostResolver, type HostResolver } from '../../probes/lib/resolve.ts';
import type { VigieConfig } from '../config/config.ts';
import { readCredential, readLogin } from '../config/secrets.ts';
import { InputError } from '../config/input-error.ts';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setExtraRoots } from '../../probes/lib/trust.ts';
import { homedir } from 'node:os';
import { createHash, X509Certificate } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';

export interface BrowserConfig {
  executablePath: string;
  args: readonly string[];
  /** Fake media under media/, failure screenshots under artefacts/. */
  cacheDir: string;
}

export interface SharedContext {
  resolver: HostResolver;
  proxy?: ProxySettings;
  credentials?: Record<string, ServiceCredentials>;
  browser?: BrowserConfig;
  /** One browser scenario at a time: two cores cannot encode two 720p streams twice over. */
  browserSlot?: LimitFunction;
  /** Each scenario's own credentials entry, read once, by scenario name. */
  scenarioLogins?: Record<string, ServiceCredentials>;
}

/** What a probe or a scenario gets from the shared services, with its own timeout signal (and the runner's stop). */
export function probeContext(shared: SharedContext, timeoutMs: number, stop?: AbortSignal): ProbeContext {
  const timeout = AbortSignal.timeout(timeoutMs);
  return {
    signal: stop ? AbortSignal.any([timeout, stop]) : timeout,
    timeoutMs,
    resolver: shared.resolver,
    ...(shared.proxy ? { proxy: shared.proxy } : {}),
    ...(shared.credentials ? { credentials: shared.credentials } : {}),
  };
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.VIGIE_CACHE_DIR ?? resolve(env.XDG_CACHE_HOME ?? resolve(homedir(), '.cache'), 'vigie');
}

export function browserConfig(config: VigieConfig, file: string, extraRoots: readonly string[] = []): BrowserConfig {
  const base = file === '(defaults)' ? process.cwd() : dirname(resolve(file));
  // Chromium has no flag to add a root; it accepts chains through these keys, which is how the
  // establishment's own roots (trust.extra_ca_files) reach pages and TURN over TLS alike.
  const spki = extraRoots.length ? [`--ignore-certificate-errors-spki-list=${spkiHashes(extraRoots).join(',')}`] : [];
  return {
    executablePath: config.browser.executable_path,
    args: [...spki, ...config.browser.args],
    cacheDir: config.browser.cache_dir ? resolve(base, config.browser.cache_dir) : defaultCacheDir(),
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
  return pems.map((pem) => createHash('sha256').update(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' })).digest('base64'));
}

function loadExtraRoots(config: VigieConfig, file: string): string[] {
  const pems = config.trust.extra_ca_files.flatMap((f, i) => {
    try {
      const text = readFileSync(resolve(dirname(file), f), 'utf8');
      const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
      if (!certs) throw new Error('no PEM certificate in it');
      return certs;
    } catch (e) {
      throw new InputError([{ file, path: `trust.extra_ca_files[${i}]`, message: `${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }]);
    }
  });
  setExtraRoots(pems);
  return pems;
}

export function sharedContext(config: VigieConfig, file: string): SharedContext {
  const extraRoots = loadExtraRoots(config, file);
  const proxy = resolveProxy(config, file);
  const scenarioLogins = Object.fromEntries(config.scenarios.filter((s) => s.credentials).map((s) => [s.name, readCredential(config, s.credentials!, file)]));
  return {
    resolver: createHostResolver(config.dns.servers),
    ...(proxy ? { proxy } : {}),
    credentials: serviceCredentials(config, file),
    browser: browserConfig(config, file, extraRoots),
    browserSlot: pLimit(1),
    scenarioLogins,
  };
}
