// Keystroke-sized parsing for the editor: a rule file is cut into its
// top-level declarations (a line that starts, at column 0, with a keyword
// that begins one), and each piece is parsed as a file of its own. A pack
// is a set of declarations whichever file holds them, so checking the
// pieces is checking the pack; with the parse cache, a keystroke re-parses
// one declaration instead of a 2,000-line file. Every span that comes out
// is mapped back to the file and offset the analyst sees.
import type { SourceFile, Span } from '../source.ts';
import { firstWords } from '../parse.ts';
import { MAX_FILE_CHARS } from '../limits.ts';

/**
 * Declarations start at column 0 with a word the grammar begins one with
 * (`event` only as the schema, `event "…" {` or `event {`, not `event.amount`).
 */
let declaration: RegExp | undefined;
const declarationStart = (): RegExp => (declaration ??= new RegExp(
  `\\n(?=(?:${firstWords('decl').filter((w) => w !== 'event').join('|')})(?![A-Za-z0-9_])|event\\s*["{])`, 'g'));

export interface Chunked {
  /** The pieces, as the compiler's files. */
  readonly files: SourceFile[];
  /** A span in the pieces → the same text in the analyst's files. */
  readonly toSource: (s: Span) => Span;
  /** A place in the analyst's file → the piece that holds it. */
  readonly toChunk: (file: number, offset: number) => { file: number; offset: number };
}

export function chunk(files: readonly SourceFile[]): Chunked {
  const out: SourceFile[] = [];
  const origin: { file: number; base: number }[] = [];
  const starts: number[][] = [];
  files.forEach((f, i) => {
    const mine: number[] = [];
    starts.push(mine);
    // A file over the size limit stays whole, so that the compiler refuses it as compile() does.
    const cuts = f.path.endsWith('.zy') && f.text.length <= MAX_FILE_CHARS ? [0, ...[...f.text.matchAll(declarationStart())].map((m) => m.index + 1)] : [0];
    cuts.forEach((at, k) => {
      mine.push(out.length);
      origin.push({ file: i, base: at });
      out.push({ path: k === 0 ? f.path : `${f.path}#${k}`, text: f.text.slice(at, cuts[k + 1] ?? f.text.length) });
    });
  });
  return {
    files: out,
    toSource: (s) => {
      const o = origin[s.file];
      return o ? { file: o.file, start: o.base + s.start, end: o.base + s.end } : s;
    },
    toChunk: (file, offset) => {
      const mine = starts[file] ?? [];
      let c = mine[0] ?? 0;
      for (const k of mine) if (origin[k]!.base <= offset) c = k;
      return { file: c, offset: offset - (origin[c]?.base ?? 0) };
    },
  };
}

const isSpan = (v: Record<string, unknown>): boolean => {
  const keys = Object.keys(v);
  return keys.length === 3 && typeof v['file'] === 'number' && typeof v['start'] === 'number' && typeof v['end'] === 'number';
};

/** A deep copy of `value` with every span mapped (ASTs, symbols: plain data). */
export function mapSpans<T>(value: T, map: (s: Span) => Span): T {
  if (Array.isArray(value)) return value.map((v) => mapSpans(v, map)) as T;
  if (value === null || typeof value !== 'object' || value instanceof Map || value instanceof Set) return value;
  const v = value as Record<string, unknown>;
  if (isSpan(v)) return map(v as unknown as Span) as T;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = mapSpans(x, map);
  return out as T;
}
