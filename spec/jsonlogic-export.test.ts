// zhiyu rules exported as JSON Logic (compiler/jsonlogic/export.ts) must fire
// exactly when zhiyu fires them: json-logic-js evaluates each exported rule on
// the data of a decision, and its truthiness must equal "zhiyu fired the rule".
//   - rules/demo and bench/packs/fraud40: on every event of the packs' own tests;
//   - random packs from spec/gen (the property suite's generator) on random inputs;
//   - what cannot be exported is reported, rule by rule, never dropped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readPack } from '../cli/pack-files.ts';
import { compile, InputError, type CheckedPack } from '../compiler/index.ts';
import { exportJsonLogic } from '../compiler/jsonlogic/export.ts';
import { compileJsonLogic } from '../compiler/jsonlogic/index.ts';
import { providerFor } from '../runtime/index.ts';
import { inputArb, providerOf } from './gen/input.ts';
import { packArb, renderPack, DEFAULT_FLAGS } from './gen/pack.ts';
import { exportCase } from './jsonlogic/export-data.ts';
import { jsonLogic } from './jsonlogic/oracle.ts';

function checked(paths: string[]): CheckedPack {
  const r = compile(readPack(paths));
  if (!r.ok || !r.checked) throw new Error(`${paths.join(' ')} does not compile`);
  return r.checked;
}

/** Compares every exported rule with zhiyu's decision; returns how many (rule, event) pairs were compared. */
function agree(pack: CheckedPack, cases: Iterable<{ event: Record<string, unknown>; provider: ReturnType<typeof providerFor>; lists: Record<string, readonly unknown[]>; name: string }>): number {
  const { document, exported } = exportJsonLogic(pack);
  let compared = 0;
  for (const c of cases) {
    let x;
    try {
      x = exportCase(pack, c.event, c.provider, c.lists);
    } catch (e) {
      if (e instanceof InputError) continue; // zhiyu refuses the input: nothing to compare
      throw e;
    }
    const fired = new Set(x.decision.fired.map((f) => f.id));
    for (const id of exported) {
      const rule = document.rules[id];
      const jl = jsonLogic.truthy(jsonLogic.apply(rule, x.data));
      // zhiyu's own compiler runs the exported rule the same way.
      const zy = jsonLogic.truthy(compileJsonLogic(rule).apply(x.data));
      if (jl !== fired.has(id) || zy !== jl) {
        assert.unreachable(`${c.name}: rule ${id} ${fired.has(id) ? 'fired' : 'did not fire'} in zhiyu, exported JSON Logic gives ${jl} (zhiyu's JSON Logic ${zy})\nrule ${JSON.stringify(rule)}\ndata ${JSON.stringify(x.data)}`);
      }
      compared++;
    }
  }
  return compared;
}

function packTests(pack: CheckedPack) {
  return pack.tests.map((t) => ({ name: t.name, event: { ...t.event } as Record<string, unknown>, provider: providerFor(pack, t), lists: t.lists }));
}

test('rules/demo: every rule but the one counting an age from a birth date exports, and agrees with zhiyu on the pack\'s test events', () => {
  const pack = checked(['rules/demo']);
  const r = exportJsonLogic(pack);
  // Whole years by local calendar dates: JSON Logic has no date operator.
  assert.equal(r.problems.map((p) => [p.rule, p.part]), [['ELDERLY_LARGE', 'years_since(customer.birth_date)']]);
  assert.equal(r.exported, pack.rules.map((x) => x.id).filter((id) => id !== 'ELDERLY_LARGE'));
  assert.equal(Object.keys(r.document.variables).sort(), [
    'agg.count_by_customer_id_last_10m_where_type_eq_login_failed',
    'agg.distinct_id_number_hash_by_device_id_last_30d_where_type_eq_application',
    'agg.sum_amount_by_customer_id_today_where_type_eq_transfer_out_including_current',
    'list.police_fraud_accounts',
  ]);
  const n = agree(pack, packTests(pack));
  assert.ok(n >= r.exported.length * pack.tests.length, `compared ${n}`);
});

test('bench/packs/fraud40: exported rules agree with zhiyu on the pack\'s test events; the rest are reported', () => {
  const pack = checked(['bench/packs/fraud40']);
  const r = exportJsonLogic(pack);
  assert.is(r.exported.length + new Set(r.problems.map((p) => p.rule)).size, pack.rules.length);
  assert.ok(r.exported.length >= 30, `only ${r.exported.length} of 40 exported`);
  agree(pack, packTests(pack));
});

test('what cannot be exported is reported with the part and the reason', () => {
  const r = compile([{ path: 'p.zy', text: `pack p
outcomes block > allow
event { type: enum(a, b) required, note: string, at: timestamp, n: integer, name: string }
rule NIGHT when hour(now) < 6 then block
rule REGEX when matches(event.note, "^1[3-9]") then block
rule LOWER when lower(event.name) == "x" and event.n > 1 then block
rule LEN when len(event.note) > 3 then block
rule ROUND when round(event.n / 3) == 1 then block
rule OFF disabled when event.n > 1 then block
rule OK when event.type == "a" and not (event.n > 5) then block
` }]);
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  const x = exportJsonLogic(r.checked!);
  assert.equal(x.exported, ['OK']);
  const reasons = Object.fromEntries(x.problems.map((p) => [p.rule, `${p.part}: ${p.reason}`]));
  assert.match(reasons['NIGHT']!, /^hour\(now\): .*local time/);
  assert.match(reasons['REGEX']!, /regular expressions/);
  assert.match(reasons['LOWER']!, /^lower\(event\.name\): .*case-changing/);
  assert.match(reasons['LEN']!, /counts characters/);
  assert.match(reasons['ROUND']!, /rounding/);
  assert.match(reasons['OFF']!, /disabled/);
  // `not` over a value that may be missing stays exact: n missing fires neither way.
  const rule = x.document.rules['OK'];
  for (const [event, fires] of [[{ type: 'a' }, false], [{ type: 'a', n: 5 }, true], [{ type: 'a', n: 6 }, false], [{ type: 'b', n: 1 }, false]] as const) {
    assert.is(jsonLogic.truthy(jsonLogic.apply(rule, { event })), fires, JSON.stringify(event));
  }
});

test('random packs (spec/gen) on random inputs: exported rules agree with zhiyu', () => {
  const packs = Number(process.env['ZHIYU_EXPORT_PACKS'] ?? 200);
  let compared = 0;
  let rules = 0;
  let exportedRules = 0;
  fc.assert(fc.property(packArb(DEFAULT_FLAGS), fc.array(inputArb({ badEntityRows: false, badHistory: false }), { minLength: 8, maxLength: 8 }), (g, inputs) => {
    const r = compile([{ path: 'gen.zy', text: renderPack(g) }]);
    if (!r.ok || !r.checked) throw new Error(`generated pack does not compile:\n${renderPack(g)}`);
    const pack = r.checked;
    const x = exportJsonLogic(pack);
    rules += pack.rules.length;
    exportedRules += x.exported.length;
    compared += agree(pack, inputs.map((i, k) => ({ name: `input ${k}`, event: i.event, provider: providerOf(i), lists: i.lists })));
  }), { seed: Number(process.env['ZHIYU_SEED'] ?? 20260301), numRuns: packs });
  console.log(`  export: ${packs} random packs, ${exportedRules} of ${rules} rules exported, ${compared} (rule, input) pairs agree`);
  assert.ok(compared > 2000, `only ${compared} comparisons`);
});

test.run();
