// The language service the browser editor runs in a worker (and the tests run
// in Node): diagnostics for the whole pack, completion, hover, go to
// definition — all from the compiler itself. Checking is split from linting
// so that markers can show as soon as the pack is checked.
import { proofDiagnostics, proveInvariants } from '../prove/index.ts';
import { front, type ParseCache } from '../index.ts';
import { sortDiagnostics, type Diagnostic } from '../diagnostics.ts';
import type { CheckedPack } from '../ir.ts';
import { lintReport } from '../lint/index.ts';
import { FUNCTIONS, AGGREGATE_DOCS } from '../functions.ts';
import type { SourceFile, Span } from '../source.ts';
import { buildIndex, type SymbolIndex, type Symbol_ } from './symbols.ts';
import { complete, type CompleteOptions, type CompletionResult } from './complete.ts';
import { symbolUnder } from './navigate.ts';
import type * as A from '../ast.ts';
import type { FileAst } from '../ast.ts';
import { chunk, mapSpans } from './chunks.ts';

export { complete, type CompleteOptions, type Completion, type CompletionKind, type CompletionResult } from './complete.ts';
export { buildIndex, symbolKey, type Reference, type Symbol_, type SymbolIndex, type SymbolKind } from './symbols.ts';
export { outline, packSymbols, prepareRename, references, rename, symbolUnder, type Edit, type OutlineItem, type RenameResult } from './navigate.ts';
export { quickFixes, type QuickFix } from './quickfix.ts';
export { signatureAt, type SignatureHelp } from './signature.ts';

export interface Analysis {
  readonly files: readonly SourceFile[];
  /** The parsed files (what the outline and rename read), in the analyst's coordinates. */
  readonly asts: readonly FileAst[];
  /** Syntax and checking errors and warnings, sorted (not capped: the editor shows them all). */
  readonly diagnostics: readonly Diagnostic[];
  /** The checked pack, when checking got that far. Its spans are in `sources`' coordinates: `toSource` maps them. */
  readonly checked?: CheckedPack;
  /** What the compiler was given: each file cut into its declarations (chunks.ts). */
  readonly sources: readonly SourceFile[];
  readonly toSource: (s: Span) => Span;
  /** Built on first use: markers need only the diagnostics. */
  readonly index: SymbolIndex;
}


/**
 * Parses and checks a pack (compile()'s front half), one declaration at a
 * time: `cache` keeps the parse of every declaration whose text is unchanged.
 */
export function analyze(files: readonly SourceFile[], cache?: ParseCache): Analysis {
  const c = chunk(files);
  const f = front(c.files, cache);
  let index: SymbolIndex | undefined;
  let asts: FileAst[] | undefined;
  return {
    files,
    sources: c.files,
    toSource: c.toSource,
    diagnostics: sortDiagnostics(f.diagnostics.map((d) => ({ ...d, span: c.toSource(d.span) })), Infinity),
    ...(f.checked ? { checked: f.checked } : {}),
    get asts() {
      if (!asts) {
        const byFile: FileAst[] = files.map((_, i) => ({ file: i, decls: [] }));
        for (const a of f.asts) {
          const at = c.toSource({ file: a.file, start: 0, end: 0 }).file;
          (byFile[at]!.decls as A.Decl[]).push(...mapSpans(a.decls, c.toSource));
        }
        asts = byFile;
      }
      return asts;
    },
    get index() {
      if (!index) {
        const built = buildIndex(f.asts, f.checked);
        index = { symbols: new Map([...built.symbols].map(([k, v]) => [k, mapSpans(v, c.toSource)])), refs: mapSpans(built.refs, c.toSource) };
      }
      return index;
    },
  };
}

/** The pack's standing lint findings; none while it has errors. */
export function lintAnalysis(a: Analysis): Diagnostic[] {
  if (!a.checked || a.diagnostics.some((d) => d.severity === 'error')) return [];
  // Invariants are proved here too, so the editor marks a broken one where the analyst types.
  return [...lintReport(a.checked, a.sources).diagnostics, ...proofDiagnostics(a.checked, proveInvariants(a.checked))]
    .map((d) => ({ ...d, span: a.toSource(d.span) }));
}

export interface Hover {
  readonly span: Span;
  /** Markdown. */
  readonly doc: string;
}

/** The reference under the offset, with its symbol. */
function symbolAt(a: Analysis, file: number, offset: number): { span: Span; symbol: Symbol_ } | undefined {
  const r = a.index.refs.find((x) => x.span.file === file && x.span.start <= offset && offset < x.span.end);
  return r ? { span: r.span, symbol: a.index.symbols.get(r.key)! } : undefined;
}

export function hover(a: Analysis, file: number, offset: number): Hover | undefined {
  const at = symbolAt(a, file, offset);
  if (at) return { span: at.span, doc: at.symbol.doc };
  // A declaration's own name, or a built-in function.
  const text = a.files[file]?.text ?? '';
  const m = wordAt(text, offset);
  if (!m) return undefined;
  const span = { file, start: m.start, end: m.end };
  for (const s of a.index.symbols.values()) {
    if (s.span && s.span.file === file && s.span.start <= m.start && m.end <= s.span.end && s.name.split('.').pop() === m.word && s.kind !== 'event') {
      return { span, doc: s.doc };
    }
  }
  const fn = FUNCTIONS.get(m.word);
  if (fn && text[m.end] === '(') return { span, doc: `**${fn.name}()** — ${fn.doc}` };
  const aggDoc = AGGREGATE_DOCS[m.word];
  if (aggDoc && text[m.end] === '(') return { span, doc: `**${m.word}()** — ${aggDoc}` };
  return undefined;
}

/** Where the name under the offset is declared: its name, not the whole declaration. */
export function definition(a: Analysis, file: number, offset: number): Span | undefined {
  const at = symbolAt(a, file, offset) ?? symbolUnder(a, file, offset);
  return at?.symbol.nameSpan ?? at?.symbol.span;
}

export function completeAt(a: Analysis, file: number, offset: number, text = a.files[file]?.text ?? '', opts: CompleteOptions = {}): CompletionResult {
  return complete(text, offset, a.index, opts);
}

function wordAt(text: string, offset: number): { word: string; start: number; end: number } | undefined {
  let s = offset;
  let e = offset;
  while (s > 0 && /[A-Za-z0-9_]/.test(text[s - 1]!)) s--;
  while (e < text.length && /[A-Za-z0-9_]/.test(text[e]!)) e++;
  return e > s ? { word: text.slice(s, e), start: s, end: e } : undefined;
}
