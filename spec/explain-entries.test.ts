// The explained decision's fired-rule entries, generated per rule as one
// object literal (compiler/codegen-explain.ts), against the reference
// interpreter, whose entries runtime/decision.ts builds from the values it
// saw: the whole decision compared as JSON (key order included) on the
// decisions of fraud40 and flat40 that fire rules, and on a pack written to
// reach every shape of an entry — title, outcome and reason present or not;
// no message, fixed text, placeholders of every type, zh only, zh and en,
// missing values — with text that must stay data.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { compile, type SourceFile } from '../compiler/index.ts';
import { generate as generateCode } from '../compiler/codegen.ts';
import { EMPTY_PROVIDER, interpret, load, MemoryProvider, type Engine, type FeatureProvider } from '../runtime/index.ts';
import { readPack } from '../cli/pack-files.ts';
import { generate, type Row } from '../bench/events.ts';
import { flat40Source } from '../bench/flat40.ts';
import { dslBody } from './security-harness.ts';

const ROOT = join(import.meta.dirname, '..');

type Built = { engine: Engine; checked: NonNullable<ReturnType<typeof compile>['checked']>; source: string };

/** `tables`: explain() builds entries from tables, as for a large pack (codegen-explain.ts). */
function build(files: readonly SourceFile[], tables = false): Built {
  const r = compile(files);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n'));
  const code = tables ? generateCode(r.optimized!, { explainTables: 0 }) : r.code!;
  if (tables) assert.ok(code.source.includes('const ls = '), 'explain() reads tables');
  return { engine: load({ pack: r.optimized!, code }), checked: r.checked!, source: code.source };
}
const BOTH: [string, boolean][] = [['literals', false], ['tables', true]];

const data = generate({ seed: 20260301, events: 6000, shapes: 'service' });
const customers = data.customers;
const provider: FeatureProvider = new MemoryProvider({ entities: { customer: customers } });

for (const [how, tables] of BOTH) test(`fraud40 (${how}): the explained decisions that fire rules equal the interpreter's, whole`, () => {
  const { engine, checked } = build(readPack([join(ROOT, 'bench/packs/fraud40')]), tables);
  const rules = new Set<number>();
  let compared = 0;
  for (const e of data.events) {
    const raw = engine.decideRaw(e, provider);
    if (raw.fired.length === 0) continue;
    raw.fired.forEach((i) => rules.add(i));
    const d = engine.decide(e, provider);
    assert.is(JSON.stringify(d), JSON.stringify(interpret(checked, e, provider).decision), JSON.stringify(e));
    if (++compared === 1500) break;
  }
  assert.is(compared, 1500);
  assert.ok(rules.size >= 25, `only ${rules.size} of fraud40's rules fired in the sample`);
});

for (const [how, tables] of BOTH) test(`flat40 (${how}): the explained decisions { at } that fire rules equal the interpreter's, whole`, () => {
  const { engine, checked } = build(flat40Source(), tables);
  const columns = [...checked.schema.event.fields.keys()].filter((f) => f !== 'occurred_at');
  let compared = 0;
  for (const e of data.events) {
    const c = customers.get(e['customer_id'] as string);
    const rec: Row = {};
    for (const k of columns) rec[k] = (k in e ? e[k] : c?.[k]) ?? null;
    const at = e['occurred_at'] as number;
    if (engine.decideRaw(rec, EMPTY_PROVIDER, { at }).fired.length === 0) continue;
    const d = engine.decide(rec, EMPTY_PROVIDER, { at });
    assert.is(JSON.stringify(d), JSON.stringify(interpret(checked, rec, EMPTY_PROVIDER, { at }).decision), JSON.stringify(rec));
    if (++compared === 1500) break;
  }
  assert.is(compared, 1500);
});

const HOSTILE = '"\\\'`${x}</script>\u2028\u2029\n*/';
const SHAPES = `pack shapes version "2"
outcomes block > review > allow
threshold review at 10
event "e" {
  type: enum(pay, login) required "t"
  amount: money "a"
  wait: duration "w"
  opened_at: timestamp "s"
  ratio: number "r"
  qty: integer "c"
  name: string "n"
  flag: bool "f"
  tags: set<string> "g"
}
predicate big = event.amount >= ¥1.00
rule BARE when event.type == "pay" score +1
rule TITLED "Titled ${dslBody(HOSTILE, 'u4')}" when big score +2
rule OUT when event.type == "pay" then review
rule REASONED when event.type == "pay" score +3 reason WHY
rule ALL "All ${dslBody(HOSTILE, 'u4')}" when big and event.flag then block reason EVERY
  message "固定 ${dslBody(HOSTILE, 'u4', true)}" en "Fixed ${dslBody(HOSTILE, 'u4', true)}"
rule ZH_ONLY when event.type == "pay" score +1 message "金额 {event.amount}，等待 {event.wait}，时间 {event.opened_at}"
rule EN_ONLY when event.type == "pay" then review message zh "{event.flag}" en "ratio {event.ratio} qty {event.qty} name {event.name} flag {event.flag} tags {event.tags}"
rule BOTH "Both" when event.type == "pay" and event.amount > ¥0 then review reason B
  message "{event.name}" en "{event.name}{event.name} ${dslBody(HOSTILE, 'u4', true)}"
rule EMPTY when event.type == "pay" score +1 message "" en ""
rule NO_LEAF when true score +1 message "always"
`;

for (const [how, tables] of BOTH) test(`every shape of an entry, missing values and hostile text (${how}): compiled equals the interpreter, and shows what the rules say`, () => {
  const { engine, checked, source } = build([{ path: 'shapes.zy', text: SHAPES }], tables);
  // From the tables: every rule whose message has no placeholder (its id is data, not source text).
  for (const id of ['BARE', 'TITLED', 'OUT', 'REASONED', 'ALL', 'EMPTY', 'NO_LEAF']) assert.is(source.includes(`"${id}"`), !tables, id);
  for (const id of ['ZH_ONLY', 'EN_ONLY', 'BOTH']) assert.ok(source.includes(`"${id}"`), id);
  const events = [
    { type: 'pay', amount: 123456, wait: 3_723_000, opened_at: Date.UTC(2026, 2, 1, 2, 0, 0), ratio: 0.123456, qty: 7, name: HOSTILE, flag: true, tags: ['a', 'b'] },
    { type: 'pay', amount: 50 },
    { type: 'pay' },
    { type: 'login', amount: 1000, flag: false },
  ];
  const at = Date.UTC(2026, 2, 1, 4, 0, 0);
  for (const e of events) {
    const d = engine.decide(e, EMPTY_PROVIDER, { at });
    assert.is(JSON.stringify(d), JSON.stringify(interpret(checked, e, EMPTY_PROVIDER, { at }).decision), JSON.stringify(e));
  }
  const d = engine.decide(events[0]!, EMPTY_PROVIDER, { at });
  assert.equal(d.fired.map((f) => f.id), ['BARE', 'TITLED', 'OUT', 'REASONED', 'ALL', 'ZH_ONLY', 'EN_ONLY', 'BOTH', 'EMPTY', 'NO_LEAF']);
  const all = d.fired[4]!;
  assert.equal(Object.keys(all), ['id', 'title', 'outcome', 'score', 'reason', 'message', 'seen']);
  assert.is(all.title, `All ${HOSTILE}`);
  assert.equal(all.message, { zh: `固定 ${HOSTILE}`, en: `Fixed ${HOSTILE}` });
  assert.equal(all.seen, [{ feature: 'big', value: true }, { feature: 'event.flag', value: true }]);
  assert.equal(Object.keys(d.fired[0]!), ['id', 'score', 'message', 'seen']);
  assert.equal(d.fired[5]!.message, { zh: '金额 ¥1,234.56，等待 1h2m3s，时间 2026-03-01 10:00:00' });
  assert.equal(d.fired[6]!.message, { zh: 'true', en: `ratio 0.1235 qty 7 name ${HOSTILE} flag true tags a, b` });
  assert.equal(d.fired[7]!.message.en, `${HOSTILE}${HOSTILE} ${HOSTILE}`);
  assert.equal(d.fired[8]!.message, { zh: '', en: '' });
  assert.equal(d.fired[9]!.seen, []);
  // Missing values show as missing, in the message and in what the rule saw.
  const sparse = engine.decide(events[2]!, EMPTY_PROVIDER, { at });
  assert.is(sparse.fired.find((f) => f.id === 'ZH_ONLY')!.message.zh, '金额 (missing)，等待 (missing)，时间 (missing)');
  assert.is(sparse.fired.find((f) => f.id === 'EN_ONLY')!.message.en, 'ratio (missing) qty (missing) name (missing) flag (missing) tags (missing)');
  assert.equal(sparse.fired.find((f) => f.id === 'ALL'), undefined);
  assert.equal(engine.decide(events[1]!, EMPTY_PROVIDER, { at }).fired.find((f) => f.id === 'ALL'), undefined);
});

test.run();
