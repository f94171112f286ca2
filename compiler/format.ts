// The canonical formatter: `zhiyu fmt`. It lays a file out again from its
// concrete syntax tree, token by token, so nothing but white space, optional
// commas and comment placement can change:
//
//   - one declaration after another; rules, tests, events and entities are
//     separated by a blank line, other declarations keep the blank lines the
//     author put between them (at most one);
//   - every rule and test clause on its own line, indented by two spaces;
//     every field of an event or entity on its own line;
//   - a `when` condition that does not fit in 100 columns breaks before its
//     top-level `and` / `or`, the operand lined up under the first one;
//     other chains break the same way, under their first operand; a long
//     comparison breaks before its operator; lists and enum members fill
//     their lines; records and call arguments go one per line;
//   - separators are `, ` (optional commas are added between list and record
//     items, and dropped after field declarations and at the end of lists);
//   - comments stay where they were: a comment at the end of a line stays at
//     the end of that line (those on consecutive lines are lined up), a
//     comment on its own line stays on its own line before the same token.
//
// The result is checked before it is returned: it must parse to the same
// syntax tree (spans aside) with the same comments, in the same order.
// Formatting is idempotent: format(format(x)) is format(x).
import type { CstNode, IToken } from 'chevrotain';
import type { FileAst } from './ast.ts';
import type { Diagnostic } from './diagnostics.ts';
import { lex } from './lexer.ts';
import { parseFile } from './parse.ts';
import { RuleParser } from './parser.ts';
import { isStackOverflow, tooDeep } from './limits.ts';
import { droppedCommas } from './format/cst-query.ts';
import { Layout } from './format/layout.ts';

export { FORMAT_WIDTH } from './format/printer.ts';

export type FormatResult = { readonly text: string } | { readonly diagnostics: readonly Diagnostic[] };

export function format(text: string, file = 0): FormatResult {
  try {
    return formatText(text, file);
  } catch (e) {
    // Chains of thousands of operators can exhaust the stack while laying out: the same ZY1005 as compile().
    if (!isStackOverflow(e)) throw e;
    return { diagnostics: [tooDeep({ file, start: 0, end: Math.min(1, text.length) })] };
  }
}

function formatText(text: string, file: number): FormatResult {
  const parsed = parseFile(text, file);
  if (parsed.diagnostics.length) return { diagnostics: parsed.diagnostics };
  const lexed = lex(text, file);
  const p = (sharedParser ??= new RuleParser({ output: 'cst' }));
  p.start(lexed.tokens, text, file);
  const cst = p.file() as unknown as CstNode;
  const out = new Layout(text, lexed.tokens, lexed.comments, droppedCommas(cst)).file(cst);
  verify(parsed.ast, lexed.comments, out, file);
  return { text: out };
}

let sharedParser: RuleParser | undefined;

/** The formatter's own guarantee: same tree, same comments. A failure is a bug in the formatter. */
function verify(before: FileAst, comments: readonly IToken[], after: string, file: number): void {
  const b = parseFile(after, file);
  const texts = (cs: readonly IToken[]) => cs.map((c) => c.image.trimEnd()).join('\n');
  const problem = b.diagnostics.length
    ? `the output does not parse: ${b.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`
    : treeText(before) !== treeText(b.ast)
      ? 'the output parses to a different tree'
      : texts(comments) !== texts(lex(after, file).comments)
        ? 'the output has different comments'
        : undefined;
  if (problem) throw new Error(`zhiyu fmt: internal error, ${problem}; the file was left as it was`);
}

/** The tree without positions (spans differ once the layout changes). */
function treeText(x: unknown): string {
  return JSON.stringify(x, (k, v) => (k === 'span' || k === 'opSpan' || k === 'atSpan' ? undefined : v));
}
