// Source files and spans. A span is a half-open range of UTF-16 offsets in one
// file of the pack; line and column are worked out only when a human needs them.

export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

export interface Span {
  readonly file: number;
  readonly start: number;
  readonly end: number;
}

export interface Position {
  readonly line: number; // 1-based
  readonly column: number; // 1-based, in UTF-16 units
}

const lineStartsCache = new WeakMap<SourceFile, number[]>();

function lineStarts(file: SourceFile): number[] {
  let starts = lineStartsCache.get(file);
  if (!starts) {
    starts = [0];
    const t = file.text;
    for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) === 10) starts.push(i + 1);
    lineStartsCache.set(file, starts);
  }
  return starts;
}

export function positionOf(file: SourceFile, offset: number): Position {
  const starts = lineStarts(file);
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

export function lineText(file: SourceFile, line: number): string {
  const starts = lineStarts(file);
  const s = starts[line - 1] ?? file.text.length;
  const e = line < starts.length ? starts[line]! - 1 : file.text.length;
  return file.text.slice(s, e).replace(/\r$/, '');
}

export function joinSpans(a: Span, b: Span): Span {
  return { file: a.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

export const NO_SPAN: Span = { file: -1, start: 0, end: 0 };
