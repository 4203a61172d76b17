/**
 * Measures source files and the functions in them, for the size test: a file's lines,
 * and every function, method, accessor, constructor and arrow function with its span
 * in lines (first line to last, nested functions included, comments above excluded).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import ts from 'typescript';

export interface FunctionSize {
  /** The declared name, the variable or property it is assigned to, or `(anonymous)`. */
  name: string;
  /** 1-based line of the function's first line. */
  line: number;
  lines: number;
}

/** Lines as `wc -l` counts them: a final newline ends the last line, it does not start one. */
export function lineCount(text: string): number {
  if (text.length === 0) return 0;
  const breaks = text.split('\n').length - 1;
  return text.endsWith('\n') ? breaks : breaks + 1;
}

function nameOf(node: ts.Node): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name && (ts.isIdentifier(named.name) || ts.isPrivateIdentifier(named.name) || ts.isStringLiteral(named.name))) return named.name.text;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && ts.isIdentifier(parent.name)) {
    return parent.name.text;
  }
  return '(anonymous)';
}

/** Every function-like node in the source with its length in lines. */
export function functionSizes(source: string, fileName = 'sample.ts'): FunctionSize[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: FunctionSize[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({ name: nameOf(node), line: first + 1, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** The `.ts` files under `dir`, recursively, as paths joined onto `dir`. */
export function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

export const readText = (path: string): string => readFileSync(path, 'utf8');

export interface SizeLimits {
  fileLines: number;
  functionLines: number;
}

/**
 * A file or function allowed over the limits, and why. `path` ending in `/` covers a
 * folder; `fn` names one function of the file (without it, the file's length is exempt).
 */
export interface SizeExemption {
  path: string;
  fn?: string;
  reason: string;
}

export interface SizeViolation {
  path: string;
  /** The function, or undefined for the file's own length. */
  fn?: string | undefined;
  line: number;
  lines: number;
}

const covers = (e: SizeExemption, path: string, fn: string | undefined): boolean =>
  (e.path.endsWith('/') ? path.startsWith(e.path) : path === e.path) && (e.path.endsWith('/') || e.fn === fn);

/** Everything over the limits, with which exemption (if any) allowed it. */
export function measureSizes(
  files: ReadonlyArray<{ path: string; text: string }>, limits: SizeLimits, exemptions: readonly SizeExemption[],
): { violations: SizeViolation[]; used: Set<SizeExemption> } {
  const violations: SizeViolation[] = [];
  const used = new Set<SizeExemption>();
  const check = (v: SizeViolation): void => {
    const e = exemptions.find((x) => covers(x, v.path, v.fn));
    if (e) used.add(e);
    else violations.push(v);
  };
  for (const { path, text } of files) {
    const lines = lineCount(text);
    if (lines > limits.fileLines) check({ path, line: 1, lines });
    for (const f of functionSizes(text, path)) if (f.lines > limits.functionLines) check({ path, fn: f.name, line: f.line, lines: f.lines });
  }
  return { violations, used };
}

export const describeViolation = (v: SizeViolation): string =>
  v.fn === undefined ? `${v.path}: ${v.lines} lines` : `${v.path}:${v.line} ${v.fn}(): ${v.lines} lines`;
