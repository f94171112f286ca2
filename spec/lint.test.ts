// Lint (compiler/lint/): what each ZY6xxx rule reports and, as much, what it
// must not report; suppression on a rule; the examples of spec/LANGUAGE.md
// marked `lint=…`; and a soundness property: on generated packs, every
// "never true / always true" claim and every "never decides" finding holds on
// the reference interpreter's trace for generated inputs (no false alarms).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, type CompileResult } from '../compiler/index.ts';
import { CATALOG } from '../compiler/diagnostics.ts';
import { LINT_RULES, lintReport, type LintReport } from '../compiler/lint/index.ts';
import { positionOf } from '../compiler/source.ts';
import { InputError } from '../compiler/input.ts';
import { interpret } from '../runtime/index.ts';
import { HEADER } from './helpers.ts';
import { packArb, renderPack, DEFAULT_FLAGS } from './gen/pack.ts';
import { inputArb, providerOf, type InputFlags } from './gen/input.ts';

const SEED = process.env['ZHIYU_SEED'] !== undefined ? Number(process.env['ZHIYU_SEED']) : 20260303;
const PACKS = Number(process.env['ZHIYU_LINT_PACKS'] ?? 60);

/** The header of spec/helpers.ts, plus a protected field, a history limit and a predicate. */
const LINT_HEADER = `${HEADER}entity device by device_id { rooted: bool, religion: string protected }
`;

function lintOf(text: string, header = LINT_HEADER): { r: CompileResult; report: LintReport; found: string[] } {
  const r = compile([{ path: 'header.zy', text: header }, { path: 'case.zy', text }]);
  // compile() itself refuses a pack with lint errors (ZY6001); everything else must be clean.
  if (!r.checked || !onlyLintErrors(r)) throw new Error(`does not compile: ${r.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  const report = lintReport(r.checked!, r.files);
  const found = report.diagnostics.filter((d) => d.span.file === 1).map((d) => {
    const p = positionOf(r.files[1]!, d.span.start);
    return `${d.code} ${p.line}:${p.column}`;
  });
  return { r, report, found };
}
function onlyLintErrors(r: CompileResult): boolean {
  return r.diagnostics.every((d) => d.severity !== 'error' || d.code.startsWith('ZY6'));
}
const codes = (text: string) => [...new Set(lintOf(text).found.map((f) => f.split(' ')[0]))].sort();
const messages = (text: string) => lintOf(text).report.diagnostics.filter((d) => d.span.file === 1).map((d) => d.message);

test('the catalog has every lint code, ZY6001 an error and the rest warnings; the table is in code order', () => {
  const lintCodes = Object.keys(CATALOG).filter((c) => c.startsWith('ZY6'));
  assert.equal(lintCodes, ['ZY6001', 'ZY6002', 'ZY6003', 'ZY6004', 'ZY6005', 'ZY6006', 'ZY6007', 'ZY6008', 'ZY6009', 'ZY6010', 'ZY6011']);
  assert.is(CATALOG.ZY6001.severity, 'error');
  for (const c of lintCodes.slice(1)) assert.is(CATALOG[c as keyof typeof CATALOG].severity, 'warning', c);
  // ZY6010 depends on every other finding and is not in the table.
  assert.equal(LINT_RULES.map((r) => r.code), lintCodes.filter((c) => c !== 'ZY6010'));
});

// ---------------------------------------------------------------- per rule

const CASES: [string, string, string[]][] = [
  // ZY6001 protected
  ['ZY6001 a protected field in a condition', 'rule R when device.religion == "x" then review reason X', ['ZY6001 1:13']],
  ['ZY6001 through a predicate, reported where the rule names it', 'predicate p = device.religion == "x"\nrule R when p and event.flag then review reason X', ['ZY6001 2:13']],
  ['ZY6001 in a message', 'rule R when event.flag then review reason X message "{device.religion}"', ['ZY6001 1:55']],
  ['ZY6001 not for a predicate no rule uses (that one is unused)', 'predicate p = device.religion == "x"\nrule R when event.flag and device.rooted then review reason X', ['ZY6009 1:11']],
  // ZY6002
  ['ZY6002 contradicting bounds', 'rule R when event.amount > ¥5 and event.amount < ¥3 then review reason X', ['ZY6002 1:13']],
  ['ZY6002 an integer never equals a fraction', 'rule R when event.n == 2.5 then review reason X', ['ZY6002 1:13']],
  ['ZY6002 a count is never negative', 'rule R when count(last 1h) >= 0 and event.flag then review reason X', ['ZY6002 1:13']],
  ['ZY6002 hour() is 0–23', 'rule R when hour(now) >= 24 then review reason X', ['ZY6002 1:13']],
  ['ZY6002 a required field is never missing', 'rule R when event.type is missing then review reason X', ['ZY6002 1:13']],
  ['ZY6002 x and not x', 'rule R when event.flag and not event.flag then review reason X', ['ZY6002 1:13']],
  ['ZY6002 or covering every value', 'rule R when event.n < 3 or event.n >= 3 then review reason X', ['ZY6002 1:13']],
  ['ZY6002 a contradiction across a predicate', 'predicate big = event.amount >= ¥1,000\nrule R when big and event.amount < ¥10 then review reason X', ['ZY6002 2:13']],
  ['ZY6002 in an aggregate filter, on the rule', 'rule R when count(where n > 5 and n < 5) > 1 then review reason X', ['ZY6002 1:25']],
  ['no ZY6002: a narrow but possible range', 'rule R when event.n >= 1 and event.n < 2 and event.x > 0.5 and event.x < 0.6 then review reason X', []],
  ['no ZY6002: two different fields', 'rule R when event.n > 5 and customer.age < 3 then review reason X', []],
  ['no ZY6002: strings are not ordered by the linter', 'rule R when event.name > "b" and event.name < "a" then review reason X', []],
  ['no ZY6002: `x != 1 or x != 2` is not claimed (the missing case)', 'rule R when event.n > 1 or event.n <= 1 or event.flag then review reason X', ['ZY6002 1:13']],
  // ZY6003
  ['ZY6003 a weaker outcome on a narrower condition', 'rule A when event.amount >= ¥1,000 then hold reason X\nrule B when event.amount >= ¥5,000 and event.flag then review reason X', ['ZY6003 2:6']],
  ['ZY6003 also when the stronger rule comes later', 'rule B when event.type == "login" and event.n > 3 then review reason X\nrule A when event.type in ["login", "drawdown"] then block reason X', ['ZY6003 1:6']],
  ['no ZY6003: the weaker rule has a score', 'rule A when event.amount >= ¥1,000 then hold reason X\nrule B when event.amount >= ¥5,000 then review score 10 reason X', []],
  ['no ZY6003: the conditions only overlap', 'rule A when event.amount >= ¥5,000 then hold reason X\nrule B when event.amount >= ¥1,000 then review reason X', []],
  ['no ZY6003: the stronger rule is disabled', 'rule A disabled when event.flag then hold reason X\nrule B when event.flag then review reason X', []],
  ['no ZY6003: the stronger rule is in force for less time', 'rule A effective @2026-01-01 when event.flag then hold reason X\nrule B when event.flag then review reason X', []],
  ['no ZY6003: `x > 5` may be missing where `x > 1` is', 'rule A when event.n > 1 or event.flag then hold reason X\nrule B when event.n > 5 then review reason X', ['ZY6003 2:6']],
  // ZY6004
  ['ZY6004 without HISTORY_KEPT nothing is reported', 'rule R when count(by customer_id, last 400d) > 1 then review reason X', []],
  ['ZY6004 a window longer than HISTORY_KEPT', 'const HISTORY_KEPT = 90d\nrule R when count(by customer_id, last 91d) > 1 and count(by customer_id, last 90d) > 2 then review reason X', ['ZY6004 2:13']],
  ['ZY6004 a calendar month reaches back 31 days', 'const HISTORY_KEPT = 30d\nrule R when count(by customer_id, this month) > 1 and count(today) > 1 then review reason X', ['ZY6004 2:13']],
  ['ZY6004 HISTORY_KEPT must be a duration', 'const HISTORY_KEPT = 90\nrule R when count(last 1d) > 1 then review reason X', ['ZY6004 1:7']],
  // ZY6005
  ['ZY6005 no reason code', 'rule R when event.flag then review', ['ZY6005 1:6']],
  // ZY6006–ZY6009
  ['ZY6007 ZY6008 ZY6009 unused constant, list and predicate', 'const C = 1\nconst D = C * 2\nlist L: integer = [D]\nlist M: string external\npredicate p = event.flag\nrule R when event.n in L then review reason X', ['ZY6008 4:6', 'ZY6009 5:11']],
  ['a constant used only in test data counts as used', 'const WHEN = @2026-03-01\nrule R when event.flag then review reason X\ntest "t" at WHEN given event { type: "login", flag: true } expect review', []],
  ['a bare event field in a `where` is the history field, not a constant of that name', 'const n = 5\nrule R when count(where n > 1) > 1 then review reason X', ['ZY6007 1:7']],
  // The language of the second round
  ['ZY6001 through a let, a note and a sequence step', 'rule A let r = device.religion when r == "x" then review reason X\nrule B when event.flag then review reason X note when device.religion == "y" "…"\nrule C when sequence(type == "login" followed by event.name == device.religion, by customer_id) then review reason X', ['ZY6001 1:16', 'ZY6001 2:55', 'ZY6001 3:13']],
  ['ZY6002 a let is its value: a count is never negative', 'rule R let k = count(by customer_id, last 1h) when k < 0 and event.flag then review reason X', ['ZY6002 1:52']],
  ['ZY6002 stddev, count of and distance_km have their ranges', 'rule R when stddev(amount, last 1d) < ¥0 or count of [event.name, event.payee_id] in ["a"] > 2 or distance_km(event.x, event.x, 0, 0) > 20100 then review reason X', ['ZY6002 1:13', 'ZY6002 1:45', 'ZY6002 1:99']],
  ['ZY6002 a count over the last 3 events is at most 3', 'rule R when count(by customer_id, last 3 events) >= 4 then review reason X', ['ZY6002 1:13']],
  ['ZY6002 in a note\'s condition', 'rule R when event.flag then review reason X note when event.n > 5 and event.n < 3 "x"', ['ZY6002 1:55']],
  ['ZY6004 calendar months reach back N + 1 months of 31 days', 'const HISTORY_KEPT = 90d\nrule R when sum(amount, last 1 calendar month) > ¥1 and sum(amount, last 3 calendar months) > ¥1 then review reason X', ['ZY6004 2:57']],
  ['no ZY6004 for the last N events', 'const HISTORY_KEPT = 1d\nrule R when count(last 100 events) > 1 then review reason X', []],
  ['ZY6011 a let nothing uses; used only in a message or a filter is used', 'rule R\n  let a = 1\n  let b = 2\n  let c = ¥3\n  when count(where amount > c) > 1\n  then review reason X message "{b}"', ['ZY6011 2:7']],
  ['ZY6011 can be suppressed on the rule', 'rule R\n  let a = 1\n  when event.flag then review reason X suppress ZY6011 "kept for the next version"', []],
];

for (const [name, text, want] of CASES) {
  test(name, () => assert.equal(lintOf(text).found, want));
}

test('ZY6006: unused event and entity fields, a wholly unused entity once; required and protected fields are not reported', () => {
  const header = `pack t\noutcomes hold > allow\nevent { type: enum(a, b) required, id: string, extra: string, g: string protected }
entity customer by id { age: integer, unused: bool }
entity ghost by id { z: integer }\n`;
  const { r, report } = lintOf('rule R when customer.age > 60 then hold reason X', header);
  const got = report.diagnostics.filter((d) => d.code === 'ZY6006').map((d) => r.files[d.span.file]!.text.slice(d.span.start, d.span.end));
  assert.equal(got, ['extra', 'unused', 'ghost']);
});

test('messages say what was found, with the source text', () => {
  assert.equal(messages('rule R when event.amount > ¥5 and event.amount < ¥3 then review reason X'),
    ['`event.amount > ¥5` and `event.amount < ¥3` can never all be true at once: this condition is never true, so rule `R` can never fire']);
  assert.equal(messages('rule R when count(last 1h) >= 0 then review reason X'),
    ['`count(last 1h) >= 0` is always true: `count(last 1h)` is never negative']);
  assert.equal(messages('rule R when count(by customer_id, last 1h) >= 0 then review reason X'),
    ['`count(by customer_id, last 1h) >= 0` is true whenever `count(by customer_id, last 1h)` has a value: `count(by customer_id, last 1h)` is never negative']);
  assert.match(messages('predicate p = device.religion == "x"\nrule R when p then review reason X')[0]!, /reads the protected feature `device.religion` through predicate `p`/);
  assert.match(messages('rule A when event.flag then hold reason X\nrule B when event.flag then review reason X')[0]!, /rule `B` never decides the outcome: whenever it fires, `A` fires too and asks for `hold`, which is stronger than `review`/);
});

// ---------------------------------------------------------------- suppression

test('suppress silences one finding on its rule, and the report keeps it with its reason', () => {
  const { found, report } = lintOf('rule R when device.religion == "x" then review reason X suppress ZY6001 "religious-holiday greetings only"');
  assert.equal(found, []);
  assert.equal(report.suppressed.map((s) => [s.diagnostic.code, s.rule, s.reason]), [['ZY6001', 'R', 'religious-holiday greetings only']]);
});

test('a suppression only covers its own rule and its own code', () => {
  const { found } = lintOf('rule A when device.religion == "x" then review reason X\nrule B when device.religion == "y" then review reason X suppress ZY6001 "why"\nrule C when event.flag then review suppress ZY6001 "wrong code"');
  assert.equal(found, ['ZY6001 1:13', 'ZY6005 3:6', 'ZY6010 3:36']);
});

test('ZY6010: a suppression that suppresses nothing, whatever its code; it can itself be suppressed once', () => {
  const m = messages('rule R when event.flag then review reason X suppress ZY6002 "x" suppress ZY3001 "y" suppress ZY9999 "z"');
  assert.equal(m, [
    '`suppress ZY6002` on rule `R` suppresses nothing: the rule has no ZY6002 finding (condition is always or never true)',
    '`suppress ZY3001` on rule `R` suppresses nothing: only lint findings (ZY6xxx) can be suppressed, and ZY3001 is not one',
    '`suppress ZY9999` on rule `R` suppresses nothing: ZY9999 is not a diagnostic code',
  ]);
  assert.equal(codes('rule R when event.flag then review reason X suppress ZY6002 "kept for the audit" suppress ZY6010 "kept for the audit"'), []);
  assert.equal(codes('rule R when event.flag then review reason X suppress ZY6010 "nothing to silence"'), ['ZY6010']);
});

test('a finding outside any rule (an unused constant) cannot be suppressed by a rule', () => {
  assert.equal(lintOf('const C = 1\nrule R when event.flag then review reason X suppress ZY6007 "no"').found, ['ZY6007 1:7', 'ZY6010 2:45']);
});

test('duplicate rule ids are a compile error (ZY2002), across files too', () => {
  const r = compile([{ path: 'a.zy', text: `${HEADER}rule R when event.flag then review` }, { path: 'b.zy', text: 'rule R when event.n > 1 then hold' }]);
  assert.not.ok(r.ok);
  assert.equal(r.diagnostics.map((d) => [d.code, r.files[d.span.file]!.path]), [['ZY2002', 'b.zy']]);
});

// ---------------------------------------------------------------- LANGUAGE.md

test('LANGUAGE.md: each ```zy lint=… example reports exactly those lint codes in its own text (lint=none: none)', () => {
  const doc = readFileSync(join(import.meta.dirname, 'LANGUAGE.md'), 'utf8');
  const prelude = /```zy prelude\n([\s\S]*?)\n```/.exec(doc)![1]!;
  const blocks = [...doc.matchAll(/```zy ([^\n]*\blint=([A-Z0-9,]+|none)[^\n]*)\n([\s\S]*?)\n```/g)];
  assert.ok(blocks.length >= 7, `only ${blocks.length} lint examples`);
  for (const [, info, want, body] of blocks) {
    const standalone = /^\s*pack\s/m.test(body!);
    const files = standalone ? [{ path: 'example.zy', text: body! }] : [{ path: 'prelude.zy', text: prelude }, { path: 'example.zy', text: body! }];
    const r = compile(files);
    assert.ok(r.checked && onlyLintErrors(r), `${info}: does not compile`);
    const own = files.length - 1;
    const got = [...new Set(lintReport(r.checked!, r.files).diagnostics.filter((d) => d.span.file === own).map((d) => d.code))].sort();
    assert.equal(got, want === 'none' ? [] : want!.split(',').sort(), info);
  }
});

// ---------------------------------------------------------------- soundness

test(`property: ZY6002 and ZY6003 findings hold on the interpreter for ${PACKS} generated packs (seed ${SEED})`, () => {
  const stats = { claims: 0, checked: 0, rules: 0, shadows: 0 };
  const d = fc.check(fc.property(packArb(DEFAULT_FLAGS), fc.array(inputArb({} as InputFlags), { minLength: 12, maxLength: 12 }), (g, inputs) => {
    const src = renderPack(g);
    const r = compile([{ path: 'generated.zy', text: src }]);
    assert.ok(r.ok, 'a generated pack compiles');
    const findings = lintReport(r.checked!, r.files).findings;
    const claims = findings.filter((f) => f.node && f.claim);
    const never = new Set(findings.filter((f) => f.diagnostic.message.endsWith('can never fire')).map((f) => f.rule!));
    const shadows = findings.filter((f) => f.diagnostic.code === 'ZY6003').map((f) => [f.rule!, f.related!] as const);
    stats.claims += claims.length;
    stats.rules += never.size;
    stats.shadows += shadows.length;
    if (!claims.length && !shadows.length) return;
    const at = new Map(claims.map((c) => [`${c.node!.span.start}:${c.node!.k}`, c]));
    for (const input of inputs) {
      let trace;
      try { trace = interpret(r.checked!, input.event, providerOf(input), { strict: input.strict }).trace; } catch (e) { if (e instanceof InputError) continue; throw e; }
      const fired = new Set(trace.filter((t) => t.fired).map((t) => t.id));
      for (const id of never) assert.not.ok(fired.has(id), `rule ${id} was said never to fire, and fired\n${src}`);
      for (const [b, a] of shadows) if (fired.has(b)) assert.ok(fired.has(a), `${b} fired without ${a}\n${src}`);
      for (const t of trace) for (const s of t.steps) {
        const c = at.get(`${s.span.start}:${s.kind}`);
        if (!c) continue;
        stats.checked++;
        const ok = c.claim === 'neverTrue' ? s.value !== true : c.claim === 'neverFalse' ? s.value !== false : s.value === true;
        assert.ok(ok, `${c.diagnostic.message} — but it was ${String(s.value)}\n${src}`);
      }
    }
  }), { seed: SEED, numRuns: PACKS });
  if (d.failed) throw new Error(`property failed (seed ${d.seed}, shrunk ${d.numShrinks} times)\n${d.errorInstance instanceof Error ? d.errorInstance.message : String(d.errorInstance)}`);
  console.log(`  ${stats.claims} claims (${stats.checked} traced values checked), ${stats.rules} rules that never fire, ${stats.shadows} never-deciding rules`);
  assert.ok(stats.claims > PACKS / 2, `only ${stats.claims} claims: the generator no longer exercises the linter`);
  assert.ok(stats.checked > 100, `only ${stats.checked} traced values checked`);
});

test.run();
