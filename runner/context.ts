// The services probes share, built once from the config: resolver and outbound proxy.
import type { ProxySettings, ServiceCredentials } from '../probes/contract.ts';
import { createHostResolver, type HostResolver } from '../probes/resolve.ts';
import type { VigieConfig } from './config.ts';
import { readCredential, readLogin } from './secrets.ts';
import { InputError } from './input-error.ts';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setExtraRoots } from '../probes/trust.ts';

export interface SharedContext {
  resolver: HostResolver;
  proxy?: ProxySettings;
  credentials?: Record<string, ServiceCredentials>;
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

function loadExtraRoots(config: VigieConfig, file: string): void {
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
}

export function sharedContext(config: VigieConfig, file: string): SharedContext {
  loadExtraRoots(config, file);
  const proxy = resolveProxy(config, file);
  return { resolver: createHostResolver(config.dns.servers), ...(proxy ? { proxy } : {}), credentials: serviceCredentials(config, file) };
}
