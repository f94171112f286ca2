// The grammar of expressions, lowest precedence first (`or`, `and`, `not`,
// comparisons, `??`, `+ -`, `* / %`, unary `-`, primaries), with the list
// literals, calls and paths they are made of. Each rule builds its AST node
// as it parses (parser-base.ts); declarations and tests use `expression`.
import type { IOrAlt, IToken } from 'chevrotain';
import type * as A from './ast.ts';
import { diag } from './diagnostics.ts';
import * as T from './lexer.ts';
import { parseDuration, parseMoney, parseNumber } from './literals.ts';
import { join, ParserBase } from './parser-base.ts';
import type { Span } from './source.ts';

const LEFT = { LABEL: 'left' } as const;
const OP = { LABEL: 'op' } as const;
const QUANTIFIERS = ['any', 'all', 'count'];

export class ExpressionGrammar extends ParserBase {
  private listComma?: () => void;
  private listItem?: () => void;
  listLit = this.RULE('listLit', (): A.ListLit => {
    const start = this.CONSUME(T.LBracket).startOffset;
    const mark = this.stack.length;
    this.MANY((this.listItem ??= () => {
      this.stack.push(this.SUBRULE(this.expression));
      this.OPTION((this.listComma ??= () => this.CONSUME(T.Comma)));
    }));
    this.CONSUME(T.RBracket);
    const items = this.take<A.Expr>(mark);
    return { kind: 'list', items, span: this.ast ? this.from(start) : (undefined as never) };
  });

  // Each level joins its operands from the left; an operand that is alone at
  // its level is returned as it is (most operands pass through every level).
  private orMore?: () => void;
  expression = this.RULE('expression', (): A.Expr => {
    const acc = this.SUBRULE(this.andExpr);
    const mark = this.stack.length;
    this.MANY((this.orMore ??= () => { this.CONSUME(T.Or); this.stack.push(this.SUBRULE2(this.andExpr)); }));
    return this.logical('or', acc, mark);
  });

  private andMore?: () => void;
  andExpr = this.RULE('andExpr', (): A.Expr => {
    const acc = this.SUBRULE(this.notExpr);
    const mark = this.stack.length;
    this.MANY((this.andMore ??= () => { this.CONSUME(T.And); this.stack.push(this.SUBRULE2(this.notExpr)); }));
    return this.logical('and', acc, mark);
  });

  /** `first` joined from the left by `kind` with the operands on `stack` from `mark` on. */
  protected logical(kind: 'and' | 'or', first: A.Expr, mark: number): A.Expr {
    const n = this.stack.length;
    if (n === mark) return first;
    let acc = first;
    if (this.ast) for (let i = mark; i < n; i++) { const r = this.stack[i] as A.Expr; acc = { kind, left: acc, right: r, span: join(acc.span, r.span) }; }
    this.drop(mark);
    return acc;
  }

  private notExprAlts?: IOrAlt<A.Expr>[];
  notExpr = this.RULE('notExpr', (): A.Expr => this.OR((this.notExprAlts ??= [
    {
      ALT: () => {
        const start = this.CONSUME(T.Not).startOffset;
        const operand = this.SUBRULE(this.notExpr);
        return this.ast ? { kind: 'not', operand, span: this.from(start) } : (undefined as never);
      },
    },
    { ALT: () => this.SUBRULE(this.cmpExpr) },
  ])));

  // The comparison's alternatives find its left operand and its start on `stack`.
  private cmpExprAlts?: IOrAlt<A.Expr>[];
  private cmpRight?: () => A.Expr;
  private cmpLeft(): A.Expr {
    return this.stack[this.stack.length - 2] as A.Expr;
  }
  private cmpSpan(): Span {
    return this.from(this.stack[this.stack.length - 1] as number);
  }
  cmpExpr = this.RULE('cmpExpr', (): A.Expr => {
    const start = this.LA(1).startOffset;
    const left = this.SUBRULE(this.coalesceExpr, LEFT);
    this.stack.push(left, start);
    const cmp = this.OPTION((this.cmpRight ??= () => this.OR((this.cmpExprAlts ??= [
      {
        ALT: () => {
          const op = this.CONSUME(T.CompareOp, OP);
          const right = this.SUBRULE2(this.coalesceExpr, { LABEL: 'right' });
          return this.ast ? this.binary(op.image as A.BinaryOp, this.cmpLeft(), right, op) : (undefined as never);
        },
      },
      {
        ALT: () => {
          const not = this.OPTION2(() => this.CONSUME(T.Not, { LABEL: 'notIn' }));
          this.CONSUME(T.In);
          const set = this.SUBRULE3(this.coalesceExpr, { LABEL: 'set' });
          return this.ast ? { kind: 'in', negated: !!not, item: this.cmpLeft(), set, span: this.cmpSpan() } : (undefined as never);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Between);
          const low = this.SUBRULE4(this.coalesceExpr, { LABEL: 'low' });
          this.CONSUME(T.And);
          const high = this.SUBRULE5(this.coalesceExpr, { LABEL: 'high' });
          return this.ast ? { kind: 'between', item: this.cmpLeft(), low, high, span: this.cmpSpan() } : (undefined as never);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Is);
          const not = this.OPTION3(() => this.CONSUME2(T.Not, { LABEL: 'isNot' }));
          this.CONSUME(T.Missing);
          return this.ast ? { kind: 'isMissing', negated: !!not, operand: this.cmpLeft(), span: this.cmpSpan() } : (undefined as never);
        },
      },
    ]))));
    this.stack.pop();
    this.stack.pop();
    return cmp ?? left;
  });

  private coalesceMore?: () => void;
  coalesceExpr = this.RULE('coalesceExpr', (): A.Expr => {
    let acc = this.SUBRULE(this.addExpr);
    const mark = this.stack.length;
    this.MANY((this.coalesceMore ??= () => { this.stack.push(this.CONSUME(T.Coalesce), this.SUBRULE2(this.addExpr)); }));
    return this.operators(acc, mark);
  });

  private addExprAlts?: IOrAlt<IToken>[];
  private addMore?: () => void;
  addExpr = this.RULE('addExpr', (): A.Expr => {
    const acc = this.SUBRULE(this.mulExpr);
    const mark = this.stack.length;
    this.MANY((this.addMore ??= () => {
      this.stack.push(this.OR((this.addExprAlts ??= [{ ALT: () => this.CONSUME(T.Plus, OP) }, { ALT: () => this.CONSUME(T.Minus, OP) }])));
      this.stack.push(this.SUBRULE2(this.mulExpr));
    }));
    return this.operators(acc, mark);
  });

  private mulExprAlts?: IOrAlt<IToken>[];
  private mulMore?: () => void;
  mulExpr = this.RULE('mulExpr', (): A.Expr => {
    const acc = this.SUBRULE(this.unaryExpr);
    const mark = this.stack.length;
    this.MANY((this.mulMore ??= () => {
      this.stack.push(this.OR((this.mulExprAlts ??= [
        { ALT: () => this.CONSUME(T.Star, OP) },
        { ALT: () => this.CONSUME(T.Slash, OP) },
        { ALT: () => this.CONSUME(T.Percent, OP) },
      ])));
      this.stack.push(this.SUBRULE2(this.unaryExpr));
    }));
    return this.operators(acc, mark);
  });

  /** `first` joined from the left with the (operator token, operand) pairs on `stack` from `mark` on. */
  protected operators(first: A.Expr, mark: number): A.Expr {
    const n = this.stack.length;
    if (n === mark) return first;
    let acc = first;
    if (this.ast) for (let i = mark; i + 1 < n; i += 2) { const t = this.stack[i] as IToken; acc = this.binary(t.image as A.BinaryOp, acc, this.stack[i + 1] as A.Expr, t); }
    this.drop(mark);
    return acc;
  }

  private unaryExprAlts?: IOrAlt<A.Expr>[];
  unaryExpr = this.RULE('unaryExpr', (): A.Expr => this.OR((this.unaryExprAlts ??= [
    {
      ALT: () => {
        const start = this.CONSUME(T.Minus).startOffset;
        const operand = this.SUBRULE(this.unaryExpr);
        return this.ast ? { kind: 'neg', operand, span: this.from(start) } : (undefined as never);
      },
    },
    { ALT: () => this.SUBRULE(this.primary) },
  ])));

  private primaryAlts?: IOrAlt<A.Expr>[];
  primary = this.RULE('primary', (): A.Expr => this.OR((this.primaryAlts ??= [
    { ALT: () => { const t = this.CONSUME(T.NumberLit); return this.ast ? { kind: 'number', value: this.literal(t, parseNumber(t.image), 0), raw: t.image, span: this.tokenSpan(t) } : (undefined as never); } },
    { ALT: () => { const t = this.CONSUME(T.MoneyLit); return this.ast ? { kind: 'money', fen: this.literal(t, parseMoney(t.image), 0), raw: t.image, span: this.tokenSpan(t) } : (undefined as never); } },
    { ALT: () => { const t = this.CONSUME(T.DurationLit); return this.ast ? { kind: 'duration', ms: this.literal(t, parseDuration(t.image), 0), raw: t.image, span: this.tokenSpan(t) } : (undefined as never); } },
    { ALT: () => { const t = this.CONSUME(T.TimestampLit); return this.ast ? this.timestamp(t) : (undefined as never); } },
    { ALT: () => { const t = this.CONSUME(T.StringLit); return this.ast ? this.str(t) : (undefined as never); } },
    { ALT: () => { const t = this.CONSUME(T.True); return this.ast ? { kind: 'bool', value: true, span: this.tokenSpan(t) } : (undefined as never); } },
    { ALT: () => { const t = this.CONSUME(T.False); return this.ast ? { kind: 'bool', value: false, span: this.tokenSpan(t) } : (undefined as never); } },
    { ALT: () => { const t = this.CONSUME(T.Missing); return this.ast ? { kind: 'missing', span: this.tokenSpan(t) } : (undefined as never); } },
    { ALT: () => { const t = this.CONSUME(T.Now); return this.ast ? { kind: 'now', span: this.tokenSpan(t) } : (undefined as never); } },
    {
      ALT: () => {
        const start = this.CONSUME(T.LParen).startOffset;
        const inner = this.SUBRULE(this.expression);
        this.CONSUME(T.RParen);
        return this.ast ? { kind: 'paren', inner, span: this.from(start) } : (undefined as never);
      },
    },
    { ALT: () => this.SUBRULE(this.listLit) },
    // `any of X in S`, `all of X not in S`, `count of X in S`: several values tested against one set.
    { ALT: () => this.SUBRULE(this.quantExpr) },
    // A call is told from a path by its lookahead, a name then `(` (tried first); no GATE: an OR with
    // one has Chevrotain collect every alternative's GATE into a new array on each call.
    { ALT: () => this.SUBRULE(this.callExpr) },
    { ALT: () => this.SUBRULE(this.pathExpr) },
  ])));

  callExpr = this.RULE('callExpr', (): A.Expr => {
    const callee = this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    const args: A.CallArg[] = [];
    this.MANY_SEP({ SEP: T.Comma, DEF: () => args.push(this.SUBRULE(this.callArg)) });
    this.CONSUME(T.RParen);
    return this.ast ? { kind: 'call', callee: this.name(callee), args, span: this.from(callee.startOffset) } : (undefined as never);
  });

  quantExpr = this.RULE('quantExpr', (): A.Expr => {
    const q = this.CONSUME(T.Identifier, { LABEL: 'quantifier' });
    if (this.ast && !QUANTIFIERS.includes(q.image)) this.error(q, `expected \`any\`, \`all\` or \`count\` before \`of\` but found \`${q.image}\``);
    this.CONSUME(T.Of);
    const items = this.SUBRULE(this.primary, { LABEL: 'items' });
    const not = this.OPTION(() => this.CONSUME(T.Not));
    this.CONSUME(T.In);
    const set = this.SUBRULE2(this.primary, { LABEL: 'set' });
    return this.ast ? { kind: 'quant', quantifier: this.name(q), items, negated: !!not, set, span: this.from(q.startOffset) } : (undefined as never);
  });

  private callArgAlts?: IOrAlt<A.CallArg>[];
  callArg = this.RULE('callArg', (): A.CallArg => this.OR((this.callArgAlts ??= [
    { ALT: () => { const start = this.CONSUME(T.By).startOffset; const f = this.CONSUME(T.AnyName); return this.ast ? { kind: 'by', field: this.name(f), span: this.from(start) } : (undefined as never); } },
    {
      ALT: () => {
        const start = this.CONSUME(T.Last).startOffset;
        const d = this.CONSUME(T.DurationLit);
        return this.ast ? { kind: 'last', ms: this.literal(d, parseDuration(d.image), 0), raw: d.image, span: this.from(start) } : (undefined as never);
      },
    },
    // `last 5 events`, `last 3 calendar months`
    {
      ALT: () => {
        const start = this.CONSUME2(T.Last).startOffset;
        const count = this.CONSUME(T.NumberLit, { LABEL: 'count' });
        // `event` is a keyword; `last 1 event` is still the window.
        const word = this.CONSUME3(T.AnyName, { LABEL: 'unitWord' });
        const word2 = this.OPTION(() => this.CONSUME4(T.AnyName, { LABEL: 'unitWord2' }));
        if (!this.ast) return undefined as never;
        const span = this.from(start);
        const c = this.literal(count, parseNumber(count.image), 0);
        const words = word2 ? [word, word2] : [word];
        const phrase = words.map((w) => w.image).join(' ');
        if (!Number.isInteger(c) || c < 1) this.diagnostics.push(diag('ZY1003', this.tokenSpan(count), `\`last ${count.image} …\` needs a whole number of at least 1`));
        if (phrase === 'events' || phrase === 'event') return { kind: 'events', n: c, span };
        if (phrase === 'calendar months' || phrase === 'calendar month') return { kind: 'months', n: c, span };
        const last = words[words.length - 1]!;
        this.error({ file: this.fileIndex, start: word.startOffset, end: Math.max(word.startOffset + word.image.length, last.startOffset + last.image.length) },
          `expected \`events\` or \`calendar months\` after \`last ${count.image}\` but found \`${phrase}\``, 'a time window is written with a unit: `last 30d`');
        return { kind: 'events', n: c, span };
      },
    },
    // `within 10m` (sequence)
    {
      ALT: () => {
        const within = this.CONSUME3(T.Identifier, { LABEL: 'within' });
        const d = this.CONSUME2(T.DurationLit);
        if (!this.ast) return undefined as never;
        if (within.image !== 'within') this.error(within, `expected \`within\` before \`${d.image}\` but found \`${within.image}\``);
        return { kind: 'within', ms: this.literal(d, parseDuration(d.image), 0), raw: d.image, span: this.from(within.startOffset) };
      },
    },
    { ALT: () => { const t = this.CONSUME(T.Today); return this.ast ? { kind: 'calendar', unit: 'day', span: this.tokenSpan(t) } : (undefined as never); } },
    {
      ALT: () => {
        const start = this.CONSUME(T.This).startOffset;
        const unit = this.CONSUME2(T.AnyName, { LABEL: 'unit' });
        if (!this.ast) return undefined as never;
        if (unit.image === 'week' || unit.image === 'month' || unit.image === 'day') return { kind: 'calendar', unit: unit.image, span: this.from(start) };
        this.error(unit, `expected \`day\`, \`week\` or \`month\` after \`this\` but found \`${unit.image}\``);
        return { kind: 'calendar', unit: 'day', span: this.from(start) };
      },
    },
    { ALT: () => { const start = this.CONSUME(T.Where).startOffset; const expr = this.SUBRULE(this.expression); return this.ast ? { kind: 'where', expr, span: this.from(start) } : (undefined as never); } },
    { ALT: () => { const start = this.CONSUME(T.Including).startOffset; this.CONSUME(T.Current); return this.ast ? { kind: 'including', span: this.from(start) } : (undefined as never); } },
    {
      // An expression; in sequence(), `A followed by B followed by C`.
      ALT: () => {
        const start = this.LA(1).startOffset;
        const marked = this.diagnostics.length;
        const first = this.SUBRULE2(this.expression);
        const steps: A.Expr[] = [first];
        const followed: IToken[] = [];
        this.MANY(() => { followed.push(this.CONSUME4(T.Identifier, { LABEL: 'followed' })); this.CONSUME2(T.By); steps.push(this.SUBRULE3(this.expression)); });
        if (!this.ast) return undefined as never;
        if (!followed.length) return { kind: 'expr', expr: first, span: this.from(start) };
        // Reported ahead of anything found inside the steps.
        const misspelt = followed.filter((f) => f.image !== 'followed').map((f) => diag('ZY1002', this.tokenSpan(f), `expected \`followed by\` but found \`${f.image} by\``));
        this.diagnostics.splice(marked, 0, ...misspelt);
        return { kind: 'steps', steps, span: this.from(start) };
      },
    },
  ])));

  private pathExprAlts?: IOrAlt<IToken>[];
  private pathMore?: () => void;
  pathExpr = this.RULE('pathExpr', (): A.PathExpr => {
    const firstTok = this.OR((this.pathExprAlts ??= [{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.Event) }]));
    const mark = this.stack.length;
    this.MANY((this.pathMore ??= () => { this.CONSUME(T.Dot); this.stack.push(this.CONSUME(T.AnyName)); }));
    const n = this.stack.length - mark;
    if (!this.ast) { this.drop(mark); return undefined as never; }
    const first = this.name(firstTok);
    // A one-word path spans its word: the two share one span (spans are never changed).
    if (n === 0) return { kind: 'path', parts: [first], span: first.span };
    // Made at its final length: grown by `push`, the list of a two-word path had room for 17.
    const parts = new Array<A.Name>(n + 1);
    parts[0] = first;
    for (let i = 0; i < n; i++) parts[i + 1] = this.name(this.stack[mark + i] as IToken);
    this.drop(mark);
    return { kind: 'path', parts, span: this.from(firstTok.startOffset) };
  });
}
