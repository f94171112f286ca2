// JSON Logic files as sources of a pack: `predicate risky = jsonlogic
// "risky.json"` names a file relative to the directory of the file that
// declares it. compile() never reads files (it runs in the browser editor as
// well); it finds the named file among the SourceFiles it is given, by path.
// The CLI (cli/pack-files.ts) asks referencedJsonLogicFiles() which files to
// read, so that other JSON in a pack's directory (scenarios…) is never a source.
import type { FileAst } from '../ast.ts';
import { parseFile } from '../parse.ts';
import type { SourceFile } from '../source.ts';

export const JSONLOGIC_EXTENSION = '.json';

/** A source file that holds JSON Logic rather than rules (by its name). */
export function isJsonLogicSource(f: SourceFile): boolean {
  return f.path.toLowerCase().endsWith(JSONLOGIC_EXTENSION);
}

/** Why a file name cannot be used, or undefined when it can. */
export function badJsonLogicPath(ref: string): string | undefined {
  if (!ref.toLowerCase().endsWith(JSONLOGIC_EXTENSION)) return 'a JSON Logic file name ends in `.json`';
  if (/^(?:[\\/]|[A-Za-z]:)/.test(ref)) return 'the file is named relative to this file, not by an absolute path';
  if (ref.split(/[\\/]/).some((s) => s === '..')) return 'the file must be inside the pack: `..` is not allowed';
  if (ref.split(/[\\/]/).some((s) => s === '')) return 'the file name has an empty part (`//`, or a `/` at the end)';
  return undefined;
}

/** `a/./b/../c.json` → `a/c.json`; `\` counts as `/`. Leading `..` are kept (a path outside the working directory). */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const part of path.split(/[\\/]+/)) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length && out[out.length - 1] !== '..') out.pop();
    else out.push(part);
  }
  return `${/^[\\/]/.test(path) ? '/' : ''}${out.join('/')}`;
}

/** The path a reference from `from` names: relative to the directory of `from`. */
export function resolveJsonLogicPath(from: string, ref: string): string {
  const slash = Math.max(from.lastIndexOf('/'), from.lastIndexOf('\\'));
  return normalizePath(slash < 0 ? ref : `${from.slice(0, slash + 1)}${ref}`);
}

/** The source named by a reference, if it is among the files. */
export function findJsonLogicSource(files: readonly SourceFile[], from: string, ref: string): number | undefined {
  const want = resolveJsonLogicPath(from, ref);
  const i = files.findIndex((f) => isJsonLogicSource(f) && normalizePath(f.path) === want);
  return i < 0 ? undefined : i;
}

/**
 * The JSON Logic files the rule files refer to, as paths resolved against the
 * rule files' own paths, each once, in order. References with a bad name and
 * declarations with syntax errors are left out (compile() reports them).
 */
export function referencedJsonLogicFiles(files: readonly SourceFile[]): string[] {
  const out = new Set<string>();
  files.forEach((f, i) => {
    if (isJsonLogicSource(f)) return;
    const ast: FileAst = parseFile(f.text, i).ast;
    for (const d of ast.decls) {
      if (d.kind === 'jsonlogicPredicate' && !badJsonLogicPath(d.file.value)) out.add(resolveJsonLogicPath(f.path, d.file.value));
    }
  });
  return [...out];
}
