// The grammar of `test` and `fixture` declarations: their `at`, `given`,
// `expect` and `cases` clauses, expectations and records.
import type { IToken } from 'chevrotain';
import type * as A from './ast.ts';
import * as T from './lexer.ts';
import { parseNumber } from './literals.ts';
import { DeclarationGrammar } from './parser-declarations.ts';
import type { Span } from './source.ts';

export class TestGrammar extends DeclarationGrammar {
  testDecl = this.RULE('testDecl', (): A.Decl => {
    const start = this.CONSUME(T.Test).startOffset;
    const nameTok = this.CONSUME(T.StringLit);
    const name = this.ast ? this.str(nameTok) : (undefined as never);
    const clauses: A.TestClause[] = [];
    this.MANY(() => clauses.push(this.SUBRULE(this.testClause)));
    return this.ast ? { kind: 'test', name, clauses, span: this.from(start) } : (undefined as never);
  });

  /** `fixture NAME ["description"]` and `at` / `given` clauses: test data that tests include with `given NAME`. */
  fixtureDecl = this.RULE('fixtureDecl', (): A.Decl => {
    const start = this.CONSUME(T.Fixture).startOffset;
    const name = this.CONSUME(T.Identifier);
    const d = this.OPTION(() => this.CONSUME(T.StringLit));
    const head = this.ast ? { name: this.name(name), ...this.description(d) } : (undefined as never);
    const clauses: A.TestClause[] = [];
    this.MANY(() => clauses.push(this.SUBRULE(this.testClause)));
    return this.ast ? { kind: 'fixture', ...head, clauses, span: this.from(start) } : (undefined as never);
  });

  testClause = this.RULE('testClause', (): A.TestClause => {
    const start = this.LA(1).startOffset;
    const done = <C extends object>(c: C): C & { span: Span } => (this.ast ? { ...c, span: this.from(start) } : (undefined as never));
    return this.OR([
      { ALT: () => { this.CONSUME(T.At); const time = this.SUBRULE(this.expression); return done({ kind: 'at' as const, time }); } },
      {
        ALT: () => {
          this.CONSUME(T.Given);
          return this.OR2<A.TestClause>([
            { ALT: () => { this.CONSUME(T.Event); const record = this.SUBRULE(this.record); return done({ kind: 'givenEvent' as const, record }); } },
            {
              ALT: () => {
                this.CONSUME(T.History);
                this.CONSUME(T.LBracket);
                const events: A.RecordLit[] = [];
                this.MANY_SEP({ SEP: T.Comma, DEF: () => events.push(this.SUBRULE2(this.record)) });
                this.CONSUME(T.RBracket);
                return done({ kind: 'givenHistory' as const, events });
              },
            },
            {
              ALT: () => {
                this.CONSUME(T.List);
                const list = this.CONSUME(T.Identifier, { LABEL: 'list' });
                const items = this.SUBRULE(this.listLit);
                return this.ast ? done({ kind: 'givenList' as const, list: this.name(list), items }) : (undefined as never);
              },
            },
            {
              ALT: () => {
                const entity = this.CONSUME2(T.Identifier, { LABEL: 'entity' });
                const record = this.SUBRULE3(this.record);
                return this.ast ? done({ kind: 'givenEntity' as const, entity: this.name(entity), record }) : (undefined as never);
              },
            },
            {
              ALT: () => {
                const which = this.CONSUME3(T.Identifier, { LABEL: 'days' });
                const days = this.SUBRULE2(this.listLit);
                return this.ast ? done({ kind: 'givenDays' as const, which: this.name(which), days }) : (undefined as never);
              },
            },
            { ALT: () => { const f = this.CONSUME4(T.Identifier, { LABEL: 'fixture' }); return this.ast ? done({ kind: 'givenFixture' as const, fixture: this.name(f) }) : (undefined as never); } },
          ]);
        },
      },
      { ALT: () => { this.CONSUME(T.Expect); const expectation = this.SUBRULE(this.expectation); return done({ kind: 'expect' as const, expectation }); } },
      {
        ALT: () => {
          this.CONSUME(T.Cases);
          this.CONSUME(T.LParen);
          const columns: A.PathExpr[] = [];
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => columns.push(this.SUBRULE(this.pathExpr)) });
          this.CONSUME(T.RParen);
          this.CONSUME(T.LBrace);
          const rows: A.CaseRow[] = [];
          this.MANY2(() => rows.push(this.SUBRULE(this.caseRow)));
          this.CONSUME(T.RBrace);
          return done({ kind: 'cases' as const, columns, rows });
        },
      },
    ]);
  });

  expectation = this.RULE('expectation', (): A.Expectation => {
    const start = this.LA(1).startOffset;
    return this.OR([
      {
        // `expect [not] note RULE` (`note` is a word, not a keyword).
        GATE: () => this.LA(1).image === 'note' || (this.LA(1).tokenType === T.Not && this.LA(2).image === 'note'),
        IGNORE_AMBIGUITIES: true,
        ALT: () => {
          const not = this.OPTION6(() => this.CONSUME2(T.Not));
          this.CONSUME6(T.Identifier, { LABEL: 'noteWord' });
          const rule = this.CONSUME4(T.Identifier, { LABEL: 'noteRule' });
          return this.ast ? { kind: 'note', negated: !!not, rule: this.name(rule), span: this.from(start) } : (undefined as never);
        },
      },
      {
        ALT: () => {
          const negated = !!this.OPTION(() => this.CONSUME(T.Not));
          return this.OR2<A.Expectation>([
            {
              ALT: () => {
                this.CONSUME(T.Fired);
                const rules: A.Name[] = [];
                this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { const t = this.CONSUME(T.Identifier); if (this.ast) rules.push(this.name(t)); } });
                return { kind: 'fired', negated, rules, span: this.ast ? this.from(start) : (undefined as never) };
              },
            },
            {
              ALT: () => {
                this.CONSUME(T.Reason);
                const code = this.CONSUME3(T.Identifier, { LABEL: 'reason' });
                return this.ast ? { kind: 'reason', negated, code: this.name(code), span: this.from(start) } : (undefined as never);
              },
            },
          ]);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Score);
          const op = this.OPTION3(() => this.CONSUME(T.CompareOp, { LABEL: 'op' }));
          const minus = this.OPTION2(() => this.CONSUME(T.Minus));
          const num = this.CONSUME(T.NumberLit);
          if (!this.ast) return undefined as never;
          const v = this.literal(num, parseNumber(num.image), 0);
          return { kind: 'score', op: (op?.image ?? '==') as A.ScoreOp, points: minus ? -v : v, span: this.from(start) };
        },
      },
      {
        // `expect message [zh|en] [contains] "text"`
        ALT: () => {
          this.CONSUME(T.Message);
          const lang = this.OPTION4(() => this.OR4([{ ALT: () => { this.CONSUME(T.Zh); return 'zh' as const; } }, { ALT: () => { this.CONSUME(T.En); return 'en' as const; } }]));
          const how = this.OPTION5(() => this.CONSUME5(T.Identifier, { LABEL: 'how' }));
          const text = this.CONSUME(T.StringLit);
          if (!this.ast) return undefined as never;
          return { kind: 'message', ...(lang ? { lang } : {}), ...(how ? { how: this.name(how) } : {}), text: this.str(text), span: this.from(start) };
        },
      },
      // `expect seen FEATURE = VALUE`: the value a feature, aggregate, predicate or `let` had in the decision.
      {
        ALT: () => {
          this.CONSUME(T.Seen);
          const what = this.SUBRULE(this.coalesceExpr, { LABEL: 'seen' });
          this.CONSUME(T.Equals);
          const value = this.SUBRULE(this.expression, { LABEL: 'value' });
          return this.ast ? { kind: 'seen', what, value, span: this.from(start) } : (undefined as never);
        },
      },
      {
        IGNORE_AMBIGUITIES: true,
        ALT: () => {
          const outcome = this.CONSUME2(T.Identifier, { LABEL: 'outcome' });
          // `expect reasons R`: words after a misspelt expectation, on its line, are kept for a clear error.
          // (In a `cases` row more expectations follow on the line; they start with a keyword, or `note`.)
          const stray: IToken[] = [];
          this.MANY({
            GATE: () => this.sameLine(outcome, this.LA(1)) && this.LA(1).image !== 'note',
            DEF: () => { stray.push(this.CONSUME7(T.Identifier, { LABEL: 'stray' })); },
          });
          if (!this.ast) return undefined as never;
          if (stray.length) {
            const kinds = ['fired', 'score', 'reason', 'message', 'seen', 'note'];
            const near = kinds.find((k) => k !== outcome.image && (k.startsWith(outcome.image.slice(0, 3)) || outcome.image.startsWith(k)));
            this.error(outcome, `\`expect ${outcome.image} ${stray.map((t) => t.image).join(' ')}\`: \`${outcome.image}\` is not a kind of expectation`,
              `${near ? `did you mean \`${near}\`? ` : ''}an expectation is an outcome, \`fired\`, \`not fired\`, \`score\`, \`reason\`, \`message\`, \`seen\` or \`note\``);
          }
          return { kind: 'outcome', outcome: this.name(outcome), ...(stray.length ? { misspelt: true } : {}), span: this.from(start) };
        },
      },
    ]);
  });

  caseRow = this.RULE('caseRow', (): A.CaseRow => {
    const start = this.CONSUME(T.LParen).startOffset;
    const values: A.Expr[] = [];
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => values.push(this.SUBRULE(this.expression)) });
    this.CONSUME(T.RParen);
    this.CONSUME(T.Arrow);
    const expect: A.Expectation[] = [];
    this.AT_LEAST_ONE(() => expect.push(this.SUBRULE(this.expectation)));
    return { values, expect, span: this.ast ? this.from(start) : (undefined as never) };
  });

  record = this.RULE('record', (): A.RecordLit => {
    const start = this.CONSUME(T.LBrace).startOffset;
    const fields: A.RecordField[] = [];
    this.MANY(() => {
      const name = this.CONSUME(T.AnyName);
      this.CONSUME(T.Colon);
      const value = this.SUBRULE(this.expression);
      if (this.ast) fields.push({ name: this.name(name), value, span: this.from(name.startOffset) });
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RBrace);
    return { fields, span: this.ast ? this.from(start) : (undefined as never) };
  });
}
