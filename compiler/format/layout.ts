// How each construct of the language is laid out: the formatter's
// CST → document step. The rules it follows are listed in compiler/format.ts.
import type { CstNode, IToken } from 'chevrotain';
import { firstChildNode, ordered } from '../cst.ts';
import { CommentedTokens } from './comments.ts';
import { end, firstTokenOf, lastToken, node, nodes, tok, toks } from './cst-query.ts';
import { align, fill, group, HARD, indent, LINE, SOFT, SP, type Doc } from './doc.ts';
import { print } from './printer.ts';

const BLOCKS = new Set(['eventDecl', 'entityDecl', 'ruleDecl', 'testDecl', 'fixtureDecl', 'invariantDecl']);
const EXPRESSION_RULES = new Set(['expression', 'andExpr', 'notExpr', 'cmpExpr', 'coalesceExpr', 'addExpr', 'mulExpr', 'unaryExpr', 'primary', 'pathExpr', 'callExpr', 'quantExpr']);
const blankBetween = (s: string) => (s.match(/\n/g)?.length ?? 0) >= 2;

export class Layout extends CommentedTokens {
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
