// Stage 3b: typing expressions. Returns a new typed tree (ir.ts) and writes
// diagnostics; an expression that is wrong gets type `error` so that the
// mistake is reported once, where it is.
import type * as A from '../ast.ts';
import { diag, didYouMean } from '../diagnostics.ts';
import { AGGREGATE_FUNCTIONS, FUNCTIONS } from '../functions.ts';
import type { AggFn, Holidays, IR, Members, Quantifier, SetRef, Value, Window } from '../ir.ts';
import { printIR, printWindow } from '../print.ts';
import { formatDuration, localDate } from '../semantics.ts';
import { checkPattern } from '../regex-safety.ts';
import type { Span } from '../source.ts';
import { fold } from '../optimize/fold.ts';
import {
  BOOL, DURATION, ERROR, INTEGER, MISSING, MONEY, NUMBER, STRING, TIMESTAMP, type Type,
  comparable, isNumeric, isTextual, ordered, typeName,
} from '../types.ts';
import type { CheckContext, Scope } from './context.ts';

export function checkExpr(e: A.Expr, scope: Scope, cx: CheckContext): IR {
  return new ExprChecker(cx).expr(e, scope);
}

/** Checks a bool condition: a rule's `when`, a predicate body, a filter. */
export function checkCondition(e: A.Expr, scope: Scope, cx: CheckContext, what: string): IR {
  const ir = checkExpr(e, scope, cx);
  if (ir.type.t !== 'bool' && ir.type.t !== 'error') {
    cx.diagnostics.push(diag('ZY3002', e.span, `${what} must be a bool, but this is ${typeName(ir.type)}`,
      ir.type.t === 'money' || isNumeric(ir.type) ? 'compare it with something, e.g. `>= ¥1000`' : undefined));
    return { ...ir, type: ERROR };
  }
  return ir;
}

const bad = (span: Span): IR => ({ k: 'lit', type: ERROR, value: undefined, span });

class ExprChecker {
  constructor(private readonly cx: CheckContext) {}

  private error(code: Parameters<typeof diag>[0], span: Span, message: string, hint?: string): IR {
    this.cx.diagnostics.push(diag(code, span, message, hint));
    return bad(span);
  }

  expr(e: A.Expr, scope: Scope): IR {
    switch (e.kind) {
      case 'number': return { k: 'lit', type: Number.isInteger(e.value) && !/[.eE]/.test(e.raw) ? INTEGER : NUMBER, value: e.value, span: e.span };
      case 'money': return { k: 'lit', type: MONEY, value: e.fen, span: e.span };
      case 'duration': return { k: 'lit', type: DURATION, value: e.ms, span: e.span };
      case 'timestamp': return { k: 'lit', type: TIMESTAMP, value: e.ms, span: e.span };
      case 'string': return { k: 'lit', type: STRING, value: e.value, span: e.span };
      case 'bool': return { k: 'lit', type: BOOL, value: e.value, span: e.span };
      case 'missing':
        if (scope === 'record') return { k: 'lit', type: MISSING, value: undefined, span: e.span };
        return this.error('ZY3001', e.span, '`missing` is not a value you can compare with', 'test for it with `x is missing` or `x is not missing`');
      case 'now':
        if (scope === 'const') return this.error('ZY3004', e.span, '`now` is not a constant: it is the time of each decision');
        return { k: 'now', type: TIMESTAMP, span: e.span };
      case 'paren': return this.expr(e.inner, scope);
      case 'list': return this.error('ZY3001', e.span, 'a list can only stand after `in` or `not in`');
      case 'path': return this.path(e, scope);
      case 'call': return this.call(e, scope);
      case 'neg': {
        const x = this.expr(e.operand, scope);
        if (x.type.t === 'error') return x;
        if (!(isNumeric(x.type) || x.type.t === 'money' || x.type.t === 'duration')) return this.error('ZY3001', e.span, `cannot negate ${typeName(x.type)}`);
        return { k: 'neg', type: x.type, x, span: e.span };
      }
      case 'binary': return this.binary(e, scope);
      case 'not': {
        const x = this.bool(e.operand, scope, '`not`');
        return { k: 'not', type: BOOL, x, span: e.span };
      }
      case 'and':
      case 'or': {
        const xs: IR[] = [];
        this.flatten(e, e.kind, scope, xs);
        // A copy at its final length: grown by `push`, a list of two or three had room for 17.
        return { k: e.kind, type: BOOL, xs: xs.slice(), span: e.span };
      }
      case 'isMissing': return { k: 'isMissing', type: BOOL, negated: e.negated, x: this.expr(e.operand, scope), span: e.span };
      case 'between': {
        const x = this.expr(e.item, scope);
        const lo = this.expr(e.low, scope);
        const hi = this.expr(e.high, scope);
        if (!this.compatible(x, lo, e.low.span, 'between') || !this.compatible(x, hi, e.high.span, 'between')) return bad(e.span);
        if (!ordered(x.type) && x.type.t !== 'error') return this.error('ZY3001', e.span, `values of type ${typeName(x.type)} have no order`);
        return { k: 'between', type: BOOL, x, lo, hi, span: e.span };
      }
      case 'in': return this.inExpr(e, scope);
      case 'quant': return this.quant(e, scope);
    }
  }

  /** The operands of a chain of `kind` (`a and b and c`), checked, onto `xs`. */
  private flatten(n: A.Expr, kind: 'and' | 'or', scope: Scope, xs: IR[]): void {
    if (n.kind === kind) { this.flatten(n.left, kind, scope, xs); this.flatten(n.right, kind, scope, xs); return; }
    const x = this.bool(n, scope, kind === 'and' ? '`and`' : '`or`');
    if (x.k === kind) for (const y of x.xs) xs.push(y);
    else xs.push(x);
  }

  private bool(e: A.Expr, scope: Scope, where: string): IR {
    const x = this.expr(e, scope);
    if (x.type.t === 'bool' || x.type.t === 'error') return x;
    return this.error('ZY3002', e.span, `${where} needs a bool, but this is ${typeName(x.type)}`);
  }

  // ---------- names ----------
  private path(e: A.PathExpr, scope: Scope): IR {
    const parts = e.parts;
    const head = parts[0]!;
    const cx = this.cx;
    if (parts.length === 1) {
      const name = head.text;
      if (scope === 'filter') {
        const f = cx.schema.event.fields.get(name);
        if (f) return { k: 'hfield', type: f.type, field: name, span: e.span };
      }
      const local = scope === 'rule' || scope === 'filter' ? cx.locals?.get(name) : undefined;
      if (local === 'broken') return bad(e.span);
      if (local) return { k: 'local', type: local.x.type, name, slot: local.slot, x: local.x, span: e.span };
      const c = cx.constant(name, e.span);
      if (c === 'broken') return bad(e.span);
      if (c) return { k: 'lit', type: c.type, value: c.value, span: e.span, constName: name };
      const p = cx.predicate(name, e.span);
      if (p === 'broken') return bad(e.span);
      if (p) {
        if (scope === 'const' || scope === 'record') return this.error('ZY3004', e.span, `predicate \`${name}\` depends on the event and is not a constant`);
        return { k: 'pred', type: BOOL, name, span: e.span };
      }
      if (cx.lists.has(name)) return this.error('ZY3001', e.span, `list \`${name}\` can only stand after \`in\` or \`not in\``);
      if (cx.isBroken(name)) return bad(e.span);
      const candidates = [...cx.allNames(), ...(scope === 'filter' ? cx.schema.event.fields.keys() : [])];
      const asEventField = cx.schema.event.fields.has(name) && scope !== 'filter' ? `did you mean \`event.${name}\`?` : undefined;
      return this.error('ZY2001', head.span, `unknown name \`${name}\``, asEventField ?? didYouMean(name, candidates));
    }
    if (scope === 'const') return this.error('ZY3004', e.span, `\`${e.parts.map((p) => p.text).join('.')}\` is a feature, not a constant`);
    if (scope === 'record') return this.error('ZY3004', e.span, 'test data must be literal values');
    if (parts.length > 2) return this.error('ZY2001', parts[2]!.span, `\`${e.parts.map((p) => p.text).join('.')}\`: features have the form entity.field`);
    const entityName = head.text;
    const fieldName = parts[1]!;
    const entity = entityName === 'event' ? cx.schema.event : cx.schema.entities.get(entityName);
    if (!entity) {
      return this.error('ZY2001', head.span, `unknown entity \`${entityName}\``, didYouMean(entityName, ['event', ...cx.schema.entities.keys()]));
    }
    const f = entity.fields.get(fieldName.text);
    if (!f) {
      return this.error('ZY2001', fieldName.span, `${entityName === 'event' ? 'the event' : `entity \`${entityName}\``} has no field \`${fieldName.text}\``,
        didYouMean(fieldName.text, entity.fields.keys()));
    }
    return { k: 'field', type: f.type, entity: entityName, field: fieldName.text, span: e.span };
  }

  // ---------- operators ----------
  private compatible(a: IR, b: IR, span: Span, op: string): boolean {
    if (a.type.t === 'error' || b.type.t === 'error') return true;
    if (!comparable(a.type, b.type)) {
      const moneyVsNumber = (x: Type, y: Type) => x.t === 'money' && isNumeric(y);
      const hint = moneyVsNumber(a.type, b.type) || moneyVsNumber(b.type, a.type)
        ? 'money is written with its unit: ¥2000, 2000元 or 150fen'
        : a.type.t === 'duration' || b.type.t === 'duration' ? 'durations are written with a unit: 30m, 24h, 7d' : undefined;
      this.cx.diagnostics.push(diag('ZY3001', span, `cannot use \`${op}\` on ${typeName(a.type)} and ${typeName(b.type)}`, hint));
      return false;
    }
    // A string literal against an enum must be one of its members.
    return this.member(a, b) && this.member(b, a);
  }

  /** Is `y`, if a string literal, one of the members of `x`'s enum type? Reports why not. */
  private member(x: IR, y: IR): boolean {
    if (x.type.t === 'enum' && y.k === 'lit' && typeof y.value === 'string' && !x.type.members.includes(y.value)) {
      this.cx.diagnostics.push(diag('ZY3001', y.span, `"${y.value}" is not one of ${typeName(x.type)}`, didYouMean(y.value, x.type.members)));
      return false;
    }
    return true;
  }

  private binary(e: A.BinaryExpr, scope: Scope): IR {
    const l = this.expr(e.left, scope);
    const r = this.expr(e.right, scope);
    if (l.type.t === 'error' || r.type.t === 'error') return bad(e.span);
    switch (e.op) {
      case '==': case '!=': case '<': case '<=': case '>': case '>=': {
        if (!this.compatible(l, r, e.opSpan, e.op)) return bad(e.span);
        const unordered = !ordered(l.type) ? l.type : !ordered(r.type) ? r.type : undefined;
        if (e.op !== '==' && e.op !== '!=' && unordered) {
          return this.error('ZY3001', e.opSpan, `\`${e.op}\` needs ordered values; ${typeName(unordered)} has no order`, unordered.t === 'enum' ? 'compare enums with == or use `in`' : undefined);
        }
        return { k: 'cmp', type: BOOL, op: e.op, l, r, span: e.span };
      }
      case '??': {
        // An enum may fall back to any string (the result is then a string): `channel ?? "none"`.
        const fallbackText = l.type.t === 'enum' && r.type.t === 'string';
        if (!(fallbackText || this.compatible(l, r, e.opSpan, '??'))) return bad(e.span);
        const type = isNumeric(l.type) && isNumeric(r.type) && l.type.t !== r.type.t ? NUMBER : l.type.t === 'enum' && r.type.t === 'string' ? STRING : l.type;
        return { k: 'coalesce', type, l, r, span: e.span };
      }
      default: {
        const type = arithType(e.op, l.type, r.type);
        if (!type) return this.error('ZY3001', e.opSpan, `cannot use \`${e.op}\` on ${typeName(l.type)} and ${typeName(r.type)}`,
          (l.type.t === 'money') !== (r.type.t === 'money') && (e.op === '+' || e.op === '-') ? 'add money to money: ¥2000, 2000元 or 150fen' : undefined);
        return { k: 'arith', type, op: e.op, l, r, span: e.span };
      }
    }
  }

  private inExpr(e: A.InExpr, scope: Scope): IR {
    const x = this.expr(e.item, scope);
    const s = this.setOf(e.set, scope, x);
    if (!s) return bad(e.span);
    if (!this.memberOk(x.type, s.element, s.set, e.set, e.span)) return bad(e.span);
    return { k: 'in', type: BOOL, negated: e.negated, x, set: s.set, span: e.span };
  }

  /** The set after `in`: a literal list, a pack or external list, or a set-valued expression. */
  private setOf(e: A.Expr, scope: Scope, item: IR | undefined): { set: SetRef; element: Type } | undefined {
    if (e.kind === 'list') {
      const xs = e.items.map((i) => this.expr(i, scope));
      if (item) for (const i of xs) if (!this.compatible(item, i, i.span, 'in')) return undefined;
      // The members' values when every member folds to one (a literal folds to itself).
      let values: Value[] | undefined = [];
      for (const x of xs) {
        const f = x.k === 'lit' ? x : fold(x);
        if (f.k !== 'lit' || f.value === undefined) { values = undefined; break; }
        values.push(f.value);
      }
      const set: SetRef = values ? { kind: 'values', values } : { kind: 'items', xs };
      return { set, element: xs[0]?.type ?? item?.type ?? ERROR };
    }
    if (e.kind === 'path' && e.parts.length === 1 && this.cx.lists.has(e.parts[0]!.text)) {
      const list = this.cx.lists.get(e.parts[0]!.text)!;
      return { element: list.element, set: list.external ? { kind: 'external', list: list.name } : { kind: 'values', values: list.values ?? [], list: list.name } };
    }
    const s = this.expr(e, scope);
    if (s.type.t === 'error') return undefined;
    if (s.type.t !== 'set') { this.error('ZY3001', e.span, `\`in\` needs a list or a set, but this is ${typeName(s.type)}`); return undefined; }
    return { element: s.type.element, set: { kind: 'expr', x: s } };
  }

  /** Can a value of type `t` be looked for in `set` (of `element`s)? Reports why not. */
  private memberOk(t: Type, element: Type, set: SetRef, setAst: A.Expr, span: Span): boolean {
    if (t.t !== 'error' && element.t !== 'error' && !comparable(t, element)) {
      this.error('ZY3001', span, `cannot look for ${typeName(t)} in a list of ${typeName(element)}`);
      return false;
    }
    if (t.t === 'enum' && set.kind === 'values') {
      const members = t.members;
      const wrong = set.values.find((v) => typeof v === 'string' && !members.includes(v));
      if (wrong !== undefined) {
        const at = setAst.kind === 'list' ? setAst.items[set.values.indexOf(wrong)]?.span ?? setAst.span : setAst.span;
        this.error('ZY3001', at, `"${String(wrong)}" is not one of ${typeName(t)}`, didYouMean(String(wrong), members));
        return false;
      }
    }
    return true;
  }

  /** `any of ITEMS in SET`, `all of ITEMS not in SET`, `count of ITEMS in SET`. */
  private quant(e: A.QuantExpr, scope: Scope): IR {
    const q = (['any', 'all', 'count'].includes(e.quantifier.text) ? e.quantifier.text : 'any') as Quantifier;
    let items: Members;
    let element: Type;
    if (e.items.kind === 'list') {
      const xs = e.items.items.map((i) => this.expr(i, scope));
      if (xs.some((x) => x.type.t === 'error')) return bad(e.span);
      if (xs.length === 0) return this.error('ZY3001', e.items.span, `\`${q} of\` needs at least one value`);
      for (const x of xs.slice(1)) if (!this.compatible(xs[0]!, x, x.span, `${q} of`)) return bad(e.span);
      items = { kind: 'items', xs };
      element = xs.find((x) => x.type.t !== 'string')?.type ?? xs[0]!.type;
    } else {
      const x = this.expr(e.items, scope);
      if (x.type.t === 'error') return bad(e.span);
      if (x.type.t !== 'set') {
        return this.error('ZY3001', e.items.span, `\`${q} of\` takes several values: a list \`[a, b]\` or a set, not ${typeName(x.type)}`, 'for one value write `x in SET`');
      }
      items = { kind: 'expr', x };
      element = x.type.element;
    }
    const s = this.setOf(e.set, scope, undefined);
    if (!s) return bad(e.span);
    if (!this.memberOk(element, s.element, s.set, e.set, e.span)) return bad(e.span);
    if (items.kind === 'items' && s.set.kind === 'values') {
      for (const x of items.xs) if (x.type.t === 'enum' && !this.memberOk(x.type, s.element, s.set, e.set, e.span)) return bad(e.span);
    }
    return { k: 'quant', type: q === 'count' ? INTEGER : BOOL, q, negated: e.negated, items, set: s.set, span: e.span };
  }

  // ---------- calls ----------
  private call(e: A.CallExpr, scope: Scope): IR {
    const name = e.callee.text;
    const isAggClause = (a: A.CallArg) => a.kind !== 'expr';
    const exprArgs = e.args.filter((a) => a.kind === 'expr');
    const agg = (AGGREGATE_FUNCTIONS as readonly string[]).includes(name) &&
      (!(name === 'min' || name === 'max') || e.args.some(isAggClause) || exprArgs.length === 1);
    if (agg) return this.aggregate(e, name as AggFn, scope);
    const fn = FUNCTIONS.get(name);
    if (!fn) {
      return this.error('ZY2005', e.callee.span, `unknown function \`${name}\``, didYouMean(name, [...FUNCTIONS.keys(), ...AGGREGATE_FUNCTIONS]));
    }
    const clause = e.args.find(isAggClause);
    if (clause) return this.error('ZY3006', clause.span, `\`${name}\` is not an aggregate and takes no window, key or filter`);
    // working_days(a, b, LIST): Monday to Friday, less the holidays of a list (another country's calendar).
    let holidays: Holidays | undefined;
    if (name === 'working_days' && exprArgs.length === 3) {
      const third = (exprArgs[2] as { expr: A.Expr }).expr;
      const list = third.kind === 'path' && third.parts.length === 1 ? this.cx.lists.get(third.parts[0]!.text) : undefined;
      if (!list || (list.element.t !== 'timestamp' && list.element.t !== 'string')) {
        return this.error('ZY3001', third.span, 'the third argument of working_days() is a list of holidays: timestamps (dates), or strings like "2026-05-01"',
          'declare one with `list uk_bank_holidays: timestamp = [@2026-12-25, …]`');
      }
      const notDate = list.element.t === 'string' ? (list.values ?? []).find((v) => !/^\d{4}-\d{2}-\d{2}$/.test(String(v))) : undefined;
      if (notDate !== undefined) return this.error('ZY3001', third.span, `list \`${list.name}\` holds ${JSON.stringify(notDate)}, which is not a date like "2026-05-01"`);
      holidays = list.external
        ? { kind: 'external', list: list.name, timestamps: list.element.t === 'timestamp' }
        : { kind: 'dates', list: list.name, dates: (list.values ?? []).map((v) => (typeof v === 'number' ? localDate(v) : String(v))) };
      exprArgs.pop();
    }
    if (exprArgs.length !== fn.arity) {
      return this.error('ZY3003', e.span, `${name}() takes ${fn.arity} argument${fn.arity === 1 ? '' : 's'}, not ${exprArgs.length}`);
    }
    const args = exprArgs.map((a) => this.expr((a as { expr: A.Expr }).expr, scope));
    if (args.some((a) => a.type.t === 'error')) return bad(e.span);
    const type = fn.type(args.map((a) => a.type));
    if (typeof type === 'string') return this.error('ZY3001', e.span, type);
    if (fn.constPattern) {
      const p = fold(args[1]!);
      if (p.k !== 'lit' || typeof p.value !== 'string') return this.error('ZY3004', args[1]!.span, `the pattern of ${name}() must be a constant string`);
      const checked = checkPattern(p.value);
      if (!checked.ok) return this.error('ZY3005', args[1]!.span, `pattern ${JSON.stringify(p.value)}: ${checked.reason}`);
      return { k: 'call', type, fn: name, args: [args[0]!, p], span: e.span };
    }
    if ((fn.usesNow || fn.usesCalendar) && scope === 'const') return this.error('ZY3004', e.span, `${name}() depends on the decision time and is not a constant`);
    return { k: 'call', type, fn: name, args, ...(holidays ? { holidays } : {}), span: e.span };
  }

  private aggregate(e: A.CallExpr, fn: AggFn, scope: Scope): IR {
    if (scope !== 'rule') {
      return this.error('ZY3006', e.span, scope === 'filter' ? 'an aggregate cannot stand inside another aggregate\'s filter' : `aggregate ${fn}() depends on history and is not a constant`);
    }
    const schema = this.cx.schema;
    let field: string | undefined;
    let fieldType: Type | undefined;
    let percentile: number | undefined;
    let by: string | undefined;
    let window: Window = { kind: 'all' };
    let filter: IR | undefined;
    let steps: IR[] | undefined;
    let within: number | undefined;
    let includeCurrent = false;
    const seen = new Set<string>();
    const windowKinds = new Set(['last', 'calendar', 'events', 'months']);
    const countsEvents = fn === 'count' || fn === 'time_since_last' || fn === 'sequence';
    for (const a of e.args) {
      const key = windowKinds.has(a.kind) ? 'window' : a.kind;
      if (seen.has(key) && a.kind !== 'expr') return this.error('ZY3006', a.span, `${fn}() has more than one ${key === 'window' ? 'window' : `\`${a.kind}\``}`);
      seen.add(key);
      switch (a.kind) {
        case 'expr': {
          if (fn === 'percentile' && field !== undefined && percentile === undefined) {
            const v = fold(this.expr(a.expr, 'const'));
            if (v.type.t === 'error') return bad(e.span);
            if (v.k !== 'lit' || typeof v.value !== 'number' || !(v.value >= 0 && v.value <= 100)) {
              return this.error('ZY3006', a.span, 'the second argument of percentile() is which percentile, a constant from 0 to 100', 'percentile(amount, 95, by customer_id, last 90d)');
            }
            percentile = v.value;
            break;
          }
          if (field !== undefined || countsEvents) {
            return this.error('ZY3006', a.span, fn === 'sequence'
              ? 'the steps of sequence() are written `A followed by B`, e.g. sequence(type == "payee_add" followed by type == "transfer_out", by customer_id, within 10m)'
              : countsEvents ? `${fn}() counts events and takes no field; filter them with \`where\``
                : fn === 'percentile' ? 'percentile() takes a field and which percentile: percentile(amount, 95, …)' : `${fn}() takes one field`);
          }
          if (a.expr.kind !== 'path' || a.expr.parts.length !== 1) {
            return this.error('ZY3006', a.span, `the first argument of ${fn}() is a field of the event history, e.g. \`amount\``);
          }
          const f = schema.event.fields.get(a.expr.parts[0]!.text);
          if (!f) return this.error('ZY2001', a.span, `the event has no field \`${a.expr.parts[0]!.text}\``, didYouMean(a.expr.parts[0]!.text, schema.event.fields.keys()));
          field = f.name;
          fieldType = f.type;
          break;
        }
        case 'steps': {
          if (fn !== 'sequence') return this.error('ZY3006', a.span, `\`followed by\` is for sequence(), not ${fn}()`);
          steps = [];
          for (const step of a.steps) {
            const x = this.bool(step, 'filter', 'a step of sequence()');
            if (x.type.t === 'error') return bad(e.span);
            steps.push(x);
          }
          break;
        }
        case 'by': {
          const f = schema.event.fields.get(a.field.text);
          if (!f) return this.error('ZY2001', a.field.span, `the event has no field \`${a.field.text}\` to group by`, didYouMean(a.field.text, schema.event.fields.keys()));
          if (!(isTextual(f.type) || f.type.t === 'integer')) return this.error('ZY3006', a.field.span, `cannot group by ${typeName(f.type)}; a key is a string, enum or integer`);
          by = f.name;
          break;
        }
        case 'last':
          if (a.ms <= 0) return this.error('ZY3006', a.span, 'a window must be longer than zero');
          window = { kind: 'rolling', ms: a.ms };
          break;
        case 'calendar': window = { kind: 'calendar', unit: a.unit }; break;
        case 'events': window = { kind: 'events', n: a.n }; break;
        case 'months': window = { kind: 'months', n: a.n }; break;
        case 'within':
          if (fn !== 'sequence') return this.error('ZY3006', a.span, `\`within\` is for sequence(); ${fn}() takes a window such as \`last ${a.raw}\``);
          if (a.ms <= 0) return this.error('ZY3006', a.span, 'a sequence must be allowed more than zero time');
          within = a.ms;
          break;
        case 'where': {
          filter = this.bool(a.expr, 'filter', '`where`');
          if (filter.type.t === 'error') return bad(e.span);
          break;
        }
        case 'including': includeCurrent = true; break;
      }
    }
    if (includeCurrent && fn === 'time_since_last') return this.error('ZY3006', e.span, 'time_since_last() is about earlier events and cannot include the current one');
    if (includeCurrent && window.kind === 'months') {
      return this.error('ZY3006', e.span, `\`last ${window.n} calendar month${window.n === 1 ? '' : 's'}\` ends before the current month, so it cannot include the current event`, 'use `this month` for the current month');
    }
    if (fn === 'sequence' && (!steps || steps.length < 2)) {
      return this.error('ZY3006', e.span, 'sequence() needs at least two steps: sequence(A followed by B, by KEY, within 10m)', 'for one kind of event, count it: count(by customer_id, where …) > 0');
    }
    if (fn === 'percentile' && percentile === undefined && field !== undefined) {
      return this.error('ZY3006', e.span, 'percentile() needs which percentile after the field: percentile(amount, 95, by customer_id, last 90d)');
    }
    const needsField = !countsEvents;
    if (needsField && !field) return this.error('ZY3006', e.span, `${fn}() needs a field to ${fn === 'distinct' ? 'count distinct values of' : 'aggregate'}, e.g. ${fn}(amount${fn === 'percentile' ? ', 95' : ''}, by customer_id, last 24h)`);
    let type: Type;
    const ft = fieldType ?? ERROR;
    const measured = isNumeric(ft) || ft.t === 'money' || ft.t === 'duration';
    switch (fn) {
      case 'count': case 'distinct': type = INTEGER; break;
      case 'time_since_last': type = DURATION; break;
      case 'sequence': type = BOOL; break;
      case 'latest': type = ft; break;
      case 'sum':
        if (!measured) return this.error('ZY3006', e.span, `cannot sum ${typeName(ft)}`);
        type = ft;
        break;
      case 'avg': case 'stddev': case 'percentile':
        if (!measured) return this.error('ZY3006', e.span, `cannot take the ${fn === 'avg' ? 'average' : fn === 'stddev' ? 'standard deviation' : 'percentile'} of ${typeName(ft)}`);
        type = ft.t === 'integer' ? NUMBER : ft;
        break;
      case 'min': case 'max':
        if (!(measured || ft.t === 'timestamp')) return this.error('ZY3006', e.span, `cannot take the ${fn} of ${typeName(ft)}`);
        type = ft;
        break;
    }
    const parts = [
      steps && steps.map(printIR).join(' followed by '), field, percentile !== undefined && String(percentile), by && `by ${by}`,
      within !== undefined && `within ${formatDuration(within)}`, printWindow(window) || undefined, filter && `where ${printIR(filter)}`,
      includeCurrent ? 'including current' : undefined,
    ];
    const text = `${fn}(${parts.filter(Boolean).join(', ')})`;
    const id = this.cx.aggregate({
      fn, ...(field ? { field, fieldType: ft } : {}), ...(percentile !== undefined ? { percentile } : {}), ...(by ? { by } : {}), window,
      ...(filter ? { filter } : {}), ...(steps ? { steps } : {}), ...(within !== undefined ? { within } : {}), includeCurrent, type, text, span: e.span,
    });
    return { k: 'agg', type, id, span: e.span };
  }
}

export function arithType(op: string, l: Type, r: Type): Type | undefined {
  const num = isNumeric(l) && isNumeric(r);
  const bothInt = l.t === 'integer' && r.t === 'integer';
  switch (op) {
    case '+':
      if (num) return bothInt ? INTEGER : NUMBER;
      if (l.t === r.t && (l.t === 'money' || l.t === 'duration')) return l;
      if ((l.t === 'timestamp' && r.t === 'duration') || (l.t === 'duration' && r.t === 'timestamp')) return TIMESTAMP;
      return undefined;
    case '-':
      if (num) return bothInt ? INTEGER : NUMBER;
      if (l.t === r.t && (l.t === 'money' || l.t === 'duration')) return l;
      if (l.t === 'timestamp' && r.t === 'duration') return TIMESTAMP;
      if (l.t === 'timestamp' && r.t === 'timestamp') return DURATION;
      return undefined;
    case '*':
      if (num) return bothInt ? INTEGER : NUMBER;
      if ((l.t === 'money' || l.t === 'duration') && isNumeric(r)) return l;
      if (isNumeric(l) && (r.t === 'money' || r.t === 'duration')) return r;
      return undefined;
    case '/':
      if (num) return NUMBER;
      if ((l.t === 'money' || l.t === 'duration') && isNumeric(r)) return l;
      if (l.t === r.t && (l.t === 'money' || l.t === 'duration')) return NUMBER;
      return undefined;
    case '%':
      if (num) return bothInt ? INTEGER : NUMBER;
      return undefined;
  }
  return undefined;
}

export { MONEY };
