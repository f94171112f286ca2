// The code generator's shortcuts for JSON Logic idioms, against json-logic-js
// 2.0.5 (spec/jsonlogic/oracle.ts):
//   - a `var` whose path an `if` chooses among written paths reads statically;
//   - `missing` of keys written in the rule up to a choice (`merge` and `if`,
//     jsonlogic.com's conditional required fields) builds no merged array;
//   - rules with the same generated source share one factory (load.ts), and
//     each keeps its own constants.
// Generated rules of these shapes must give exactly what json-logic-js gives
// (or both throw); the shortcuts must be taken (no helper call in the source).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { compileJsonLogic } from '../compiler/jsonlogic/index.ts';
import { rootDataArb, type Json } from './jsonlogic/gen.ts';
import { jsonLogic } from './jsonlogic/oracle.ts';

const SEED = Number(process.env['ZHIYU_SEED'] ?? 20260301);
const RUNS = Number(process.env['ZHIYU_JL_RULES'] ?? 1500);

type Outcome = { ok: true; v: unknown } | { ok: false };
const outcome = (f: () => unknown): Outcome => {
  try {
    return { ok: true, v: f() };
  } catch {
    return { ok: false };
  }
};

const PATHS = ['a', 'b', 'x', 'n', 's', 'a.b', 'a.b.c', 'arr.0', 'items.0.qty', 'nope', '', 1, 'x.y', 'current.qty'];
const path = fc.constantFrom<Json>(...PATHS);
const scalar = fc.constantFrom<Json>(null, true, false, 0, 1, 2, '', 'a', 'b', 'x.y');
/** Conditions: data reads, comparisons, constants, and one that throws in both (`*` of nothing). */
const cond: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: path.map((p): Json => ({ var: p })) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('==', '===', '<', '!='), path, scalar).map(([op, p, v]): Json => ({ [op]: [{ var: p }, v] })) },
  { weight: 1, arbitrary: scalar },
  { weight: 1, arbitrary: path.map((p): Json => ({ '!': { var: p } })) },
  { weight: 1, arbitrary: fc.constant<Json>({ '*': [] }) },
);

/** `{"if": [c1, r1, c2, r2, …, else?]}` (or `?:`) over results drawn from `result`. */
const choice = (result: fc.Arbitrary<Json>, withElse: fc.Arbitrary<boolean>) =>
  fc.tuple(fc.constantFrom('if', '?:'), fc.array(fc.tuple(cond, result), { minLength: 1, maxLength: 3 }), result, withElse)
    .map(([op, pairs, last, hasElse]): Json => ({ [op]: [...pairs.flat(), ...(hasElse ? [last] : [])] }));

const varChoice: fc.Arbitrary<Json> = fc.tuple(
  choice(path, fc.boolean()),
  fc.option(fc.oneof(scalar, path.map((p): Json => ({ var: p }))), { nil: undefined }),
).map(([p, d]): Json => ({ var: d === undefined ? [p] : [p, d] }));

const keys: fc.Arbitrary<Json> = fc.letrec<{ k: Json }>((tie) => ({
  k: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 3, arbitrary: fc.constantFrom<Json>('a', 'b', 'x', 'a.b', 'nope', 's', 1, '') },
    { weight: 3, arbitrary: fc.array(fc.constantFrom<Json>('a', 'b', 'x', 'a.b', 'nope', 1), { maxLength: 3 }) },
    { weight: 2, arbitrary: fc.array(tie('k'), { maxLength: 3 }).map((xs): Json => ({ merge: xs })) },
    { weight: 2, arbitrary: choice(tie('k'), fc.boolean()) },
    // Not written keys: left to the helper, which must agree as well.
    { weight: 1, arbitrary: path.map((p): Json => ({ var: p })) },
  ),
})).k;
const missingChoice = keys.map((k): Json => ({ missing: k }));

function differential(name: string, rules: fc.Arbitrary<Json>): void {
  test(`${name}: zhiyu equals jsonLogic.apply on generated rules (seed ${SEED})`, () => {
    let cases = 0;
    fc.assert(fc.property(rules, fc.array(rootDataArb, { minLength: 4, maxLength: 4 }), (rule, datas) => {
      const compiled = compileJsonLogic(rule);
      for (const data of datas) {
        cases++;
        const want = outcome(() => jsonLogic.apply(rule, data));
        const got = outcome(() => compiled.apply(data));
        if (want.ok !== got.ok || (want.ok && !isDeepStrictEqual(want.v, (got as { v: unknown }).v))) {
          throw new Error(`rule ${JSON.stringify(rule)}\ndata ${JSON.stringify(data)}\njson-logic-js ${JSON.stringify(want)}\nzhiyu ${JSON.stringify(got)}\n${compiled.code.source}`);
        }
      }
    }), { seed: SEED, numRuns: RUNS });
    assert.ok(cases >= RUNS * 4);
  });
}

differential('var of a path chosen by if', varChoice);
differential('missing of keys chosen by merge and if', missingChoice);

test('the shortcuts are taken: no helper reads a chosen path or builds the merged keys', () => {
  const pie = compileJsonLogic({ var: [{ '?:': [{ '<': [{ var: 'temp' }, 110] }, 'pie.filling', 'pie.eta'] }] });
  assert.not.match(pie.code.source, /R\[K\[\d+\]\]/, pie.code.source);
  assert.is(pie.apply({ temp: 100, pie: { filling: 'apple', eta: '60s' } }), 'apple');
  const vin = compileJsonLogic({ missing: { merge: ['vin', { if: [{ var: 'financing' }, ['apr'], []] }] } });
  assert.not.match(vin.code.source, /R\[K\[\d+\]\]/, vin.code.source);
  assert.equal(vin.apply({ financing: true }), ['vin', 'apr']);
  assert.equal(vin.apply({ financing: false, vin: 'x' }), []);
  // A path chosen among computed ones is read by the helper, as before.
  assert.match(compileJsonLogic({ var: { if: [{ var: 'a' }, { var: 'p' }, 'b'] } }).code.source, /R\[K\[\d+\]\]/);
});

test('rules with the same source share their code, never their constants', () => {
  const values: Json[] = [1, 'one', null, true, -0, 1e300, 'x.y'];
  const fns = values.map((v) => compileJsonLogic({ if: [true, v, 0] }));
  assert.is(new Set(fns.map((f) => f.code.source)).size, 1, 'one source for all of them');
  fns.forEach((f, i) => assert.ok(Object.is(f.apply(null), values[i]), `rule ${i} gives its own value`));
  // Literal arrays stay new on every run, literal objects the same object, per rule.
  const a = compileJsonLogic({ merge: [[1], 2] });
  const b = compileJsonLogic({ merge: [[1], 2] });
  assert.is.not(a.apply(null), a.apply(null));
  assert.is.not(a.apply(null), b.apply(null));
  const o1 = compileJsonLogic({ if: [true, { a: 1, b: 2 }, 0] });
  const o2 = compileJsonLogic({ if: [true, { a: 1, b: 2 }, 0] });
  assert.is(o1.apply(null), o1.apply(null));
  assert.is.not(o1.apply(null), o2.apply(null));
});

test.run();
