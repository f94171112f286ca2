import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile, renderDiagnostic } from '../compiler/index.ts';
import { build, codes } from './helpers.ts';

test('a diagnostic renders as file:line:col, the source line and a caret', () => {
  const r = build('rule R when event.amont > ¥5 then hold');
  assert.is(r.ok, false);
  assert.is(renderDiagnostic(r.diagnostics[0]!, r.files), [
    'case.zy:1:19: error ZY2001: the event has no field `amont`',
    '  |',
    '1 | rule R when event.amont > ¥5 then hold',
    '  |                   ^^^^^',
    '  = hint: did you mean `amount`?',
  ].join('\n'));
});

test('money compared with a plain number is an error with a hint', () => {
  const r = build('rule R when event.amount >= 2000 then hold');
  assert.equal(codes(r), ['ZY3001 case.zy:1:26']);
  assert.match(r.diagnostics[0]!.hint ?? '', /¥2000/);
});

test('a syntax error in one rule does not hide a type error in another', () => {
  const r = build([
    'rule A when event.amount > then hold',
    'rule B when event.flag == 3 then hold',
    'rule C when unknown_thing then hold',
  ].join('\n'));
  assert.equal(codes(r), ['ZY1002 case.zy:1:28', 'ZY3001 case.zy:2:24', 'ZY2001 case.zy:3:13']);
});

test('diagnostics from several files come sorted by file and position', () => {
  const r = compile([
    { path: 'a.zy', text: 'pack p\noutcomes hold > allow\nrule Z when nope2 then hold' },
    { path: 'b.zy', text: 'rule Y when nope1 then hold\nrule X when nope0 then hold' },
  ]);
  assert.equal(codes(r), ['ZY2001 a.zy:3:13', 'ZY2001 b.zy:1:13', 'ZY2001 b.zy:2:13']);
});

test('errors are capped, with a note saying how many were left out', () => {
  const rules = Array.from({ length: 130 }, (_, i) => `rule R${i} when nope${i} then hold`).join('\n');
  const r = build(rules);
  assert.is(r.diagnostics.length, 101);
  assert.is(r.diagnostics[100]!.message, '30 more diagnostics were truncated');
});

test('unknown names suggest the nearest one', () => {
  const cases: [string, RegExp][] = [
    ['rule R when custmer.age > 3 then hold', /`customer`/],
    ['rule R when customer.agee > 3 then hold', /`age`/],
    ['rule R when lowr(event.name) == "a" then hold', /`lower`/],
    ['rule R when event.flag then hodl', /`hold`/],
    ['rule R when event.type == "transfer_ot" then hold', /`transfer_out`/],
    ['const LIMIT = ¥5\nrule R when event.amount > LIMTI then hold', /`LIMIT`/],
    ['rule R when amount > ¥5 then hold', /`event.amount`/],
  ];
  for (const [src, hint] of cases) {
    const r = build(src);
    assert.is(r.ok, false, src);
    assert.match(r.diagnostics[0]!.hint ?? '', hint, src);
  }
});

test('every declaration problem has its own code', () => {
  const expect: [string, string][] = [
    ['rule R when event.flag then hold\nrule R when event.flag then hold', 'ZY2002'],
    ['rule R when event.flag', 'ZY2007'],
    ['rule R when event.flag then nowhere', 'ZY2004'],
    ['const A = B\nconst B = A\nrule R when event.amount > A then hold', 'ZY2006'],
    ['predicate p = q\npredicate q = p\nrule R when p then hold', 'ZY2006'],
    ['const A = event.amount\nrule R when event.flag then hold', 'ZY3004'],
    ['rule R when event.amount then hold', 'ZY3002'],
    ['rule R when lower("a", "b") == "a" then hold', 'ZY3003'],
    ['rule R when frobnicate(1) then hold', 'ZY2005'],
    ['rule R when matches(event.name, "(a)\\\\1") then hold', 'ZY3005'],
    ['rule R when count(amount, by customer_id) > 1 then hold', 'ZY3006'],
    ['rule R when event.flag then hold message "x {event.amount"', 'ZY3007'],
    ['rule R when event.flag then hold\ntest "t" expect hold', 'ZY3008'],
    ['rule R when event.n > 99999999999999999999 then hold', 'ZY1004'],
    ['rule R when event.amount > ¥1.234 then hold', 'ZY1003'],
    ['rule R when event.flag then hold severity extreme', 'ZY2009'],
    ['rule R when event.at > @2026-02-30 then hold', 'ZY1003'],
    ['rule R when event.name == "abc then hold', 'ZY1003'],
    ['rule R when event.flag ^ then hold', 'ZY1001'],
  ];
  for (const [src, code] of expect) {
    const r = build(src);
    assert.ok(r.diagnostics.some((d) => d.code === code), `${src}\n→ ${codes(r).join(', ')}`);
  }
});

test('a pack without header or outcomes is told what is missing', () => {
  const r = compile([{ path: 'x.zy', text: 'rule R when event.occurred_at > @2026-01-01 then hold' }]);
  assert.ok(r.diagnostics.filter((d) => d.code === 'ZY2003').length >= 2);
});

test('compile never throws on broken text', () => {
  const samples = ['', 'rule', 'rule R when', '"', 'pack p outcomes', 'test "x" given event {', 'rule R when count(by', '¥', '@2026', '{}[]()', 'rule R when (((((', 'entity e by { }'];
  for (const s of samples) {
    const r = build(s);
    assert.ok(Array.isArray(r.diagnostics), s);
  }
});

test.run();
