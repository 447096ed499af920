// Secrets are read from environment variables or files named in the config, never from the config
// itself. Every value read is registered so the logger can redact it wherever it appears.
import { readFileSync } from 'node:fs';
import type { SecretRef, VigieConfig } from './config.ts';
import { InputError } from './input-error.ts';

const known = new Set<string>();

/** Values the logger must never print. */
export function secretValues(): readonly string[] {
  return [...known];
}

export function registerSecret(value: string): void {
  if (value.length >= 4) known.add(value);
}

/** Reads a secret; an unset variable or unreadable file is an input error at `path` of `file`. */
export function readSecret(ref: SecretRef, file: string, path: string): string {
  let value: string | undefined;
  if ('env' in ref) {
    value = process.env[ref.env];
    if (value === undefined || value === '') throw new InputError([{ file, path, message: `environment variable ${ref.env} is not set` }]);
  } else {
    try {
      value = readFileSync(ref.file, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new InputError([{ file, path, message: `cannot read secret file ${ref.file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}` }]);
    }
    if (!value) throw new InputError([{ file, path, message: `secret file ${ref.file} is empty` }]);
  }
  registerSecret(value);
  return value;
}

/** Replaces every registered secret in `text`. */
export function redact(text: string): string {
  let out = text;
  for (const s of known) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
  return out;
}

export interface ReadCredential {
  username?: string;
  password?: string;
  secret?: string;
}

/** Reads every value of the `credentials` entry `name` (validated to exist by the config schema). */
export function readCredential(config: VigieConfig, name: string, file: string): ReadCredential {
  const cred = config.credentials[name]!;
  const base = `credentials.${name}`;
  const username = typeof cred.username === 'string' ? cred.username : cred.username ? readSecret(cred.username, file, `${base}.username`) : undefined;
  return {
    ...(username !== undefined ? { username } : {}),
    ...(cred.password ? { password: readSecret(cred.password, file, `${base}.password`) } : {}),
    ...(cred.secret ? { secret: readSecret(cred.secret, file, `${base}.secret`) } : {}),
  };
}

/** A username and password pair (proxy, status page); the password must be referenced. */
export function readLogin(config: VigieConfig, name: string, file: string, defaultUser: string): { username: string; password: string } {
  const c = readCredential(config, name, file);
  if (c.password === undefined) throw new InputError([{ file, path: `credentials.${name}.password`, message: 'a password reference (env or file) is required here' }]);
  return { username: c.username ?? defaultUser, password: c.password };
}
