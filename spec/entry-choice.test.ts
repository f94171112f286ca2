// A decide() split into copies by the event type reads the type before the
// test that the record has nothing to inherit (codegen-entry.ts: V8 then
// folds Object.getPrototypeOf), and finds its copy by the string's length
// first; an `in` list kept in a Set is not looked up for a missing value
// (codegen-expressions.ts). The tests: flat40's code has that shape; against
// the interpreter, types of equal and different lengths, types outside the
// enum, wrong-typed and missing, and large lists with missing, null and
// present values decide alike, explained and not; a record that inherits the
// type (a polluted Object.prototype, a class instance, a getter on its
// prototype) is copied and decided as the interpreter decides it; null and
// undefined records throw the TypeError they threw before.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { compile, InputError } from '../compiler/index.ts';
import { EMPTY_PROVIDER, interpret, load } from '../runtime/index.ts';
import { flat40Source } from '../bench/flat40.ts';

test('flat40: the entry reads the type first, switches on its length, and a missing value skips a list lookup', () => {
  const c = compile(flat40Source());
  assert.ok(c.ok && c.code);
  const src = c.code.source;
  const entry = src.slice(src.indexOf('function decide('));
  assert.match(entry, /^function decide\(src, P, at, x\) \{\n  let sel = src === null \|\| src === undefined \? Object\.getPrototypeOf\(src\) : src\["type"\];\n  if \(Object\.getPrototypeOf\(src\) === Object\.prototype \? R\.polluted\(\) : Object\.getPrototypeOf\(src\) !== null\) \{ src = R\.ownCopy\(src\); sel = src\["type"\]; \}\n  if \(typeof sel === "string"\) switch \(sel\.length\) \{\n/);
  // phone_change and transfer_out have the same length: one case, two comparisons.
  assert.match(entry, /case 12: if \(sel === "phone_change"\) return d\d\(src, P, at, x\); if \(sel === "transfer_out"\) return d\d\(src, P, at, x\); break;/);
  // DEVICE_BLACKLIST: `event.device_id in DEVICE_BLACKLIST`, a list of 25.
  assert.match(src, /if \(\((f\d+) !== undefined && c\d+\.has\(\1\)\)\) \{ fired\.push\(1\); \}/);
  assert.not.match(src, /if \(c\d+\.has\(f\d+\)\)/);
});

const PACK = `pack entry version "1"
outcomes block > review > allow
event {
  type: enum(ab, cd, abc, x, y) required
  occurred_at: timestamp required
  s: string
  n: integer
}
rule AB when event.type == "ab" and event.s in ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"] then review
rule CD when event.type == "cd" and not (event.s in ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"]) then review
rule ABC when event.type == "abc" and event.n in [1, 2, 3, 4, 5, 6, 7, 8, 9] then review
rule X when event.type == "x" and not (event.n in [1, 2, 3, 4, 5, 6, 7, 8, 9]) then block
rule Y when event.type == "y" and event.s == "s1" then block
rule ANY when event.s in ["s2", "s4", "s6", "s8", "s10", "s12", "s14"] then review
`;

function compiled() {
  const c = compile([{ path: 'entry.zy', text: PACK }]);
  if (!c.ok || !c.optimized || !c.code) throw new Error(`the pack does not compile: ${c.diagnostics.map((d) => d.message).join('; ')}`);
  return { pack: c.checked!, program: { pack: c.optimized, code: c.code } };
}

const answer = (f: () => unknown): string => {
  try { return JSON.stringify(f()); } catch (e) { if (e instanceof InputError) return `${e.code} ${e.field} ${e.message}`; throw e; }
};

test('the pack is split by type and its copies are found by length', () => {
  const { program } = compiled();
  assert.match(program.code.source, /switch \(sel\.length\) \{\n    case 2: if \(sel === "ab"\) return d\d\(src, P, at, x\); if \(sel === "cd"\) return d\d\(src, P, at, x\); break;/);
  assert.match(program.code.source, /case 1: if \(sel === "x"\) return d\d\(src, P, at, x\); if \(sel === "y"\) return/);
});

test('property: types of every length, outside the enum, wrong-typed or missing, and large lists decide as the interpreter does', () => {
  const { pack, program } = compiled();
  const engine = load(program);
  const NOW = 1_800_000_000_000;
  // Mostly valid values, some missing or null, a few wrong (outside the enum, of another type).
  const some = (good: unknown[], wrong: unknown[]) => fc.oneof(
    { arbitrary: fc.constantFrom(...good), weight: 12 }, { arbitrary: fc.constantFrom(null, undefined), weight: 3 },
    { arbitrary: fc.constantFrom(...wrong), weight: 1 });
  const event = fc.record({
    type: some(['ab', 'cd', 'abc', 'x', 'y'], ['', 'zz', 'a', 'abcd', 'AB', 12, true]),
    s: some(['s1', 's2', 's3', 's8', 's9', 's10', 's14', ''], [7, false]),
    n: some([0, 1, 5, 9, 10, -1], [2.5, '3']),
  });
  let fired = 0;
  let errors = 0;
  fc.assert(fc.property(event, (raw) => {
    const ev: Record<string, unknown> = { occurred_at: NOW };
    for (const [k, v] of Object.entries(raw)) if (v !== undefined) ev[k] = v;
    const want = answer(() => interpret(pack, ev, EMPTY_PROVIDER).decision);
    assert.is(answer(() => engine.decide(ev, EMPTY_PROVIDER)), want, JSON.stringify(ev));
    const r = answer(() => engine.decideRaw(ev, EMPTY_PROVIDER));
    if (want.startsWith('ZY')) { errors++; assert.is(r, want, JSON.stringify(ev)); return; }
    const ids = (JSON.parse(r) as { fired: number[] }).fired.map((i) => pack.rules[i]!.id);
    assert.equal(ids, (JSON.parse(want) as { fired: { id: string }[] }).fired.map((f) => f.id), JSON.stringify(ev));
    fired += ids.length;
  }), { seed: 20261207, numRuns: 3000 });
  assert.ok(fired > 1000, `the events fire rules (${fired})`);
  assert.ok(errors > 500, `wrong events are refused (${errors})`);
});

test('a record that could inherit the type is copied first and decided as the interpreter decides it', () => {
  const { pack, program } = compiled();
  const NOW = 1_800_000_000_000;
  const both = (ev: object) => {
    const engine = load(program);
    const want = answer(() => interpret(pack, ev, EMPTY_PROVIDER).decision);
    assert.is(answer(() => engine.decide(ev, EMPTY_PROVIDER)), want);
    const raw = answer(() => engine.decideRaw(ev, EMPTY_PROVIDER));
    assert.is(raw.startsWith('ZY') ? raw : 'decided', want.startsWith('ZY') ? want : 'decided');
    return want;
  };
  // A polluted Object.prototype: its type (and s) are not the record's.
  const proto = Object.prototype as Record<string, unknown>;
  try {
    proto['type'] = 'ab';
    proto['s'] = 's1';
    assert.match(both({ occurred_at: NOW }), /^ZY4001 event\.type /);
    assert.match(both({ type: 'ab', occurred_at: NOW }), /"fired":\[\]/);
    assert.match(both({ type: 'ab', s: 's2', occurred_at: NOW }), /"AB"/);
  } finally {
    delete proto['type'];
    delete proto['s'];
  }
  // A class instance whose prototype has the type, as a field and as a getter that counts its reads.
  let gets = 0;
  class Typed { occurred_at = NOW; s = 's1'; }
  Object.defineProperty(Typed.prototype, 'type', { get: () => { gets++; return 'ab'; }, enumerable: true });
  assert.match(both(new Typed()), /^ZY4001 event\.type /);
  assert.ok(gets > 0, 'the getter ran (before the record was copied)');
  const inherits = Object.assign(Object.create({ type: 'cd' }), { occurred_at: NOW });
  assert.match(both(inherits), /^ZY4001 event\.type /);
  // A record with no prototype is not copied, and decides.
  assert.match(both(Object.assign(Object.create(null), { type: 'cd', s: 's9', occurred_at: NOW })), /"CD"/);
});

test('null and undefined records throw the TypeError they threw before', () => {
  const { program } = compiled();
  const engine = load(program);
  for (const ev of [null, undefined]) {
    assert.throws(() => engine.decideRaw(ev as unknown as object, EMPTY_PROVIDER, { at: 1 }), (e: unknown) => e instanceof TypeError && e.message === 'Cannot convert undefined or null to object');
  }
});

test.run();
