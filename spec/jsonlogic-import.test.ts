// JSON Logic imported as zhiyu predicates (compiler/jsonlogic/import.ts) must
// fire exactly when json-logic-js finds the rule truthy:
//   - random rules of the typed subset (spec/jsonlogic/import-gen.ts), imported
//     with a schema, compiled by the DSL compiler, decided by zhiyu on random
//     events, and compared with jsonLogic.apply on the same data;
//   - what cannot be imported is reported with its JSON path and a reason;
//   - without a schema, field types are inferred and listed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { compile, type CheckedPack } from '../compiler/index.ts';
import { importJsonLogic, rulesOfFile } from '../compiler/jsonlogic/import.ts';
import { load, MemoryProvider } from '../runtime/index.ts';
import { FRAUD40_RULES } from './jsonlogic/fraud40-data.ts';
import { IMPORT_SCHEMA, importDataArb, importRuleArb } from './jsonlogic/import-gen.ts';
import { jsonLogic } from './jsonlogic/oracle.ts';

const base = compile([{ path: 'schema.zy', text: IMPORT_SCHEMA }]);
if (!base.ok) throw new Error(JSON.stringify(base.diagnostics));
const schema = (base.checked as CheckedPack).schema;

test('random rules of the typed subset: imported predicates fire exactly when json-logic-js is truthy', () => {
  const runs = Number(process.env['ZHIYU_IMPORT_RULES'] ?? 1500);
  let imported = 0;
  let compared = 0;
  const reasons = new Map<string, number>();
  fc.assert(fc.property(importRuleArb, fc.array(importDataArb, { minLength: 6, maxLength: 6 }), (rule, datas) => {
    const r = importJsonLogic({ R: rule }, { schema });
    if (r.problems.length) {
      for (const p of r.problems) reasons.set(p.reason.replace(/[^:]*: /, '').slice(0, 60), (reasons.get(p.reason.replace(/[^:]*: /, '').slice(0, 60)) ?? 0) + 1);
      return;
    }
    imported++;
    const c = compile([{ path: 'schema.zy', text: IMPORT_SCHEMA }, { path: 'imported.zy', text: `${r.source}\nrule FIRES when R then block\n` }]);
    if (!c.ok) throw new Error(`the imported source does not compile:\n${r.source}\n${c.diagnostics.map((d) => d.message).join('\n')}`);
    const engine = load({ pack: c.optimized!, code: c.code! });
    for (const { event, customer } of datas) {
      const provider = new MemoryProvider({ entities: customer ? { customer: new Map([['c1', customer]]) } : {} });
      const fired = engine.decide(event, provider).fired.length === 1;
      const data = customer ? { event, customer } : { event };
      const want = jsonLogic.truthy(jsonLogic.apply(rule, data));
      if (fired !== want) throw new Error(`rule ${JSON.stringify(rule)}\ndata ${JSON.stringify(data)}\njson-logic-js ${want}, zhiyu ${fired}\n${r.source}`);
      compared++;
    }
  }), { seed: Number(process.env['ZHIYU_SEED'] ?? 20260301), numRuns: runs });
  console.log(`  import: ${imported} of ${runs} random rules imported, ${compared} (rule, event) pairs agree`);
  assert.ok(imported >= runs / 3, `only ${imported} of ${runs} imported: ${JSON.stringify([...reasons].sort((a, b) => b[1] - a[1]).slice(0, 5))}`);
});

test('null in comparisons follows json-logic-js: a missing amount is < 100 there', () => {
  const r = importJsonLogic({ SMALL: { '<': [{ var: 'event.amount' }, 100] }, NOT_APP: { '!': { '==': [{ var: 'event.ch' }, 'app'] } } }, { schema });
  assert.equal(r.problems, []);
  assert.match(r.source, /predicate SMALL "JSON Logic rule SMALL" =\n {2}\(event\.amount < 100fen or event\.amount is missing\)/);
  assert.match(r.source, /not \(event\.ch is not missing and event\.ch == "app"\)/);
});

test('loose equality on enums and bools is resolved member by member; strings against numbers are reported', () => {
  const r = importJsonLogic({
    E: { '==': [{ var: 'event.flag' }, 1] },
    F: { '!=': [{ var: 'event.ch' }, 'nope'] },
    G: { '==': [{ var: 'event.s' }, 5] },
  }, { schema });
  assert.match(r.source, /predicate E "JSON Logic rule E" =\n {2}event\.flag == true/);
  assert.match(r.source, /predicate F "JSON Logic rule F" =\n {2}true\n/);
  assert.equal(r.problems.map((p) => [p.rule, p.path]), [['G', '$.G']]);
  assert.match(r.problems[0]!.reason, /converts the string to a number/);
});

test('unsupported parts are reported with their JSON path; nothing is half-imported', () => {
  const r = importJsonLogic({
    ITER: { and: [{ '==': [{ var: 'event.type' }, 'login'] }, { some: [{ var: 'event.tags' }, { '==': [{ var: '' }, 'a'] }] }] },
    DIV: { '>': [{ '/': [{ var: 'event.amount' }, { var: 'customer.limit' }] }, 0.5] },
    UNKNOWN: { '==': [{ var: 'event.nope' }, 1] },
    BAD_OP: { '==': [{ vra: 'event.n' }, 1] },
    OK: { '>=': [{ var: 'event.n' }, 5] },
  }, { schema });
  assert.equal([...r.predicates.keys()], ['OK']);
  const byRule = Object.fromEntries(r.problems.map((p) => [p.rule, p]));
  assert.is(byRule['ITER']!.path, '$.ITER.and[1]');
  assert.match(byRule['ITER']!.reason, /iterates over an array/);
  assert.match(byRule['DIV']!.reason, /division by a value that may be zero/);
  assert.match(byRule['UNKNOWN']!.reason, /has no field "nope"/);
  assert.is(byRule['BAD_OP']!.path, '$.BAD_OP["=="][0].vra');
  assert.match(byRule['BAD_OP']!.reason, /unknown operator "vra"/);
  assert.not.match(r.source, /ITER|DIV|UNKNOWN|BAD_OP/);
});

test('without a schema, types come from the literals and are listed; the 40-rule pack imports mostly', () => {
  const r = importJsonLogic(rulesOfFile(FRAUD40_RULES).rules);
  assert.ok(r.predicates.size >= 25, `${r.predicates.size} imported`);
  assert.ok(r.assumed.includes('event.amount: number'));
  assert.match(r.source, /# {3}event\.type: string/);
  for (const p of r.problems) assert.ok(p.path.startsWith(`$.${p.rule}`), JSON.stringify(p));
});

test('a file holds one rule, named rules, or an export document', () => {
  assert.equal(rulesOfFile({ '==': [1, 1] }, 'one').paths, { one: '$' });
  assert.equal(rulesOfFile({ A: true, B: false }).paths, { A: '$.A', B: '$.B' });
  assert.equal(rulesOfFile({ pack: 'p', rules: { A: true } }).paths, { A: '$.rules.A' });
  assert.equal(Object.keys(rulesOfFile(true, 'lit').rules), ['lit']);
  // A single rule's problems are reported at paths of the file itself.
  const one = rulesOfFile({ and: [true, { map: [[1], 1] }] }, 'one');
  assert.is(importJsonLogic(one.rules, { paths: one.paths }).problems[0]!.path, '$.and[1]');
});

test.run();
