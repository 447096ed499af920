// Secrets are read from environment variables or files named in the config, never from the config
// itself. Every value read is registered so the logger can redact it wherever it appears.
import { readFileSync } from 'node:fs';
import type { SecretRef } from './config.ts';
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
