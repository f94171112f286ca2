// What every lint rule reads: the checked pack, its files and their syntax
// trees (for the spans of names, and for uses of constants that constant
// folding has already replaced by their values), and small helpers to walk
// checked expressions.
import type * as A from '../ast.ts';
import { diag, type Code, type Diagnostic } from '../diagnostics.ts';
import type { AggregateSpec, CheckedPack, CheckedRule, FieldInfo, IR } from '../ir.ts';
import { children } from '../optimize/fold.ts';
import { isJsonLogicSource } from '../jsonlogic/sources.ts';
import { parseFile } from '../parse.ts';
import type { SourceFile, Span } from '../source.ts';
import { Spans } from './spans.ts';

/** A finding, and the rule it is on (only a finding on a rule can be suppressed, by that rule). */
export interface Finding {
  readonly diagnostic: Diagnostic;
  readonly rule?: string;
  /** The expression it is about, when there is one (tools and tests match it with the interpreter's trace). */
  readonly node?: IR;
  /** ZY6002: what the analysis proved about `node`. */
  readonly claim?: 'neverTrue' | 'neverFalse' | 'alwaysTrue';
  /** ZY6003: the rule that decides instead. */
  readonly related?: string;
}

export interface LintRule {
  readonly code: Code;
  /** A short kebab-case name, shown in SARIF. */
  readonly name: string;
  readonly run: (cx: LintContext) => Finding[];
}

/** By convention, a pack says how much event history its store keeps with `const HISTORY_KEPT = 90d`. */
export const HISTORY_KEPT = 'HISTORY_KEPT';

export class LintContext {
  readonly spans: Spans;
  private parsed?: {
    readonly asts: readonly A.FileAst[];
    readonly declStarts: { file: number; start: number; rule?: string }[];
    readonly ruleDecls: Map<string, A.RuleDecl>;
    readonly names: Map<string, A.Name>;
  };

  constructor(readonly pack: CheckedPack, readonly files: readonly SourceFile[]) {
    this.spans = new Spans(files);
  }

  /** The files' syntax trees, parsed again on first need (compile() refusing a protected feature never needs them). */
  private get trees(): NonNullable<LintContext['parsed']> {
    if (this.parsed) return this.parsed;
    const asts = this.files.map((f, i) => (isJsonLogicSource(f) ? { file: i, decls: [] } : parseFile(f.text, i).ast));
    const declStarts = asts.flatMap((a) => a.decls).map((d) => ({ file: d.span.file, start: d.span.start, ...(d.kind === 'rule' ? { rule: d.id.text } : {}) }))
      .sort((a, b) => a.file - b.file || a.start - b.start);
    const ruleDecls = new Map<string, A.RuleDecl>();
    const names = new Map<string, A.Name>();
    for (const d of asts.flatMap((a) => a.decls)) {
      if (d.kind === 'rule' && !ruleDecls.has(d.id.text)) ruleDecls.set(d.id.text, d);
      if ((d.kind === 'const' || d.kind === 'listDecl' || d.kind === 'predicate' || d.kind === 'jsonlogicPredicate' || d.kind === 'entity') && !names.has(d.name.text)) {
        names.set(d.name.text, d.name);
      }
    }
    return (this.parsed = { asts, declStarts, ruleDecls, names });
  }

  get asts(): readonly A.FileAst[] {
    return this.trees.asts;
  }

  finding(code: Code, span: Span, message: string, hint?: string, rule?: CheckedRule): Finding {
    return { diagnostic: diag(code, this.spans.span(span), message, hint), ...(rule ? { rule: rule.id } : {}) };
  }

  /** The span of a checked expression, with its end (see spans.ts). */
  spanOf(e: IR): Span {
    return this.spans.of(e);
  }

  /** The span of a rule's identifier (the whole rule when unknown). */
  ruleSpan(r: CheckedRule): Span {
    return this.trees.ruleDecls.get(r.id)?.id.span ?? r.span;
  }

  /** The span of a declared name (constant, list, predicate, entity). */
  nameSpan(name: string, fallback: Span): Span {
    return this.trees.names.get(name)?.span ?? fallback;
  }

  /** The source text of a span, on one line, shortened if long. */
  text(span: Span, max = 60): string {
    const t = (this.files[span.file]?.text.slice(span.start, span.end) ?? '').replace(/\s+/g, ' ').trim();
    return t.length > max ? `${t.slice(0, max - 1)}…` : t;
  }

  /** The rule whose declaration contains a span, if any (a finding inside a predicate is on no rule). */
  ruleAt(span: Span): CheckedRule | undefined {
    let owner: string | undefined;
    for (const d of this.trees.declStarts) {
      if (d.file > span.file || (d.file === span.file && d.start > span.start)) break;
      owner = d.file === span.file ? d.rule : undefined;
    }
    return owner === undefined ? undefined : this.pack.rules.find((r) => r.id === owner);
  }

  field(entity: string, field: string): FieldInfo | undefined {
    const e = entity === 'event' ? this.pack.schema.event : this.pack.schema.entities.get(entity);
    return e?.fields.get(field);
  }

  aggregate(id: number): AggregateSpec {
    return this.pack.aggregates[id]!;
  }

  predicateBody(name: string): IR | undefined {
    return this.pack.predicates.get(name)?.body;
  }
}

/** What a rule evaluates or shows: its condition, its message placeholders, and its note (condition and text). */
export function ruleExprs(r: CheckedRule): { ir: IR; inMessage: boolean }[] {
  const texts = [...(r.message.zh ?? []), ...(r.message.en ?? []), ...(r.note?.message.zh ?? []), ...(r.note?.message.en ?? [])];
  const msg = texts.flatMap((p) => (p.expr ? [{ ir: p.expr, inMessage: true }] : []));
  return [{ ir: r.condition, inMessage: false }, ...(r.note ? [{ ir: r.note.condition, inMessage: false }] : []), ...msg];
}

/** Visits every node of an expression (not into predicates or aggregate filters). */
export function walk(e: IR, visit: (x: IR) => void): void {
  visit(e);
  for (const c of children(e)) walk(c, visit);
}

/** Number-valued literal of a folded expression, or undefined. */
export function isLit(e: IR): e is Extract<IR, { k: 'lit' }> {
  return e.k === 'lit';
}
