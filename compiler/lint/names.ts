// Which declared names (constants, lists, predicates) the pack refers to,
// read from the syntax trees: the checker folds constants into their values,
// so a constant used in another constant, in a list or in test data leaves no
// trace in the checked pack. Uses in tests count; `given list L` does not (it
// gives a list its contents, it does not read it).
import type * as A from '../ast.ts';
import { AGGREGATE_FUNCTIONS } from '../functions.ts';
import { parseExpression } from '../parse.ts';
import type { Code } from '../diagnostics.ts';
import type { Span } from '../source.ts';
import { HISTORY_KEPT, type LintContext, type LintRule } from './context.ts';

export function referencedNames(cx: LintContext): Set<string> {
  const used = new Set<string>();
  const eventFields = cx.pack.schema.event.fields;
  const expr = (e: A.Expr, filter: boolean): void => {
    switch (e.kind) {
      case 'path':
        // In an aggregate's `where`, a bare event field name is the history event's field.
        if (e.parts.length === 1 && !(filter && eventFields.has(e.parts[0]!.text))) used.add(e.parts[0]!.text);
        return;
      case 'call': {
        const name = e.callee.text;
        const exprArgs = e.args.filter((a) => a.kind === 'expr');
        const agg = (AGGREGATE_FUNCTIONS as readonly string[]).includes(name)
          && (!(name === 'min' || name === 'max') || e.args.some((a) => a.kind !== 'expr') || exprArgs.length === 1);
        for (const a of e.args) {
          if (a.kind === 'where') expr(a.expr, true);
          else if (a.kind === 'steps') a.steps.forEach((x) => expr(x, true));
          // An aggregate's field is a field, not a name (percentile's second argument is a value).
          else if (a.kind === 'expr' && (!agg || a !== exprArgs[0])) expr(a.expr, filter);
        }
        return;
      }
      case 'neg': case 'not': case 'isMissing': expr(e.operand, filter); return;
      case 'binary': case 'and': case 'or': expr(e.left, filter); expr(e.right, filter); return;
      case 'in': expr(e.item, filter); expr(e.set, filter); return;
      case 'quant': expr(e.items, filter); expr(e.set, filter); return;
      case 'between': expr(e.item, filter); expr(e.low, filter); expr(e.high, filter); return;
      case 'paren': expr(e.inner, filter); return;
      case 'list': e.items.forEach((i) => expr(i, filter)); return;
      default: return;
    }
  };
  const record = (r: A.RecordLit) => r.fields.forEach((f) => expr(f.value, false));
  for (const d of cx.asts.flatMap((a) => a.decls)) {
    switch (d.kind) {
      case 'const': expr(d.value, false); break;
      case 'listDecl': d.items?.items.forEach((i) => expr(i, false)); break;
      case 'predicate': expr(d.body, false); break;
      case 'rule':
        for (const c of d.clauses) {
          if (c.kind === 'when') expr(c.condition, false);
          if (c.kind === 'let') expr(c.value, false);
          if (c.kind === 'message') for (const s of [c.zh, c.en]) if (s) placeholders(s, d, expr);
          if (c.kind === 'note') {
            expr(c.condition, false);
            for (const s of [c.zh, c.en]) if (s) placeholders(s, d, expr);
          }
        }
        break;
      case 'test': case 'fixture':
        for (const c of d.clauses) {
          if (c.kind === 'at') expr(c.time, false);
          if (c.kind === 'givenEvent' || c.kind === 'givenEntity') record(c.record);
          if (c.kind === 'givenHistory') c.events.forEach(record);
          if (c.kind === 'givenList') c.items.items.forEach((i) => expr(i, false));
          if (c.kind === 'givenDays') c.days.items.forEach((i) => expr(i, false));
          if (c.kind === 'cases') c.rows.forEach((r) => r.values.forEach((v) => expr(v, false)));
          if (c.kind === 'expect' && c.expectation.kind === 'seen') { expr(c.expectation.what, false); expr(c.expectation.value, false); }
        }
        break;
    }
  }
  return used;
}

/** The `{…}` placeholders of a message string, parsed. */
function placeholders(s: A.StringLit, d: A.RuleDecl, expr: (e: A.Expr, filter: boolean) => void): void {
  const raw = s.raw.slice(1, -1);
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '\\') { i++; continue; }
    if (raw[i] !== '{') continue;
    const close = raw.indexOf('}', i + 1);
    if (close < 0) return;
    const parsed = parseExpression(raw.slice(i + 1, close), d.span.file, 0);
    if (parsed.expr) expr(parsed.expr, false);
    i = close;
  }
}

const cache = new WeakMap<LintContext, Set<string>>();

/** A lint rule reporting declarations nothing refers to. `HISTORY_KEPT` is read by ZY6004 and never reported. */
export function unusedNames(code: Code, name: string, what: string, decls: (cx: LintContext) => Iterable<{ name: string; span: Span }>): LintRule {
  const used = (cx: LintContext): Set<string> => {
    let s = cache.get(cx);
    if (!s) { s = referencedNames(cx); cache.set(cx, s); }
    return s;
  };
  return {
    code,
    name,
    run: (cx) => [...decls(cx)].filter((d) => d.name !== HISTORY_KEPT && !used(cx).has(d.name))
      .map((d) => cx.finding(code, cx.nameSpan(d.name, d.span), `${what} \`${d.name}\` is never used`, 'remove it, or use it')),
  };
}
