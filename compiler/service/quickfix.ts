// Quick fixes from the compiler's own hints: a diagnostic that says "did you
// mean `amount`?" offers to write `amount` in place of what it points at.
// Nothing is guessed beyond the hint: the fix replaces exactly the span the
// diagnostic names, and only when that span is a name or a string.
import type { Diagnostic } from '../diagnostics.ts';
import type { SourceFile, Span } from '../source.ts';
import type { Edit } from './navigate.ts';

export interface QuickFix {
  readonly title: string;
  readonly code: string;
  /** The diagnostic's span, to tie the fix to its marker. */
  readonly span: Span;
  readonly edits: readonly Edit[];
}

const SUGGESTION = /did you mean `([^`]+)`\?/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** What to write instead of `have` (the text a diagnostic points at), as its hint suggests; undefined when it suggests nothing applicable. */
export function fixFromHint(have: string, hint: string | undefined): { title: string; text: string } | undefined {
  const want = hint ? SUGGESTION.exec(hint)?.[1] : undefined;
  if (!want) return undefined;
  let text: string | undefined;
  if (NAME.test(have) && NAME.test(want)) text = want;
  else if (/^(["']).*\1$/.test(have) && !/["'\\]/.test(want)) text = `${have[0]}${want}${have[0]}`;
  if (text === undefined || text === have) return undefined;
  return { title: `Change \`${have}\` to \`${text}\``, text };
}

/** The fixes for diagnostics of `file` that overlap [start, end]. */
export function quickFixes(files: readonly SourceFile[], diagnostics: readonly Diagnostic[], file: number, start: number, end: number): QuickFix[] {
  const out: QuickFix[] = [];
  for (const d of diagnostics) {
    if (d.span.file !== file || d.span.end < start || d.span.start > end) continue;
    const fix = fixFromHint(files[file]!.text.slice(d.span.start, d.span.end), d.hint);
    if (fix) out.push({ title: fix.title, code: d.code, span: d.span, edits: [{ span: d.span, text: fix.text }] });
  }
  return out;
}
