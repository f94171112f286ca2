// The editor's language service, without a browser: completion, hover, go to
// definition and diagnostics answered by the compiler for the shipped packs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { readPack } from '../cli/pack-files.ts';
import { compile } from '../compiler/index.ts';
import {
  analyze, completeAt, definition, hover, lintAnalysis, outline, packSymbols, prepareRename, quickFixes, references, rename, signatureAt,
} from '../compiler/service/index.ts';
import { chunk } from '../compiler/service/chunks.ts';
import { lintReport } from '../compiler/lint/index.ts';
import { packDirs } from '../cli/pack-files.ts';

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
  assert.equal(labels(win.length, win), ['7m', '7h', '7d', '7w', '7s', '7ms', '7 events', '7 calendar months']);
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

// ---- typing never fights the analyst ------------------------------------------------
const at2 = (snippet: string, explicit = false) => {
  const t = `${text}\n${snippet}`;
  return completeAt(a, fi, t.length, t, { explicit }).items.map((c) => c.label);
};

test('no completion in comments, in strings, or right after a literal', () => {
  assert.equal(at2('rule X "t"\n  when event.amount > 1 # a comment about event.'), []);
  assert.equal(at2('rule X "t"\n  when x\n  reason Y "some text with event.'), [], 'a plain string');
  assert.equal(at2('rule X "t"\n  when event.amount > ¥20,000'), [], 'after a money literal: the analyst is still typing it');
  assert.equal(at2('rule X "t"\n  when event.amount > ¥20,000 '), [], 'nothing pops up by itself after a literal');
  assert.ok(at2('rule X "t"\n  when event.amount > ¥20,000 ', true).includes('and'), 'but asked for (Ctrl+Space), the joining words');
  assert.equal(at2('rule X "t"\n  when age(payee.first_seen_at) < 30'), [], 'digits outside a window are not units');
});

test('completion knows the place: conditions, enum values, aggregates, outcomes, clauses, declarations', () => {
  const when = at2('rule X "t"\n  when ');
  for (const want of ['moving_money', 'event', 'device', 'count', 'sum', 'age', 'LARGE_TRANSFER', 'not']) assert.ok(when.includes(want), want);
  for (const no of ['rule', 'test', 'then', 'owner']) assert.not.ok(when.includes(no), `no \`${no}\` in a condition`);
  assert.ok(at2('rule X "t"\n  when event.amount > 1\n   and ').includes('device'), 'after `and`');
  assert.equal(at2('rule X "t"\n  when event.type == '), ['"application"', '"login"', '"login_failed"', '"password_reset"', '"payee_add"', '"drawdown"', '"transfer_out"']);
  assert.ok(at2('rule X "t"\n  when event.type == "tr').includes('transfer_out'), 'inside the quotes: the bare members');
  assert.equal(at2('rule X "t"\n  when sum('), ['amount'], 'sum( takes a numeric field');
  assert.equal(at2('rule X "t"\n  when count(by customer_id, '), ['last', 'today', 'this week', 'this month', 'where', 'including current'], 'the parts not given yet');
  assert.equal(at2('rule X "t"\n  when sum(amount, by device_id, last 1h, where '), at2('rule X "t"\n  when count(where ').filter(() => true));
  assert.ok(at2('rule X "t"\n  when count(where ').includes('auth_method'), 'in a filter, the history event\'s bare fields');
  assert.ok(at2('rule X "t"\n  when count(where type == ').includes('"login"'));
  assert.equal(at2('rule X "t"\n  when x\n  then '), ['block', 'hold', 'review', 'allow']);
  assert.ok(at2('rule X "t"\n  when x\n  ').includes('then'), 'a new line of a rule: its clauses');
  assert.ok(at2('rule X "t"\n  when x\n  message "金额 {event.').includes('amount'), 'a message placeholder completes as an expression');
  assert.equal(at2('ru').sort(), ['const', 'decides', 'entity', 'event', 'fixture', 'invariant', 'list', 'measured', 'outcomes', 'pack', 'predicate', 'rule', 'test', 'threshold'], 'column 0 starts a declaration: every kind the grammar has');
  assert.ok(at2('test "x"\n  given event { ').includes('amount'), 'a test event\'s fields');
  assert.ok(at2('test "x"\n  given event { type: ').includes('"login"'));
});

test('signature help inside an aggregate says which part the cursor is on', () => {
  const sig = (t: string) => signatureAt(t, t.length)!;
  const s0 = sig('rule X when sum(');
  assert.is(s0.label, 'sum(FIELD, by KEY, last D | last N events | last N calendar months | today | this week | this month, where FILTER, including current)');
  assert.is(s0.label.slice(...s0.params[s0.active]!.at), 'FIELD');
  const s1 = sig('rule X when sum(amount, by device_id, ');
  assert.is(s1.label.slice(...s1.params[s1.active]!.at), 'last D | last N events | last N calendar months | today | this week | this month', 'the first part not given yet');
  const s2 = sig('rule X when count(by customer_id, where type == "login"');
  assert.is(s2.label.slice(...s2.params[s2.active]!.at), 'where FILTER');
  assert.match(sig('rule X when age(').label, /^age\(value\)$/);
  assert.is(signatureAt('rule X when event.amount > 1', 27), undefined);
});

test('the language of the second round: let, quantifiers, last N events, calendar months, the new aggregates, notes, fixtures, new expectations', () => {
  const fraud = readPack([join(import.meta.dirname, '..', 'rules', 'fraud')]);
  const x = analyze(fraud);
  const ai = fraud.findIndex((f) => f.path.endsWith('application.zy'));
  const t = fraud[ai]!.text;
  const items = (src: string, explicit = false) => completeAt(x, ai, src.length, src, { explicit }).items.map((c) => c.label);
  // A rule's own lets where a value goes, after they are declared, and nowhere else.
  const lets = 'rule X "t"\n  let big = event.amount > ¥1\n  let far = 2\n  when ';
  for (const want of ['big', 'far', 'any of', 'all of', 'count of', 'sum', 'stddev', 'percentile', 'latest', 'sequence']) assert.ok(items(lets).includes(want), want);
  assert.not.ok(items('rule Y "t"\n  when ').includes('big'), 'another rule does not see them');
  assert.ok(items('rule X "t"\n  let a = ').includes('event'), 'a let\'s value is an expression');
  assert.ok(items('rule X "t"\n  let a = 1\n  ').includes('note'), 'clauses at a new line: note');
  assert.ok(items('rule X "t"\n  let a = 1\n  ').includes('let'));
  assert.ok(items('rule X "t"\n  when x\n  note when ').includes('event'), 'a note\'s condition');
  assert.ok(items('rule X "t"\n  when any of [event.device_id] in ').includes('internal_blocklist'), 'a quantifier\'s set');
  // Windows that count events or months, and the new aggregates' parts.
  assert.equal(items('rule X "t"\n  when count(by customer_id, last 5 '), ['events', 'calendar months']);
  assert.ok(items('rule X "t"\n  when latest(').includes('gps_lat'), 'latest( takes any field');
  assert.not.ok(items('rule X "t"\n  when stddev(').includes('device_id'), 'stddev( takes a number');
  assert.equal(items('rule X "t"\n  when percentile(amount, '), [], 'the percentile itself is typed');
  assert.ok(items('rule X "t"\n  when sequence(').includes('type'), 'sequence( starts with a step: a filter on history events');
  assert.ok(items('rule X "t"\n  when sequence(type == "login" followed by ').includes('type'));
  assert.ok(items('rule X "t"\n  when sequence(type == "login" followed by type == "transfer_out", ').includes('within'));
  assert.not.ok(items('rule X "t"\n  when sequence(type == "login" followed by type == "transfer_out", ').includes('last'), 'a sequence has `within`, not a window');
  const sig = (s: string) => { const h = signatureAt(s, s.length)!; return h.label.slice(...h.params[h.active]!.at); };
  assert.is(sig('rule X when percentile(amount, '), 'P');
  assert.is(sig('rule X when percentile(amount, 95, '), 'by KEY');
  assert.is(sig('rule X when sequence('), 'A followed by B …');
  assert.is(sig('rule X when sequence(type == "login" followed by type == "payee_add", by customer_id, wi'), 'within D');
  assert.is(sig('rule X when latest(gps_lat, by customer_id, where '), 'where FILTER');
  // Fixtures and the new expectations in tests.
  assert.ok(items('test "t"\n  given ').includes('kyc_ok'), 'a fixture after `given`');
  for (const want of ['seen', 'note', 'message', 'reason', 'fired', 'score']) assert.ok(items('test "t"\n  expect ').includes(want), want);
  assert.ok(items('test "t"\n  expect note ').includes('APP_LOCATION_MISMATCH'), 'expect note RULE');
  assert.ok(items('test "t"\n  expect seen ').includes('event'), 'expect seen FEATURE');
  assert.equal(items('fixture f\n  ').sort(), ['at', 'given'], 'a fixture holds data, not expectations');
  assert.ok(items('decides ').includes('application'), 'decides: the event types');
  // Navigation: a let, a fixture.
  const letAt = t.indexOf('round(distance)') + 6;
  const def = definition(x, ai, letAt)!;
  assert.is(t.slice(def.start, def.end), 'distance', 'go to a let');
  assert.is(t.slice(0, def.start).split('\n').length, t.slice(0, t.indexOf('let distance')).split('\n').length);
  const uses = references(x, ai, letAt);
  assert.ok(uses.length >= 5, `the let, its use in the condition, the two messages and the note: ${uses.length}`);
  const r = rename(x, ai, letAt, 'km');
  assert.ok('edits' in r && r.edits.length === uses.length);
  assert.ok('error' in rename(x, ai, letAt, 'internal_blocklist'), 'a let may not take a name of the pack');
  const fixAt = t.indexOf('given kyc_ok') + 7;
  const fdef = definition(x, ai, fixAt)!;
  assert.is(t.slice(fdef.start, fdef.end), 'kyc_ok');
  assert.ok(references(x, ai, fixAt).length > 10, 'every test that includes the fixture');
  const o = outline(x, ai);
  assert.ok(o.some((i) => i.kind === 'fixture' && i.name === 'kyc_ok'), 'fixtures in the outline');
  assert.ok(o.find((i) => i.name === 'APP_LOCATION_MISMATCH')!.children.some((c) => c.kind === 'let' && c.name === 'distance'), 'a rule\'s lets under it');
  assert.ok(outline(x, fraud.findIndex((f) => f.path.endsWith('pack.zy'))).some((i) => i.kind === 'decides' || i.kind === 'measured'), 'decides / measured by');
});

// ---- references, rename, symbols ---------------------------------------------------
const packIdx = (suffix: string) => files.findIndex((x) => x.path.endsWith(suffix));
const packText = (i: number) => files[i]!.text;

test('find references: the declaration and every use, across the pack\'s files and inside messages', () => {
  const decl = packIdx('pack.zy');
  const refs = references(a, fi, at('in police_fraud_accounts', 4));
  assert.is(refs[0]!.file, decl, 'the declaration first');
  assert.is(packText(decl).slice(refs[0]!.start, refs[0]!.end), 'police_fraud_accounts');
  assert.ok(refs.some((r) => r.file === fi), 'a use in fraud.zy');
  for (const r of refs) assert.is(files[r.file]!.text.slice(r.start, r.end), 'police_fraud_accounts');
  // A field read in a message placeholder counts too.
  const amount = references(a, fi, at('event.amount', 7));
  assert.ok(amount.length >= 3);
  assert.ok(amount.some((r) => /message|"/.test(files[r.file]!.text.slice(files[r.file]!.text.lastIndexOf('\n', r.start), r.start))), 'inside a message');
});

test('rename: every file of the pack, refusals and clashes said plainly', () => {
  const r = rename(a, fi, at('>= LARGE_TRANSFER', 4), 'BIG_TRANSFER');
  assert.ok('edits' in r);
  if (!('edits' in r)) return;
  assert.ok(r.edits.length >= 2);
  const renamed = files.map((f, i) => {
    let t = f.text;
    for (const e of [...r.edits].filter((x) => x.span.file === i).sort((x, y) => y.span.start - x.span.start)) t = t.slice(0, e.span.start) + e.text + t.slice(e.span.end);
    return { ...f, text: t };
  });
  assert.not.match(renamed.map((f) => f.text).join('\n'), /\bLARGE_TRANSFER\b/);
  assert.equal(compile(renamed).diagnostics.filter((d) => d.severity === 'error'), [], 'the renamed pack still compiles');
  const rule = rename(a, fi, at('TF_NEW_PAYEE_ON_CALL', 2), 'TF_NEW_PAYEE_CALL');
  assert.ok('edits' in rule && rule.edits.some((e) => files[e.span.file]!.path.endsWith('fraud.test.zy')), 'a rule\'s id in `expect fired` in the test file');
  assert.match((prepareRename(a, fi, at('event.amount', 7)) as { error: string }).error, /column of the feature store/);
  assert.match((prepareRename(a, fi, at('in police_fraud_accounts', 4)) as { error: string }).error, /external list/);
  assert.match((rename(a, fi, at('>= LARGE_TRANSFER', 4), 'moving_money') as { error: string }).error, /already has a predicate/);
  assert.match((rename(a, fi, at('>= LARGE_TRANSFER', 4), 'when') as { error: string }).error, /keyword/);
  assert.match((rename(a, fi, at('>= LARGE_TRANSFER', 4), '9lives') as { error: string }).error, /not a name/);
});

test('outline of a file, and go to symbol across the pack', () => {
  const o = outline(a, fi);
  assert.ok(o.some((x) => x.kind === 'rule' && x.name === 'TF_NEW_PAYEE_ON_CALL'));
  const schema = outline(a, packIdx('pack.zy')).find((x) => x.kind === 'entity' && x.name === 'device')!;
  assert.ok(schema.children.some((c) => c.name === 'in_call'), 'fields under their entity');
  const found = packSymbols(a, 'police');
  assert.ok(found.length >= 2);
  assert.ok(found.every((x) => /police/i.test(x.name) || /police/i.test(x.detail)));
  const hit = found.find((x) => x.name === 'police_fraud_accounts')!;
  assert.is(files.find((x) => x.path === hit.path)!.text.slice(hit.nameSpan.start, hit.nameSpan.end), 'police_fraud_accounts');
});

test('quick fixes come from the compiler\'s "did you mean" hints and replace exactly what they point at', () => {
  const broken = files.map((f, i) => (i === fi ? { ...f, text: f.text.replace('event.amount', 'event.amout').replace('"transfer_out"', '"transfer_ot"') } : f));
  const x = analyze(broken);
  const fixes = quickFixes(broken, x.diagnostics, fi, 0, broken[fi]!.text.length);
  const field = fixes.find((q) => /amout/.test(q.title))!;
  assert.is(field.edits[0]!.text, 'amount');
  assert.is(broken[fi]!.text.slice(field.edits[0]!.span.start, field.edits[0]!.span.end), 'amout');
  const member = fixes.find((q) => /transfer_ot/.test(q.title))!;
  assert.is(member.edits[0]!.text, '"transfer_out"', 'a string keeps its quotes');
});

// ---- one declaration at a time: the same answers as compile() ------------------------------
const packsDir = join(import.meta.dirname, '..', 'rules');
const shipped = packDirs(packsDir).map((d) => readPack([d]));

test('checking declaration by declaration gives compile()\'s diagnostics, for every shipped pack and edits that break it', () => {
  const key = (ds: readonly { code: string; span: { file: number; start: number } }[]) => ds.map((d) => `${d.code}@${d.span.file}:${d.span.start}`).sort();
  let checkedEdits = 0;
  for (const pack of shipped) {
    assert.equal(key(analyze(pack).diagnostics), key(compile(pack).diagnostics), `${pack[0]!.path}: as shipped`);
    const zy = pack.findIndex((f) => f.path.endsWith('.zy') && f.text.includes('\nrule '));
    const t = pack[zy]!.text;
    // Edits at the start, inside and at the end of declarations: a dropped character, a stray word, a cut line.
    const spots = [t.indexOf('\nrule ') + 1, t.indexOf('when') + 2, Math.floor(t.length / 2)];
    for (const s of spots) {
      for (const edit of [(x: string) => `${x.slice(0, s)} oops ${x.slice(s)}`, (x: string) => x.slice(0, s) + x.slice(x.indexOf('\n', s + 1) + 1)]) {
        const edited = pack.map((f, i) => (i === zy ? { ...f, text: edit(f.text) } : f));
        assert.equal(key(analyze(edited).diagnostics), key(compile(edited).diagnostics), `${pack[zy]!.path} edited at ${s}`);
        checkedEdits++;
      }
    }
    // Continuation lines at column 0 (unformatted text) belong to the declaration above them.
    const and = t.search(/\n[ \t]+and /);
    if (and >= 0) {
      for (const edit of [(x: string) => x.slice(0, and) + x.slice(and).replace(/^\n[ \t]+and /, '\nand '), (x: string) => x.slice(0, and) + x.slice(and).replace(/^\n[ \t]+and /, '\nevent.type != "x" and ')]) {
        const edited = pack.map((f, i) => (i === zy ? { ...f, text: edit(f.text) } : f));
        assert.equal(key(analyze(edited).diagnostics), key(compile(edited).diagnostics), `${pack[zy]!.path}: a line at column 0 inside a declaration`);
        checkedEdits++;
      }
    }
  }
  assert.ok(checkedEdits >= 30);
});

test('lint by declaration agrees with lint of the whole files', () => {
  for (const pack of shipped) {
    const c = compile(pack);
    if (!c.checked) continue;
    const whole = lintReport(c.checked, pack).diagnostics.map((d) => `${d.code}@${d.span.file}:${d.span.start}`).sort();
    assert.equal(lintAnalysis(analyze(pack)).map((d) => `${d.code}@${d.span.file}:${d.span.start}`).sort(), whole, pack[0]!.path);
  }
});

test('a declaration is parsed again only when its own text changed', () => {
  const cache = new Map();
  const big = shipped.find((p) => p.some((f) => f.path.endsWith('application.zy')))!;
  analyze(big, cache);
  const before = new Map([...cache].map(([k, v]) => [k, v.parsed]));
  const i = big.findIndex((f) => f.path.endsWith('application.zy'));
  const edited = big.map((f, j) => (j === i ? { ...f, text: f.text.replace('>= 3 # [ILL]', '>= 4 # [ILL]') } : f));
  analyze(edited, cache);
  const reparsed = [...cache].filter(([k, v]) => before.get(k) !== v.parsed).map(([k]) => k);
  assert.is(reparsed.length, 1, `only the edited declaration: ${reparsed.join(', ')}`);
});

test.run();
