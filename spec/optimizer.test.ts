import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { printIR } from '../compiler/print.ts';
import { build, decideBoth } from './helpers.ts';

const rule = (r: ReturnType<typeof build>, i = 0) => printIR(r.optimized!.rules[i]!.condition);

test('constants fold at compile time, Kleene-safely', () => {
  const r = build(`const LIMIT = ¥1,000 * 2
rule A when event.amount > LIMIT + ¥0.5 and (1 + 2 == 3) then hold
rule B when event.flag or 2 > 3 then hold
rule C when event.flag and not (1 < 2) then hold`);
  assert.is(rule(r, 0), '(event.amount > 200050)');
  assert.is(rule(r, 1), '(event.flag == true)'.replace(' == true', '').replace(/[()]/g, ''));
  assert.is(rule(r, 2), 'false');
});

test('sub-expressions repeated across rules are computed once per decision', () => {
  const r = build(`rule A when event.amount / customer.income > 0.5 and event.flag then hold
rule B when event.amount / customer.income > 0.5 and event.n > 3 then review`);
  assert.is(r.optimized!.sharedSlots, 1);
  assert.match(r.code!.source, /\(s0 === U \? \(s0 = /);
  const d = decideBoth(r, { type: 'login', amount: 600, customer_id: 'c', flag: true, n: 4, occurred_at: 0 },
    new (class { entity() { return { income: 1000 }; } aggregate() { return undefined; } listHas() { return false; } })());
  assert.equal(d.fired.map((f) => f.id), ['A', 'B']);
});

test('cheap conditions are tested before history aggregates', () => {
  const r = build('rule A when count(by customer_id, last 1h) > 3 and event.type == "login" then hold');
  assert.match(rule(r), /^\(\(event\.type == "login"\) and \(agg#0 > 3\)\)$/);
  assert.match(printIR(r.checked!.rules[0]!.condition), /^\(\(agg#0 > 3\) and/);
});

test('in over a literal list is a === chain when short and a Set when long', () => {
  const short = build('rule A when event.name in ["a", "b"] then hold');
  assert.match(short.code!.source, /=== "a" \|\| .* === "b"/);
  const long = build(`rule A when event.name in [${Array.from({ length: 20 }, (_, i) => `"n${i}"`).join(', ')}] then hold`);
  assert.match(long.code!.source, /const c\d+ = new Set\(K\[\d+\]\);/);
  assert.match(long.code!.source, /c\d+\.has\(f\d+\)/);
});

test('rule text reaches generated code only escaped: names become slots, strings \\u-escaped', () => {
  const r = build('rule A when event.name == "</script>\\u2028${x}" then hold message "{event.name}"');
  assert.not.match(r.code!.source, /<\/script>/);
  assert.not.match(r.code!.source, /\u2028/);
  assert.not.match(r.code!.source, /\b(ev|src|o|h|M)\.name\b/);
  assert.match(r.code!.source, /src\["name"\]/);
});

test.run();
