// What analysts see when a pack's tests run: a failing test explained
// condition by condition (text, JSON, JUnit), warnings about tests that
// cannot be what they seem (ZY5002, ZY5003), lint errors stopping `compile`
// and `test`, the one rule for which paths make packs, and values shown as
// they are written in rules (eval, Try it, failures).
import { test } from 'uvu';
import { scratchDir } from './scratch.ts';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../compiler/index.ts';
import { showValue } from '../compiler/display.ts';
import { format } from '../compiler/format.ts';
import { parseTimestamp } from '../compiler/literals.ts';
import { interpret, load, MemoryProvider } from '../runtime/index.ts';
import { failureLines, runTests } from '../runtime/testing.ts';
import { stepsForBrowser, withShownValues } from '../editor/server/trace.ts';
import { cli } from './cli-run.ts';

const root = scratchDir('zhiyu-testing-');
let n = 0;
function pack(files: Record<string, string>): string {
  const dir = join(root, `p${n++}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const GATES = `pack gates version "1"
outcomes deny > allow
event { type: enum(collection_call, letter) required, customer_id: string, consent: bool, amount: money }
entity customer by customer_id { gender: enum(f, m) protected, vulnerable: bool }

rule QUIET_HOURS "No calls at night"
  when event.type == "collection_call"
   and (hour(now) >= 22 or hour(now) < 8)
   and not (event.consent ?? false)
  then deny
  reason QUIET
`;

const codesOf = (text: string) => compile([{ path: 'p.zy', text }]).diagnostics.map((d) => d.code);

test('a failing test lists, for the rule it is about, each condition with its truth and the values it read', async () => {
  const dir = pack({ 'p.zy': `${GATES}
test "a call at 10:00 is denied (wrong on purpose)"
  at @2026-03-01T10:00
  given event { type: "collection_call", amount: ¥25,000 }
  expect deny
` });
  const r = await cli('test', dir);
  assert.is(r.code, 1);
  const lines = r.out.split('\n').map((l) => l.trimEnd());
  const at = lines.findIndex((l) => l.includes('expected outcome deny, got allow (no rule fired)'));
  assert.ok(at > 0, r.out);
  assert.match(lines[at + 1]!, /^ {4}QUIET_HOURS did not fire \(would give deny\) — .*p\.zy:6:$/);
  assert.match(lines[at + 2]!, /^ {6}true +event\.type == "collection_call" +event\.type = "collection_call"$/);
  assert.match(lines[at + 3]!, /^ {6}false +hour\(now\) >= 22 or hour\(now\) < 8 +hour\(now\) = 10$/);
  assert.match(lines[at + 4]!, /^ {6}true +not \(event\.consent \?\? false\) +event\.consent = missing$/);
  // The same in the JSON report, as data.
  const j = await cli('test', dir, '--json');
  const t = (JSON.parse(j.out) as { suites: { tests: { explanations: { rule: string; state: string; parts: { text: string; truth: string; values: { what: string; value: string }[] }[] }[] }[] }[] }).suites[0]!.tests[0]!;
  assert.is(t.explanations[0]!.rule, 'QUIET_HOURS');
  assert.equal(t.explanations[0]!.parts.map((p) => p.truth), ['true', 'false', 'true']);
  assert.equal(t.explanations[0]!.parts[1]!.values, [{ what: 'hour(now)', value: '10' }]);
  // And in JUnit, under the reason.
  const x = await cli('test', dir, '--reporter', 'junit');
  assert.match(x.out, /expected outcome deny, got allow \(no rule fired\)&#10;QUIET_HOURS did not fire/);
});

test('the rules a failure is about: a rule that fired when it should not, and a higher outcome; money and times as written', () => {
  const r = compile([{ path: 'p.zy', text: `pack p
outcomes block > review > allow
event { type: enum(transfer_out) required, customer_id: string, amount: money, at: timestamp }
rule BIG when event.amount >= ¥10,000 and event.at < now - 1h then block
rule SUM when sum(amount, by customer_id, last 1d) > ¥100 then review
test "fired, and too strong"
  at @2026-03-01T10:00
  given event { type: "transfer_out", customer_id: "c1", amount: ¥25,000, at: @2026-03-01T08:30 }
  given history [{ type: "transfer_out", amount: ¥60, occurred_at: now - 1h }]
  expect review
  expect not fired BIG
` }]);
  assert.ok(r.ok);
  const [res] = runTests(r.checked!, (e, p) => load({ pack: r.optimized!, code: r.code! }).decide(e, p), { files: r.files });
  assert.ok(res && !res.passed);
  const lines = failureLines(res!);
  assert.equal(lines.slice(0, 2), ['expected outcome review, got block (fired: BIG)', 'expected BIG not to fire, but it fired']);
  assert.match(lines[2]!, /^BIG fired \(fired and asks for block\) — p\.zy:4:$/);
  assert.match(lines[3]!, /event\.amount >= ¥10,000 +event\.amount = ¥25,000\.00$/);
  assert.match(lines[4]!, /event\.at < now - 1h +event\.at = 2026-03-01 08:30 \+08:00$/);
  assert.is(lines.length, 5, 'SUM fired as expected: it is not part of the failure');
});

test('expect seen, reason, message and score failures say what the decision had', () => {
  const r = compile([{ path: 'p.zy', text: `pack p
outcomes review > allow
event { type: enum(payment) required, customer_id: string, amount: money }
rule R
  let total = sum(amount, by customer_id, today, including current)
  when total >= ¥100 then review score 30 reason TOTAL message "今日 {total}"
test "wrong on purpose"
  at @2026-03-01T10:00
  given event { type: "payment", customer_id: "c1", amount: ¥150 }
  expect seen total = ¥100
  expect message contains "¥100"
  expect score > 30
` }]);
  assert.ok(r.ok, r.diagnostics.map((d) => d.message).join('; '));
  const [res] = runTests(r.checked!, (e, p) => interpret(r.checked!, e, p).decision, { files: r.files });
  assert.equal(res!.failures, [
    'expected `total` = ¥100.00, but it was ¥150.00',
    'expected a fired rule\'s message containing "¥100"; the messages were R: "今日 ¥150.00"',
    'expected score above 30, got 30 (R +30)',
  ]);
});

test('ZY5002: an expectation every row of the table replaces; ZY5003: history no aggregate can count', () => {
  const warned = codesOf(`pack p
outcomes hold > allow
event { type: enum(a, b) required, customer_id: string, amount: money }
rule R when event.amount > ¥1 and count(by customer_id, last 1h) >= 0 then hold
test "dead"
  at @2026-03-01T10:00
  given event { type: "a", amount: ¥5 }
  given history [
    { type: "a", occurred_at: now - 1m },
    { type: "a", customer_id: "c1", occurred_at: now + 1m }
  ]
  expect hold
  cases (event.amount) {
    (¥5) => hold
    (¥0) => allow
  }
test "alive"
  at @2026-03-01T10:00
  given event { type: "a", customer_id: "c1", amount: ¥5 }
  given history [{ type: "a", occurred_at: now - 1m }]
  expect hold
  cases (event.amount) {
    (¥5) => fired R
    (¥0) => allow
  }
`);
  assert.equal(warned, ['ZY5003', 'ZY5003', 'ZY5002']);
});

test('compile and test refuse a pack that decides on a protected feature; a suppression with its reason is the way through', async () => {
  const bad = pack({ 'p.zy': `${GATES}
rule BY_GENDER when customer.gender == "f" then deny reason G
test "t"
  at @2026-03-01T10:00
  given event { type: "letter" }
  expect allow
` });
  const out = join(root, 'refused.zyb');
  const c = await cli('compile', bad, '-o', out);
  assert.is(c.code, 1);
  assert.match(c.err, /error ZY6001: rule `BY_GENDER` reads the protected feature `customer\.gender`/);
  assert.not.ok(existsSync(out), 'no bundle is written');
  const t = await cli('test', bad);
  assert.is(t.code, 1);
  assert.match(t.out, /does not compile/);
  assert.match(t.out, /0 passed, 1 failed$/m);
  const ok = pack({ 'p.zy': `${GATES}
rule BY_GENDER when customer.gender == "f" then deny reason G
  suppress ZY6001 "audited: the regulator's own sex-specific notice, approved 2026-01"
test "t"
  at @2026-03-01T10:00
  given event { type: "letter" }
  expect allow
` });
  assert.is((await cli('compile', ok, '-o', join(root, 'ok.zyb'))).code, 0);
  assert.is((await cli('test', ok)).code, 0);
});

test('one rule for paths: a folder of packs, each reported by name; one-pack commands refuse several, or none', async () => {
  const folder = pack({});
  for (const name of ['gates', 'more']) {
    mkdirSync(join(folder, name));
    writeFileSync(join(folder, name, 'p.zy'), `${GATES.replace('pack gates', `pack ${name}`)}
test "day"
  at @2026-03-01T10:00
  given event { type: "collection_call" }
  expect allow
`);
  }
  const t = await cli('test', folder);
  assert.is(t.code, 0);
  assert.match(t.out, /^gates \(.*gates\): 1 passed, 0 failed$/m);
  assert.match(t.out, /^more \(.*more\): 1 passed, 0 failed$/m);
  assert.match(t.out, /2 passed, 0 failed\n?$/);
  const c = await cli('compile', folder, '-o', join(root, 'x.zyb'));
  assert.is(c.code, 2);
  assert.match(c.err, /ZY8202: give one pack; .* holds 2: .*gates, .*more/);
  const empty = pack({ 'notes.txt': 'nothing here' });
  const e = await cli('check', empty);
  assert.is(e.code, 2);
  assert.match(e.err, /ZY8202: there is no pack in/);
  const txt = await cli('check', join(empty, 'notes.txt'));
  assert.is(txt.code, 2);
  assert.match(txt.err, /ZY8201: .*notes\.txt is not a pack/);
  const check = await cli('check', folder);
  assert.match(check.out, /^gates \(.*gates\)$/m);
});

test('values as analysts write them: money, times with their zone, durations, strings, missing', () => {
  const ts = (s: string) => (parseTimestamp(s) as { value: number }).value;
  assert.is(showValue({ t: 'money' }, 2500000), '¥25,000.00');
  assert.is(showValue({ t: 'timestamp' }, ts('@2026-03-01T10:00')), '2026-03-01 10:00 +08:00');
  assert.is(showValue({ t: 'timestamp' }, ts('@2026-03-01T10:00:30.250')), '2026-03-01 10:00:30.250 +08:00');
  assert.is(showValue({ t: 'duration' }, 12_000_000), '3h20m');
  assert.is(showValue({ t: 'string' }, 'transfer_out'), '"transfer_out"');
  assert.is(showValue({ t: 'set', element: { t: 'string' } }, ['a', 'b']), '["a", "b"]');
  assert.is(showValue({ t: 'money' }, undefined), 'missing');
});

test('eval and Try it show what rules saw as written; the JSON decision keeps raw values', async () => {
  const dir = pack({ 'p.zy': `pack p
outcomes hold > allow
event { type: enum(transfer_out) required, amount: money, at: timestamp, wait: duration }
rule R when event.amount >= ¥1 and event.at < now and event.wait > 1h then hold reason R
` });
  const event = JSON.stringify({ type: 'transfer_out', amount: 2500000, at: '2026-03-01T09:00', wait: 12_000_000, occurred_at: '2026-03-01T10:00' });
  const r = await cli('eval', dir, '--event', event);
  assert.match(r.out, /event\.amount = ¥25,000\.00/);
  assert.match(r.out, /event\.at = 2026-03-01 09:00 \+08:00/);
  assert.match(r.out, /event\.wait = 3h20m/);
  const j = await cli('eval', dir, '--event', event, '--json');
  assert.is((JSON.parse(j.out) as { fired: { seen: { value: unknown }[] }[] }).fired[0]!.seen[0]!.value, 2500000);
  // Try it (server side): the trace and the fired rule's values carry the same text.
  const c = compile([{ path: 'p.zy', text: `pack p
outcomes hold > allow
event { type: enum(transfer_out) required, amount: money, at: timestamp, wait: duration }
rule R when event.amount >= ¥1 and event.at < now and event.wait > 1h then hold reason R
` }]);
  const traced = interpret(c.checked!, JSON.parse(event), new MemoryProvider());
  const steps = stepsForBrowser(c.checked!, traced.trace)[0]!.steps.map((s) => s.text);
  assert.ok(steps.includes('¥25,000.00') && steps.includes('2026-03-01 09:00 +08:00') && steps.includes('3h20m'), steps.join(' | '));
  const shown = withShownValues(c.checked!, traced.decision).fired[0]!.seen as unknown as { text?: string }[];
  assert.equal(shown.map((s) => s.text), ['¥25,000.00', '2026-03-01 09:00 +08:00', '3h20m']);
});

test('fmt keeps a history row on one line when it fits in 100 columns with its comma, and fills the fields of one that does not', () => {
  const row = (payee: string) => `{ type: "transfer_out", customer_id: "c1", amount: ¥1, occurred_at: now - 1h, payee_id: "${payee}" }`;
  const fits = row('y'.repeat(100 - 4 - row('').length - 1));
  const longer = row('y'.repeat(100 - 4 - row('').length));
  const src = (a: string, b: string) => `test "t"\n  at @2026-03-01\n  given history [\n    ${a},\n    ${b}\n  ]\n  expect allow\n`;
  const out = format(src(fits, fits)) as { text: string };
  assert.is(out.text, src(fits, fits), 'both rows fit: the first with its comma in exactly 100 columns');
  const broken = (format(src(longer, longer)) as { text: string }).text.split('\n');
  assert.ok(broken.every((l) => [...l].length <= 100), broken.join('\n'));
  assert.is(broken[3], `    ${longer.slice(0, longer.indexOf(' payee_id'))}`);
  assert.is(broken[4], `      payee_id: "${'y'.repeat(100 - 4 - row('').length)}" },`);
  assert.is(broken[5], `    ${longer}`, 'the last row has no comma: it fits');
});

test.run();
