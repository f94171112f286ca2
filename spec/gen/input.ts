// Generates decision inputs for the schema of schema.ts: an event (fields
// often missing or null, now and then of the wrong type), entity rows
// (sometimes absent or null), a history with events exactly at window edges,
// ties and future events, and external list contents.
import fc from 'fast-check';
import { MemoryProvider } from '../../runtime/index.ts';
import { startOfLocalDay, startOfLocalMonth, startOfLocalWeek } from '../../compiler/semantics.ts';
import {
  BASE, CUSTOMER_KEYS, DAY, DEVICE_KEYS, DURS, ENUM_MEMBERS, HOUR, INTS, MONEYS, NUMS, STRINGS,
} from './schema.ts';

export interface InputFlags {
  /** Entity rows with a wrong-typed field (see KNOWN_BUG_LAZY_ENTITY_ERRORS in spec/property.test.ts). */
  readonly badEntityRows: boolean;
  /** History events with a wrong-typed field (see KNOWN_BUG_UNVALIDATED_HISTORY in spec/property.test.ts). */
  readonly badHistory: boolean;
}

const A = fc.constantFrom;
/** undefined most of the time, a value of `a` once in `n` (shrinks to undefined). */
export const rarely = <V>(a: fc.Arbitrary<V>, n: number): fc.Arbitrary<V | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: n - 1 }, { arbitrary: a, weight: 1 });

/** Where a time sits relative to the decision time: plain offsets, or calendar edges. */
type When = { rel: number } | { edge: 'day' | 'week' | 'month'; adj: number };
const EDGES: number[] = [
  0, -1, 1, -HOUR, -HOUR + 1, -HOUR - 1, -30 * 60_000, -30 * 60_000 + 1, -DAY, -DAY + 1, -DAY - 1, -7 * DAY, -7 * DAY + 1,
  -14 * DAY + 1, -14 * DAY, -5 * 60_000, 1000, -1000, -2, 2,
];
const when: fc.Arbitrary<When> = fc.oneof(
  { arbitrary: A(...EDGES).map((rel) => ({ rel })), weight: 5 },
  { arbitrary: fc.record({ edge: A('day', 'week', 'month'), adj: A(0, -1, 1) }), weight: 2 },
  { arbitrary: fc.integer({ min: -20 * DAY, max: DAY }).map((rel) => ({ rel })), weight: 2 },
);
function resolve(w: When, now: number): number {
  if ('rel' in w) return now + w.rel;
  const start = w.edge === 'day' ? startOfLocalDay(now) : w.edge === 'week' ? startOfLocalWeek(now) : startOfLocalMonth(now);
  return start + w.adj;
}

/** Decision times: around BASE, at local midnight, the start of a week (Mon 2026-03-02) and a month. */
const NOWS = [0, 1, -1, -10 * HOUR, -10 * HOUR - 1, -10 * HOUR + 1, 14 * HOUR, 14 * HOUR - 1, 14 * HOUR + 1, 5 * DAY, -DAY, 31 * DAY - 10 * HOUR];
const nowArb = fc.oneof(
  { arbitrary: A(...NOWS), weight: 4 },
  { arbitrary: fc.integer({ min: -3 * DAY, max: 3 * DAY }), weight: 1 },
).map((d) => BASE + d);

const opt = <V>(a: fc.Arbitrary<V>) => fc.option(fc.oneof({ arbitrary: a, weight: 9 }, { arbitrary: fc.constant(null as V), weight: 1 }), { nil: undefined, freq: 3 });
const tsValue = (now: number) => (w: When, iso: boolean) => {
  const t = resolve(w, now);
  return iso ? new Date(t).toISOString() : t;
};

/** The event fields, each optional; timestamps resolved later against `now`. */
const eventFields = fc.record({
  type: fc.option(A(...ENUM_MEMBERS.ty), { nil: undefined, freq: 30 }), // absent once in 30
  customer_id: opt(A(...CUSTOMER_KEYS)),
  device_id: opt(A(...DEVICE_KEYS)),
  n: opt(A(...INTS)),
  x: opt(A(...NUMS)),
  amount: opt(A(...MONEYS)),
  flag: opt(fc.boolean()),
  name: opt(A(...STRINGS)),
  channel: opt(A(...ENUM_MEMBERS.ch)),
  ts: opt(fc.tuple(when, fc.boolean())),
  dur: opt(A(...DURS)),
  tags: opt(fc.subarray(STRINGS.slice(0, 8), { maxLength: 4 })),
  codes: opt(fc.subarray(INTS, { maxLength: 4 })),
});

/** Timestamps (`ts`, `joined`, `seen_at`) are resolved against now; `iso` allows ISO-8601 strings. */
function materialize(f: Record<string, unknown>, now: number, iso = true): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined) continue;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'object' && v[0] !== null && !Array.isArray(v[0])) {
      const [w, asIso] = v as [When, boolean];
      o[k] = tsValue(now)(w, asIso && iso);
    } else {
      o[k] = v;
    }
  }
  return o;
}

/** Wrong-typed values for a field: each must make decide() throw ZY4001. */
const BAD: Record<string, readonly unknown[]> = {
  type: ['nope', 1, true], customer_id: [5, true, ['c1']], device_id: [{}, 1], n: [1.5, '3', 2 ** 53, Number.NaN], x: ['1', Infinity, Number.NaN, true],
  amount: [1.5, '100', -Infinity], flag: ['true', 0, 1], name: [7, ['a']], channel: ['APP', 'nope', 3], ts: ['yesterday', 1.5, '2026-13-01', true],
  dur: [0.5, '1h'], tags: ['a', [1], ['a', null], [['a']]], codes: [[1.5], ['1'], 3], occurred_at: [null, '2026-02-30', 'now', 1.5, undefined],
};
const corruption = rarely(A(...Object.keys(BAD)).chain((k) => A(...BAD[k]!).map((v) => [k, v] as const)), 12);

const customerRow = fc.record({
  age: opt(A(...INTS, 59, 61)), limit: opt(A(...MONEYS)), vip: opt(fc.boolean()), segment: opt(A(...ENUM_MEMBERS.seg)),
  joined: opt(fc.tuple(when, fc.boolean())), rating: opt(A(...NUMS)), nick: opt(A(...STRINGS)),
  labels: opt(fc.subarray(STRINGS.slice(0, 8), { maxLength: 3 })),
});
const deviceRow = fc.record({
  rooted: opt(fc.boolean()), seen_at: opt(fc.tuple(when, fc.boolean())), risk: opt(A(...NUMS)), os: opt(A(...STRINGS)),
});
const accountRow = fc.record({ balance: opt(A(...MONEYS)), frozen: opt(fc.boolean()) });
/** A row, no row, or a stored null. */
const row = <R>(a: fc.Arbitrary<R>) => fc.oneof({ arbitrary: a, weight: 6 }, { arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: fc.constant(null), weight: 1 });
const BAD_ROW: Record<string, [string, unknown][]> = {
  customer: [['age', '60'], ['limit', 1.5], ['vip', 'yes'], ['segment', 'platinum'], ['joined', 'soon'], ['labels', 'a']],
  device: [['rooted', 1], ['risk', '0.5'], ['os', 3]],
  account: [['balance', '100'], ['frozen', null], ['frozen', 'no']],
};

const historyEvent = fc.record({
  at: when,
  fields: eventFields,
});

export interface GenInput {
  readonly now: number;
  readonly event: Record<string, unknown>;
  readonly strict: boolean;
  readonly entities: Record<string, Map<unknown, unknown>>;
  readonly history: Record<string, unknown>[];
  readonly lists: Record<string, unknown[]>;
  /** A short human description of what was corrupted, if anything. */
  readonly note?: string;
}

export function inputArb(flags: InputFlags): fc.Arbitrary<GenInput> {
  const badRow = flags.badEntityRows
    ? rarely(A(...Object.keys(BAD_ROW)).chain((e) => A(...BAD_ROW[e]!).map(([f, v]) => ({ e, f, v }))), 8)
    : fc.constant(undefined);
  return fc.record({
    now: nowArb,
    nowIso: fc.nat({ max: 9 }).map((k) => k === 9),
    fields: eventFields,
    corrupt: corruption,
    strict: fc.boolean(),
    extra: rarely(A('extra', 'Amount', 'occurredAt'), 8),
    customers: fc.tuple(...CUSTOMER_KEYS.map(() => row(customerRow))),
    devices: fc.tuple(...DEVICE_KEYS.map(() => row(deviceRow))),
    accounts: fc.tuple(...INTS.slice(0, 6).map(() => row(accountRow))),
    badRow,
    badHistory: flags.badHistory ? rarely(fc.tuple(fc.nat(), A(...Object.keys(BAD).filter((k) => k !== 'occurred_at'))).chain(([i, k]) => A(...BAD[k]!).map((v) => [i, k, v] as const)), 8) : fc.constant(undefined),
    history: fc.array(historyEvent, { maxLength: 8 }),
    tie: fc.boolean(),
    blocked: fc.subarray([...STRINGS, ...CUSTOMER_KEYS, ...DEVICE_KEYS], { maxLength: 6 }),
    watch: fc.subarray(INTS, { maxLength: 5 }),
  }).map((g) => {
    const now = g.now;
    const event = materialize(g.fields, now);
    event['occurred_at'] = g.nowIso ? new Date(now).toISOString() : now;
    let note: string | undefined;
    if (g.corrupt) {
      const [k, v] = g.corrupt;
      if (v === undefined) delete event[k]; else event[k] = v;
      note = `event.${k} corrupted`;
    }
    const strict = g.strict;
    if (g.extra) event[g.extra] = 1;
    const rows = <R extends Record<string, unknown>>(keys: readonly unknown[], rs: readonly (R | null | undefined)[]) =>
      new Map(keys.flatMap((k, i) => (rs[i] === undefined ? [] : [[k, rs[i] === null ? null : materialize(rs[i] as never, now)] as [unknown, unknown]])));
    const entities: Record<string, Map<unknown, unknown>> = {
      customer: rows(CUSTOMER_KEYS, g.customers),
      device: rows(DEVICE_KEYS, g.devices),
      account: rows(INTS.slice(0, 6), g.accounts),
    };
    if (g.badRow) {
      const m = entities[g.badRow.e]!;
      const key = [...m.keys()][0];
      if (key !== undefined) {
        m.set(key, { ...(m.get(key) ?? {}) as object, [g.badRow.f]: g.badRow.v });
        note = `${note ? `${note}; ` : ''}${g.badRow.e}[${String(key)}].${g.badRow.f} corrupted`;
      }
    }
    const history = g.history.map((h, i) => {
      const o = materialize(h.fields, now, false); // history is stored, not validated: keep it well-typed
      // Ties: with `tie`, every other event shares the previous one's time.
      const at = g.tie && i % 2 === 1 ? g.history[i - 1]!.at : h.at;
      o['occurred_at'] = resolve(at, now);
      if (o['type'] === undefined) o['type'] = 'transfer';
      return o;
    });
    if (g.badHistory && history.length) {
      const [i, k, v] = g.badHistory;
      history[i % history.length]![k] = v;
      note = `${note ? `${note}; ` : ''}history[${i % history.length}].${k} corrupted`;
    }
    return { now, event, strict, entities, history, lists: { blocked: g.blocked, watch_n: g.watch }, ...(note ? { note } : {}) };
  });
}

export function providerOf(i: GenInput): MemoryProvider {
  return new MemoryProvider({ entities: i.entities as never, history: i.history, lists: i.lists as never });
}
