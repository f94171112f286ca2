// The compiler's one entry point. `compile()` reads as the pipeline:
// parse each file → check the pack → refuse lint errors → optimize →
// generate code.
import type { FileAst } from './ast.ts';
import { check } from './check/index.ts';
import { generate, type GeneratedCode } from './codegen.ts';
import { diag, hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics.ts';
import type { CheckedPack } from './ir.ts';
import { optimize } from './optimize/index.ts';
import { isJsonLogicSource } from './jsonlogic/sources.ts';
import { lintErrors } from './lint/index.ts';
import { parseFile } from './parse.ts';
import type { SourceFile } from './source.ts';

export const COMPILER_VERSION = '0.1.0';

export interface CompileResult {
  readonly files: readonly SourceFile[];
  /** Sorted, capped; errors and warnings together. */
  readonly diagnostics: readonly Diagnostic[];
  readonly ok: boolean;
  /** The checked pack (what the interpreter runs); present when checking got that far. */
  readonly checked?: CheckedPack;
  /** The optimized pack and its generated code; present only without errors. */
  readonly optimized?: CheckedPack;
  readonly code?: GeneratedCode;
}

export function compile(files: readonly SourceFile[]): CompileResult {
  try {
    return pipeline(files);
  } catch (e) {
    // Thousands of nested parentheses or operators exhaust the stack somewhere
    // in the pipeline; that is a limit of the input, reported like any other.
    if (!(e instanceof RangeError)) throw e;
    const span = { file: 0, start: 0, end: Math.min(1, files[0]?.text.length ?? 0) };
    return { files, ok: false, diagnostics: [diag('ZY1005', span, 'the pack is nested too deeply to compile', 'split long conditions into named predicates')] };
  }
}

function pipeline(files: readonly SourceFile[]): CompileResult {
  const { diagnostics, checked } = front(files);
  if (hasErrors(diagnostics) || !checked) {
    return { files, diagnostics: sortDiagnostics(diagnostics), ok: false, ...(checked ? { checked } : {}) };
  }
  // Refused like a type error: a decision on a protected characteristic, unless the rule says why it may.
  const refused = lintErrors(checked, files);
  if (refused.length) return { files, diagnostics: sortDiagnostics([...diagnostics, ...refused]), ok: false, checked };
  const optimized = optimize(checked);
  const code = generate(optimized);
  return { files, diagnostics: sortDiagnostics(diagnostics), ok: true, checked, optimized, code };
}

export interface FrontResult {
  readonly asts: readonly FileAst[];
  /** Unsorted and uncapped. */
  readonly diagnostics: readonly Diagnostic[];
  readonly checked?: CheckedPack;
}

/** A file's parse, kept by the editor between keystrokes when its text is unchanged. */
export type ParseCache = Map<string, { readonly text: string; readonly parsed: ReturnType<typeof parseFile> }>;

/**
 * The front half of the pipeline, parse → check, which the editor runs on
 * every keystroke (it needs no code). `cache` skips parsing unchanged files.
 */
export function front(files: readonly SourceFile[], cache?: ParseCache): FrontResult {
  // JSON Logic files are not parsed as rules: `jsonlogic` predicates read them while checking.
  const parsed = files.map((f, i) => {
    if (isJsonLogicSource(f)) return { ast: { file: i, decls: [] }, diagnostics: [], brokenNames: [] };
    const key = `${i}:${f.path}`;
    const hit = cache?.get(key);
    if (hit && hit.text === f.text) return hit.parsed;
    const p = parseFile(f.text, i);
    cache?.set(key, { text: f.text, parsed: p });
    return p;
  });
  const asts: FileAst[] = parsed.map((p) => p.ast);
  const checked = check(asts, new Set(parsed.flatMap((p) => p.brokenNames)), files);
  return { asts, diagnostics: [...parsed.flatMap((p) => p.diagnostics), ...checked.diagnostics], ...(checked.pack ? { checked: checked.pack } : {}) };
}

export { CATALOG, renderDiagnostic, type Diagnostic } from './diagnostics.ts';
export type { SourceFile, Span } from './source.ts';
export type * from './ir.ts';
export { InputError } from './input.ts';
export { isJsonLogicSource, referencedJsonLogicFiles } from './jsonlogic/sources.ts';
