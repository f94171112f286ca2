// A counterexample's history: the prover gives each window result as a value
// (`count(…, today) = 6`); here those values become earlier events — as many
// as the result needs, of the window's event type, passing its `where`, under
// the event's `by` key, inside its time range — so the counterexample is an
// input an analyst can store or paste as a test. Nothing here is trusted:
// each window is recomputed over the rows it was given with the runtime's
// own aggregate semantics, and the whole input is decided again by the
// reference interpreter, reading every window from the rows (store/
// counterexample.ts then does the same through a real SQLite store).
import { evaluate, type Env } from '../compiler/evaluate.ts';
import { TIME_FIELD } from '../compiler/check/context.ts';
import type { AggregateSpec, CheckedPack, IR, Value } from '../compiler/ir.ts';
import { satisfies, type Counterexample, type HistoryWitness } from '../compiler/prove/index.ts';
import type { Type } from '../compiler/types.ts';
import { aggregateOver, windowEnd, windowStart } from './aggregate.ts';
import { interpret } from './interpreter.ts';
import { MemoryProvider, type FeatureProvider, type HistoryEvent } from './provider.ts';

type Row = Record<string, Value>;

const MINUTE = 60_000;
const DAY = 86_400_000;
/** The most events one window result may need (a count of a million is given as a value). */
const MAX_ROWS = 500;
/** The most combinations of filter values tried for one window. */
const MAX_TRIES = 20_000;

/** The history for a counterexample's window results, checked against the pack. */
export function historyFor(pack: CheckedPack, x: Counterexample): HistoryWitness {
  const now = x.event[TIME_FIELD] as number;
  const rows: Row[] = [];
  const unbuilt: { id: number; why: string }[] = [];
  for (const [id, want] of x.aggregates) {
    const spec = pack.aggregates[id]!;
    if (spec.by !== undefined && x.event[spec.by] === undefined) continue; // missing whatever the history: the event has no key
    const built = windowRows(pack, x, spec, want, now);
    if (typeof built === 'string') unbuilt.push({ id, why: built });
    else rows.push(...built);
  }
  rows.sort((a, b) => (a[TIME_FIELD] as number) - (b[TIME_FIELD] as number));
  // Every window read from the rows, not from the values: the rows of one window may count in another.
  const d = decideWith(pack, x, new MemoryProvider({ entities: entityRows(pack, x), history: rows }));
  return { rows, unbuilt, reproduced: unbuilt.length === 0 && d.broken, outcome: d.outcome, fired: d.fired };
}

/** The entity rows of a counterexample, under the event's keys. */
export function entityRows(pack: CheckedPack, x: Counterexample): Record<string, Map<Value, object>> {
  const out: Record<string, Map<Value, object>> = {};
  for (const [name, row] of Object.entries(x.entities)) {
    const key = x.event[pack.schema.entities.get(name)!.key];
    if (key !== undefined) out[name] = new Map([[key, row]]);
  }
  return out;
}

/** Decides the counterexample's event over a provider (the reference interpreter) and says whether the invariant breaks. */
export function decideWith(pack: CheckedPack, x: Counterexample, provider: FeatureProvider): { outcome: string; fired: string[]; condition: boolean; broken: boolean } {
  const inv = pack.invariants!.find((i) => i.conclusions.includes(x.conclusion))!;
  const t = interpret(pack, { ...x.event }, provider, { probe: [inv.condition] });
  const fired = t.decision.fired.map((f) => f.id);
  const condition = t.probed![0] === true;
  return { outcome: t.decision.outcome, fired, condition, broken: condition && !satisfies(pack, x.conclusion, t.decision.outcome, new Set(fired)) };
}

/** The rows that give one window result, or why there are none. */
function windowRows(pack: CheckedPack, x: Counterexample, spec: AggregateSpec, want: Value, now: number): Row[] | string {
  const from = Math.max(windowStart(spec.window, now), windowEnd(spec.window, now) - 365 * DAY);
  const to = windowEnd(spec.window, now);
  if (to < from) return 'the window is empty at this time';
  const fieldType = spec.field === undefined ? undefined : pack.schema.event.fields.get(spec.field)?.type;
  const filter = (h: Row) => !spec.filter || evaluate(spec.filter, filterEnv(pack, x, h, now)) === true;
  const current = spec.includeCurrent && filter(x.event) ? (x.event as HistoryEvent) : undefined;
  const curValue = current && spec.field !== undefined ? x.event[spec.field] : undefined;
  const key = spec.by === undefined ? undefined : x.event[spec.by];
  // Times inside the window, a minute apart, latest first (`last N events` and latest() read the latest).
  const times = (n: number) => Array.from({ length: n }, (_, i) => Math.max(from, to - (i + 1) * MINUTE));
  const isNum = fieldType && ['integer', 'money', 'number', 'duration', 'timestamp'].includes(fieldType.t);
  const whole = fieldType && fieldType.t !== 'number';

  // What each row's value of the aggregated field is, latest first.
  let values: (Value | null)[];
  switch (spec.fn) {
    case 'count':
      if (typeof want !== 'number' || !Number.isInteger(want) || want - (current ? 1 : 0) < 0) return `a count of ${String(want)}${current ? ' with the current event' : ''}`;
      if (want > MAX_ROWS) return `${want} events`;
      values = Array(want - (current ? 1 : 0)).fill(null);
      break;
    case 'sum': {
      if (typeof want !== 'number' || !isNum) return 'a sum with no numeric field';
      const rest = want - ((curValue as number | undefined) ?? 0);
      values = rest === 0 ? [] : [rest];
      break;
    }
    case 'avg': {
      if (want === undefined) { values = []; break; }
      if (typeof want !== 'number' || !isNum || current) return 'an average that includes the current event';
      values = !whole || Number.isInteger(want) ? [want] : Number.isInteger(want * 2) ? [Math.ceil(want), Math.floor(want)] : [];
      if (!values.length) return `no two whole values average ${want}`;
      break;
    }
    case 'min': case 'max': case 'latest':
      values = want === undefined ? [] : [want];
      break;
    case 'distinct': {
      if (typeof want !== 'number' || !Number.isInteger(want) || !fieldType) return `${want} distinct values`;
      const n = want - (curValue !== undefined ? 1 : 0);
      values = [];
      for (let i = 1; values.length < n && i <= n + 1; i++) {
        const v = distinctValue(fieldType, i, x.event);
        if (v !== undefined && v !== curValue) values.push(v);
      }
      if (values.length < n) return `${want} distinct values of ${fieldType.t}`;
      break;
    }
    case 'time_since_last': {
      if (want === undefined) { values = []; break; }
      if (typeof want !== 'number' || now - want < from || now - want > to) return 'a last event outside the window';
      values = [null];
      break;
    }
    default:
      return `${spec.fn}() is not built from events yet`;
  }
  if (spec.window.kind === 'events' && values.length > spec.window.n) return `more than the last ${spec.window.n} events`;
  const at = spec.fn === 'time_since_last' ? [now - (want as number)] : times(values.length);
  const rows: Row[] = [];
  for (let i = 0; i < values.length; i++) {
    const fixed: Row = { [TIME_FIELD]: at[i] };
    if (key !== undefined) fixed[spec.by!] = key;
    const v = values[i];
    if (v !== null && spec.field !== undefined) fixed[spec.field] = v;
    const row = passing(pack, spec, x, fixed, filter);
    if (!row) return `no event passes \`where\` with ${Object.entries(fixed).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(', ')}`;
    rows.push(row);
  }
  const got = aggregateOver(rows, {
    spec, now, key,
    ...(spec.filter ? { filter: (h: HistoryEvent) => filter(h as Row) } : {}),
    ...(current ? { current } : {}),
  });
  return same(got, want) ? rows : `the events built give ${String(got)}, not ${String(want)}`;
}

const same = (a: Value, b: Value) => a === b || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)));

/** The filter read on a history row `h`, with the counterexample's event and entity rows. */
function filterEnv(pack: CheckedPack, x: Counterexample, h: Row, now: number): Env {
  const env: Env = {
    now,
    field: (entity, field) => (entity === 'event' ? x.event[field] : x.entities[entity]?.[field]),
    hfield: (field) => h[field],
    agg: () => undefined,
    pred: (name) => evaluate(pack.predicates.get(name)!.body, env),
    listHas: () => false,
  };
  return env;
}

/** A row with the fixed fields that passes the filter: the filter's fields tried with the values it names, the event's and their type's. */
function passing(pack: CheckedPack, spec: AggregateSpec, x: Counterexample, fixed: Row, filter: (h: Row) => boolean): Row | undefined {
  if (!spec.filter) return { ...fixed };
  const read = new Set<string>();
  const lits: Value[] = [];
  walk(spec.filter, (e) => {
    if (e.k === 'hfield') read.add(e.field);
    else if (e.k === 'lit') lits.push(e.value);
    else if (e.k === 'in' && e.set.kind === 'values') lits.push(...e.set.values);
    else if (e.k === 'field' && e.entity === 'event') lits.push(x.event[e.field]);
  });
  const free = [...read].filter((f) => !(f in fixed) && pack.schema.event.fields.has(f));
  const choices = free.map((f) => candidates(pack.schema.event.fields.get(f)!.type, lits));
  const total = choices.reduce((n, c) => n * c.length, 1);
  for (let i = 0; i < Math.min(total, MAX_TRIES); i++) {
    const row: Row = { ...fixed };
    let rest = i;
    free.forEach((f, j) => {
      const c = choices[j]!;
      const v = c[rest % c.length];
      rest = Math.floor(rest / c.length);
      if (v !== undefined) row[f] = v;
    });
    if (filter(row)) return row;
  }
  return undefined;
}

/** The values worth trying for a field of this type: those the filter names first, missing last. */
function candidates(type: Type, lits: readonly Value[]): Value[] {
  const fits = (v: Value): boolean => {
    switch (type.t) {
      case 'bool': return typeof v === 'boolean';
      case 'enum': return typeof v === 'string' && type.members.includes(v);
      case 'string': return typeof v === 'string';
      case 'set': return false;
      default: return typeof v === 'number';
    }
  };
  const named = lits.filter(fits);
  let more: Value[];
  switch (type.t) {
    case 'bool': more = [true, false]; break;
    case 'enum': more = [...type.members]; break;
    case 'string': more = ['h-1']; break;
    case 'set': more = [lits.filter((v) => typeof v === 'string'), []]; break;
    default: more = named.flatMap((v) => [(v as number) + 1, (v as number) - 1]).concat([0, 1]);
  }
  const out: Value[] = [];
  const seen = new Set<string>();
  for (const v of [...named, ...more, undefined]) {
    const k = JSON.stringify(v) ?? 'missing';
    if (!seen.has(k)) { seen.add(k); out.push(v); }
  }
  return out.slice(0, 12);
}

/** The i-th value of a type, different from the event's own values where it can be. */
function distinctValue(type: Type, i: number, event: Row): Value {
  switch (type.t) {
    case 'string': return `h-${i}`;
    case 'enum': return type.members[i - 1];
    case 'bool': return i === 1 ? true : i === 2 ? false : undefined;
    case 'timestamp': return (event[TIME_FIELD] as number) - i * DAY;
    case 'set': return undefined;
    default: return i;
  }
}

/** Every node of an expression. */
function walk(e: IR, f: (e: IR) => void): void {
  f(e);
  for (const v of Object.values(e)) {
    if (Array.isArray(v)) { for (const c of v) if (c && typeof c === 'object' && 'k' in c) walk(c as IR, f); }
    else if (v && typeof v === 'object' && 'k' in v && 'span' in v) walk(v as IR, f);
  }
}
