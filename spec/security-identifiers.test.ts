// Rule text becomes JavaScript (compiler/codegen.ts → new Function). These
// tests try to make it escape: hostile string literals and messages, names
// that are properties of Object.prototype, hostile event JSON, extreme
// numbers and catastrophic regular expressions. For every case:
//   - the compiled engine and the interpreter give the same result;
//   - nothing else runs: a global canary that every payload tries to set stays false;
//   - Object.prototype (and friends) are not polluted;
//   - the generated source is printable ASCII, and every string literal in it
//     is exactly what compiler/escape.ts makes of its value.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Worker } from 'node:worker_threads';
import { compile, type CompileResult } from '../compiler/index.ts';
import { jsNumber, jsString } from '../compiler/escape.ts';
import { MAX_MATCH_INPUT } from '../compiler/regex-safety.ts';
import { parseTimestamp } from '../compiler/literals.ts';
import { InputError, interpret, load, MemoryProvider, runTests, type Decision, type FeatureProvider } from '../runtime/index.ts';

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

/**
 * (Found by these tests, fixed upstream.) In a message, a `\u{…}` escape was read as a placeholder: the template
 * scanner (compiler/check/templates.ts) skips only one character after a
 * backslash, so `{` opens a placeholder. `message "caf\u{e9}"` fails with
 * ZY2001 unknown name `e9`; `message "x\u{1F600}"` with ZY1001. (`\u00e9`
 * works.) While true, messages in these tests write \uXXXX escapes only.
 */
const KNOWN_BUG_MESSAGE_BRACED_UNICODE_ESCAPE = false; // fixed in 4e7ee7d

/**
 * Deeply nested rule text makes compile() throw RangeError (stack overflow)
 * instead of returning a diagnostic: from 157 nested parentheses (in the
 * Chevrotain parser), 1,250 `not`s, 2,109 `+` terms or 7,803 `and` operands.
 * Repro: compile a pack with `rule R when ((((…157…(event.f)…)))) then block`.
 * (The shared parser recovers: the next compile works.)
 */
const KNOWN_BUG_DEEP_NESTING_THROWS = false;

/**
 * ZHIYU_KNOWN_BUGS=all (or a comma list of flag names without the KNOWN_BUG_
 * prefix) runs the flagged cases anyway, to check a fix.
 */
function excluded(flag: boolean, name: string): boolean {
  const v = (process.env['ZHIYU_KNOWN_BUGS'] ?? '').split(',');
  return flag && !v.includes('all') && !v.includes(name);
}

// ---------- guards around every case ----------
type Canary = { __pwned?: unknown };
const g = globalThis as typeof globalThis & Canary;

const GUARDED: [string, object][] = [
  ['Object.prototype', Object.prototype], ['Array.prototype', Array.prototype], ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype], ['Number.prototype', Number.prototype], ['Object', Object], ['globalThis', globalThis],
];
function snapshot(): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const [name, o] of GUARDED) {
    for (const k of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, k)!;
      m.set(`${name}.${String(k)}`, 'value' in d ? d.value : d.get);
    }
    m.set(`${name} [[Prototype]]`, Object.getPrototypeOf(o));
  }
  return m;
}

/** A test whose body must leave the canary down and the built-in prototypes untouched. */
function guarded(name: string, body: () => void | Promise<void>): void {
  test(name, async () => {
    g.__pwned = false;
    const before = snapshot();
    let failure: unknown;
    try {
      await body();
    } catch (e) {
      failure = e;
    }
    const after = snapshot();
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => k !== 'globalThis.__pwned' && !Object.is(before.get(k), after.get(k)));
    assert.is(g.__pwned, false, 'a payload ran');
    assert.equal(changed, [], `built-ins changed: ${changed.join(', ')}`);
    if (failure !== undefined) throw failure;
  });
}

// ---------- compiling and deciding ----------
function compiled(text: string): CompileResult {
  const r = compile([{ path: 'hostile.zy', text }]);
  if (!r.ok) throw new Error(`did not compile:\n${r.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n')}`);
  assertCleanSource(r.code!.source);
  return r;
}

function codesOf(text: string): string[] {
  return compile([{ path: 'hostile.zy', text }]).diagnostics.map((d) => d.code);
}

type Outcome = { ok: true; decision: Decision } | { ok: false; code: string; field: string };
function attempt(f: () => Decision): Outcome {
  try {
    return { ok: true, decision: f() };
  } catch (e) {
    if (e instanceof InputError) return { ok: false, code: e.code, field: e.field };
    throw e;
  }
}

/** Both evaluators; they must agree (decision or InputError). */
function both(r: CompileResult, event: unknown, provider: FeatureProvider = new MemoryProvider(), strict = false): Outcome {
  const a = attempt(() => load({ pack: r.optimized!, code: r.code! }).decide(event, provider, { strict }));
  const b = attempt(() => interpret(r.checked!, event, provider, { strict }).decision);
  assert.equal(a, b, 'compiled and interpreted results differ');
  return a;
}
function decided(o: Outcome): Decision {
  if (!o.ok) throw new Error(`expected a decision, got ${o.code} ${o.field}`);
  return o.decision;
}
const fired = (d: Decision) => d.fired.map((f) => f.id).sort();

/**
 * The generated source is printable ASCII (plus newlines); outside its
 * double-quoted literals there is no other kind of string, comment opener or
 * payload marker; and each literal is exactly jsString of its own value.
 */
function assertCleanSource(source: string): void {
  assert.ok(/^[\x20-\x7e\n]*$/.test(source), 'generated source has a character outside printable ASCII');
  for (const bad of ['\u2028', '\u2029', '\0', '</script', '<!--', '-->']) assert.not.ok(source.includes(bad), `generated source contains ${JSON.stringify(bad)}`);
  const literals = source.match(/"(?:[^"\\\n]|\\.)*"/g) ?? [];
  for (const lit of literals) {
    const value = JSON.parse(lit) as string;
    assert.is(lit, jsString(value), `string literal not produced by jsString: ${lit.slice(0, 80)}`);
  }
  const code = source.replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
  for (const bad of ["'", '`', '/*', '__pwned', '${']) assert.not.ok(code.includes(bad), `generated code (outside literals) contains ${bad}`);
}

const NOW = (() => { const r = parseTimestamp('@2026-03-01T10:00'); if (!r.ok) throw new Error(r.message); return r.value; })();

// ---------- writing hostile strings as rule text ----------
/**
 * A DSL string literal for `s`. Mode `u4` writes every unit outside printable
 * ASCII as \uXXXX, `braces` as \u{…}, `raw` writes it as is (only quotes,
 * backslashes and line ends are escaped). `message` also escapes braces.
 */
function dsl(s: string, mode: 'u4' | 'braces' | 'raw', message = false): string {
  return `"${dslBody(s, mode, message)}"`;
}
function dslBody(s: string, mode: 'u4' | 'braces' | 'raw', message = false): string {
  if (message && mode === 'braces' && excluded(KNOWN_BUG_MESSAGE_BRACED_UNICODE_ESCAPE, 'MESSAGE_BRACED_UNICODE_ESCAPE')) mode = 'u4';
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = s.charCodeAt(i);
    if (c === '\\') out += '\\\\';
    else if (c === '"') out += '\\"';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (message && (c === '{' || c === '}')) out += `\\${c}`;
    else if (mode !== 'raw' && (code < 0x20 || code > 0x7e)) out += mode === 'u4' ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
    else out += c;
  }
  return out;
}

const PWN = 'globalThis.__pwned = true';
const PAYLOADS: [string, string][] = [
  ['double quote', `"; ${PWN}; "`],
  ['single quote', `'; ${PWN}; '`],
  ['backtick', `\`; ${PWN}; \``],
  ['template placeholder', `\${${PWN}}`],
  ['comment close', `*/ ${PWN}; /*`],
  ['backslash quote', `\\"; ${PWN}; //`],
  ['lone backslash', '\\'],
  ['backslashes and quotes', '\\\\"\\\'\\'],
  ['</script>', `</script><script>${PWN}</script>`],
  ['HTML comment', `<!-- ${PWN} -->`],
  ['line separators', `\u2028${PWN}\u2029//`],
  ['newlines', `\n${PWN}; //\r\n`],
  ['NUL', `\0; ${PWN}; \u0000`],
  ['lone surrogates', '\ud800 lone \udc00 surrogates \udbff'],
  ['astral and CJK', '\u{1F600} 智御 — 诈骗'],
  ['closers', `]); }); ${PWN}; ({ ([`],
  ['control characters', '\t\b\f\v\u001b[31m\u007f'],
  // The pack repeats it ~26 times, and a file may have at most 1 Mi characters (LANGUAGE.md §15).
  ['very long', `${'x'.repeat(20_000)}"; ${PWN}; "${'\u2028'.repeat(1000)}`],
];

function hostilePack(p: string, mode: 'u4' | 'braces' | 'raw'): string {
  const S = dsl(p, mode);
  const M = dsl(p, mode, true);
  const big = ['1', '2', '3', '4', '5', '6', '7'].map((x) => `"${x}"`).join(', ');
  return `pack sec version ${S}
outcomes block > review > allow
event ${S} {
  name: string ${S}
  alt: string
  type: enum(a, b)
}
entity customer by name ${S} { nick: string ${S} }
list L: string = [${S}, "x"]
list BIG: string = [${S}, ${big}]
list EXT: string external ${S}
const S = ${S}
predicate IS_S ${S} = event.name == S
rule EQ ${S}
  owner ${S} tags a, b
  when event.name == ${S}
  then block
  reason R1
  message ${M} en "${dslBody(p, mode, true)}{event.name}"
rule IN_SMALL when event.name in [${S}, "y"] and event.name not in ["y"] then review
rule IN_BIG when event.name in BIG and event.name in [${S}, ${big}] then review
rule IN_L when event.name in L then review
rule PRED when IS_S then review
rule FNS when starts_with(event.name, ${S}) and ends_with(event.name, ${S}) and contains(event.name, ${S}) then review
rule LOWER when lower(event.name) == lower(${S}) and upper(S) == upper(event.name) and len(event.name) == len(S) then review
rule CUST when customer.nick == ${S} then review
rule HIST when count(where name == ${S}) >= 1 and count(where name == S, including current) >= 2 then review
  message "{count(where name == S)} {contains(event.name, '\${\`*/</script>')}"
rule EXTL when event.name in EXT then review
rule COAL when (event.alt ?? ${S}) == ${S} and (event.type ?? "a") == "a" then review
`;
}
const ALL_RULES = ['COAL', 'CUST', 'EQ', 'EXTL', 'FNS', 'HIST', 'IN_BIG', 'IN_L', 'IN_SMALL', 'LOWER', 'PRED'];

for (const [label, p] of PAYLOADS) {
  guarded(`hostile string literal stays data: ${label}`, () => {
    for (const mode of ['u4', 'braces', 'raw'] as const) {
      const r = compiled(hostilePack(p, mode));
      // The literal's value reaches the rules exactly: every rule fires on an event carrying it.
      const provider = new MemoryProvider({
        entities: { customer: new Map([[p, { nick: p }]]) },
        history: [{ name: p, occurred_at: NOW - 1000 }],
        lists: { EXT: [p] },
      });
      const d = decided(both(r, { name: p, occurred_at: NOW }, provider));
      assert.equal(fired(d), ALL_RULES, `${mode}: not every rule fired`);
      assert.is(d.version, p);
      const eq = d.fired.find((f) => f.id === 'EQ')!;
      assert.is(eq.title, p);
      assert.is(eq.message.zh, p);
      assert.is(eq.message.en, p + p);
      assert.is(d.fired.find((f) => f.id === 'HIST')!.message.zh, `1 ${String(p.includes('${`*/</script>'))}`);
      // And only on such an event.
      const other = decided(both(r, { name: `${p}!`, type: 'b', occurred_at: NOW }, provider));
      const q = `${p}!`;
      assert.equal(fired(other), q.startsWith(p) && q.endsWith(p) && q.includes(p) ? ['FNS'] : []);
      both(r, { occurred_at: NOW }, provider);
      both(r, { name: p, type: p, occurred_at: NOW }, provider);
    }
  });
}

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

// ---------- numbers ----------
guarded('numeric literals out of range are diagnosed ZY1004, never compiled to Infinity', () => {
  const head = `pack p\noutcomes block > review > allow\nevent { x: number, n: integer, m: money, d: duration }\n`;
  for (const body of [
    'const A = 1e309\nrule R when event.x > A then block',
    'rule R when event.x > 1e309 then block',
    'rule R when event.x > -1e309 then block',
    'rule R when event.n > 99999999999999999999 then block',
    'rule R when event.n > 9007199254740993 then block',
    'rule R when event.m > ¥99999999999999999 then block',
    'rule R when event.d > 99999999999999999d then block',
    'rule R when event.x in [1, 1e400] then block',
    'rule R when event.x > 1 score +1e309',
    'threshold review at 1e400\nrule R when event.x > 1 then block',
  ]) {
    assert.ok(codesOf(head + body).includes('ZY1004'), `not diagnosed: ${body}`);
  }
  const r = compiled(`${head}
const BIG = 1e308 * 10
const NEG_ZERO = 0 * -1
rule INF when event.x < 1e308 * 10 or event.x > -(1e308 * 10) or event.x == BIG then block
rule GONE when (1e308 * 10) is missing and BIG is missing and (1 / NEG_ZERO) is missing and (1e308 + 1e308) is missing and (event.x / 0) is missing then review
  message "{1e308 * 10} {NEG_ZERO} {event.x * -1} {-0}"
rule ZERO when event.x == -0 and event.x == NEG_ZERO and event.n == -0 and -event.x == 0 then review
rule MAX when event.x * 1e308 > 1e307 and event.n + 9007199254740991 > 0 then review
`);
  for (const s of ['Infinity', 'NaN', 'e+309']) assert.not.ok(r.code!.source.includes(s), `source contains ${s}`);
  for (const x of [0, -0, 1, -1, 1e308, -1e308, Number.MIN_VALUE, 5e-324]) {
    for (const n of [0, -0, 9007199254740991, -9007199254740991]) {
      const d = decided(both(r, { x, n, occurred_at: NOW }));
      assert.not.ok(fired(d).includes('INF'));
      if (x === 0 && n === 0) {
        assert.ok(fired(d).includes('ZERO'));
        assert.is(d.fired.find((f) => f.id === 'GONE')!.message.zh, '(missing) 0 0 0');
      }
    }
  }
  // A -0 read from JSON behaves as 0 in both.
  assert.ok(fired(decided(both(r, JSON.parse(`{"x": -0, "n": -0, "occurred_at": ${NOW}}`)))).includes('ZERO'));
  assert.equal(both(r, { x: Infinity, occurred_at: NOW }), { ok: false, code: 'ZY4001', field: 'event.x' });
  assert.equal(both(r, { x: Number.NaN, occurred_at: NOW }), { ok: false, code: 'ZY4001', field: 'event.x' });
  assert.equal(both(r, { n: 2 ** 53, occurred_at: NOW }), { ok: false, code: 'ZY4001', field: 'event.n' });
});

// ---------- nesting ----------
const NESTINGS: [string, (k: number) => string, number][] = [
  ['parentheses', (k) => `${'('.repeat(k)}event.f${')'.repeat(k)}`, 100],
  ['not', (k) => `${'not '.repeat(k)}event.f`, 1000],
  ['and', (k) => Array(k).fill('event.f').join(' and '), 2000],
  ['+', (k) => `${Array(k).fill('event.n').join(' + ')} > 1`, 1000],
  ['unary minus', (k) => `${'- '.repeat(k)}event.n > 1`, 1000],
];
const NEST_HEAD = 'pack p\noutcomes block > allow\nevent { n: integer, f: bool }\n';

guarded('moderately deep nesting compiles, and both evaluators agree on it', () => {
  for (const [label, make, depth] of NESTINGS) {
    const r = compile([{ path: 'deep.zy', text: `${NEST_HEAD}rule R when ${make(depth)} then block\n` }]);
    assert.ok(r.ok, `${label} × ${depth} did not compile`);
    assertCleanSource(r.code!.source);
    for (const ev of [{ n: 1, f: true, occurred_at: NOW }, { n: 0, f: false, occurred_at: NOW }, { occurred_at: NOW }]) both(r, ev);
  }
});

(excluded(KNOWN_BUG_DEEP_NESTING_THROWS, 'DEEP_NESTING_THROWS') ? test.skip : guarded)('very deep nesting is compiled or diagnosed, never a crash (KNOWN_BUG_DEEP_NESTING_THROWS)', () => {
  for (const [label, make, depth] of NESTINGS) {
    let r: CompileResult | undefined;
    assert.not.throws(() => { r = compile([{ path: 'deep.zy', text: `${NEST_HEAD}rule R when ${make(depth * 10)} then block\n` }]); }, `${label} × ${depth * 10} threw`);
    if (r?.ok) both(r, { n: 1, f: true, occurred_at: NOW });
  }
});

// ---------- regular expressions ----------
/** Patterns RE2 cannot express (or that are invalid, or too long): ZY3005. */
const REJECTED_PATTERNS = [
  '(a)\\\\1', '(?<n>a)\\\\k<n>', '(?=a)a', '(?!a)b', '(?<=a)b', '(?<!a)b', '(', '[', 'a{2,1}', 'x'.repeat(257), '.{0,500}.{0,500}x',
];
guarded('backreferences, lookaround, invalid and oversized regular expressions are rejected with ZY3005', () => {
  const head = 'pack p\noutcomes block > allow\nevent { name: string }\n';
  for (const pat of REJECTED_PATTERNS) {
    assert.ok(codesOf(`${head}rule R when matches(event.name, "${pat}") then block`).includes('ZY3005'), `accepted: ${pat}`);
    assert.ok(codesOf(`${head}const P = "${pat}"\nrule R when matches(event.name, P) then block`).includes('ZY3005'), `accepted via a constant: ${pat}`);
  }
});

/** Runs the project's matcher (what matches() does) in a worker; resolves with the result, rejects after `limit` ms (a hang detector). */
function matchInWorker(p: string, s: string, limit: number): Promise<boolean> {
  const w = new Worker(new URL('./fixtures/worker-boot.js', import.meta.url), {
    workerData: { module: new URL('./fixtures/match-child.ts', import.meta.url).href, p, s }, execArgv: [],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { void w.terminate(); reject(new Error(`${p} did not finish on ${s.length} characters`)); }, limit);
    w.once('message', (m: boolean) => { clearTimeout(timer); void w.terminate(); resolve(m); });
    w.once('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

/** Patterns that backtrack catastrophically in JavaScript, each with an adversarial input of the longest length matches() reads. */
const ADVERSARIAL: [string, string][] = [
  ['^[a-z]+$', `${'a'.repeat(MAX_MATCH_INPUT - 1)}!`],
  ['(a+)+$', `${'a'.repeat(MAX_MATCH_INPUT - 1)}!`],
  ['(a|a)*b', 'a'.repeat(MAX_MATCH_INPUT)],
  ['(.*a){12}', 'a'.repeat(MAX_MATCH_INPUT)],
  ['\\d+\\d+\\d+$', `${'1'.repeat(MAX_MATCH_INPUT - 1)}x`],
  ['a*a*a*b', 'a'.repeat(MAX_MATCH_INPUT)],
  ['\\s*\\s*$', `${' '.repeat(MAX_MATCH_INPUT - 1)}x`],
  ['.*.*=.*', 'a'.repeat(MAX_MATCH_INPUT)],
];

guarded('patterns that backtrack in JavaScript are accepted and match a worst-case 4096-character input (linear time)', async () => {
  const head = 'pack p\noutcomes block > allow\nevent { name: string }\n';
  for (const [pat, input] of ADVERSARIAL) {
    const text = `${head}rule R when matches(event.name, ${dsl(pat, 'raw')}) then block`;
    const r = compiled(text);
    await matchInWorker(pat, input, 60_000);
    both(r, { name: input, occurred_at: NOW });
    assert.equal(fired(decided(both(r, { name: input + input, occurred_at: NOW }))), [], 'inputs over MAX_MATCH_INPUT never match');
  }
});

// ---------- the escaping functions themselves ----------
/** Any UTF-16 string, lone surrogates included. */
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.nat({ max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('"', "'", '\\', '`', '$', '{', '}', '<', '>', '/', '*', '\u2028', '\u2029', '\0', '\n', '\r', '\ud800', '\udfff', 'a'), maxLength: 40 }),
);

test('jsString: for every string s, eval(jsString(s)) === s, in printable ASCII without < > /', () => {
  const indirectEval = eval;
  fc.assert(fc.property(anyString, (s) => {
    const out = jsString(s);
    if (!/^[\x20-\x7e]*$/.test(out)) return false;
    if (/[<>/]/.test(out)) return false;
    if (!out.startsWith('"') || !out.endsWith('"')) return false;
    return indirectEval(out) === s && JSON.parse(out) === s && new Function(`return ${out};`)() === s;
  }), { seed: 42, numRuns: 5000 });
});

test('jsNumber: every finite number round-trips exactly (including -0); non-finite numbers are refused', () => {
  fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
    const out = jsNumber(x);
    return /^[-0-9.e+()]*$/.test(out) && Object.is(new Function(`return ${out};`)(), x) && Object.is(new Function(`return 1-${out};`)(), 1 - x);
  }), { seed: 42, numRuns: 5000 });
  for (const x of [Infinity, -Infinity, Number.NaN]) assert.throws(() => jsNumber(x));
});

test.run();
