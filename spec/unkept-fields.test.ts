// A copy of decide() keeps in locals only the event fields its rules read or
// show (codegen.ts `reads`, codegen-reads.ts); the pack's other fields are
// still checked, in one condition, and checkEvent() checks them all in order
// when that condition fails. On flat40 (a copy per event type, 50 fields, a
// copy keeping 8–28) against the interpreter: wrong-typed, missing and null
// values of every field in every copy get the same error (code, field,
// message) or the same decision; of two wrong fields the first in schema
// order is reported, whichever one the copy keeps; a getter cannot bring an
// unchecked value into a decision; explained decisions show the same values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { compile, InputError } from '../compiler/index.ts';
import type { CheckedPack } from '../compiler/ir.ts';
import { EMPTY_PROVIDER, interpret, load, type Engine } from '../runtime/index.ts';
import { flat40Source } from '../bench/flat40.ts';
import { generate, type Row } from '../bench/events.ts';

const compiled = compile(flat40Source());
if (!compiled.ok) throw new Error('flat40 does not compile');
const pack: CheckedPack = compiled.checked!;
const engine: Engine = load({ pack: compiled.optimized!, code: compiled.code! });
const source = compiled.code!.source;
const fields = [...pack.schema.event.fields.values()];
const types = (pack.schema.event.fields.get('type')!.type as { members: readonly string[] }).members;

// Records as bench/flat40.ts builds them: every column, null for a missing value, the time beside.
const data = generate({ seed: 20261207, events: 3000, shapes: 'service' });
const columns = fields.map((f) => f.name).filter((f) => f !== 'occurred_at');
const records = data.events.map((e) => {
  const c = data.customers.get(e['customer_id'] as string);
  const r: Row = {};
  for (const k of columns) r[k] = (k in e ? e[k] : c?.[k]) ?? null;
  return { r, at: e['occurred_at'] as number };
});
const byType = new Map(types.map((t) => [t, records.filter((x) => x.r['type'] === t).slice(0, 3)]));

type Answer = { ok: true; value: string } | { ok: false; code: string; field: string; message: string };
function answer(f: () => unknown): Answer {
  try {
    return { ok: true, value: JSON.stringify(f()) };
  } catch (e) {
    if (e instanceof InputError) return { ok: false, code: e.code, field: e.field, message: e.message };
    throw e;
  }
}
const ids = pack.rules.map((r) => r.id);
const raw = (r: object, at?: number) => answer(() => { const d = engine.decideRaw(r, EMPTY_PROVIDER, at === undefined ? undefined : { at }); return { fired: d.fired.map((i) => ids[i]), score: d.score }; });
const rawOf = (r: object, at?: number) => answer(() => { const d = interpret(pack, r, EMPTY_PROVIDER, at === undefined ? {} : { at }).decision; return { fired: d.fired.map((f) => f.id), score: d.score }; });
const explained = (r: object, at?: number) => answer(() => engine.decide(r, EMPTY_PROVIDER, at === undefined ? undefined : { at }));
const explainedOf = (r: object, at?: number) => answer(() => interpret(pack, r, EMPTY_PROVIDER, at === undefined ? {} : { at }).decision);

/** Values a field of this type refuses (or, for a timestamp, an ISO string it converts). */
function wrongFor(t: string): unknown[] {
  switch (t) {
    case 'string': return [1, true, {}, []];
    case 'enum': return ['no such member', 1, false];
    case 'bool': return ['true', 1, 0];
    case 'number': return [NaN, Infinity, '1', true];
    case 'timestamp': return [1.5, 'yesterday', '2026-03-01T08:00:00+08:00', 1e300, true];
    default: return [1.5, '12', 2 ** 60, NaN, false];
  }
}

test('a copy of decide() keeps its rules\' fields and checks the others in one condition', () => {
  const login = /function d\d+\(src, P, at, x\) \{\n[^]*?\n\}/g;
  const copies = source.match(login) ?? [];
  assert.is(copies.length, types.length);
  const slot = (name: string) => `f${pack.eventFields.indexOf(name)}`;
  const loginCopy = copies.find((c) => c.includes('const f0 = "login"'))!;
  assert.ok(loginCopy.includes('checkEvent(src, at)'));
  // ip_city is read only by an application rule: checked in the login copy, not kept.
  assert.ok(loginCopy.includes('src["ip_city"]'));
  assert.not.ok(loginCopy.includes(`const ${slot('ip_city')} =`));
  assert.ok(loginCopy.includes(`const ${slot('login_failures_1h')} =`));
  assert.ok(/\nfunction checkEvent\(src, at\) \{/.test(source));
});

test('explained and raw decisions of flat40 records equal the interpreter\'s', () => {
  for (const x of records.slice(0, 1500)) {
    assert.equal(explained(x.r, x.at), explainedOf(x.r, x.at));
    assert.equal(raw(x.r, x.at), rawOf(x.r, x.at));
    const withTime = { ...x.r, occurred_at: x.at };
    assert.equal(raw(withTime), rawOf(withTime));
  }
});

test('every field of every copy, wrong-typed, missing or null: the interpreter\'s error or decision', () => {
  let errors = 0;
  for (const t of types) {
    for (const base of byType.get(t)!) {
      for (const f of fields) {
        if (f.name === 'type') continue;
        const variants: Row[] = [];
        for (const w of wrongFor(f.type.t)) variants.push({ ...base.r, [f.name]: w });
        variants.push({ ...base.r, [f.name]: null });
        const missing = { ...base.r };
        delete missing[f.name];
        variants.push(missing);
        for (const r of variants) {
          if (f.name === 'occurred_at') {
            assert.equal(raw(r), rawOf(r), `${t} occurred_at ${String(r['occurred_at'])}`);
            assert.equal(explained(r), explainedOf(r));
            continue;
          }
          const a = raw(r, base.at);
          assert.equal(a, rawOf(r, base.at), `${t} ${f.name} ${String(r[f.name])}`);
          assert.equal(explained(r, base.at), explainedOf(r, base.at));
          assert.equal(raw({ ...r, occurred_at: base.at }), rawOf({ ...r, occurred_at: base.at }));
          if (!a.ok) errors++;
        }
      }
    }
  }
  // Most of those values are refused; the test would pass vacuously if none were.
  assert.ok(errors > 1000, `${errors} errors`);
});

test('of two wrong fields the first in schema order is reported, kept or only checked (property)', () => {
  const names = fields.map((f) => f.name).filter((n) => n !== 'type' && n !== 'occurred_at');
  fc.assert(fc.property(
    fc.constantFrom(...types), fc.nat(2), fc.constantFrom(...names), fc.constantFrom(...names), fc.nat(10), fc.nat(10),
    (t, k, n1, n2, w1, w2) => {
      const base = byType.get(t)![k % byType.get(t)!.length]!;
      const bad1 = wrongFor(pack.schema.event.fields.get(n1)!.type.t);
      const bad2 = wrongFor(pack.schema.event.fields.get(n2)!.type.t);
      const r = { ...base.r, [n1]: bad1[w1 % bad1.length], [n2]: bad2[w2 % bad2.length] };
      assert.equal(raw(r, base.at), rawOf(r, base.at));
      assert.equal(explained(r, base.at), explainedOf(r, base.at));
    },
  ), { seed: 20261207, numRuns: 3000 });
});

test('a getter cannot bring an unchecked value into a decision, kept field or not', () => {
  // A value each type refuses that would change a decision if a rule saw it.
  const sneaky = (t: string): unknown => (t === 'bool' ? 1 : t === 'string' || t === 'enum' ? 7 : '99999999999');
  let refused = 0;
  let decided = 0;
  for (const t of types) {
    const base = byType.get(t)![0]!;
    for (const f of fields) {
      if (f.name === 'type' || f.name === 'occurred_at') continue;
      for (const startBad of [false, true]) {
        // Another field that is wrong on its first read only sends the copy through checkEvent().
        for (const detour of ['ip_city', 'login_failures_1h', 'days_past_due']) {
          if (detour === f.name) continue;
          const good = base.r[f.name];
          let reads = 0;
          let detourReads = 0;
          const r: Row = { ...base.r };
          delete r[f.name];
          delete r[detour];
          Object.defineProperty(r, f.name, { enumerable: true, get: () => ((reads++ % 2 === 0) === startBad ? sneaky(f.type.t) : good) });
          Object.defineProperty(r, detour, { enumerable: true, get: () => (detourReads++ === 0 ? {} : base.r[detour]) });
          const a = raw(r, base.at);
          if (!a.ok) { refused++; continue; }
          decided++;
          assert.equal(a, rawOf(base.r, base.at), `${t}: ${f.name} (${startBad ? 'wrong' : 'right'} first) through ${detour}`);
        }
      }
    }
  }
  assert.ok(refused > 0 && decided > 0, `${refused} refused, ${decided} decided`);
});

test.run();
