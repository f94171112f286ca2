// An ordering test, an equality with a literal and a small `in` list test an
// operand that can be missing for undefined before comparing it
// (codegen-expressions.ts `defined`): V8 then only ever sees values at the
// comparison and compares inline, where a comparison that had seen
// undefined beside numbers or strings became a call to a generic one. The
// tests: the flat40 code has the tests first; and, against the interpreter,
// every kind of operand (a field, a call, arithmetic that can be missing
// or divide by zero), missing, null or present, gives the same decision,
// explained and not, including `not between` with one bound missing (false
// when the other side is false).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { compile } from '../compiler/index.ts';
import { EMPTY_PROVIDER, interpret, load, MemoryProvider } from '../runtime/index.ts';
import { InputError } from '../compiler/index.ts';
import { flat40Source } from '../bench/flat40.ts';

test('flat40: comparisons on optional fields test for missing first', () => {
  const c = compile(flat40Source());
  assert.ok(c.ok && c.code);
  const src = c.code.source;
  // NEW_PHONE_NUMBER (event.phone_tenure_months < 6) and CREDENTIAL_STUFFING (event.login_failures_1h >= 5).
  assert.match(src, /if \(\((f\d+) !== undefined && \1 < 6\)\) \{ fired\.push\(13\); \}/);
  assert.match(src, /if \(\((f\d+) !== undefined && \1 >= 5\)\) \{ fired\.push\(26\); \}/);
  // ATM_NIGHT's `event.channel == "atm"` on an optional enum.
  assert.match(src, /\((f\d+) !== undefined && \1 === "atm"\)/);
  // No rule compares a bare optional field (a dispatch guard over a block of rules still does).
  assert.not.match(src, /if \(\(f\d+ [<>]=? \d+\)\) \{ fired/);
});

const PACK = `pack guards version "1"
outcomes block > review > allow
event {
  type: enum(a, b) required
  occurred_at: timestamp required
  x: integer
  lo: integer
  hi: integer
  n: number
  s: string
  e: enum(p, q, r)
  t: timestamp
}
rule BETWEEN when event.x between event.lo and event.hi then review
rule NOT_BETWEEN when not (event.x between event.lo and event.hi) then review
rule BETWEEN_LIT when event.x between 2 and event.hi then review
rule NOT_BETWEEN_LIT when not (event.x between event.lo and 3) then review
rule LESS when event.x < event.lo then review
rule NOT_GE when not (event.x >= event.hi) then review
rule EQ_FIELDS when event.x == event.lo then review
rule NE_FIELDS when event.x != event.hi then review
rule EQ_LIT when event.s == "a" then review
rule NOT_EQ_LIT when not (event.s == "b") then review
rule IN_ENUM when event.e in ["p", "q"] then review
rule NOT_IN_ENUM when not (event.e in ["p", "q"]) then review
rule IN_STR when event.s in ["a", "bb", ""] then review
rule CALL when age(event.t) < 1h then review
rule NOT_CALL when not (age(event.t) >= 1h) then review
rule ARITH when event.x * 2 > event.lo then review
rule DIV when event.x / event.lo >= 1 then review
rule NOT_DIV when not (event.x / event.lo < 1) then review
rule NUM when event.n > 0.5 or event.n <= -1 then review
rule REV_EQ when 3 == event.x then review
`;

test('property: guarded comparisons decide as the interpreter does', () => {
  const c = compile([{ path: 'guards.zy', text: PACK }]);
  if (!c.ok || !c.optimized || !c.code) throw new Error(`the pack does not compile: ${c.diagnostics.map((d) => d.message).join('; ')}`);
  const pack = c.checked!;
  const engine = load({ pack: c.optimized, code: c.code });
  const NOW = 1_800_000_000_000;
  const opt = <T>(v: fc.Arbitrary<T>) => fc.oneof(v, fc.constant(null), fc.constant(undefined));
  const small = fc.integer({ min: -3, max: 5 });
  const event = fc.record({
    type: fc.constantFrom('a', 'b'),
    x: opt(small), lo: opt(small), hi: opt(small),
    n: opt(fc.constantFrom(0, 0.5, 0.75, -1, -2, 3)),
    s: opt(fc.constantFrom('a', 'b', 'bb', '', 'ab')),
    e: opt(fc.constantFrom('p', 'q', 'r')),
    t: opt(fc.constantFrom(NOW, NOW - 3_599_999, NOW - 3_600_000, NOW - 3_600_001, NOW + 1)),
  });
  let fired = 0;
  fc.assert(fc.property(event, (raw) => {
    const ev: Record<string, unknown> = { occurred_at: NOW };
    for (const [k, v] of Object.entries(raw)) if (v !== undefined) ev[k] = v;
    const want = interpret(pack, ev, EMPTY_PROVIDER).decision;
    const got = engine.decide(ev, EMPTY_PROVIDER);
    assert.equal(JSON.stringify(got), JSON.stringify(want));
    const r = engine.decideRaw(ev, EMPTY_PROVIDER);
    assert.equal(r.fired.map((i) => pack.rules[i]!.id), want.fired.map((f) => f.id));
    fired += r.fired.length;
  }), { seed: 20261207, numRuns: 4000 });
  assert.ok(fired > 4000, `the events fire rules (${fired})`);
});

// A test for missing must not skip an operand that loads an entity row: the row is checked whole when it
// is first read, and a wrong field in it is the decision's error whichever operand is missing.
const ENTITY_PACK = `pack rows version "1"
outcomes review > allow
event {
  type: enum(a) required
  occurred_at: timestamp required
  customer_id: string
  x: integer
  lo: integer
}
entity customer by customer_id {
  level: integer
  limit: integer
  vip: bool
}
rule EQ when event.x == customer.level then review
rule LESS when event.x < customer.limit then review
rule BETWEEN when event.x between event.lo and customer.limit then review
rule NOT_BETWEEN when not (event.lo between event.x and customer.level) then review
`;

test('an operand that loads an entity row is evaluated as before when the other is missing', () => {
  const c = compile([{ path: 'rows.zy', text: ENTITY_PACK }]);
  if (!c.ok || !c.optimized || !c.code) throw new Error(`the pack does not compile: ${c.diagnostics.map((d) => d.message).join('; ')}`);
  const pack = c.checked!;
  const outcome = (f: () => unknown): string => {
    try { return JSON.stringify(f()); } catch (e) { if (e instanceof InputError) return `${e.code} ${e.field} ${e.message}`; throw e; }
  };
  const rows = [{ level: 1, limit: 5, vip: {} }, { level: 1, limit: 5, vip: true }, { level: null, limit: null, vip: 'yes' }];
  let errors = 0;
  for (const row of rows) {
    const provider = new MemoryProvider({ entities: { customer: new Map([['c1', row]]) } });
    for (const x of [undefined, null, 1, 7]) {
      for (const lo of [undefined, 0, 9]) {
        const ev: Record<string, unknown> = { type: 'a', occurred_at: 1_800_000_000_000, customer_id: 'c1' };
        if (x !== undefined) ev['x'] = x;
        if (lo !== undefined) ev['lo'] = lo;
        // An engine per event: each rule's operands are first evaluated on this event.
        const engine = load({ pack: c.optimized, code: c.code });
        const want = outcome(() => interpret(pack, ev, provider).decision);
        if (want.startsWith('ZY')) errors++;
        assert.is(outcome(() => engine.decide(ev, provider)), want, JSON.stringify({ row, ev }));
        const raw = outcome(() => engine.decideRaw(ev, provider));
        assert.is(raw.startsWith('ZY') ? raw : 'decided', want.startsWith('ZY') ? want : 'decided', JSON.stringify({ row, ev }));
      }
    }
  }
  assert.ok(errors >= 12, `wrong rows are refused (${errors})`);
});

test.run();
