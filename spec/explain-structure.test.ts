// How the compiled code makes an explained decision, checked on what it
// exposes rather than on time: a message formats each placeholder value once
// for zh and en; the generated decide() hands the fired rules, score, entries
// and what notes need to the engine's function, returning what that function
// makes (no object in between); and every load compiles a text of its own. The decisions themselves are
// compared whole with the interpreter's in explain-entries.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile, type SourceFile } from '../compiler/index.ts';
import { R } from '../runtime/helpers.ts';
import { EMPTY_PROVIDER, interpret, load } from '../runtime/index.ts';
import { loadSource } from '../runtime/engine.ts';

const PACK = `pack shapes version "3"
outcomes block > review > allow
event "e" {
  type: enum(pay, login) required "t"
  amount: money "a"
  name: string "n"
  flag: bool "f"
}
predicate big = event.amount >= ¥1.00
rule TWICE "Amount in both languages" when event.type == "pay" and big then review
  message "金额 {event.amount}，又是 {event.amount}" en "Amount {event.amount} by {event.name}"
rule FIXED when event.flag then block message "固定" en "Fixed"
rule PLAIN when event.type == "login" score +1
`;

function compiled(text: string) {
  const files: SourceFile[] = [{ path: 'p.zy', text }];
  const r = compile(files);
  if (!r.ok || !r.code || !r.optimized || !r.checked) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n'));
  return { code: r.code, pack: r.optimized, checked: r.checked };
}

test('a placeholder value is formatted once for both languages', () => {
  const { code, pack, checked } = compiled(PACK);
  const engine = load({ pack, code });
  const e = { type: 'pay', amount: 123456, name: 'Ann' };
  const fmt = R.fmt;
  const calls: unknown[] = [];
  try {
    R.fmt = (t, v) => { calls.push(v); return fmt(t, v); };
    const d = engine.decide(e, EMPTY_PROVIDER, { at: Date.UTC(2026, 2, 1) });
    assert.equal(d.fired.map((f) => f.id), ['TWICE']);
    assert.equal(d.fired[0]!.message, { zh: '金额 ¥1,234.56，又是 ¥1,234.56', en: 'Amount ¥1,234.56 by Ann' });
  } finally {
    R.fmt = fmt;
  }
  // event.amount three times and event.name once: two values formatted.
  assert.equal(calls, [123456, 'Ann']);
  assert.is(JSON.stringify(engine.decide(e, EMPTY_PROVIDER, { at: Date.UTC(2026, 2, 1) })),
    JSON.stringify(interpret(checked, e, EMPTY_PROVIDER, { at: Date.UTC(2026, 2, 1) }).decision));
});

test('decide() gives an explained decision\'s parts to the function it is passed and returns what that makes', () => {
  const { code, pack } = compiled(PACK);
  const g = new Function('K', 'R', code.source)(code.constants, R) as { decide: (...a: unknown[]) => unknown };
  const e = { type: 'pay', amount: 50, flag: true };
  const made = { made: true };
  let args: unknown[] = [];
  const at = Date.UTC(2026, 2, 1);
  const out = g.decide(e, EMPTY_PROVIDER, at, (...a: unknown[]) => { args = a; return made; });
  assert.is(out, made);
  assert.is(args.length, 7);
  const [fired, score, entries, M, src, P, time] = args as [number[], number, { id: string }[], object, object, object, number];
  assert.equal(fired, [pack.rules.find((r) => r.id === 'FIXED')!.index]);
  assert.is(score, 0);
  assert.equal(entries.map((x) => x.id), ['FIXED']);
  assert.type(M, 'object');
  assert.is(src, e);
  assert.is(P, EMPTY_PROVIDER);
  assert.is(time, at);
  // Nothing fired: the entries are the empty fired list itself (nothing made for them).
  g.decide({ type: 'pay', amount: 50 }, EMPTY_PROVIDER, at, (...a: unknown[]) => { args = a; return made; });
  assert.equal(args[0], []);
  assert.is(args[2], args[0]);
  // Without the function, decideRaw's answer: the fired rules and the score alone.
  assert.equal(Object.keys(g.decide(e, EMPTY_PROVIDER, at) as object), ['fired', 'score']);
});

test('notes come through the engine\'s function: a rule in force that did not fire says why', () => {
  const { code, pack, checked } = compiled(`pack noted
outcomes review > allow
event "e" { type: enum(pay, login) required "t"  amount: money "a" }
rule LARGE when event.type == "pay" and event.amount > ¥100 then review
  note when event.amount is missing "没有金额" en "No amount for {event.type}"
`);
  const engine = load({ pack, code });
  const at = Date.UTC(2026, 2, 1);
  for (const e of [{ type: 'pay' }, { type: 'pay', amount: 50_000 }, { type: 'login' }]) {
    assert.is(JSON.stringify(engine.decide(e, EMPTY_PROVIDER, { at })), JSON.stringify(interpret(checked, e, EMPTY_PROVIDER, { at }).decision), JSON.stringify(e));
  }
  assert.equal(engine.decide({ type: 'pay' }, EMPTY_PROVIDER, { at }).notes, [{ id: 'LARGE', message: { zh: '没有金额', en: 'No amount for pay' } }]);
});

test('every load compiles a text of its own: two engines on one pack share no compiled functions', () => {
  const { code, pack } = compiled(PACK);
  const a = loadSource(code);
  const b = loadSource(code);
  assert.is.not(a, b);
  for (const s of [a, b]) {
    assert.ok(s.startsWith(code.source));
    // Only a comment is added: the text still compiles to the same program.
    assert.match(s.slice(code.source.length), /^\n\/\/ load \d+$/);
  }
  const e = { type: 'pay', amount: 123456, name: 'Ann' };
  const at = Date.UTC(2026, 2, 1);
  assert.is(JSON.stringify(load({ pack, code }).decide(e, EMPTY_PROVIDER, { at })), JSON.stringify(load({ pack, code }).decide(e, EMPTY_PROVIDER, { at })));
});

test.run();
