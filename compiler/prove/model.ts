// From a case the search found to a concrete input: values for the event's
// fields, the entity rows and the window results, chosen to meet the case's
// literals (the time of day by choosing `now`, lengths by building the set).
// The input is then decided with the language's own evaluator; only an input
// that really breaks the invariant is ever shown as a counterexample.
import { evaluate, type Env } from '../evaluate.ts';
import type { CheckedInvariant, CheckedPack, IR, Value } from '../ir.ts';
import { TIME_FIELD } from '../check/context.ts';
import { localHour, localMinute, startOfLocalDay } from '../semantics.ts';
import type { Type } from '../types.ts';
import type { Lit, Term } from './formula.ts';
import { solve } from './linear.ts';
import { Rat } from './rational.ts';
import { discreteClasses, linearConstraints, presenceClosure, varInfo } from './theory.ts';
import type { Terms } from './terms.ts';

const HOUR = 3_600_000;
const MINUTE = 60_000;
/** Monday 2 March 2026, 10:00 in Shanghai: where times start when nothing says otherwise. */
const BASE_TIME = Date.UTC(2026, 2, 2, 2, 0);

/** A concrete input: what a decision reads. */
export interface Inputs {
  readonly event: Record<string, Value>;
  readonly entities: Record<string, Record<string, Value>>;
  /** Window results by aggregate id (missing ones left out). */
  readonly aggregates: ReadonlyMap<number, Value>;
}

/** What the pack decides on an input, by the evaluator. */
export interface Outcome {
  readonly outcome: string;
  readonly fired: readonly string[];
  /** The invariant's condition on this input. */
  readonly condition: Value;
}

/**
 * The input a case describes, or undefined when the case's numbers have no
 * whole-number solution. `shiftDays` moves `now` to another day, where it can.
 */
export function realize(pack: CheckedPack, terms: Terms, lits: readonly Lit[], shiftDays = 0): Inputs | undefined {
  const present = presenceClosure(terms, lits.flatMap((l) => (l.k === 'p' && l.pos ? [l.t] : [])));
  const values = new Map<number, Value>();
  if (!discreteValues(terms, lits, present, values)) return undefined;
  const nums = numberValues(terms, lits, present, shiftDays);
  if (!nums) return undefined;
  for (const [t, v] of nums) values.set(t, v);

  const event: Record<string, Value> = {};
  const entities: Record<string, Record<string, Value>> = {};
  const aggregates = new Map<number, Value>();
  const lengths = new Map<number, number>();
  for (const t of terms.list) {
    if (t.origin.k === 'fn' && t.origin.fn === 'len' && present.has(t.id)) {
      const arg = argTerm(terms, t.origin.ir);
      if (arg) lengths.set(arg.id, Number(values.get(t.id) ?? 0));
    }
  }
  // A set holds the constants the case says are in it (`"threat" in event.script_flags`), and nothing else.
  const members = new Map<number, Value[]>();
  for (const t of terms.list) {
    if (t.origin.k === 'member' && present.has(t.id) && values.get(t.id) === true) members.set(t.origin.set, [...(members.get(t.origin.set) ?? []), t.origin.value]);
  }
  for (const t of terms.list) {
    if (!present.has(t.id)) continue;
    let v = values.get(t.id);
    const n = lengths.get(t.id);
    const has = members.get(t.id) ?? [];
    if (n !== undefined) v = t.type.t === 'set' ? [...has, ...Array.from({ length: Math.max(0, n - has.length) }, (_, i) => `item-${i + 1}`)] : 'x'.repeat(n);
    else if (has.length) v = has;
    if (t.origin.k === 'now') event[TIME_FIELD] = v;
    else if (t.origin.k === 'field') {
      if (t.origin.entity === 'event') event[t.origin.field] = v;
      else (entities[t.origin.entity] ??= {})[t.origin.field] = v;
    } else if (t.origin.k === 'agg') aggregates.set(t.origin.id, v);
  }
  // Fields the case says nothing about but a decision needs.
  for (const f of pack.schema.event.fields.values()) {
    if (event[f.name] === undefined && (f.required || f.name === TIME_FIELD)) event[f.name] = defaultValue(f.type);
  }
  for (const [name, info] of pack.schema.entities) {
    if (entities[name] && event[info.key] === undefined) delete entities[name];
  }
  return { event, entities, aggregates };
}

/** Decides an input with the evaluator: the rules in force whose condition is true, the strongest outcome. */
export function decideInputs(pack: CheckedPack, inv: CheckedInvariant, x: Inputs): Outcome {
  const now = x.event[TIME_FIELD] as number;
  const env: Env = {
    now,
    // As the runtime reads them: an entity row and a grouped window need the event's key.
    field: (entity, field) => (entity === 'event' ? x.event[field] : x.event[pack.schema.entities.get(entity)!.key] === undefined ? undefined : x.entities[entity]?.[field]),
    hfield: () => undefined,
    agg: (id) => {
      const by = pack.aggregates[id]!.by;
      return by !== undefined && x.event[by] === undefined ? undefined : x.aggregates.get(id);
    },
    pred: (name) => evaluate(pack.predicates.get(name)!.body, env),
    listHas: () => false,
  };
  let best = pack.outcomes.length - 1;
  let score = 0;
  const fired: string[] = [];
  for (const r of pack.rules) {
    const active = r.enabled && (r.effectiveFrom === undefined || now >= r.effectiveFrom) && (r.effectiveUntil === undefined || now < r.effectiveUntil);
    if (!active || evaluate(r.condition, env) !== true) continue;
    fired.push(r.id);
    score += r.score;
    const k = r.outcome === undefined ? -1 : pack.outcomes.indexOf(r.outcome);
    if (k >= 0 && k < best) best = k;
  }
  for (const t of pack.thresholds) {
    const k = pack.outcomes.indexOf(t.outcome);
    if (score >= t.at && k >= 0 && k < best) best = k;
  }
  return { outcome: pack.outcomes[best]!, fired, condition: evaluate(inv.condition, env) };
}

function defaultValue(type: Type): Value {
  switch (type.t) {
    case 'timestamp': return BASE_TIME;
    case 'enum': return type.members[0];
    case 'bool': return false;
    case 'string': return 'x';
    case 'set': return [];
    default: return 0;
  }
}

/** The term a one-argument function reads, when its argument is a term of its own. */
function argTerm(terms: Terms, ir: IR): Term | undefined {
  if (ir.k !== 'call' || ir.args.length !== 1) return undefined;
  const a = ir.args[0]!;
  const key = a.k === 'now' || (a.k === 'field' && a.entity === 'event' && a.field === TIME_FIELD) ? 'now' : a.k === 'field' ? `${a.entity}.${a.field}` : undefined;
  return key ? terms.find(key) : undefined;
}

/** Enums, bools and strings: the value each case's equalities ask for, else one it does not exclude. */
function discreteValues(terms: Terms, lits: readonly Lit[], present: ReadonlySet<number>, out: Map<number, Value>): boolean {
  const dc = discreteClasses(terms, lits);
  if (!dc) return false;
  const differ = new Map<number, number[]>();
  for (const l of lits) {
    if (l.k !== 'teq' || l.pos) continue;
    const a = dc.classes.find(l.a);
    const b = dc.classes.find(l.b);
    differ.set(a, [...(differ.get(a) ?? []), b]);
    differ.set(b, [...(differ.get(b) ?? []), a]);
  }
  const chosen = new Map<number, Value>();
  const key = (v: Value) => `${typeof v}:${String(v)}`;
  for (const t of terms.list) {
    if (t.sort !== 'val' || !present.has(t.id) || t.origin.k === 'opaque' || t.origin.k === 'fn') continue;
    const c = dc.classes.find(t.id);
    if (!chosen.has(c)) {
      const info = dc.info.get(c);
      const avoid = new Set([...(info?.not ?? []), ...(differ.get(c) ?? []).flatMap((o) => (chosen.has(o) ? [key(chosen.get(o))] : []))]);
      let v: Value;
      if (info?.is !== undefined) v = info.is;
      else if (t.type.t === 'set') v = [];
      else if (t.origin.k === 'member') v = avoid.has(key(false)); // not in the set unless the case needs it
      else {
        const domain = info?.domain ?? t.domain;
        if (domain) v = domain.find((d) => !avoid.has(key(d)));
        else { let i = c; do v = `value-${i++}`; while (avoid.has(key(v))); }
        if (v === undefined) return false;
      }
      chosen.set(c, v);
    }
    out.set(t.id, chosen.get(c));
  }
  return true;
}

/** Numbers: a solution of the case's linear constraints, then `now` (and other times) moved to the hour and minute the case asks for. */
function numberValues(terms: Terms, lits: readonly Lit[], present: ReadonlySet<number>, shiftDays: number): Map<number, Value> | undefined {
  const cs = linearConstraints(lits);
  const info = varInfo(terms);
  const base = (t: Term): Rat => Rat.num(t.type.t === 'timestamp' ? BASE_TIME : t.lo && t.lo.sign() > 0 ? t.lo.toNumber() : 0);
  const first = solve(cs, info, (v) => base(terms.get(v)));
  if (!first) return undefined;
  // A time whose hour() or minute() the case fixes: that time of day, on the day the first solution chose.
  const want = new Map<number, Rat>();
  for (const t of terms.list) {
    if (t.origin.k !== 'fn' || (t.origin.fn !== 'hour' && t.origin.fn !== 'minute') || !first.has(t.id)) continue;
    const arg = argTerm(terms, t.origin.ir);
    if (!arg) continue;
    const at = (first.get(arg.id) ?? base(arg)).toNumber();
    const h = t.origin.fn === 'hour' ? first.get(t.id)!.toNumber() : localHour(want.get(arg.id)?.toNumber() ?? at);
    const m = t.origin.fn === 'minute' ? first.get(t.id)!.toNumber() : localMinute(want.get(arg.id)?.toNumber() ?? at);
    want.set(arg.id, Rat.num(startOfLocalDay(at) + h * HOUR + m * MINUTE));
  }
  // Another day for `now` (same time of day), for what depends on the date: working days, weekdays.
  const now = terms.find('now');
  if (shiftDays && now) want.set(now.id, (want.get(now.id) ?? first.get(now.id) ?? base(now)).add(Rat.num(shiftDays * 86_400_000)));
  const second = want.size ? solve(cs, info, (v) => want.get(v) ?? first.get(v) ?? base(terms.get(v))) : undefined;
  const values = second ?? first;
  const out = new Map<number, Value>();
  for (const t of terms.list) {
    if (t.sort !== 'num' || !present.has(t.id)) continue;
    out.set(t.id, (values.get(t.id) ?? want.get(t.id) ?? base(t)).toNumber());
  }
  return out;
}
