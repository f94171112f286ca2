// Differential tests: zhiyu's compiled JSON Logic against json-logic-js 2.0.5.
// fast-check generates rules over every operator zhiyu supports (all of
// json-logic-js but `log`) and JSON data to run them on; zhiyu's result must
// equal jsonLogic.apply's exactly (deep, -0 and NaN included), or both must
// throw. At least 10,000 (rule, data) cases per run.
//
// Seed: fixed by default and printed; ZHIYU_SEED overrides it, ZHIYU_JL_RULES the budget.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { compileJsonLogic, compileJsonLogicPack, truthy } from '../compiler/jsonlogic/index.ts';
import { FRAUD40_RULES, fraud40Data } from './jsonlogic/fraud40-data.ts';
import { rootDataArb, ruleArb } from './jsonlogic/gen.ts';
import { jsonLogic } from './jsonlogic/oracle.ts';

const SEED = Number(process.env['ZHIYU_SEED'] ?? 20260301);
const RULES = Number(process.env['ZHIYU_JL_RULES'] ?? 3000);
const DATA_PER_RULE = 4;

type Outcome = { ok: true; v: unknown } | { ok: false; e: string };
function outcome(f: () => unknown): Outcome {
  try {
    return { ok: true, v: f() };
  } catch (e) {
    return { ok: false, e: (e as Error).message };
  }
}
const same = (a: Outcome, b: Outcome) => a.ok === b.ok && (!a.ok || isDeepStrictEqual(a.v, (b as { v: unknown }).v));
const show = (o: Outcome) => (o.ok ? `${JSON.stringify(o.v)} (${String(o.v)})` : `throws ${o.e}`);

test(`generated rules: zhiyu equals jsonLogic.apply on ${RULES * DATA_PER_RULE} cases (seed ${SEED})`, () => {
  const t0 = performance.now();
  let cases = 0;
  let threw = 0;
  fc.assert(fc.property(ruleArb, fc.array(rootDataArb, { minLength: DATA_PER_RULE, maxLength: DATA_PER_RULE }), (rule, datas) => {
    const compiled = compileJsonLogic(rule); // every generated rule is valid: compiling must not fail
    for (const data of datas) {
      cases++;
      const want = outcome(() => jsonLogic.apply(rule, data));
      const got = outcome(() => compiled.apply(data));
      if (!want.ok) threw++;
      if (!same(want, got)) {
        throw new Error(`rule ${JSON.stringify(rule)}\ndata ${JSON.stringify(data)}\njson-logic-js ${show(want)}\nzhiyu ${show(got)}\n${compiled.code.source}`);
      }
    }
  }), { seed: SEED, numRuns: RULES });
  console.log(`  differential: ${cases} cases (${threw} throwing in both), ${((performance.now() - t0) / 1000).toFixed(1)} s, seed ${SEED}`);
  assert.ok(cases >= 10_000, `${cases} cases`);
});

test('the 40-rule pack: every rule on 1,000 events, one closure per rule and as one compiled pack', () => {
  const ids = Object.keys(FRAUD40_RULES);
  const single = ids.map((id) => compileJsonLogic(FRAUD40_RULES[id]).apply);
  const pack = compileJsonLogicPack(FRAUD40_RULES);
  assert.equal(pack.ids, ids);
  const fired = ids.map(() => 0);
  for (const shapes of ['service', 'sparse'] as const) {
    for (const e of fraud40Data(500, 7, shapes)) {
      const all = pack.apply(e);
      ids.forEach((id, i) => {
        const want = jsonLogic.apply(FRAUD40_RULES[id], e);
        if (!isDeepStrictEqual(single[i]!(e), want) || !isDeepStrictEqual(all[i], want)) {
          assert.unreachable(`${id} on ${JSON.stringify(e)}: json-logic-js ${JSON.stringify(want)}, zhiyu ${JSON.stringify(single[i]!(e))}, pack ${JSON.stringify(all[i])}`);
        }
        if (truthy(want)) fired[i]!++;
      });
    }
  }
  assert.equal(ids.filter((_, i) => fired[i] === 0), [], 'every rule fires on some event');
});

test('identity as json-logic-js has it: literal arrays are new each run, literal objects are the same', () => {
  const arr = compileJsonLogic({ if: [true, [1, 2], 0] });
  assert.is.not(arr.apply(null), arr.apply(null));
  assert.equal(compileJsonLogic({ '===': [[1], [1]] }).apply(null), false);
  const obj = compileJsonLogic({ if: [true, { a: 1, b: 2 }, 0] });
  assert.is(obj.apply(null), obj.apply(null));
  assert.equal(obj.apply(null), { a: 1, b: 2 });
  // Two literal objects written in two places are two objects.
  assert.equal(compileJsonLogic({ '==': [{ a: 1, b: 2 }, { a: 1, b: 2 }] }).apply(null), false);
  // The same data object read twice is the same object.
  assert.equal(compileJsonLogic({ '===': [{ var: 'o' }, { var: 'o' }] }).apply({ o: {} }), true);
});

test('-0, NaN and Infinity come out as json-logic-js makes them', () => {
  for (const rule of [{ '*': [-1, 0] }, { '+': [-0] }, { '-': [0] }, { '/': [1, { '*': [-1, 0] }] }, { '/': [0, 0] }, { '+': ['x'] }, { '*': [-1, 0, 5] }, { min: [] }, { max: [] }]) {
    const want = jsonLogic.apply(rule, null);
    const got = compileJsonLogic(rule).apply(null);
    assert.ok(Object.is(want, got), `${JSON.stringify(rule)}: ${String(want)} vs ${String(got)}`);
  }
});

test.run();
