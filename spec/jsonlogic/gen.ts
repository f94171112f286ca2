// fast-check generators for the JSON Logic differential tests: rules over
// every operator zhiyu supports (all of json-logic-js 2.0.5 but `log`), with
// the shapes that trip implementations up — missing and extra arguments, a
// single non-array argument, nested iterators, values of every JSON type —
// and data to run them on. Data never holds an object whose one key is an
// operator (json-logic-js would run it as logic; zhiyu refuses: ZY9101), and
// paths never name inherited properties (zhiyu reads own properties only):
// both are documented differences, tested on their own.
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const KEYS = ['a', 'b', 'c', 'x', 'n', 's', 'arr', 'items', 'nums', '1', 'current', 'accumulator', 'qty', 'length', ''];
const PATHS = ['a', 'b', 'x', 'n', 's', 'a.b', 'a.b.c', 'arr', 'arr.0', 'arr.1', 'items', 'items.0.qty', 'nums', '1', '', 'qty',
  'current', 'accumulator', 'current.qty', 'accumulator.a', 's.length', 'arr.length', 'nope', 'a.nope', 'x.y'];

export const scalarArb: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, 1, -1, 2, 3, 10, 0.5, -2.5, 1e21, '', '0', '1', '2', '1.5', ' 3 ', 'a', 'b', 'abc', 'ab', 'true', 'null', '-0', 'x.y', 'a.b'),
  fc.integer({ min: -100, max: 100 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  fc.string({ maxLength: 4 }),
);

/** Data: objects whose keys are never operator names. */
export const dataArb: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarArb,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** As a decision API receives it: parsed from JSON (fast-check's dictionaries have no prototype). */
const asJson = (v: Json): Json => JSON.parse(JSON.stringify(v));

/** The data a rule runs on: mostly an object with the usual keys, sometimes anything. */
export const rootDataArb: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...KEYS), dataArb, { maxKeys: 8 }) },
  { weight: 1, arbitrary: dataArb },
).map(asJson);

const EAGER = ['==', '===', '!=', '!==', '>', '>=', '<', '<=', '!!', '!', '%', 'in', 'cat', 'substr', '+', '*', '-', '/', 'min', 'max',
  'merge', 'var', 'missing', 'missing_some'] as const;
const LAZY = ['if', '?:', 'and', 'or'] as const;
const ITER = ['filter', 'map', 'reduce', 'all', 'none', 'some'] as const;

export const ruleArb: fc.Arbitrary<Json> = fc.letrec<{ rule: Json; args: Json }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 3, arbitrary: scalarArb },
    { weight: 3, arbitrary: fc.constantFrom(...PATHS).map((p): Json => ({ var: p })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...PATHS), tie('rule')).map(([p, d]): Json => ({ var: [p, d] })) },
    { weight: 1, arbitrary: fc.array(tie('rule'), { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constantFrom<Json>({}, { a: 1, b: [2] }, { var: 'a', extra: 1 }) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom<Json>('a', 'b', 'x', 'a.b', 'nope', 1, ''), { maxLength: 5 }).map((keys): Json => ({ missing: keys })) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.array(fc.constantFrom<Json>('a', 'b', 'x', 'a.b', 'nope', 's', 'n'), { maxLength: 5 })).map(([n, keys]): Json => ({ missing_some: [n, keys] })) },
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...EAGER, ...LAZY), tie('args')).map(([op, args]): Json => ({ [op]: args })) },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...ITER), tie('rule'), tie('rule'), fc.option(tie('rule'), { nil: undefined }))
      .map(([op, src, body, init]): Json => ({ [op]: init === undefined ? [src, body] : [src, body, init] })) },
    // Long literal lists: membership by Set, arrays copied from the constants.
    { weight: 1, arbitrary: fc.tuple(tie('rule'), fc.array(scalarArb, { minLength: 9, maxLength: 40 })).map(([x, list]): Json => ({ in: [x, list] })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('merge', 'cat', 'map', 'if', 'and'), fc.array(scalarArb, { minLength: 33, maxLength: 40 }))
      .map(([op, list]): Json => (op === 'map' ? { map: [list, { var: '' }] } : { [op]: [list, list] })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...ITER), fc.constantFrom<Json>([1, 2, 3], [], { var: 'items' }, { var: 'nums' }, { var: 'arr' }, 'abc'), tie('rule'))
      .map(([op, src, body]): Json => ({ [op]: op === 'reduce' ? [src, body, 0] : [src, body] })) },
  ),
  // Mostly arrays of 1–3 arguments; sometimes none, many, or one that is not an array.
  args: fc.oneof(
    { weight: 6, arbitrary: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) },
    { weight: 1, arbitrary: fc.array(tie('rule'), { maxLength: 5 }) },
    { weight: 1, arbitrary: tie('rule').filter((r) => !Array.isArray(r)) },
  ),
})).rule.map(asJson);
