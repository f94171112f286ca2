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
import type { FileAst } from '../ast.ts';
import type { Diagnostic } from '../diagnostics.ts';
import { lex } from '../lexer.ts';
import { parseFile } from '../parse.ts';
import { RuleParser } from '../parser.ts';
import { firstChildNode, ordered } from '../cst.ts';
import { isStackOverflow, tooDeep } from '../limits.ts';

/** Lines longer than this are broken where the layout allows. */
export const FORMAT_WIDTH = 100;

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
  const p = (sharedParser ??= new RuleParser());
  p.text = text;
  p.input = lexed.tokens;
  const cst = p.file();
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

// ---------------------------------------------------------------- documents
// A small Wadler-style document algebra: text, spaces, line breaks that a
// group may lay flat, indentation, and comments (which force their group to
// break).

type Doc = string | readonly Doc[] | Space | Line | Group | Fill | Indent | Align | Comment;
interface Space { readonly k: 'space' }
/** `soft`: nothing when flat; otherwise a space when flat. `hard`: always a line break. */
interface Line { readonly k: 'line'; readonly soft: boolean; readonly hard: boolean }
interface Group { readonly k: 'group'; readonly d: Doc; readonly hard: boolean; readonly tailComment: boolean }
/** Items and separators alternating; each separator breaks only when the next item does not fit on the line. */
interface Fill { readonly k: 'fill'; readonly parts: readonly Doc[]; readonly hard: boolean; readonly tailComment: boolean }
interface Indent { readonly k: 'indent'; readonly n: number; readonly d: Doc }
/** Indents what it holds to the column where it starts. */
interface Align { readonly k: 'align'; readonly d: Doc }
/** `own`: on a line of its own; otherwise at the end of the line it is on. */
interface Comment { readonly k: 'comment'; readonly text: string; readonly own: boolean }

const SP: Space = { k: 'space' };
const LINE: Line = { k: 'line', soft: false, hard: false };
const SOFT: Line = { k: 'line', soft: true, hard: false };
const HARD: Line = { k: 'line', soft: false, hard: true };
const indent = (n: number, d: Doc): Indent => ({ k: 'indent', n, d });
const align = (d: Doc): Align => ({ k: 'align', d });
function group(d: Doc): Group {
  return { k: 'group', d, hard: hasHard(d), tailComment: endsInComment(d) };
}
function fill(parts: readonly Doc[]): Fill {
  return { k: 'fill', parts, hard: hasHard(parts), tailComment: endsInComment(parts) };
}
/**
 * Must a group holding `d` break? Yes if it holds a hard line or a comment —
 * except a trailing comment at its very end, which only ends the line the
 * group ends on.
 */
function hasHard(d: Doc, tail = true): boolean {
  if (typeof d === 'string') return false;
  if (Array.isArray(d)) {
    let last = d.length - 1;
    while (last >= 0 && isEmpty(d[last]!)) last--;
    return d.some((x, i) => hasHard(x, tail && i === last));
  }
  const x = d as Exclude<Doc, string | readonly Doc[]>;
  switch (x.k) {
    case 'space': return false;
    case 'line': return x.hard;
    case 'comment': return x.own || !tail;
    case 'group': case 'fill': return x.hard || (!tail && x.tailComment);
    case 'indent': case 'align': return hasHard(x.d, tail);
  }
}

/** Does `d` end with a trailing comment (which ends the line after it)? */
function endsInComment(d: Doc): boolean {
  if (typeof d === 'string') return false;
  if (Array.isArray(d)) {
    let last = d.length - 1;
    while (last >= 0 && isEmpty(d[last]!)) last--;
    return last >= 0 && endsInComment(d[last]!);
  }
  const x = d as Exclude<Doc, string | readonly Doc[]>;
  switch (x.k) {
    case 'comment': return !x.own;
    case 'group': case 'fill': return x.tailComment;
    case 'indent': case 'align': return endsInComment(x.d);
    default: return false;
  }
}

function isEmpty(d: Doc): boolean {
  return d === '' || (Array.isArray(d) && d.every(isEmpty));
}

/** Display width: CJK and full-width characters take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    w += (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff)
      || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || c >= 0x20000 ? 2 : 1;
  }
  return w;
}

type Mode = 'flat' | 'break';
interface Cmd { readonly ind: number; readonly mode: Mode; readonly d: Doc }

/** Lays a document out in `FORMAT_WIDTH` columns. */
function print(doc: Doc): string {
  const out: string[] = [];
  let col = 0;
  let atLineStart = true;
  let pending: string | undefined; // a trailing comment waiting for the end of its line
  let line = 0;
  const trailing = new Map<number, string>(); // line → its trailing comment, placed (and aligned) at the end
  const newline = (ind: number) => {
    out.push('\n');
    line++;
    atLineStart = true;
    col = ind;
  };
  const flush = (ind: number) => {
    if (pending === undefined) return;
    trailing.set(line, pending);
    pending = undefined;
    newline(ind);
  };
  const text = (s: string, ind: number) => {
    if (pending !== undefined && s !== ',') flush(ind);
    if (atLineStart) { out.push(' '.repeat(Math.max(0, ind))); col = Math.max(0, ind); atLineStart = false; }
    out.push(s);
    col += width(s);
  };
  const stack: Cmd[] = [{ ind: 0, mode: 'break', d: doc }];
  while (stack.length) {
    const { ind, mode, d } = stack.pop()!;
    if (typeof d === 'string') { if (d) text(d, ind); continue; }
    if (Array.isArray(d)) { for (let i = d.length - 1; i >= 0; i--) stack.push({ ind, mode, d: d[i]! }); continue; }
    const x = d as Exclude<Doc, string | readonly Doc[]>;
    switch (x.k) {
      case 'space':
        if (pending !== undefined) flush(ind);
        else if (!atLineStart) { out.push(' '); col++; }
        break;
      case 'line':
        if (mode === 'flat' && !x.hard) {
          if (x.soft) break;
          if (pending !== undefined) flush(ind);
          else if (!atLineStart) { out.push(' '); col++; }
        } else if (pending !== undefined) flush(ind);
        else if (!atLineStart) newline(ind);
        break;
      case 'comment':
        if (x.own) {
          flush(ind);
          if (!atLineStart) newline(ind);
          text(x.text, ind);
          newline(ind);
        } else {
          if (pending !== undefined) flush(ind);
          if (atLineStart) { text(x.text, ind); newline(ind); } else pending = x.text;
        }
        break;
      case 'group': {
        const flat = !x.hard && fits({ ind, mode: 'flat', d: x.d }, stack, FORMAT_WIDTH - (atLineStart ? Math.max(0, ind) : col));
        stack.push({ ind, mode: flat ? 'flat' : 'break', d: x.d });
        break;
      }
      case 'fill': {
        // Lay out the first item, then decide the separator after it by whether the next item fits.
        const [item, sep, ...rest] = x.parts;
        const room = FORMAT_WIDTH - (atLineStart ? Math.max(0, ind) : col);
        const itemFits = !x.hard && fits({ ind, mode: 'flat', d: item! }, [], room);
        if (sep === undefined) { stack.push({ ind, mode: itemFits ? 'flat' : 'break', d: item! }); break; }
        const pairFits = !x.hard && fits({ ind, mode: 'flat', d: [item!, sep, rest[0]!] }, [], room);
        stack.push({ ind, mode, d: fill(rest) });
        stack.push({ ind, mode: pairFits ? 'flat' : 'break', d: sep });
        stack.push({ ind, mode: itemFits ? 'flat' : 'break', d: item! });
        break;
      }
      case 'indent': stack.push({ ind: ind + x.n, mode, d: x.d }); break;
      case 'align': stack.push({ ind: atLineStart ? Math.max(0, ind) : col, mode, d: x.d }); break;
    }
  }
  if (pending !== undefined) trailing.set(line, pending);
  return withComments(out.join('').split('\n').map((l) => l.replace(/[ \t]+$/, '')), trailing).join('\n').replace(/\n+$/, '');
}

/**
 * Puts the trailing comments back at the ends of their lines. Comments on
 * consecutive lines are lined up one space after the longest of those lines,
 * unless that would pass the width limit.
 */
function withComments(lines: string[], trailing: ReadonlyMap<number, string>): string[] {
  const out = [...lines];
  let i = 0;
  while (i < lines.length) {
    if (!trailing.has(i)) { i++; continue; }
    let j = i;
    while (trailing.has(j + 1)) j++;
    const widest = Math.max(...lines.slice(i, j + 1).map(width));
    const aligned = j > i && widest + 1 <= FORMAT_WIDTH;
    for (let k = i; k <= j; k++) {
      const pad = aligned ? widest - width(lines[k]!) + 1 : 1;
      out[k] = `${lines[k]}${' '.repeat(pad)}${trailing.get(k)}`;
    }
    i = j + 1;
  }
  return out;
}

/** Does `next`, laid flat, fit in `room` columns, up to the next line break of what follows? */
function fits(next: Cmd, rest: readonly Cmd[], room: number): boolean {
  const todo: { mode: Mode; d: Doc }[] = [{ mode: next.mode, d: next.d }];
  let restIdx = rest.length - 1;
  while (room >= 0) {
    if (todo.length === 0) {
      if (restIdx < 0) return true;
      const r = rest[restIdx--]!;
      todo.push({ mode: r.mode, d: r.d });
      continue;
    }
    const { mode, d } = todo.pop()!;
    if (typeof d === 'string') { room -= width(d); continue; }
    if (Array.isArray(d)) { for (let i = d.length - 1; i >= 0; i--) todo.push({ mode, d: d[i]! }); continue; }
    const x = d as Exclude<Doc, string | readonly Doc[]>;
    switch (x.k) {
      case 'space': room -= 1; break;
      case 'line':
        if (mode === 'break' || x.hard) return true;
        room -= x.soft ? 0 : 1;
        break;
      case 'comment': return true; // the line ends here
      case 'group': todo.push({ mode: x.hard ? 'break' : mode, d: x.d }); break;
      case 'fill': todo.push({ mode: x.hard ? 'break' : mode, d: x.parts }); break;
      case 'indent': case 'align': todo.push({ mode, d: x.d }); break;
    }
  }
  return false;
}

// ---------------------------------------------------------------- layout

const BLOCKS = new Set(['eventDecl', 'entityDecl', 'ruleDecl', 'testDecl', 'fixtureDecl', 'invariantDecl']);
const EXPRESSION_RULES = new Set(['expression', 'andExpr', 'notExpr', 'cmpExpr', 'coalesceExpr', 'addExpr', 'mulExpr', 'unaryExpr', 'primary', 'pathExpr', 'callExpr', 'quantExpr']);
const blankBetween = (s: string) => (s.match(/\n/g)?.length ?? 0) >= 2;

class Layout {
  /** Trailing comment of a token (same line, after it). */
  private readonly trailing = new Map<IToken, IToken>();
  /** Comments on their own lines before a token. */
  private readonly leading = new Map<IToken, IToken[]>();
  /** Own-line comments after the last token. */
  private readonly tail: IToken[] = [];
  private readonly used = new Set<IToken>();

  constructor(private readonly src: string, tokens: readonly IToken[], comments: readonly IToken[], dropped: ReadonlySet<IToken>) {
    let ti = 0;
    for (const c of comments) {
      while (ti < tokens.length && tokens[ti]!.startOffset < c.startOffset) ti++;
      const prev = tokens[ti - 1];
      const next = tokens[ti];
      if (prev && !src.slice(end(prev), c.startOffset).includes('\n')) this.trailing.set(prev, c);
      else if (next) this.leading.set(next, [...(this.leading.get(next) ?? []), c]);
      else this.tail.push(c);
    }
    // Commas are glued to what precedes them, so their comments must land
    // where they will be found again in the output. A trailing comment of a
    // comma whose previous token has one too would have to start a line: it
    // leads the next token instead. A comma that is left out also hands its
    // own-line comments (and then its trailing one) to the next token.
    tokens.forEach((t, i) => {
      if (t.tokenType.name !== 'Comma') return;
      const lead = dropped.has(t) ? this.leading.get(t) ?? [] : [];
      const trail = this.trailing.get(t);
      const prevTrail = i > 0 ? this.trailing.get(tokens[i - 1]!) : undefined;
      const moveTrail = !!trail && (!!prevTrail || lead.length > 0);
      if (lead.length === 0 && !moveTrail) return;
      const next = tokens[i + 1]!;
      this.leading.set(next, [...lead, ...(moveTrail ? [trail!] : []), ...(this.leading.get(next) ?? [])]);
      if (lead.length) this.leading.delete(t);
      if (moveTrail) this.trailing.delete(t);
    });
  }

  // ---- tokens and their comments ----
  private commentDoc(c: IToken, own: boolean): Doc {
    this.used.add(c);
    return { k: 'comment', text: c.image.trimEnd(), own };
  }
  private before(t: IToken): Doc[] {
    return (this.leading.get(t) ?? []).filter((c) => !this.used.has(c)).map((c) => this.commentDoc(c, true));
  }
  private after(t: IToken): Doc[] {
    const c = this.trailing.get(t);
    return c && !this.used.has(c) ? [this.commentDoc(c, false)] : [];
  }
  /** A token as written, with its comments. */
  private t(tok: IToken | undefined): Doc {
    if (!tok) return '';
    return [...this.before(tok), tok.image, ...this.after(tok)];
  }
  /** A token left out of the output (an optional comma): only its comments. */
  private skip(tok: IToken | undefined): Doc {
    return tok ? [...this.before(tok), ...this.after(tok)] : '';
  }

  // ---- the file ----
  file(cst: CstNode): string {
    const decls = nodes(cst, 'decl').map((d) => firstChildNode(d)!);
    const parts: string[] = [];
    let lastEnd = 0;
    let prevKind: string | undefined;
    const emit = (s: string, start: number, forceBlank: boolean) => {
      if (parts.length) parts.push(forceBlank || blankBetween(this.src.slice(lastEnd, start)) ? '\n\n' : '\n');
      parts.push(s);
    };
    for (const d of decls) {
      const first = firstTokenOf(d);
      const last = lastToken(d);
      const lead = (this.leading.get(first) ?? []);
      const block = prevKind !== undefined && (BLOCKS.has(prevKind) || BLOCKS.has(d.name));
      lead.forEach((c, i) => {
        this.used.add(c);
        emit(c.image.trimEnd(), c.startOffset, i === 0 && block);
        lastEnd = end(c);
      });
      emit(print(this.decl(d)), first.startOffset, lead.length === 0 && block);
      const trail = this.trailing.get(last);
      lastEnd = trail ? end(trail) : end(last);
      prevKind = d.name;
    }
    for (const c of this.tail) {
      emit(c.image.trimEnd(), c.startOffset, false);
      lastEnd = end(c);
    }
    return parts.length ? `${parts.join('')}\n` : '';
  }

  private decl(n: CstNode): Doc {
    switch (n.name) {
      case 'packDecl': return [this.t(tok(n, 'Pack')), SP, this.t(tok(n, 'Identifier')), tok(n, 'Version') ? [SP, this.t(tok(n, 'Version')), SP, this.t(tok(n, 'StringLit'))] : ''];
      case 'outcomesDecl': {
        const ids = toks(n, 'Identifier');
        const gts = toks(n, 'Gt');
        return [this.t(tok(n, 'Outcomes')), SP, ids.map((id, i) => [i ? [SP, this.t(gts[i - 1]), SP] : '', this.t(id)])];
      }
      case 'thresholdDecl': return this.spaced(n);
      case 'decidesDecl': return [this.t(tok(n, 'Decides')), SP, this.commaFill(toks(n, 'AnyName').map((x) => this.t(x)), toks(n, 'Comma'))];
      case 'measuredDecl': return [this.t(tok(n, 'Measured')), SP, this.t(tok(n, 'By')), SP, this.commaFill(toks(n, 'Identifier').map((x) => this.t(x)), toks(n, 'Comma'))];
      case 'eventDecl':
      case 'entityDecl': {
        const head = n.name === 'eventDecl'
          ? [this.t(tok(n, 'Event'))]
          : [this.t(tok(n, 'Entity')), SP, this.t(tok(n, 'name')), SP, this.t(tok(n, 'By')), SP, this.t(tok(n, 'key'))];
        const desc = tok(n, 'StringLit');
        return [head, desc ? [SP, this.t(desc)] : '', SP, this.block(tok(n, 'LBrace')!, nodes(n, 'fieldDecl').map((f) => this.field(f)), tok(n, 'RBrace')!)];
      }
      case 'listDecl': {
        const desc = tok(n, 'StringLit');
        const items = node(n, 'listLit');
        return [
          this.t(tok(n, 'List')), SP, this.t(tok(n, 'Identifier')), this.t(tok(n, 'Colon')), SP, this.typeExpr(node(n, 'typeExpr')!), SP,
          items ? [this.t(tok(n, 'Equals')), SP, this.listLit(items)] : this.t(tok(n, 'External')),
          desc ? [SP, this.t(desc)] : '',
        ];
      }
      case 'constDecl':
        return [this.t(tok(n, 'Const')), SP, this.t(tok(n, 'Identifier')), SP, this.t(tok(n, 'Equals')), SP, align(this.expr(node(n, 'expression')!))];
      case 'predicateDecl': {
        const desc = tok(n, 'StringLit');
        const head = [this.t(tok(n, 'Predicate')), SP, this.t(tok(n, 'Identifier')), desc ? [SP, this.t(desc)] : '', SP, this.t(tok(n, 'Equals'))];
        // A JSON Logic file name stays on the line of its `=`, as a constant's value does.
        if (tok(n, 'Jsonlogic')) return [head, SP, this.t(tok(n, 'Jsonlogic')), SP, this.t(tok(n, 'file'))];
        return [head, group(indent(2, [LINE, this.expr(node(n, 'expression')!)]))];
      }
      case 'ruleDecl': {
        const title = tok(n, 'StringLit');
        return [
          this.t(tok(n, 'Rule')), SP, this.t(tok(n, 'Identifier')), title ? [SP, this.t(title)] : '',
          indent(2, nodes(n, 'ruleClause').map((c) => [HARD, this.ruleClause(c)])),
        ];
      }
      case 'testDecl':
        return [this.t(tok(n, 'Test')), SP, this.t(tok(n, 'StringLit')), indent(2, nodes(n, 'testClause').map((c) => [HARD, this.testClause(c)]))];
      case 'invariantDecl': {
        // The title line, then the condition, the conclusions and the source, each on a line of its own.
        const source = tok(n, 'source');
        const ands = toks(n, 'And');
        return [
          this.t(tok(n, 'Invariant')), SP, this.t(tok(n, 'title')), this.t(tok(n, 'Colon')),
          indent(2, [
            HARD, this.expr(node(n, 'expression')!),
            HARD, this.t(tok(n, 'Arrow')), SP, nodes(n, 'conclusion').map((c, i) => [i ? [SP, this.t(ands[i - 1]), SP] : '', this.spaced(c)]),
            source ? [HARD, this.t(tok(n, 'sourceWord')), SP, this.t(source)] : '',
          ]),
        ];
      }
      case 'fixtureDecl': {
        const desc = tok(n, 'StringLit');
        return [
          this.t(tok(n, 'Fixture')), SP, this.t(tok(n, 'Identifier')), desc ? [SP, this.t(desc)] : '',
          indent(2, nodes(n, 'testClause').map((c) => [HARD, this.testClause(c)])),
        ];
      }
    }
    return this.spaced(n);
  }

  /** `{`, one item per line indented by two, `}`; `{}` when empty. */
  private block(open: IToken, items: Doc[], close: IToken): Doc {
    const inner = [...items.map((i) => [HARD, i]), ...this.before(close)];
    if (inner.length === 0) return [this.t(open), this.t(close)];
    return [this.t(open), indent(2, inner), HARD, this.t(close)];
  }

  /** Every token and node of n in source order, one space apart (simple one-line declarations). */
  private spaced(n: CstNode): Doc {
    return ordered(n).map((x, i) => [i ? SP : '', 'children' in x ? this.node(x) : this.t(x)]);
  }

  private node(n: CstNode): Doc {
    switch (n.name) {
      case 'typeExpr': return this.typeExpr(n);
      case 'listLit': return this.listLit(n);
      case 'record': return this.record(n);
      case 'expectation': return this.expectation(n);
      case 'pathExpr': return this.path(n);
      default: return EXPRESSION_RULES.has(n.name) ? this.expr(n) : this.spaced(n);
    }
  }

  private field(n: CstNode): Doc {
    const flags = [...toks(n, 'Required'), ...toks(n, 'Protected')].sort((a, b) => a.startOffset - b.startOffset);
    const desc = tok(n, 'StringLit');
    return [
      this.t(tok(n, 'AnyName')), this.t(tok(n, 'Colon')), SP, this.typeExpr(node(n, 'typeExpr')!),
      flags.map((f) => [SP, this.t(f)]), desc ? [SP, this.t(desc)] : '', this.skip(tok(n, 'Comma')),
    ];
  }

  private typeExpr(n: CstNode): Doc {
    if (tok(n, 'Enum')) {
      return [this.t(tok(n, 'Enum')), this.t(tok(n, 'LParen')), this.commaFill(toks(n, 'AnyName').map((m) => this.t(m)), toks(n, 'Comma')), this.t(tok(n, 'RParen'))];
    }
    if (tok(n, 'Set')) return [this.t(tok(n, 'Set')), this.t(tok(n, 'Lt')), this.t(tok(n, 'Identifier')), this.t(tok(n, 'Gt'))];
    return this.t(tok(n, 'Identifier'));
  }

  /** Items separated by the commas as written (mandatory separators); when too long, one item per line. */
  private commaList(items: Doc[], commas: readonly IToken[]): Doc {
    return group(align(items.map((it, i) => [i ? [this.t(commas[i - 1]), LINE] : '', it])));
  }

  /** Like commaList, but as many items on a line as fit (names and values). */
  private commaFill(items: Doc[], commas: readonly IToken[]): Doc {
    return align(fill(items.flatMap((it, i) => {
      const last = i === items.length - 1;
      return last ? [it] : [[it, this.t(commas[i])], LINE];
    })));
  }

  /**
   * Items whose separating commas are optional in the grammar: always `, `
   * between items, none after the last. The commas that were written only
   * contribute their comments. Returns each item with its separator.
   */
  private optionalCommas(items: { doc: Doc; start: number }[], commas: readonly IToken[]): Doc[] {
    let ci = 0;
    return items.map((it, i) => {
      const next = items[i + 1]?.start ?? Infinity;
      const between: IToken[] = [];
      while (ci < commas.length && commas[ci]!.startOffset < next) between.push(commas[ci++]!);
      return [it.doc, i < items.length - 1 ? ',' : '', between.map((c) => this.skip(c))];
    });
  }

  private listLit(n: CstNode): Doc {
    const exprs = nodes(n, 'expression');
    const open = tok(n, 'LBracket')!;
    const close = tok(n, 'RBracket')!;
    if (exprs.length === 0) return [this.t(open), ...toks(n, 'Comma').map((c) => this.skip(c)), this.t(close)];
    const items = this.optionalCommas(exprs.map((e) => ({ doc: this.expr(e), start: e.location!.startOffset })), toks(n, 'Comma'));
    return [this.t(open), align(fill(items.flatMap((it, i) => (i ? [LINE, it] : [it])))), this.t(close)];
  }

  /**
   * `{ a: 1, b: 2 }` on one line when it fits; otherwise one field per line, or —
   * `fill`, for history rows, which read as the rows of a table — as many
   * fields on a line as fit, lined up after the brace.
   */
  private record(n: CstNode, fillFields = false, after: Doc = ''): Doc {
    const names = toks(n, 'AnyName');
    const colons = toks(n, 'Colon');
    const values = nodes(n, 'expression');
    const open = tok(n, 'LBrace')!;
    const close = tok(n, 'RBrace')!;
    if (names.length === 0) return [this.t(open), ...toks(n, 'Comma').map((c) => this.skip(c)), this.t(close)];
    const items = this.optionalCommas(names.map((name, i) => ({ doc: [this.t(name), this.t(colons[i]), SP, this.expr(values[i]!)], start: name.startOffset })), toks(n, 'Comma'));
    if (fillFields) {
      const last = items.length - 1;
      return [this.t(open), SP, align(fill(items.flatMap((it, i) => (i === last ? [...(i ? [LINE] : []), [it, SP, this.t(close), after]] : i ? [LINE, it] : [it]))))];
    }
    return group([this.t(open), indent(2, [LINE, items.map((it, i) => (i ? [LINE, it] : it))]), LINE, this.t(close)]);
  }

  // ---- rules and tests ----
  private ruleClause(n: CstNode): Doc {
    const first = firstTokenOf(n);
    switch (first.tokenType.name) {
      case 'Tags': return [this.t(first), SP, this.commaFill(toks(n, 'AnyName').map((x) => this.t(x)), toks(n, 'Comma'))];
      case 'When': return [this.t(first), SP, this.expr(node(n, 'expression')!, true)];
      case 'Let': return [this.t(first), SP, this.t(tok(n, 'letName')), SP, this.t(tok(n, 'Equals')), SP, align(this.expr(node(n, 'letValue')!))];
      case 'Identifier': {
        // `note when CONDITION "中文" en "English"`: the texts follow the condition, `en` under them when it breaks.
        const zhKw = tok(n, 'Zh');
        const en = tok(n, 'En');
        return [
          this.t(first), SP, this.t(tok(n, 'When')), SP, this.expr(node(n, 'noteWhen')!), SP, zhKw ? [this.t(zhKw), SP] : '', this.t(tok(n, 'noteZh')),
          en ? group(indent(5, [LINE, this.t(en), SP, this.t(tok(n, 'noteEn'))])) : '',
        ];
      }
      case 'Score': {
        const sign = tok(n, 'Plus') ?? tok(n, 'Minus');
        return [this.t(first), SP, sign ? this.t(sign) : '', this.t(tok(n, 'NumberLit'))];
      }
      case 'Message': {
        const zhKw = tok(n, 'Zh');
        const en = tok(n, 'En');
        return [
          this.t(first), SP, zhKw ? [this.t(zhKw), SP] : '', this.t(tok(n, 'zh')),
          // `en` goes under `message`'s text, so that both strings start in the same column.
          en ? group(indent(zhKw ? 8 : 5, [LINE, this.t(en), SP, this.t(tok(n, 'en'))])) : '',
        ];
      }
      default: return this.spaced(n);
    }
  }

  private testClause(n: CstNode): Doc {
    const first = firstTokenOf(n);
    switch (first.tokenType.name) {
      case 'At': return [this.t(first), SP, this.expr(node(n, 'expression')!)];
      case 'Expect': return [this.t(first), SP, this.expectation(node(n, 'expectation')!)];
      case 'Cases': {
        const cols = nodes(n, 'pathExpr').map((p) => this.path(p));
        return [
          this.t(first), SP, this.t(tok(n, 'LParen')), this.commaList(cols, toks(n, 'Comma')), this.t(tok(n, 'RParen')), SP,
          this.block(tok(n, 'LBrace')!, nodes(n, 'caseRow').map((r) => this.caseRow(r)), tok(n, 'RBrace')!),
        ];
      }
      default: {
        if (first.tokenType.name !== 'Given') return this.spaced(n);
        let rest: Doc;
        if (tok(n, 'History')) {
          const commas = toks(n, 'Comma');
          const rows = nodes(n, 'record');
          // Each row carries the comma after it, so a row that fits in the width with its comma stays on one line.
          const recs = rows.map((r, i) => this.record(r, true, i < rows.length - 1 ? this.t(commas[i]) : ''));
          rest = [this.t(tok(n, 'History')), SP, recs.length === 0
            ? [this.t(tok(n, 'LBracket')), this.t(tok(n, 'RBracket'))]
            : group([this.t(tok(n, 'LBracket')), indent(2, [SOFT, recs.map((r, i) => [i ? LINE : '', r])]), SOFT, this.t(tok(n, 'RBracket'))])];
        } else if (tok(n, 'List')) {
          rest = [this.t(tok(n, 'List')), SP, this.t(tok(n, 'list')), SP, this.listLit(node(n, 'listLit')!)];
        } else if (tok(n, 'days')) {
          rest = [this.t(tok(n, 'days')), SP, this.listLit(node(n, 'listLit')!)];
        } else if (tok(n, 'fixture')) {
          rest = this.t(tok(n, 'fixture'));
        } else if (node(n, 'record')) {
          rest = [this.t(tok(n, 'Event') ?? tok(n, 'entity')), SP, this.record(node(n, 'record')!)];
        } else {
          return this.spaced(n);
        }
        return [this.t(first), SP, rest];
      }
    }
  }

  private caseRow(n: CstNode): Doc {
    const vals = nodes(n, 'expression').map((e) => this.expr(e));
    return [
      this.t(tok(n, 'LParen')), this.commaList(vals, toks(n, 'Comma')), this.t(tok(n, 'RParen')), SP, this.t(tok(n, 'Arrow')),
      nodes(n, 'expectation').map((e) => [SP, this.expectation(e)]),
    ];
  }

  private expectation(n: CstNode): Doc {
    const not = tok(n, 'Not');
    const negated = not ? [this.t(not), SP] : '';
    if (tok(n, 'Fired')) return [negated, this.t(tok(n, 'Fired')), SP, this.commaFill(toks(n, 'Identifier').map((x) => this.t(x)), toks(n, 'Comma'))];
    if (tok(n, 'Reason')) return [negated, this.t(tok(n, 'Reason')), SP, this.t(tok(n, 'reason'))];
    if (tok(n, 'noteWord')) return [negated, this.t(tok(n, 'noteWord')), SP, this.t(tok(n, 'noteRule'))];
    if (tok(n, 'Score')) {
      const op = tok(n, 'op');
      return [this.t(tok(n, 'Score')), SP, op ? [this.t(op), SP] : '', this.t(tok(n, 'Minus')), this.t(tok(n, 'NumberLit'))];
    }
    if (tok(n, 'Message')) {
      const lang = tok(n, 'Zh') ?? tok(n, 'En');
      const how = tok(n, 'how');
      return [this.t(tok(n, 'Message')), SP, lang ? [this.t(lang), SP] : '', how ? [this.t(how), SP] : '', this.t(tok(n, 'StringLit'))];
    }
    if (tok(n, 'Seen')) return [this.t(tok(n, 'Seen')), SP, this.expr(node(n, 'seen')!), SP, this.t(tok(n, 'Equals')), SP, this.expr(node(n, 'value')!)];
    return this.t(tok(n, 'outcome'));
  }

  // ---- expressions ----
  /**
   * `hang`: the `when` layout — a broken top-level `and`/`or` chain puts each
   * operator before its operand, the operands lined up under the first one.
   */
  private expr(n: CstNode, hang = false): Doc {
    switch (n.name) {
      case 'expression': {
        // Only the outermost chain hangs: an `and` chain inside a broken `or` chain lines up normally.
        const ors = toks(n, 'Or');
        return this.chain(nodes(n, 'andExpr').map((a) => this.expr(a, hang && ors.length === 0)), ors, hang);
      }
      case 'andExpr': return this.chain(nodes(n, 'notExpr').map((a) => this.expr(a)), toks(n, 'And'), hang);
      case 'notExpr': {
        const inner = node(n, 'notExpr');
        return inner ? [this.t(tok(n, 'Not')), SP, this.expr(inner)] : this.expr(node(n, 'cmpExpr')!);
      }
      case 'cmpExpr': {
        const left = this.expr(node(n, 'left')!);
        const op = tok(n, 'op');
        // A comparison too long for its line breaks before the operator, lined up under its left side.
        if (op) return group(align([left, LINE, this.t(op), SP, this.expr(node(n, 'right')!)]));
        if (tok(n, 'In')) {
          const not = tok(n, 'notIn');
          return [left, SP, not ? [this.t(not), SP] : '', this.t(tok(n, 'In')), SP, this.expr(node(n, 'set')!)];
        }
        if (tok(n, 'Between')) {
          return [left, SP, this.t(tok(n, 'Between')), SP, this.expr(node(n, 'low')!), SP, this.t(tok(n, 'And')), SP, this.expr(node(n, 'high')!)];
        }
        if (tok(n, 'Is')) {
          const not = tok(n, 'isNot');
          return [left, SP, this.t(tok(n, 'Is')), SP, not ? [this.t(not), SP] : '', this.t(tok(n, 'Missing'))];
        }
        return left;
      }
      case 'coalesceExpr': return this.infix(nodes(n, 'addExpr'), toks(n, 'Coalesce'));
      case 'addExpr': return this.infix(nodes(n, 'mulExpr'), toks(n, 'op'));
      case 'mulExpr': return this.infix(nodes(n, 'unaryExpr'), toks(n, 'op'));
      case 'unaryExpr': {
        const inner = node(n, 'unaryExpr');
        return inner ? [this.t(tok(n, 'Minus')), this.expr(inner)] : this.expr(node(n, 'primary')!);
      }
      case 'primary': {
        const x = ordered(n)[0]!;
        if ('children' in x) return x.name === 'listLit' ? this.listLit(x) : x.name === 'callExpr' ? this.call(x) : x.name === 'quantExpr' ? this.quant(x) : this.path(x);
        if (x.tokenType.name === 'LParen') return [this.t(x), align(this.expr(node(n, 'expression')!)), this.t(tok(n, 'RParen'))];
        return this.t(x);
      }
      case 'pathExpr': return this.path(n);
      case 'callExpr': return this.call(n);
      case 'quantExpr': return this.quant(n);
    }
    throw new Error(`zhiyu fmt: unexpected syntax node ${n.name}`);
  }

  private chain(items: Doc[], ops: readonly IToken[], hang: boolean): Doc {
    if (ops.length === 0) return items[0]!;
    const rest = ops.map((op, i) => [LINE, this.t(op), SP, items[i + 1]!]);
    if (!hang) return group(align([items[0]!, rest]));
    // `and` lines up its operand with the first one: 4 columns back, `or` 3.
    return group(align([items[0]!, indent(-(ops[0]!.image.length + 1), rest)]));
  }

  private infix(parts: CstNode[], ops: readonly IToken[]): Doc {
    const sorted = [...ops].sort((a, b) => a.startOffset - b.startOffset);
    return parts.map((p, i) => [i ? [SP, this.t(sorted[i - 1]), SP] : '', this.expr(p)]);
  }

  private quant(n: CstNode): Doc {
    const not = tok(n, 'Not');
    return [
      this.t(tok(n, 'quantifier')), SP, this.t(tok(n, 'Of')), SP, this.expr(node(n, 'items')!), SP,
      not ? [this.t(not), SP] : '', this.t(tok(n, 'In')), SP, this.expr(node(n, 'set')!),
    ];
  }

  private call(n: CstNode): Doc {
    const args = nodes(n, 'callArg').map((a) => this.callArg(a));
    return [this.t(tok(n, 'Identifier')), this.t(tok(n, 'LParen')), args.length ? this.commaList(args, toks(n, 'Comma')) : '', this.t(tok(n, 'RParen'))];
  }

  private callArg(n: CstNode): Doc {
    const e = node(n, 'expression');
    if (tok(n, 'Where')) return [this.t(tok(n, 'Where')), SP, this.expr(e!)];
    // sequence(): the steps stay on one line if they fit, otherwise each `followed by` starts a line under the first step.
    const followed = toks(n, 'followed');
    if (followed.length) {
      const steps = nodes(n, 'expression');
      const bys = toks(n, 'By');
      return group(align([this.expr(steps[0]!), followed.map((f, i) => [LINE, this.t(f), SP, this.t(bys[i]), SP, this.expr(steps[i + 1]!)])]));
    }
    if (e && ordered(n).length === 1) return this.expr(e);
    return this.spaced(n);
  }

  private path(n: CstNode): Doc {
    const first = tok(n, 'Identifier') ?? tok(n, 'Event')!;
    const dots = toks(n, 'Dot');
    return [this.t(first), toks(n, 'AnyName').map((x, i) => [this.t(dots[i]), this.t(x)])];
  }
}


// ---------------------------------------------------------------- CST helpers

/** The commas the layout leaves out or replaces: optional ones, in field declarations, records and lists. */
function droppedCommas(cst: CstNode): Set<IToken> {
  const out = new Set<IToken>();
  const visit = (n: CstNode): void => {
    if (n.name === 'fieldDecl' || n.name === 'record' || n.name === 'listLit') for (const c of toks(n, 'Comma')) out.add(c);
    for (const list of Object.values(n.children)) for (const c of list) if ('children' in c) visit(c);
  };
  visit(cst);
  return out;
}

function nodes(n: CstNode, key: string): CstNode[] {
  return (n.children[key] ?? []) as CstNode[];
}
function node(n: CstNode, key: string): CstNode | undefined {
  return n.children[key]?.[0] as CstNode | undefined;
}
function toks(n: CstNode, key: string): IToken[] {
  return ((n.children[key] ?? []) as IToken[]).slice().sort((a, b) => a.startOffset - b.startOffset);
}
function tok(n: CstNode, key: string): IToken | undefined {
  return toks(n, key)[0];
}
function firstTokenOf(n: CstNode): IToken {
  const x = ordered(n)[0]!;
  return 'children' in x ? firstTokenOf(x) : x;
}
function lastToken(n: CstNode): IToken {
  const all = ordered(n);
  const x = all[all.length - 1]!;
  return 'children' in x ? lastToken(x) : x;
}
function end(t: IToken): number {
  return t.startOffset + t.image.length;
}
