// The helper object generated code is given as `R`. Every operation here is
// the same function the interpreter uses (compiler/semantics.ts,
// compiler/functions.ts, compiler/input.ts), so the two evaluators share one
// semantics.
import { FUNCTION_ORDER } from '../compiler/codegen.ts';
import { FUNCTIONS } from '../compiler/functions.ts';
import { matcherFor } from '../compiler/regex-safety.ts';
import { coerce, historyValue, InputError, own, requiredMissing } from '../compiler/input.ts';
import type { AggregateSpec, Value } from '../compiler/ir.ts';
import * as S from '../compiler/semantics.ts';
import { formatValue } from '../compiler/display.ts';
import type { FeatureProvider, HistoryEvent } from './provider.ts';

/** Calls an aggregate the way both evaluators do: a missing key makes it missing. */
export function runAggregate(
  P: FeatureProvider, spec: AggregateSpec, now: number, key: Value,
  filter: ((h: HistoryEvent) => boolean) | undefined, current: HistoryEvent | undefined,
  steps?: readonly ((h: HistoryEvent) => boolean)[],
): Value {
  if (spec.by !== undefined && key === undefined) return undefined;
  const counted = current && (!filter || filter(current)) ? current : undefined;
  const v = P.aggregate({ spec, now, key, ...(filter ? { filter } : {}), ...(counted ? { current: counted } : {}), ...(steps ? { steps } : {}) });
  return v === null ? undefined : v;
}

export function record(names: readonly string[], values: readonly Value[]): HistoryEvent {
  const o: Record<string, unknown> = Object.create(null);
  names.forEach((n, i) => { if (values[i] !== undefined) o[n] = values[i]; });
  return o;
}

/** Tri-state membership, for lists whose members are computed and for set features. */
function inList(x: Value, members: readonly Value[] | undefined): boolean | undefined {
  if (x === undefined || members === undefined) return undefined;
  if (members.includes(x)) return true;
  return members.includes(undefined) ? undefined : false;
}

export const R = {
  UNSET: Symbol('unset'),
  add: S.add, sub: S.sub, mul: S.mul, div: S.div, rem: S.rem, neg: S.neg,
  /** The built-ins' implementations, called by generated code after its own missing checks. */
  impl: FUNCTION_ORDER.map((n) => FUNCTIONS.get(n)!.impl),
  regex: matcherFor,
  coerce,
  own,
  /** A message placeholder's text (explained decisions). */
  fmt: formatValue,
  /** Whether anything enumerable was added to Object.prototype (prototype pollution). */
  polluted(): boolean {
    for (const _ in Object.prototype) return true;
    return false;
  },
  /** The object's own enumerable properties, in a record that inherits nothing. */
  ownCopy: (o: object): object => Object.assign(Object.create(null), o),
  required(path: string): never { throw requiredMissing(path); },
  entity(P: FeatureProvider, name: string, key: Value, loader: (row: object) => object): object | null {
    if (key === undefined) return null;
    const row = P.entity(name, key);
    if (row === undefined || row === null) return null;
    if (typeof row !== 'object' || Array.isArray(row)) throw new InputError('ZY4003', name, `${name} should be an object`);
    return loader(row);
  },
  agg: runAggregate,
  calendar: (P: FeatureProvider): S.CalendarLookup => (P.calendar ? (a, b) => P.calendar!(a, b) : S.NO_CALENDAR),
  /** working_days(a, b, LIST): the holidays of a pack list (its local dates), or of an external list. */
  holidays: (dates: ReadonlySet<string>): S.CalendarLookup => S.holidayCalendar((date) => dates.has(date)),
  externalHolidays: (P: FeatureProvider, list: string, timestamps: boolean, now: number): S.CalendarLookup =>
    S.holidayCalendar((date, midnight) => P.listHas(list, timestamps ? midnight : date, now)),
  listHas: (P: FeatureProvider, list: string, v: Value, now: number): boolean => P.listHas(list, v, now),
  record,
  hist: historyValue,
  in: (x: Value, members: readonly Value[] | undefined) => inList(x, members),
  /** `any of` / `all of` / `count of` MEMBERS in a set, told member by member by `has`. */
  quant(q: 'any' | 'all' | 'count', negated: boolean, members: readonly Value[] | undefined, has: (m: Value) => boolean | undefined): Value {
    if (members === undefined) return undefined;
    return S.quantify(q, members.map((m) => {
      const found = m === undefined ? undefined : has(m);
      return found === undefined ? undefined : found !== negated;
    }));
  },
  /** The same, against computed members (a list with features, a set feature): missing when the set is. */
  quantIn(q: 'any' | 'all' | 'count', negated: boolean, members: readonly Value[] | undefined, set: readonly Value[] | undefined): Value {
    if (set === undefined) return undefined;
    return R.quant(q, negated, members, (m) => S.memberOf(m, set));
  },
  notIn: (x: Value, members: readonly Value[] | undefined) => { const r = inList(x, members); return r === undefined ? undefined : !r; },
};

export type Helpers = typeof R;
