// The editor's language service, without a browser: completion, hover, go to
// definition and diagnostics answered by the compiler for the shipped packs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { readPack } from '../cli/pack-files.ts';
import { compile } from '../compiler/index.ts';
import { analyze, completeAt, definition, hover, lintAnalysis } from '../compiler/service/index.ts';

const files = readPack([join(import.meta.dirname, '..', 'rules', 'demo')]);
const a = analyze(files);
const fi = files.findIndex((f) => f.path.endsWith('fraud.zy'));
const text = files[fi]!.text;
const at = (needle: string, delta = 0): number => {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `"${needle}" is in the demo pack`);
  return i + delta;
};
const labels = (offset: number, t = text) => completeAt(a, fi, offset, t).items.map((c) => c.label);

test('analysis agrees with compile() on diagnostics', () => {
  const broken = files.map((f, i) => (i === fi ? { ...f, text: f.text.replace('device.in_call', 'device.in_cal') } : f));
  const x = analyze(broken);
  const c = compile(broken);
  assert.equal(x.diagnostics.map((d) => `${d.code}@${d.span.file}:${d.span.start}`), c.diagnostics.map((d) => `${d.code}@${d.span.file}:${d.span.start}`));
  assert.ok(x.diagnostics.some((d) => d.code === 'ZY2003' || d.message.includes('in_cal')), 'the unknown field is reported');
  assert.equal(lintAnalysis(x), [], 'no lint while there are errors');
});

test('completion after `device.` offers the entity fields with their types', () => {
  const items = completeAt(a, fi, at('device.in_call', 7), text).items;
  const inCall = items.find((c) => c.label === 'in_call');
  assert.ok(inCall);
  assert.is(inCall!.detail, 'bool');
  assert.match(inCall!.doc!, /A phone call is active/);
  assert.not.ok(items.some((c) => c.label === 'age_years'), 'only the fields of device');
});

test('completion knows where the cursor is', () => {
  assert.equal(labels(at('then hold', 5)), ['block', 'hold', 'review', 'allow']);
  assert.ok(labels(at('in police_fraud_accounts', 3)).includes('police_fraud_accounts'), 'lists after `in`');
  const agg = 'rule X when count(by ';
  assert.ok(labels(agg.length, agg).includes('customer_id'), 'event fields after `by`');
  const win = 'rule X when count(by customer_id, last 7';
  assert.equal(labels(win.length, win), ['7m', '7h', '7d', '7w', '7s', '7ms']);
  const sev = 'rule X severity ';
  assert.equal(labels(sev.length, sev), ['low', 'medium', 'high', 'critical']);
  const fired = 'test "t" expect fired ';
  assert.ok(labels(fired.length, fired).includes('POLICE_LIST_PAYEE'));
  const top = labels(at('when event.type', 5));
  for (const want of ['LARGE_TRANSFER', 'moving_money', 'count', 'age', 'customer', 'not']) assert.ok(top.includes(want), want);
  const partial = 'rule X when event.amo';
  const r = completeAt(a, fi, partial.length, partial);
  assert.is(r.from, partial.length - 3, 'the word being typed is replaced');
  assert.ok(r.items.some((c) => c.label === 'amount'));
});

test('hover shows a feature, a constant, a rule and a function', () => {
  assert.match(hover(a, fi, at('device.in_call', 8))!.doc, /device\.in_call.*bool[\s\S]*phone call is active/);
  assert.match(hover(a, fi, at('>= LARGE_TRANSFER', 4))!.doc, /LARGE_TRANSFER.*¥2,000.*money/);
  assert.match(hover(a, fi, at('TF_NEW_PAYEE_ON_CALL', 3))!.doc, /Transfer to a new payee[\s\S]*then `hold`[\s\S]*owner fraud-ops/);
  assert.match(hover(a, fi, at('age(payee', 1))!.doc, /age\(\)/);
  assert.is(hover(a, fi, at('"Money leaves', 2)), undefined, 'nothing to say inside a string');
});

test('go to definition: constants, predicates and lists, across files', () => {
  const toConst = definition(a, fi, at('>= LARGE_TRANSFER', 5))!;
  assert.is(files[toConst.file]!.text.slice(toConst.start, toConst.end), 'LARGE_TRANSFER');
  assert.ok(toConst.start < at('>= LARGE_TRANSFER'), 'the declaration, not the use');
  const toPred = definition(a, fi, at('when moving_money', 6))!;
  assert.is(files[toPred.file]!.text.slice(toPred.start, toPred.end), 'moving_money');
  const toList = definition(a, fi, at('in police_fraud_accounts', 4))!;
  assert.match(files[toList.file]!.path, /pack\.zy$/, 'the list is declared in another file');
  assert.is(files[toList.file]!.text.slice(toList.start, toList.end), 'police_fraud_accounts');
});

test('a pack with errors still completes and hovers what it declares', () => {
  const broken = files.map((f, i) => (i === fi ? { ...f, text: `${f.text}\nrule BROKEN when event.amount >= \n` } : f));
  const x = analyze(broken);
  assert.ok(x.diagnostics.some((d) => d.severity === 'error'));
  assert.ok(completeAt(x, fi, at('device.in_call', 7), broken[fi]!.text).items.some((c) => c.label === 'in_call'));
});

test.run();
