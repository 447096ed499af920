// Reads every non-test source file of the application folders with the TypeScript parser: its
// imports (resolved to repository paths) and its functions with their line counts. The
// architecture test holds the layering, the absence of cycles and the size limits against it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../../lab/paths.ts';

/** The application's layers (imports checked between them). */
export const SOURCE_ROOTS = ['probes', 'scenarios', 'runner'] as const;
/** Everything that ships or generates what ships (sizes checked): the layers, the rules, the dashboards. */
export const SHIPPED_ROOTS = [...SOURCE_ROOTS, 'deploy', 'dashboards'] as const;

export interface SourceFile {
  path: string;
  imports: string[];
  functions: { name: string; line: number; lines: number }[];
}

function walk(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === 'generated' ? [] : walk(join(dir, e.name))) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

function functionName(node: ts.Node, sf: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(sf);
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))) return parent.name.getText(sf);
  return '(anonymous)';
}

export function readSource(path: string): SourceFile {
  const text = readFileSync(join(REPO_ROOT, path), 'utf8');
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.ES2024, true);
  const imports: string[] = [];
  const functions: SourceFile['functions'] = [];
  const visit = (node: ts.Node): void => {
    let spec: ts.Expression | undefined;
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) spec = node.moduleSpecifier;
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) spec = node.arguments[0];
    if (spec && ts.isStringLiteral(spec) && spec.text.startsWith('.')) imports.push(relative(REPO_ROOT, resolve(REPO_ROOT, dirname(path), spec.text)));
    if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isConstructorDeclaration(node)) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      functions.push({ name: functionName(node, sf), line: start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { path, imports, functions };
}

export function sourceFiles(roots: readonly string[] = SOURCE_ROOTS): SourceFile[] {
  return roots.flatMap((r) => walk(r)).map(readSource);
}

/** The layer of a file; a file may import its own layer and those below it. */
export function layerOf(path: string): { name: string; rank: number } {
  const layers: [prefix: string, rank: number][] = [
    ['runner/core/', 0],
    ['probes/', 1],
    ['scenarios/', 2],
    ['runner/config/', 3],
    ['runner/engine/', 4],
    ['runner/telemetry/', 5],
    ['runner/ui/', 5],
    ['runner/cli/', 6],
  ];
  const hit = layers.find(([p]) => path.startsWith(p));
  if (!hit) throw new Error(`${path} is in no layer`);
  return { name: hit[0].replace(/\/$/, ''), rank: hit[1] };
}

/** Every import cycle, as the list of files around it (Tarjan's strongly connected components). */
export function cycles(files: readonly SourceFile[]): string[][] {
  const graph = new Map(files.map((f) => [f.path, f.imports.filter((i) => i !== f.path)]));
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return out;
}
