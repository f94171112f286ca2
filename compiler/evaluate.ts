// The reference semantics of checked expressions, as a tree walk. The
// interpreter runs it with a tracing environment, the constant folder with an
// environment that knows no features; generated code must agree with it.
import { FUNCTIONS } from './functions.ts';
import type { IR, SetRef, Value } from './ir.ts';
import * as S from './semantics.ts';
import { matcherFor } from './regex-safety.ts';

export interface Env {
  readonly now: number;
  field(entity: string, field: string): Value;
  hfield(field: string): Value;
  agg(id: number): Value;
  pred(name: string): Value;
  listHas(list: string, value: Value): boolean;
  /** A `let` value, kept for the rest of the decision; without it, the value is computed at each use. */
  readonly local?: (e: Extract<IR, { k: 'local' }>) => Value;
  /** The working-day calendar; Monday–Friday when absent. */
  readonly calendar?: S.CalendarLookup;
  /** Called with every node's value, in evaluation order (the trace). */
  readonly trace?: (e: IR, v: Value) => void;
}


export function evaluate(e: IR, env: Env): Value {
  const v = evalNode(e, env);
  env.trace?.(e, v);
  return v;
}

function num(e: IR, env: Env): number | undefined {
  return evaluate(e, env) as number | undefined;
}

function evalNode(e: IR, env: Env): Value {
  switch (e.k) {
    case 'lit': return e.value;
    case 'now': return env.now;
    case 'field': return env.field(e.entity, e.field);
    case 'hfield': return env.hfield(e.field);
    case 'agg': return env.agg(e.id);
    case 'pred': return env.pred(e.name);
    case 'shared': return evaluate(e.x, env);
    case 'local': return env.local ? env.local(e) : evaluate(e.x, env);
    case 'quant': {
      const members = e.items.kind === 'items' ? e.items.xs.map((x) => evaluate(x, env)) : evaluate(e.items.x, env) as readonly Value[] | undefined;
      // A set given by items or an expression is evaluated once, whatever the number of members.
      const set = e.set.kind === 'items' ? e.set.xs.map((x) => evaluate(x, env)) : e.set.kind === 'expr' ? evaluate(e.set.x, env) as readonly Value[] | undefined : undefined;
      if (members === undefined || ((e.set.kind === 'expr') && set === undefined)) return undefined;
      return S.quantify(e.q, members.map((m) => {
        const found = m === undefined ? undefined
          : e.set.kind === 'values' ? e.set.values.includes(m)
            : e.set.kind === 'external' ? env.listHas(e.set.list, m)
              : S.memberOf(m, set!);
        return found === undefined ? undefined : found !== e.negated;
      }));
    }
    case 'neg': return S.neg(num(e.x, env));
    case 'arith': {
      const l = num(e.l, env);
      const r = num(e.r, env);
      switch (e.op) {
        case '+': return S.add(l, r);
        case '-': return S.sub(l, r);
        case '*': return S.mul(l, r);
        case '/': return S.div(l, r);
        case '%': return S.rem(l, r);
      }
    }
    // falls through (unreachable)
    case 'cmp': {
      const l = evaluate(e.l, env);
      const r = evaluate(e.r, env);
      return l === undefined || r === undefined ? undefined : S.compare(e.op, l, r);
    }
    case 'coalesce': {
      const l = evaluate(e.l, env);
      return l !== undefined ? l : evaluate(e.r, env);
    }
    case 'not': {
      const x = evaluate(e.x, env);
      return x === undefined ? undefined : !x;
    }
    // Every operand is evaluated, in order, so the trace shows each condition's
    // value; Kleene logic makes the result independent of that order.
    case 'and': return S.and3(e.xs.map((x) => evaluate(x, env) as boolean | undefined));
    case 'or': return S.or3(e.xs.map((x) => evaluate(x, env) as boolean | undefined));
    case 'isMissing': {
      const missing = evaluate(e.x, env) === undefined;
      return e.negated ? !missing : missing;
    }
    case 'in': {
      const x = evaluate(e.x, env);
      const found = setContains(e.set, x, env);
      if (x === undefined || found === undefined) return undefined;
      return e.negated ? !found : found;
    }
    case 'between': {
      const x = evaluate(e.x, env);
      const lo = evaluate(e.lo, env);
      const hi = evaluate(e.hi, env);
      const a = x === undefined || lo === undefined ? undefined : S.compare('>=', x, lo);
      const b = x === undefined || hi === undefined ? undefined : S.compare('<=', x, hi);
      return S.and3([a, b]);
    }
    case 'call': {
      const fn = FUNCTIONS.get(e.fn)!;
      const args = e.args.map((a) => evaluate(a, env));
      if (args.some((a) => a === undefined)) return undefined;
      if (fn.constPattern) return fn.impl(args[0], matcherFor(args[1] as string)) as Value;
      const first = fn.usesNow ? [env.now] : fn.usesCalendar ? [calendarOf(e, env)] : [];
      const r = fn.impl(...first, ...args) as Value;
      return typeof r === 'number' ? S.finite(r) : r;
    }
  }
}

/** The holidays working_days() counts with: a list's, or the store's calendar. */
function calendarOf(e: Extract<IR, { k: 'call' }>, env: Env): S.CalendarLookup {
  const h = e.holidays;
  if (!h) return env.calendar ?? S.NO_CALENDAR;
  return S.holidayCalendar((date, midnight) => (h.kind === 'dates' ? h.dates.includes(date) : env.listHas(h.list, h.timestamps ? midnight : date)));
}

/** undefined when the set itself is missing. */
function setContains(set: SetRef, x: Value, env: Env): boolean | undefined {
  switch (set.kind) {
    case 'values': return x === undefined ? undefined : set.values.includes(x);
    case 'external': return x === undefined ? undefined : env.listHas(set.list, x);
    case 'items': {
      const items = set.xs.map((i) => evaluate(i, env));
      if (x === undefined) return undefined;
      if (items.includes(x)) return true;
      return items.some((i) => i === undefined) ? undefined : false;
    }
    case 'expr': {
      const s = evaluate(set.x, env) as readonly unknown[] | undefined;
      return s === undefined || x === undefined ? undefined : s.includes(x);
    }
  }
}
