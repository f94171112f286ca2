// Generators for the import differential test: JSON Logic rules inside the
// typed subset that `zhiyu jsonlogic import` translates (comparisons, and/or/!,
// if as a condition, in, missing, arithmetic, var with defaults) over the
// schema below, with the literals that make loose semantics bite — numeric
// strings, null, booleans, enum members and non-members — and events in the
// decision layout ({event, customer}) with fields left out.
import fc from 'fast-check';
import type { Json } from './gen.ts';

export const IMPORT_SCHEMA = `pack imp version "1"
outcomes block > allow
event {
  type: enum(login, transfer_out, drawdown) required
  amount: money
  n: integer
  x: number
  s: string
  flag: bool
  at: timestamp
  dur: duration
  tags: set<string>
  ch: enum(app, web)
  customer_id: string
}
entity customer by customer_id { age: integer, vip: bool, name: string, limit: money, segs: set<string> }
`;

const NUMERIC = ['event.amount', 'event.n', 'event.x', 'event.at', 'event.dur', 'customer.age', 'customer.limit'];
const TEXT = ['event.s', 'customer.name', 'event.type', 'event.ch'];
const BOOLS = ['event.flag', 'customer.vip'];
const SETS = ['event.tags', 'customer.segs'];

const lit = fc.constantFrom<Json>(0, 1, 2, 5, 10, -1, 2.5, 100, 1000, 1.5, '0', '1', '5', '', ' 1 ', 'abc', 'a', 'b', 'app', 'web', 'login',
  'transfer_out', 'nope', true, false, null, 1772330400000, 3600000);
const numLit = fc.constantFrom<Json>(0, 1, 5, 10, -1, 2.5, 100, 1000, '5', '', null, true, 1772330400000, 3600000);
const field = (xs: readonly string[]) => fc.constantFrom(...xs).map((f): Json => ({ var: f }));
const withDefault = (xs: readonly string[], d: fc.Arbitrary<Json>) => fc.tuple(fc.constantFrom(...xs), d).map(([f, v]): Json => ({ var: [f, v] }));

const numericTerm: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: field(NUMERIC) },
  { weight: 1, arbitrary: withDefault(['event.n', 'event.x', 'customer.age'], fc.constantFrom<Json>(0, 5, 99)) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('+', '-', '*', '%', '/'), field(['event.n', 'event.x', 'event.amount', 'customer.age']), fc.constantFrom<Json>(1, 2, 3, 100, '2', null))
    .map(([op, a, b]): Json => ({ [op]: [a, b] })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('+', '-'), field(['event.amount', 'customer.limit'])).map(([op, a]): Json => ({ [op]: [a, { var: 'event.amount' }] })) },
);

const cmpOp = fc.constantFrom('==', '===', '!=', '!==', '<', '<=', '>', '>=');

const atom: fc.Arbitrary<Json> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(cmpOp, numericTerm, numLit, fc.boolean()).map(([op, a, b, flip]): Json => ({ [op]: flip ? [b, a] : [a, b] })) },
  { weight: 4, arbitrary: fc.tuple(cmpOp, field(TEXT), lit, fc.boolean()).map(([op, a, b, flip]): Json => ({ [op]: flip ? [b, a] : [a, b] })) },
  { weight: 2, arbitrary: fc.tuple(cmpOp, field(BOOLS), lit).map(([op, a, b]): Json => ({ [op]: [a, b] })) },
  { weight: 1, arbitrary: fc.tuple(cmpOp, fc.constantFrom<Json>({ var: 'event.n' }, { var: 'customer.age' }), fc.constantFrom<Json>({ var: 'event.x' }, { var: 'customer.age' })).map(([op, a, b]): Json => ({ [op]: [a, b] })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('<', '<='), numLit, numericTerm, numLit).map(([op, a, b, c]): Json => ({ [op]: [a, b, c] })) },
  { weight: 2, arbitrary: fc.tuple(fc.oneof(field([...NUMERIC, ...TEXT, ...BOOLS])), fc.array(lit, { maxLength: 5 })).map(([a, list]): Json => ({ in: [a, list] })) },
  { weight: 1, arbitrary: fc.tuple(field(TEXT), fc.constantFrom('abc', 'transfer_out and login', '', 'app,web', 'a1')).map(([a, s]): Json => ({ in: [a, s] })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom<Json>('a', 'b', '', 'vip', 1), field(['event.s', 'customer.name', ...SETS])).map(([x, f]): Json => ({ in: [x, f] })) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom('event.s', 'event.n', 'customer.name', 'customer.age', 'event.flag'), { minLength: 1, maxLength: 3 }).map((ks): Json => ({ missing: ks })) },
  { weight: 2, arbitrary: field([...BOOLS, ...NUMERIC.slice(0, 3), 'event.s', 'event.ch', ...SETS]) },
);

export const importRuleArb: fc.Arbitrary<Json> = fc.letrec<{ c: Json }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: atom },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('and', 'or'), fc.array(tie('c'), { minLength: 1, maxLength: 3 })).map(([op, xs]): Json => ({ [op]: xs })) },
    { weight: 1, arbitrary: tie('c').map((x): Json => ({ '!': x })) },
    { weight: 1, arbitrary: tie('c').map((x): Json => ({ '!!': [x] })) },
    { weight: 1, arbitrary: fc.tuple(tie('c'), tie('c'), tie('c')).map(([a, b, c]): Json => ({ if: [a, b, c] })) },
  ),
})).c;

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 3 });

/** An event and a customer row as zhiyu accepts them; a missing value is left out. */
export const importDataArb = fc.record({
  type: fc.constantFrom('login', 'transfer_out', 'drawdown'),
  amount: opt(fc.constantFrom(0, 1, 5, 99, 100, 101, 1000, 200000, -5)),
  n: opt(fc.constantFrom(0, 1, 2, 5, 10, -1, 99, 100)),
  x: opt(fc.constantFrom(0, 1, 2.5, 5, -1, 0.5, 1000)),
  s: opt(fc.constantFrom('', 'a', 'b', 'abc', '0', '1', '5', 'app', 'login', ' 1 ')),
  flag: opt(fc.boolean()),
  at: opt(fc.constantFrom(0, 1772330400000, 1772330400001, 5)),
  dur: opt(fc.constantFrom(0, 1, 3600000, 5)),
  tags: opt(fc.subarray(['a', 'b', 'vip'])),
  ch: opt(fc.constantFrom('app', 'web')),
  customer: opt(fc.record({
    age: opt(fc.constantFrom(0, 1, 5, 17, 18, 60, 99)),
    vip: opt(fc.boolean()),
    name: opt(fc.constantFrom('', 'a', 'abc', '5', 'vip')),
    limit: opt(fc.constantFrom(0, 5, 100, 1000, 200000)),
    segs: opt(fc.subarray(['a', 'vip'])),
  })),
}).map(({ customer, ...ev }) => {
  const event: Record<string, unknown> = { occurred_at: 1772330400000 };
  for (const [k, v] of Object.entries(ev)) if (v !== undefined) event[k] = v;
  const row: Record<string, unknown> | undefined = customer ? {} : undefined;
  if (customer) for (const [k, v] of Object.entries(customer)) if (v !== undefined) row![k] = v;
  if (row) event['customer_id'] = 'c1';
  return { event, customer: row };
});
