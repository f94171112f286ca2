// The compiler's one entry point. `compile()` reads as the pipeline:
// parse each file → check the pack → refuse lint errors → (when asked)
// refuse a refuted invariant → optimize → generate code.
import type { FileAst } from './ast.ts';
import { check } from './check/index.ts';
import { generate, type GeneratedCode } from './codegen.ts';
import { hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics.ts';
import { isStackOverflow, LIMIT_CODES, MAX_RULES, packSizeDiagnostic, tooDeep, tooManyRules } from './limits.ts';
import type { CheckedPack } from './ir.ts';
import { optimize } from './optimize/index.ts';
import { isJsonLogicSource } from './jsonlogic/sources.ts';
import { lintErrors } from './lint/index.ts';
import { parseFile } from './parse.ts';
import { proofDiagnostics, proveInvariants } from './prove/index.ts';
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

export interface CompileOptions {
  /**
   * Prove the pack's invariants too (compiler/prove): a refuted one (ZY5101)
   * refuses the pack like a type error, an undecided one (ZY5102) is a
   * warning. What builds a bundle asks for it; the editor's checks prove on
   * their own, and tests that only compile do not pay for it.
   */
  readonly prove?: boolean;
  /**
   * Events like those the pack will decide (e.g. replayed from the decision
   * log): the dispatch plan picks its guards by how often they skip their
   * rules on them (optimize/dispatch.ts). Only speed depends on them.
   */
  readonly traffic?: readonly Readonly<Record<string, unknown>>[];
}

export function compile(files: readonly SourceFile[], opts: CompileOptions = {}): CompileResult {
  try {
    return pipeline(files, opts);
  } catch (e) {
    // Thousands of chained operators exhaust the stack somewhere in the
    // pipeline; that is a limit of the input, reported like any other.
    if (!isStackOverflow(e)) throw e;
    return { files, ok: false, diagnostics: [tooDeep({ file: 0, start: 0, end: Math.min(1, files[0]?.text.length ?? 0) })] };
  }
}

function pipeline(files: readonly SourceFile[], opts: CompileOptions): CompileResult {
  const front0 = front(files);
  const checked = front0.checked;
  let diagnostics = front0.diagnostics;
  if (hasErrors(diagnostics) || !checked) {
    return { files, diagnostics: sortDiagnostics(diagnostics), ok: false, ...(checked ? { checked } : {}) };
  }
  // Refused like a type error: a decision on a protected characteristic, unless the rule says why it may.
  const refused = lintErrors(checked, files);
  if (refused.length) return { files, diagnostics: sortDiagnostics([...diagnostics, ...refused]), ok: false, checked };
  // A pack that breaks one of its own invariants for some input is refused, with the counterexample.
  const proofs = opts.prove ? proofDiagnostics(checked, proveInvariants(checked)) : [];
  if (hasErrors(proofs)) return { files, diagnostics: sortDiagnostics([...diagnostics, ...proofs]), ok: false, checked };
  diagnostics = [...diagnostics, ...proofs];
  const optimized = optimize(checked);
  const code = generate(optimized, opts.traffic ? { dispatch: { traffic: opts.traffic } } : {});
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
  const tooBig = packSizeDiagnostic(files);
  if (tooBig) return { asts: files.map((_, i) => ({ file: i, decls: [] })), diagnostics: [tooBig] };
  // JSON Logic files are not parsed as rules: `jsonlogic` predicates read them while checking.
  const parsed: ReturnType<typeof parseFile>[] = [];
  let rules = 0;
  for (const [i, f] of files.entries()) {
    if (isJsonLogicSource(f)) { parsed.push({ ast: { file: i, decls: [] }, diagnostics: [], brokenNames: [] }); continue; }
    const key = `${i}:${f.path}`;
    const hit = cache?.get(key);
    const p = hit && hit.text === f.text ? hit.parsed : parseFile(f.text, i);
    if (p !== hit?.parsed) cache?.set(key, { text: f.text, parsed: p });
    parsed.push(p);
    // Past the limit, stop parsing: checking and generating a pack that size would take minutes.
    const fileRules = p.ast.decls.filter((d) => d.kind === 'rule');
    rules += fileRules.length;
    if (rules > MAX_RULES) {
      const first = fileRules[fileRules.length - (rules - MAX_RULES)]!;
      return { asts: files.map((_, j) => parsed[j]?.ast ?? { file: j, decls: [] }), diagnostics: [...parsed.flatMap((x) => x.diagnostics), tooManyRules(first.span, rules)] };
    }
  }
  const asts: FileAst[] = parsed.map((p) => p.ast);
  // A file over a limit was not parsed: checking the rest would only report what it declares as missing.
  if (parsed.some((p) => p.diagnostics.some((d) => LIMIT_CODES.has(d.code)))) return { asts, diagnostics: parsed.flatMap((p) => p.diagnostics) };
  const checked = check(asts, new Set(parsed.flatMap((p) => p.brokenNames)), files);
  return { asts, diagnostics: [...parsed.flatMap((p) => p.diagnostics), ...checked.diagnostics], ...(checked.pack ? { checked: checked.pack } : {}) };
}

export { CATALOG, renderDiagnostic, type Diagnostic } from './diagnostics.ts';
export type { SourceFile, Span } from './source.ts';
export type * from './ir.ts';
export { InputError } from './input.ts';
export { isJsonLogicSource, referencedJsonLogicFiles } from './jsonlogic/sources.ts';
