// The grammar, one Chevrotain parser class run two ways. Built with
// `{ output: 'ast' }` (parse.ts), each rule returns its part of the AST of
// ast.ts, built as the rule is parsed; built with `{ output: 'cst' }` (the
// formatter, and parse.ts on a file with errors), each rule returns
// Chevrotain's concrete syntax tree and the AST actions are skipped. Rules are
// class fields so that a misspelt rule name is a type error. Error recovery is
// on, so one broken declaration does not hide the errors in the others.
//
// The rules are written in parts, each a class extending the one before:
// parser-base.ts (configuration, the AST helpers), parser-expressions.ts,
// parser-declarations.ts, parser-test-decls.ts, and here the file and its
// declarations. RuleParser, the last, is the one grammar: Chevrotain records
// every part's rules when it is constructed.
import type { CstNode, IOrAlt } from 'chevrotain';
import type * as A from './ast.ts';
import type { ParserOptions } from './parser-base.ts';
import { TestGrammar } from './parser-test-decls.ts';

export class RuleParser extends TestGrammar {
  constructor(options: ParserOptions) {
    super(options);
    this.performSelfAnalysis();
    this.ast = options.output === 'ast';
  }

  /** Called with each declaration's CST as soon as it is parsed (CST output only: parse.ts, on a file with errors). */
  onDecl: ((decl: CstNode) => void) | undefined;

  file = this.RULE('file', (): A.Decl[] => {
    const decls: A.Decl[] = [];
    this.MANY(() => {
      const d = this.SUBRULE(this.decl);
      if (this.ast) decls.push(d);
      else if (this.onDecl && !this.RECORDING_PHASE) this.onDecl(d as unknown as CstNode);
    });
    return decls;
  });

  private declAlts?: IOrAlt<A.Decl>[];
  decl = this.RULE('decl', (): A.Decl => this.OR((this.declAlts ??= [
    { ALT: () => this.SUBRULE(this.packDecl) },
    { ALT: () => this.SUBRULE(this.outcomesDecl) },
    { ALT: () => this.SUBRULE(this.thresholdDecl) },
    { ALT: () => this.SUBRULE(this.decidesDecl) },
    { ALT: () => this.SUBRULE(this.measuredDecl) },
    { ALT: () => this.SUBRULE(this.eventDecl) },
    { ALT: () => this.SUBRULE(this.entityDecl) },
    { ALT: () => this.SUBRULE(this.listDecl) },
    { ALT: () => this.SUBRULE(this.constDecl) },
    { ALT: () => this.SUBRULE(this.predicateDecl) },
    { ALT: () => this.SUBRULE(this.ruleDecl) },
    { ALT: () => this.SUBRULE(this.testDecl) },
    { ALT: () => this.SUBRULE(this.fixtureDecl) },
    { ALT: () => this.SUBRULE(this.invariantDecl) },
  ])));
}

export type { CstNode };
