// Names that are properties of every object, or identifiers of the generated
// code, stay data (see spec/security-harness.ts for what every case checks).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile } from '../compiler/index.ts';
import { load, MemoryProvider, runTests } from '../runtime/index.ts';
import { both, compiled, decided, excluded, fired, g, guarded, NOW } from './security-harness.ts';

// ---------- known bugs: each flag skips the cases that expose one (repro in its comment) ----------

/**
 * Compiling a pack whose `test` uses a `cases` column on an entity named
 * `__proto__` (or `constructor`) writes to Object.prototype (or to the global
 * `Object` function): compiler/check/tests.ts builds `ents` as a plain object
 * and does `(ents[name] ??= {})[field] = value`. Repro (compile only):
 *   entity __proto__ by k { polluted: bool }
 *   test "t" at @2026-03-01T10:00 given event { k: "a" } expect allow
 *     cases (__proto__.polluted) { (true) => allow }
 *   → afterwards ({}).polluted === true
 * Skipped while true: running it would pollute this very process.
 */
const KNOWN_BUG_TEST_CASES_POLLUTE_PROTOTYPE = false;

/**
 * `given constructor { … }` / `given __proto__ { … }` in a pack test is
 * rejected with a spurious ZY2002 "entity `constructor` is given twice":
 * tests.ts keeps given entities in a plain object and checks `entities[name]`.
 */
const KNOWN_BUG_TEST_GIVEN_INHERITED_NAMES = false;

/**
 * Generated loaders read input fields with `src["name"]`, which follows the
 * prototype chain (only names that exist on Object.prototype at compile time
 * go through R.own); the interpreter reads own properties only. So an event,
 * entity row or history event whose prototype carries a schema field — or a
 * process whose Object.prototype was polluted elsewhere — is decided
 * differently by the two. Repro:
 *   rule R when event.name == "x" then block
 *   decide(Object.assign(Object.create({ name: "x" }), { occurred_at: … }))
 *   compiled: block — interpreter: allow
 */
const KNOWN_BUG_INHERITED_INPUT_FIELDS = false;

// ---------- names that are properties of every object ----------
const NAMES_PACK = `pack constructor version "1"
outcomes block > __proto__ > allow
threshold __proto__ at 10
event {
  constructor: string
  __proto__: integer
  toString: bool
  valueOf: money
  hasOwnProperty: string
  prototype: number
  then: string
  isPrototypeOf: enum(constructor, __proto__, toString)
  __defineGetter__: set<string>
}
entity constructor by hasOwnProperty { toString: bool, __proto__: integer, valueOf: string }
entity __proto__ by constructor { valueOf: integer, constructor: string }
list toString: string external
list valueOf: string = ["constructor", "__proto__", "toString", "a", "b", "c", "d"]
list hasOwnProperty: integer = [6, 7]
const prototype = 5
const __lookupGetter__ = "__proto__"
predicate isPrototypeOf "has __proto__" = event.__proto__ > prototype
predicate propertyIsEnumerable = event.isPrototypeOf == "__proto__"
rule constructor when constructor.toString and event.toString and constructor.__proto__ == 1 then block reason constructor
  message "{constructor.valueOf}{event.constructor}{__proto__.constructor}"
rule __proto__ when isPrototypeOf and __proto__.valueOf == 1 and __proto__.constructor == "k" then __proto__ score +10 reason __proto__
rule toString when event.hasOwnProperty in toString and event.then == __lookupGetter__ then block
rule valueOf when event.constructor not in valueOf and event.__proto__ in hasOwnProperty and event.__proto__ in [6, 7, 8, 9, 10, 11, 12] then block
rule hasOwnProperty when count(by constructor, where __proto__ > 1 and constructor == "k" and prototype > 0) >= 1 then block
rule prototype when propertyIsEnumerable and "constructor" in event.__defineGetter__ then block
rule isPrototypeOf when sum(valueOf, by constructor, including current) > ¥1 and max(__proto__, by hasOwnProperty) == 2 then block
`;
const NAMES_RULES = ['__proto__', 'constructor', 'hasOwnProperty', 'isPrototypeOf', 'prototype', 'toString', 'valueOf'];

function namesProvider(): MemoryProvider {
  const entities: Record<string, Map<unknown, unknown>> = JSON.parse('{}');
  entities['constructor'] = new Map([['h', JSON.parse('{"toString": true, "__proto__": 1, "valueOf": "v"}')]]);
  Object.defineProperty(entities, '__proto__', { value: new Map([['k', JSON.parse('{"valueOf": 1, "constructor": "k"}')]]), enumerable: true });
  const lists: Record<string, unknown[]> = {};
  lists['toString'] = ['h'];
  const history = JSON.parse(`[
    {"__proto__": 2, "constructor": "k", "prototype": 1, "hasOwnProperty": "h", "valueOf": 100, "occurred_at": ${NOW - 60_000}},
    {"__proto__": 0, "constructor": "j", "occurred_at": ${NOW - 30_000}}
  ]`);
  return new MemoryProvider({ entities: entities as never, lists: lists as never, history });
}
const namesEvent = (extra = '') => JSON.parse(`{"constructor": "k", "__proto__": 6, "toString": true, "valueOf": 500,
  "hasOwnProperty": "h", "prototype": 1.5, "then": "__proto__", "isPrototypeOf": "__proto__",
  "__defineGetter__": ["constructor"], "occurred_at": ${NOW}${extra}}`);

guarded('fields, entities, lists, constants, predicates, rules and outcomes named like Object.prototype members', () => {
  const r = compiled(NAMES_PACK);
  const d = decided(both(r, namesEvent(), namesProvider()));
  assert.equal(fired(d), NAMES_RULES);
  assert.is(d.outcome, 'block');
  assert.is(d.fired.find((f) => f.id === 'constructor')!.message.zh, 'vkk');
  // Nothing is read from a prototype: an event without those fields fires nothing.
  assert.equal(fired(decided(both(r, { occurred_at: NOW }, namesProvider()))), []);
  assert.equal(fired(decided(both(r, JSON.parse(`{"occurred_at": ${NOW}}`), new MemoryProvider()))), []);
  // `__proto__` in JSON is data: here of the wrong type.
  assert.equal(both(r, JSON.parse(`{"__proto__": {"toString": true}, "occurred_at": ${NOW}}`)), { ok: false, code: 'ZY4001', field: 'event.__proto__' });
  assert.equal(both(r, JSON.parse(`{"constructor": {"prototype": {}}, "occurred_at": ${NOW}}`)), { ok: false, code: 'ZY4001', field: 'event.constructor' });
  assert.equal(both(r, namesEvent(', "isPrototypeOf": "hasOwnProperty"')), { ok: false, code: 'ZY4001', field: 'event.isPrototypeOf' });
  assert.equal(both(r, namesEvent(', "__defineGetter__": [1]')), { ok: false, code: 'ZY4001', field: 'event.__defineGetter__[0]' });
  // Strict mode: own JSON keys that are not fields are unknown, whatever their name.
  assert.equal(both(r, namesEvent(', "__lookupSetter__": 1'), namesProvider(), true), { ok: false, code: 'ZY4002', field: 'event.__lookupSetter__' });
  decided(both(r, namesEvent(), namesProvider(), true));
  // An entity row that is JSON with a __proto__ key of the wrong type.
  const P = namesProvider();
  const bad = new MemoryProvider({ entities: { constructor: new Map([['h', JSON.parse('{"__proto__": "x"}')]]) } });
  assert.equal(both(r, namesEvent(), bad), { ok: false, code: 'ZY4001', field: 'constructor.__proto__' });
  both(r, namesEvent(), P);
});

/** Names that are also identifiers of the generated code, or that strict code cannot bind. */
const CODE_NAMES_PACK = `pack decide version "1"
outcomes block > review > allow
event { src: string, ev: integer, f0: bool, t0: string, v: integer, __pwned: bool, R: string, K: string, arguments: string }
entity E0 by src { f0: bool, U: integer }
entity M by K { P: string, undefined: bool }
list K: string = ["a", "b"]
list Function: string external
const U = 1
const c0 = "x"
predicate P0 = event.f0
predicate S0 = event.v > U and event.ev == U
predicate eval = event.__pwned
predicate arguments = event.arguments in Function
rule decide when P0 and S0 and E0.f0 and E0.U == U and event.src in K then block
rule explain when eval and M.P == c0 and M.undefined then review score +5 message "{M.P}{event.arguments}"
rule load when event.t0 == c0 and event.R == "r" and arguments then block
rule Memo when count(by src, where f0 and v > U and __pwned) > 0 then block
`;

guarded('names that are identifiers of the generated code (decide, P0, E0, K, U, M, R, src, eval, arguments, …) stay data', () => {
  const r = compiled(CODE_NAMES_PACK);
  const code = r.code!.source.replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
  for (const name of ['eval', 'arguments', '__pwned', 'Function']) assert.not.ok(code.includes(name), `generated code names ${name}`);
  const P = new MemoryProvider({
    entities: { E0: new Map([['a', { f0: true, U: 1 }]]), M: new Map([['k', { P: 'x', undefined: true }]]) },
    lists: { Function: ['args'] },
    history: [{ src: 'a', f0: true, v: 2, __pwned: true, occurred_at: NOW - 1 }],
  });
  const ev = { src: 'a', ev: 1, f0: true, t0: 'x', v: 2, __pwned: true, R: 'r', K: 'k', arguments: 'args', occurred_at: NOW };
  const d = decided(both(r, ev, P));
  assert.equal(fired(d), ['Memo', 'decide', 'explain', 'load']);
  assert.is(d.fired.find((f) => f.id === 'explain')!.message.zh, 'xargs');
  assert.equal(fired(decided(both(r, { occurred_at: NOW }, P))), []);
  assert.is(g.__pwned, false);
});

guarded('event and history JSON with __proto__ and constructor keys, for a pack that does not declare them', () => {
  const r = compiled(`pack p
outcomes block > allow
event { name: string, n: integer }
rule R when event.name == "x" or event.n > 1 then block
rule H when count(where name == "x") > 0 then block
`);
  const P = new MemoryProvider({ history: JSON.parse(`[{"__proto__": {"name": "x"}, "constructor": {"name": "x"}, "occurred_at": ${NOW - 1}}]`) });
  for (const json of [
    `{"__proto__": {"name": "x", "n": 5}, "occurred_at": ${NOW}}`,
    `{"constructor": {"prototype": {"name": "x"}}, "occurred_at": ${NOW}}`,
    `{"__proto__": null, "toString": "x", "valueOf": 5, "occurred_at": ${NOW}}`,
  ]) {
    const ev = JSON.parse(json);
    assert.equal(fired(decided(both(r, ev, P))), []);
    const strict = both(r, ev, P, true);
    assert.is(strict.ok, false);
    assert.is((strict as { code: string }).code, 'ZY4002');
  }
});

guarded('events that are not objects', () => {
  const r = compiled(`pack p\noutcomes block > allow\nevent { name: string }\nrule R when event.name == "x" then block\n`);
  for (const ev of [null, undefined, 42, 'x', true, [], [{ name: 'x' }], () => 1, Symbol('x'), 10n]) {
    for (const strict of [false, true]) assert.equal(both(r, ev, new MemoryProvider(), strict), { ok: false, code: 'ZY4003', field: 'event' });
  }
  assert.equal(fired(decided(both(r, Object.assign(Object.create(null), { name: 'x', occurred_at: NOW })))), ['R']);
  for (const row of [42, 'abc', [1], true]) {
    const r2 = compiled(`pack p\noutcomes block > allow\nevent { k: string }\nentity e by k { length: integer }\nrule R when e.length > 1 then block\n`);
    assert.equal(both(r2, { k: 'a', occurred_at: NOW }, new MemoryProvider({ entities: { e: new Map([['a', row as never]]) } })), { ok: false, code: 'ZY4003', field: 'e' });
  }
});

(excluded(KNOWN_BUG_INHERITED_INPUT_FIELDS, 'INHERITED_INPUT_FIELDS') ? test.skip : guarded)('inherited properties of inputs are never read (KNOWN_BUG_INHERITED_INPUT_FIELDS)', () => {
  const r = compiled(`pack p\noutcomes block > allow\nevent { name: string, k: string }\nentity e by k { vip: bool }
rule R when event.name == "x" then block\nrule E when e.vip then block\nrule H when count(where name == "x") > 0 then block\n`);
  const ev = Object.assign(Object.create({ name: 'x' }), { k: 'a', occurred_at: NOW });
  const P = new MemoryProvider({
    entities: { e: new Map([['a', Object.create({ vip: true })]]) },
    history: [Object.assign(Object.create({ name: 'x' }), { occurred_at: NOW - 1 })],
  });
  assert.equal(fired(decided(both(r, ev, P))), []);
  // A process whose Object.prototype was polluted elsewhere: the engine must not pick it up.
  const proto = Object.prototype as Record<string, unknown>;
  try {
    proto['name'] = 'x';
    assert.equal(fired(decided(both(r, { occurred_at: NOW }, new MemoryProvider()))), []);
  } finally {
    delete proto['name'];
  }
});

(excluded(KNOWN_BUG_TEST_GIVEN_INHERITED_NAMES, 'TEST_GIVEN_INHERITED_NAMES') ? test.skip : guarded)('pack tests can give entities and lists named like Object.prototype members (KNOWN_BUG_TEST_GIVEN_INHERITED_NAMES)', () => {
  const r = compiled(`${NAMES_PACK}
test "given inherited names"
  at @2026-03-01T10:00
  given event { __proto__: 6, constructor: "k", hasOwnProperty: "h", toString: true, then: "__proto__" }
  given constructor { toString: true, __proto__: 1 }
  given __proto__ { valueOf: 1, constructor: "k" }
  given list toString ["h"]
  expect fired constructor, __proto__, toString
`);
  const e = load({ pack: r.optimized!, code: r.code! });
  for (const t of runTests(r.checked!, (ev, p) => e.decide(ev, p))) assert.ok(t.passed, t.failures.join('; '));
});

(excluded(KNOWN_BUG_TEST_CASES_POLLUTE_PROTOTYPE, 'TEST_CASES_POLLUTE_PROTOTYPE') ? test.skip : guarded)('compiling pack tests never writes to Object.prototype (KNOWN_BUG_TEST_CASES_POLLUTE_PROTOTYPE)', () => {
  const proto = Object.prototype as Record<string, unknown>;
  try {
    compile([{ path: 'p.zy', text: `pack p
outcomes block > allow
event { k: string }
entity __proto__ by k { polluted: bool }
entity constructor by k { hacked: string }
rule R when __proto__.polluted then block
test "t"
  at @2026-03-01T10:00
  given event { k: "a" }
  expect allow
  cases (__proto__.polluted, constructor.hacked) {
    (true, "yes") => block
  }
` }]);
    assert.is(proto['polluted'], undefined);
    assert.is((Object as unknown as Record<string, unknown>)['hacked'], undefined);
  } finally {
    delete proto['polluted'];
    delete (Object as unknown as Record<string, unknown>)['hacked'];
  }
});

test.run();
