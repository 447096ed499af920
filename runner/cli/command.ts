// What every `vigie` command is: its name, one line saying what it does, its usage and options,
// and `run`. The options every command shares are declared here once.
import type { ParseArgsConfig } from 'node:util';
import type { Lang } from '../ui/i18n.ts';

export class UsageError extends Error {}

export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Io {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

export interface Command {
  name: string;
  /** One line: what the command does. */
  summary: string;
  /** The synopsis, after `vigie `. */
  synopsis: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Help text of each option, by name. */
  help: Record<string, string>;
  positionals?: boolean;
  /** Imports what it needs when it runs (`await import`): `vigie --help` and the other commands do not load it. */
  run(values: Values, positionals: string[], io: Io): Promise<number> | number;
}

export const OPTIONS = {
  config: { type: 'string', short: 'c' },
  catalog: { type: 'string', multiple: true },
  platform: { type: 'string', multiple: true },
  kind: { type: 'string', multiple: true },
  format: { type: 'string', default: 'table' },
  lang: { type: 'string' },
} as const;

export const HELP = {
  config: 'vigie.yaml to read (default: built-in defaults)',
  catalog: 'catalog file to use instead of the embedded ones (repeatable)',
  platform: 'only this platform (repeatable; "site" for the clock and proxy checks)',
  kind: 'only this kind of check (repeatable)',
  format: 'table (default) or json',
  lang: 'fr (default) or en, for user-facing text',
};

/** The command's usage: synopsis, what it does, and its options. */
export function usageOf(c: Command): string {
  const flags = Object.entries(c.options).map(([name, o]) => `  ${'short' in o && o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ' VALUE' : ''}`);
  const width = Math.max(...flags.map((f) => f.length));
  const lines = Object.keys(c.options).map((name, i) => `${flags[i]!.padEnd(width)}  ${c.help[name] ?? ''}`);
  return `Usage: vigie ${c.synopsis}\n${c.summary}\n${lines.length ? `\nOptions:\n${lines.join('\n')}\n` : ''}`;
}

export const str = (v: Values[string]): string | undefined => (typeof v === 'string' ? v : undefined);
export const strs = (v: Values[string]): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** --format and --lang, checked. */
export function outputOptions(values: Values): { json: boolean; lang: Lang | undefined } {
  if (values.format !== undefined && values.format !== 'table' && values.format !== 'json') throw new UsageError(`--format must be table or json, not "${String(values.format)}"`);
  if (values.lang !== undefined && values.lang !== 'fr' && values.lang !== 'en') throw new UsageError(`--lang must be fr or en, not "${String(values.lang)}"`);
  return { json: values.format === 'json', lang: values.lang as Lang | undefined };
}
