// Bad user input (config, catalog, CLI usage): collected with file and path, reported, exit 2.
import type { z } from 'zod';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { load } from 'js-yaml';
import type { Document, YAMLError } from 'yaml';

export interface InputProblem {
  file: string;
  /** Dotted path inside the document (`flows[3].port`), or empty for the whole file. */
  path: string;
  message: string;
}

/** Problems listed at most; a 10 MB catalog with a bad key per row must not print 3 MB of them. */
export const MAX_LISTED_PROBLEMS = 50;

export class InputError extends Error {
  readonly problems: readonly InputProblem[];
  constructor(problems: readonly InputProblem[]) {
    super(listProblems(problems).join('\n'));
    this.name = 'InputError';
    this.problems = problems;
  }
}

/** The problems as lines, the first MAX_LISTED_PROBLEMS of them, then how many more there are. */
export function listProblems(problems: readonly InputProblem[]): string[] {
  const shown = problems.slice(0, MAX_LISTED_PROBLEMS).map(formatProblem);
  return problems.length > MAX_LISTED_PROBLEMS ? [...shown, `… and ${problems.length - MAX_LISTED_PROBLEMS} more problems`] : shown;
}

export function formatProblem(p: InputProblem): string {
  return p.path ? `${p.file}: ${p.path}: ${p.message}` : `${p.file}: ${p.message}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** Turns zod issues into problems; unknown keys are named one by one so the user sees each typo. */
export function zodProblems(file: string, error: z.ZodError): InputProblem[] {
  const out: InputProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ file, path: formatPath([...issue.path, key]), message: 'unknown key' });
    } else {
      out.push({ file, path: formatPath(issue.path), message: issue.message });
    }
  }
  return out;
}

/** YAML syntax errors as problems: "YAML: Map keys must be unique (line 3, column 1)". */
export function yamlProblems(file: string, errors: readonly YAMLError[]): InputProblem[] {
  return errors.map((e) => {
    const pos = e.linePos?.[0];
    const text = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    return { file, path: '', message: `YAML: ${text}${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}` };
  });
}

const require = createRequire(import.meta.url);

/** A null or empty mapping key (`null:`, `~:`, `: x`): js-yaml names it "null", the yaml library "". */
const NULL_KEY = /(?:^[ \t]*(?:[-?][ \t]+)*|[{,][ \t]*)(?:~|null|Null|NULL)?[ \t]*:(?:[ \t]|$)/m;

/** Size an input file (config, catalog, iCalendar) may have: far above any real one, far below a flood. */
export const MAX_INPUT_BYTES = 2_000_000;

const megabytes = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** Reads an input file; an unreadable or oversized file is an input problem, not a crash. */
export function readInputFile(path: string): string {
  try {
    const size = statSync(path).size;
    if (size > MAX_INPUT_BYTES) throw new InputError([{ file: path, path: '', message: `${megabytes(size)}: an input file may be at most ${megabytes(MAX_INPUT_BYTES)}; refused` }]);
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError([{ file: path, path: '', message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }]);
  }
}

/** Alias uses allowed while building the data: enough for any real file, far below an alias bomb. */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses YAML (duplicate keys rejected) into plain data, or throws InputError with every syntax error.
 * js-yaml reads a well-formed document without aliases, in the YAML 1.2 core schema as the yaml
 * library reads it, 13 times faster (1,000 catalog rows: 11 ms against 145). Whatever it refuses
 * (a syntax error, an alias, a tag it does not know, an empty file) goes to the yaml library, loaded
 * then: it gives the error's line and column and bounds alias expansion.
 */
export function parseYaml(text: string, file: string): unknown {
  if (!NULL_KEY.test(text)) {
    try {
      return load(text, { maxAliases: 0 });
    } catch {
      // the yaml library reads it, or says why not
    }
  }
  const { parseDocument } = require('yaml') as typeof import('yaml');
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) throw new InputError(yamlProblems(file, doc.errors));
  return documentData(doc, file);
}

/** The data of a parsed YAML document, its alias expansion bounded. */
export function documentData(doc: Document, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // The yaml library refuses an expansion past the limit (a "billion laughs" document) with a ReferenceError.
    if (e instanceof ReferenceError) throw new InputError([{ file, path: '', message: `YAML aliases expand too much (more than ${MAX_ALIAS_COUNT} alias uses): refused` }]);
    throw e;
  }
}
