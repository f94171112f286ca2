// What every part of the grammar shares: the parser's configuration (run two
// ways, `output: 'ast'` or `'cst'`), the state of one parse, and the helpers
// the rules' actions build the AST with. The rules themselves are in
// parser-expressions.ts, parser-declarations.ts and parser-test-decls.ts,
// each a class extending the one before; parser.ts is the last, the one
// grammar (RuleParser) that records them all.
import { EmbeddedActionsParser, type CstNode, type IParserConfig, type IToken } from 'chevrotain';
import type * as A from './ast.ts';
import { diag, type Diagnostic } from './diagnostics.ts';
import * as T from './lexer.ts';
import { parseString, parseTimestamp, type LiteralResult } from './literals.ts';
import { messages } from './parser-messages.ts';
import type { Span } from './source.ts';

/** A CST node's children: no inherited keys, as Chevrotain's own `Object.create(null)`. */
function Children(): void {}
Children.prototype = Object.create(null) as object;
const NewChildren = Children as unknown as new () => CstNode['children'];

/** The tree builder's setup, which Chevrotain's parser calls while it is constructed (chevrotain@11's internal `initTreeBuilder`). */
const initTreeBuilder = (Object.getPrototypeOf(EmbeddedActionsParser.prototype) as { initTreeBuilder(config: IParserConfig): void }).initTreeBuilder;

export interface ParserOptions {
  readonly output: 'ast' | 'cst';
  /**
   * Run Chevrotain's checks of the grammar itself (ambiguous alternatives,
   * left recursion…) while constructing: three fifths of the construction's
   * CPU, for a grammar that does not change between runs. Off in the
   * compiler; spec/parser.test.ts constructs the grammar with them on.
   */
  readonly validate?: boolean;
  /**
   * Chevrotain's error recovery (default on): keeps parsing after an error,
   * so that every error is reported. parse.ts builds the AST without it and
   * parses again with it only where there is an error: on input without
   * errors both parse alike, and a grammar without recovery is constructed
   * without the follow sets recovery needs and skips its checks after each
   * repetition.
   */
  readonly recover?: boolean;
}

export class ParserBase extends EmbeddedActionsParser {
  // The alternatives of the ORs parsed most often are built once (`…Alts ??=`)
  // instead of as a fresh array of closures on every call: for each operand of
  // an expression that was about 30 objects of garbage (Chevrotain's
  // documented optimization; the closures use nothing but `this`). The bodies
  // of the MANYs and OPTIONs of expressions, lists and rules are kept the same
  // way (`…More ??=`), and so are the options objects (`LEFT`, `OP`). What a
  // kept body parses goes on `stack`, which the rule that called it takes back.
  /** The text being parsed (set with `input`): a few rules look at line breaks. */
  text = '';
  /** The file the spans of the AST are in (set with `input`). */
  fileIndex = 0;
  /** Where literal and word errors found while building the AST go (set with `input`). */
  diagnostics: Diagnostic[] = [];
  /** Whether the rules build the AST (false while Chevrotain records the grammar, and for CST output): set by RuleParser once it has. */
  protected ast = false;
  protected readonly stack: unknown[] = [];

  /** Is `b` on the same line as `a` ends on? */
  protected sameLine(a: IToken, b: IToken): boolean {
    return !Number.isNaN(b.startOffset) && !this.text.slice(a.startOffset + a.image.length, b.startOffset).includes('\n');
  }

  constructor({ output, validate = false, recover = true }: ParserOptions) {
    super(T.ALL_TOKENS, {
      recoveryEnabled: recover, maxLookahead: 3, nodeLocationTracking: 'onlyOffset', errorMessageProvider: messages, cst: output === 'cst',
      skipValidations: !validate,
    } as IParserConfig);
  }

  /**
   * Chevrotain's CstParser and EmbeddedActionsParser differ only in this
   * setting: `cst` picks the concrete syntax tree as each rule's result.
   * (Overrides an internal method of chevrotain@11, pinned in package.json;
   * spec/parser.test.ts checks both outputs.)
   */
  protected initTreeBuilder(config: IParserConfig & { cst?: boolean }): void {
    initTreeBuilder.call(this, { ...config, outputCst: config.cst === true });
  }

  /**
   * Chevrotain gives each CST node's `children` a null prototype
   * (`Object.create(null)`), which V8 makes a hash table: one per node, and a
   * large file has millions of nodes. `Children` objects have no inherited
   * keys either, but V8 lays them out as ordinary objects.
   * (Overrides an internal method of chevrotain@11, pinned in package.json;
   * spec/parser.test.ts checks the nodes it makes.)
   */
  protected cstInvocationStateUpdate(fullRuleName: string): void {
    const node = { name: fullRuleName, children: new NewChildren() } as unknown as CstNode;
    (this as unknown as { setInitialNodeLocation(n: CstNode): void }).setInitialNodeLocation(node);
    (this as unknown as { CST_STACK: CstNode[] }).CST_STACK.push(node);
  }

  /** Sets the tokens to parse, the text they are from and the file the AST is in; clears the diagnostics. */
  start(tokens: IToken[], text: string, file: number): void {
    this.input = tokens;
    this.text = text;
    this.fileIndex = file;
    this.diagnostics = [];
    this.stack.length = 0;
  }

  // ---------- building the AST ----------
  /** From offset `start` to the end of the last token parsed. */
  protected from(start: number): Span {
    return { file: this.fileIndex, start, end: this.LA(0).endOffset! + 1 };
  }
  protected tokenSpan(t: IToken): Span {
    return { file: this.fileIndex, start: t.startOffset, end: t.startOffset + t.image.length };
  }
  /** What `stack` holds from `mark` on, taken off it. */
  protected take<X>(mark: number): X[] {
    const xs = this.stack.slice(mark) as X[];
    this.drop(mark);
    return xs;
  }
  /** Takes `stack` back to `mark` (popped: setting an array's length is a call into the runtime). */
  protected drop(mark: number): void {
    while (this.stack.length > mark) this.stack.pop();
  }
  protected name(t: IToken): A.Name {
    return { text: t.image, span: this.tokenSpan(t) };
  }
  protected literal<X>(t: IToken, r: LiteralResult<X>, fallback: X): X {
    if (r.ok) return r.value;
    this.diagnostics.push(diag(r.range ? 'ZY1004' : 'ZY1003', this.tokenSpan(t), r.message));
    return fallback;
  }
  protected str(t: IToken): A.StringLit {
    return { kind: 'string', value: this.literal(t, parseString(t.image), ''), raw: t.image, span: this.tokenSpan(t) };
  }
  protected description(t: IToken | undefined): { description?: string } {
    return t ? { description: this.str(t).value } : {};
  }
  protected timestamp(t: IToken): A.TimestampLit {
    return { kind: 'timestamp', ms: this.literal(t, parseTimestamp(t.image), 0), raw: t.image, span: this.tokenSpan(t) };
  }
  protected binary(op: A.BinaryOp, left: A.Expr, right: A.Expr, opTok: IToken): A.Expr {
    return { kind: 'binary', op, left, right, opSpan: this.tokenSpan(opTok), span: join(left.span, right.span) };
  }
  protected error(at: IToken | Span, message: string, help?: string): void {
    this.diagnostics.push(diag('ZY1002', 'image' in at ? this.tokenSpan(at) : at, message, help));
  }
}

/** The span from the start of the first of `a` and `b` to the end of the last. */
export function join(a: Span, b: Span): Span {
  return { file: a.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}
