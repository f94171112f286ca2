// One catalog of stable diagnostic codes. Codes never change meaning once
// shipped; retired codes are not reused. ZY1xxx syntax, ZY2xxx names and
// declarations, ZY3xxx types, ZY4xxx input at decision time, ZY5xxx tests,
// ZY6xxx lint. Outside this catalog: ZY7xxx the SQLite store
// (runtime/store/errors.ts; ZY75xx backtests, runtime/backtest/errors.ts),
// ZY80xx bundles and the service (runtime/bundle.ts), ZY81xx the editor's
// workspace and access guard (editor/server/workspace.ts), ZY82xx the
// command line (cli/output.ts), ZY9xxx JSON Logic (compiler/jsonlogic/errors.ts).
import { lineText, positionOf, type SourceFile, type Span } from './source.ts';

export type Severity = 'error' | 'warning' | 'info';

export const CATALOG = {
  ZY1001: { severity: 'error', title: 'unexpected character' },
  ZY1002: { severity: 'error', title: 'syntax error' },
  ZY1003: { severity: 'error', title: 'malformed literal' },
  ZY1004: { severity: 'error', title: 'number out of range' },
  ZY1005: { severity: 'error', title: 'nested too deeply' },
  ZY1006: { severity: 'error', title: 'malformed JSON Logic file' },
  ZY1007: { severity: 'error', title: 'source too large' },
  ZY2001: { severity: 'error', title: 'unknown name' },
  ZY2002: { severity: 'error', title: 'duplicate declaration' },
  ZY2003: { severity: 'error', title: 'pack header missing or repeated' },
  ZY2004: { severity: 'error', title: 'unknown outcome' },
  ZY2005: { severity: 'error', title: 'unknown function' },
  ZY2006: { severity: 'error', title: 'circular definition' },
  ZY2007: { severity: 'error', title: 'rule has no action' },
  ZY2008: { severity: 'error', title: 'reserved name' },
  ZY2009: { severity: 'error', title: 'invalid declaration' },
  ZY2010: { severity: 'error', title: 'JSON Logic file not found' },
  ZY2011: { severity: 'error', title: 'too many rules' },
  ZY3001: { severity: 'error', title: 'type mismatch' },
  ZY3002: { severity: 'error', title: 'condition is not a bool' },
  ZY3003: { severity: 'error', title: 'wrong number of arguments' },
  ZY3004: { severity: 'error', title: 'not a constant' },
  ZY3005: { severity: 'error', title: 'unsafe or invalid regular expression' },
  ZY3006: { severity: 'error', title: 'invalid aggregate' },
  ZY3007: { severity: 'error', title: 'invalid message template' },
  ZY3008: { severity: 'error', title: 'invalid test' },
  ZY3009: { severity: 'error', title: 'JSON Logic outside the typed subset' },
  ZY4001: { severity: 'error', title: 'input field has the wrong type' },
  ZY4002: { severity: 'error', title: 'unknown input field' },
  ZY4003: { severity: 'error', title: 'malformed input' },
  ZY5001: { severity: 'error', title: 'test failed' },
  ZY5002: { severity: 'warning', title: 'test expectation never applies' },
  ZY5003: { severity: 'warning', title: 'history event never counted' },
  ZY6001: { severity: 'error', title: 'protected feature used in a decision' },
  ZY6002: { severity: 'warning', title: 'condition is always or never true' },
  ZY6003: { severity: 'warning', title: 'rule never decides the outcome' },
  ZY6004: { severity: 'warning', title: 'window longer than the history kept' },
  ZY6005: { severity: 'warning', title: 'rule without a reason code' },
  ZY6006: { severity: 'warning', title: 'unused feature' },
  ZY6007: { severity: 'warning', title: 'unused constant' },
  ZY6008: { severity: 'warning', title: 'unused list' },
  ZY6009: { severity: 'warning', title: 'unused predicate' },
  ZY6010: { severity: 'warning', title: 'suppression that suppresses nothing' },
  ZY6011: { severity: 'warning', title: 'unused let' },
} as const satisfies Record<string, { severity: Severity; title: string }>;

export type Code = keyof typeof CATALOG;

export interface Diagnostic {
  readonly code: Code;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  readonly hint?: string;
}

export function diag(code: Code, span: Span, message: string, hint?: string): Diagnostic {
  return hint === undefined
    ? { code, severity: CATALOG[code].severity, message, span }
    : { code, severity: CATALOG[code].severity, message, span, hint };
}

export const MAX_DIAGNOSTICS = 100;

/** Sorted by file and position, duplicates dropped, capped with a final note. */
export function sortDiagnostics(list: readonly Diagnostic[], max = MAX_DIAGNOSTICS): Diagnostic[] {
  const seen = new Set<string>();
  const out = [...list]
    .sort((a, b) => a.span.file - b.span.file || a.span.start - b.span.start || a.code.localeCompare(b.code))
    .filter((d) => {
      const key = `${d.code}:${d.span.file}:${d.span.start}:${d.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  if (out.length <= max) return out;
  const kept = out.slice(0, max);
  const last = kept[kept.length - 1]!;
  kept.push({ code: last.code, severity: 'info', message: `${out.length - max} more diagnostics were truncated`, span: last.span });
  return kept;
}

export function hasErrors(list: readonly Diagnostic[]): boolean {
  return list.some((d) => d.severity === 'error');
}

/** `file:line:col: error ZY2001: message`, then the source line and a caret. */
export function renderDiagnostic(d: Diagnostic, files: readonly SourceFile[]): string {
  const file = files[d.span.file];
  if (!file) return `${d.severity} ${d.code}: ${d.message}${d.hint ? `\n  hint: ${d.hint}` : ''}`;
  const p = positionOf(file, d.span.start);
  const endPos = positionOf(file, Math.max(d.span.start, d.span.end - 1));
  const src = lineText(file, p.line);
  const width = endPos.line === p.line ? Math.max(1, endPos.column - p.column + 1) : Math.max(1, src.length - p.column + 1);
  const gutter = String(p.line).length;
  const lines = [
    `${file.path}:${p.line}:${p.column}: ${d.severity} ${d.code}: ${d.message}`,
    `${' '.repeat(gutter)} |`,
    `${p.line} | ${src}`,
    `${' '.repeat(gutter)} | ${' '.repeat(p.column - 1)}${'^'.repeat(width)}`,
  ];
  if (d.hint) lines.push(`${' '.repeat(gutter)} = hint: ${d.hint}`);
  return lines.join('\n');
}

/** Levenshtein-nearest name, for "did you mean …". */
export function nearest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  const limit = Math.max(1, Math.floor(name.length / 3));
  return bestD <= limit ? best : undefined;
}

/** Optimal string alignment distance: a swap of two neighbours counts as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const n = nearest(name, candidates);
  return n ? `did you mean \`${n}\`?` : undefined;
}
