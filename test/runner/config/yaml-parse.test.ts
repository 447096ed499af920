// parseYaml reads well-formed documents with js-yaml and everything else with the yaml library:
// the two must give the same data, and every refusal the yaml library's words.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { REPO_ROOT } from '../../../lab/paths.ts';
import { InputError, parseYaml } from '../../../runner/config/input-error.ts';

/** What the yaml library alone makes of `text`: its data, or the fact that it refuses it. */
function reference(text: string): { data: unknown } | 'refused' {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) return 'refused';
  try {
    return { data: doc.toJS({ maxAliasCount: 100 }) };
  } catch {
    return 'refused';
  }
}

function ours(text: string): { data: unknown } | 'refused' {
  try {
    return { data: parseYaml(text, 'x.yaml') };
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return 'refused';
  }
}

// Plain scalars whose type the YAML 1.2 core schema decides, and some it leaves strings.
const SCALARS = ['1_000', '0b11', '0o17', '012', '+12', '.5', '+.5', '1e3', '1E3', 'yes', 'On', '~', 'Null', 'NULL', 'TRUE', 'True', 'tRue', '0x1F', '0X1F', '+0x1', '-.inf', '.NaN', '.nan', '1.', '-0', '0.0', '2026-01-01', '12:30', '1:30:00', '"a"', "'b'", '-', '0.1e+2', '00', '09', '0o8', '+.inf', '.Inf', '12345678901234567890', '195.254.161.153', '2001:db8::1', '"*.sante.fr"', 'https://a.fr/x?y=1&z=2', '!!str 1', '!!binary aGk=', '!!timestamp 2020-01-01', '""', "''", '[]', '{}', '[a, 1, "b"]', '{ host: a, port: 443 }'];

describe('parseYaml', () => {
  it('gives the data the yaml library gives for every YAML file of the repository', () => {
    const files = execFileSync('git', ['ls-files', '*.yaml', '*.yml'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim().split('\n');
    expect(files.length).toBeGreaterThan(40);
    for (const f of files) {
      const text = readFileSync(join(REPO_ROOT, f), 'utf8');
      // Multi-document files (Kubernetes manifests) are refused by both.
      expect(ours(text), f).toEqual(reference(text));
    }
  });

  it('gives the same data or the same refusal on generated documents', () => {
    const scalar = fc.oneof(fc.constantFrom(...SCALARS), fc.string({ maxLength: 12 }));
    const line = fc.tuple(fc.constantFrom('host', 'port', 'ips', 'k', '1', 'null', '~', '', '? null\n', '"null"', 'a b'), scalar, fc.constantFrom('', '  ', '- ', '  - ')).map(([k, v, indent]) => `${indent}${k}: ${v}`);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.constantFrom('', 'top:\n', '- ', 'a: &x 1\nb: *x\n', '{ null: 1, k: v }\n'), (lines, head) => {
        const text = head + lines.join('\n');
        const got = ours(text);
        const want = reference(text);
        expect(got, JSON.stringify(text)).toEqual(want);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses what the yaml library refuses, in its words: line and column of a syntax error, alias bombs', () => {
    expect(() => parseYaml('k: v\nk: w\n', 'c.yaml')).toThrow(/c\.yaml: YAML: Map keys must be unique \(line 2, column 1\)/);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n');
    expect(() => parseYaml(bomb, 'bomb.yaml')).toThrow(/aliases expand too much/);
    expect(parseYaml('a: &x 1\nb: *x\n', 'ok.yaml')).toEqual({ a: 1, b: 1 });
    expect(parseYaml('', 'empty.yaml')).toBeNull();
  });
});
