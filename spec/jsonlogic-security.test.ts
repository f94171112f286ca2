// JSON Logic rules become JavaScript (compiler/jsonlogic/codegen.ts → new
// Function). These tests try to make a rule escape: hostile strings as var
// paths, literals, list members, object keys, missing keys and operator
// names; extreme numbers; hostile data. For every case:
//   - the generated source is printable ASCII, and every string literal in it
//     is exactly what compiler/escape.ts makes of a string from the rule;
//   - nothing runs: a global canary every payload tries to set stays unset,
//     and Object.prototype is not polluted;
//   - the result is json-logic-js's, except where zhiyu reads own properties
//     only (a documented difference, tested below).
// Bad input is a JsonLogicError with a stable code and a JSON path, never a
// stack overflow or a TypeError.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isDeepStrictEqual } from 'node:util';
import { jsString } from '../compiler/escape.ts';
import { compileJsonLogic, compileJsonLogicPack, JsonLogicError, type JlNode } from '../compiler/jsonlogic/index.ts';
import { jsonLogic } from './jsonlogic/oracle.ts';

const CANARY = '__zhiyu_jl_canary';
const g = globalThis as Record<string, unknown>;
const HOSTILE = [
  'constructor', '__proto__', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'length',
  '"', "'", '\\', '`', '${globalThis.__zhiyu_jl_canary = 1}', `</script><script>globalThis.${CANARY}=1</script>`,
  '\u2028', '\u2029', `*/globalThis.${CANARY}=1;/*`, '\n', '\u0000', '\ufeff', `" + (globalThis.${CANARY} = 1) + "`,
  `'); globalThis.${CANARY}=1; ('`, '😀', '中文', 'a.b', '..', '.', '', '0', '1e3', '-1',
];

/** Every string anywhere in a JSON value, and the keys of dotted paths. */
function stringsOf(v: unknown, out = new Set<string>()): Set<string> {
  if (typeof v === 'string') {
    out.add(v);
    for (const k of v.split('.')) out.add(k);
  } else if (Array.isArray(v)) v.forEach((x) => stringsOf(x, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { out.add(k); stringsOf(x, out); }
  return out;
}

/** Strings of the checked AST: the rule's, and what constant folding made of them (`substr`, `cat`). */
function astStrings(n: JlNode, out: Set<string>): void {
  if (n.kind === 'value' && typeof n.value === 'string') stringsOf(n.value, out);
  if (n.kind === 'array') n.items.forEach((x) => astStrings(x, out));
  if (n.kind === 'op') n.args.forEach((x) => astStrings(x, out));
}

/** The source is printable ASCII; each string literal in it is jsString of a string of the (folded) rule. */
function checkSource(rule: unknown, source: string, ast?: JlNode): void {
  assert.ok(/^[\x20-\x7e\n]*$/.test(source), `non-printable or non-ASCII character in:\n${source}`);
  const allowed = stringsOf(rule);
  if (ast) astStrings(ast, allowed);
  allowed.add('use strict');
  allowed.add(''); // codegen's own: the start of a `cat`, the "" that `missing` looks for
  for (const m of source.matchAll(/"(?:[^"\\]|\\.)*"/g)) {
    const value = JSON.parse(m[0]) as string;
    assert.is(m[0], jsString(value), `literal ${m[0]} is not how escape.ts writes ${JSON.stringify(value)}`);
    assert.ok(allowed.has(value), `literal ${m[0]} does not come from the rule`);
  }
}

const INHERITED = new Set(['constructor', '__proto__', 'prototype', 'toString', 'hasOwnProperty', 'valueOf']);
/** Whether json-logic-js reads an inherited property on this path for this data (zhiyu reads own properties only). */
function readsInherited(path: string, data: unknown): boolean {
  let d: unknown = data;
  for (const k of path.split('.')) {
    if (d === null || d === undefined) return false;
    if (!Object.hasOwn(Object(d), k) && (d as Record<string, unknown>)[k] !== undefined) return true;
    d = (d as Record<string, unknown>)[k];
  }
  return false;
}

function rulesFor(s: string): unknown[] {
  return [
    { var: s },
    { var: [s, s] },
    { var: `a.${s}` },
    { '==': [{ var: 'x' }, s] },
    { in: [s, { var: 'x' }] },
    { in: [{ var: 'x' }, [s, 'a', 'b']] },
    { in: [{ var: 'x' }, [s, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]] }, // a Set in K
    { in: [{ var: 'x' }, s] },
    { cat: [s, { var: 'x' }, s] },
    { missing: [s, `a.${s}`] },
    { missing_some: [1, [s, 'x']] },
    { if: [{ var: s }, { [s === 'var' ? 'v' : s]: 1, b: 2 }, [s, ...Array.from({ length: 40 }, (_, i) => i)]] }, // object literal, big array
    { map: [{ var: 'list' }, { var: s }] },
    { reduce: [{ var: 'list' }, { cat: [{ var: 'accumulator' }, { var: `current.${s}` }] }, s] },
    { substr: [s, 0, 2] },
  ];
}

function dataFor(s: string): unknown[] {
  return [
    null, {}, JSON.parse(JSON.stringify({ x: s, a: { [s]: s }, list: [{ [s]: 1 }, { [s]: s }] })),
    JSON.parse(`{${JSON.stringify(s)}: ${JSON.stringify(s)}, "x": 1}`), // own "__proto__", "constructor"… as JSON.parse makes them
  ];
}

test('hostile strings reach the generated code only escaped; nothing runs; results are json-logic-js\'s', () => {
  const protoKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  let compared = 0;
  for (const s of HOSTILE) {
    for (const rule of rulesFor(s)) {
      const c = compileJsonLogic(rule);
      checkSource(rule, c.code.source, c.ast);
      for (const data of dataFor(s)) {
        const got = c.apply(data);
        const paths = [...stringsOf(rule)];
        if (paths.some((p) => readsInherited(p, data) || (INHERITED.has(s) && readsInherited(s, {})))) continue; // documented difference, below
        const want = jsonLogic.apply(rule, data);
        assert.ok(isDeepStrictEqual(got, want), `${JSON.stringify(rule)} on ${JSON.stringify(data)}: zhiyu ${JSON.stringify(got)}, json-logic-js ${JSON.stringify(want)}`);
        compared++;
      }
    }
    assert.is(g[CANARY], undefined, `payload ${JSON.stringify(s)} ran`);
  }
  assert.equal(Object.getOwnPropertyNames(Object.prototype).sort(), protoKeys);
  assert.ok(compared > 500, `${compared} comparisons`);
});

test('a pack of hostile rule names and rules compiles to safe code', () => {
  const rules = Object.fromEntries(HOSTILE.map((s, i) => [s || `empty${i}`, { '==': [{ var: s }, s] }]));
  const pack = compileJsonLogicPack(rules);
  checkSource(rules, pack.code.source);
  assert.is(pack.apply({ x: 1 }).length, HOSTILE.length);
  assert.is(g[CANARY], undefined);
});

test('zhiyu reads own properties only: inherited names are not found (json-logic-js reads them)', () => {
  assert.is(compileJsonLogic({ var: 'constructor' }).apply({}), null);
  assert.is(jsonLogic.apply({ var: 'constructor' }, {}), Object);
  assert.is(compileJsonLogic({ var: '__proto__' }).apply({}), null);
  assert.is(compileJsonLogic({ var: 'toString' }).apply([]), null);
  assert.is(compileJsonLogic({ var: ['x.constructor.name', 'none'] }).apply({ x: 'text' }), 'none');
  assert.is(jsonLogic.apply({ var: 'x.constructor.name' }, { x: 'text' }), 'String');
  // Own properties with those names are read, as JSON.parse makes them.
  assert.is(compileJsonLogic({ var: '__proto__.x' }).apply(JSON.parse('{"__proto__": {"x": 1}}')), 1);
  assert.is(compileJsonLogic({ var: 'constructor' }).apply(JSON.parse('{"constructor": 2}')), 2);
  // Own properties of strings and arrays are: length, indices.
  assert.is(compileJsonLogic({ var: 's.length' }).apply({ s: 'abc' }), 3);
  assert.is(compileJsonLogic({ var: 'a.1' }).apply({ a: ['x', 'y'] }), 'y');
  assert.is(compileJsonLogic({ var: 's.1' }).apply({ s: 'xy' }), 'y');
});

test('a prototype polluted after compiling is still not read', () => {
  const rules = [{ var: 'zyPolluted' }, { var: 'a.zyPolluted' }, { var: 'list.5' }, { var: 's.zyPolluted' }, { missing: ['zyPolluted'] }];
  const compiled = rules.map((r) => compileJsonLogic(r));
  const data = { a: {}, list: [1], s: 'text' };
  const O = Object.prototype as Record<string, unknown>;
  const A = Array.prototype as unknown as Record<number, unknown>;
  const S = String.prototype as unknown as Record<string, unknown>;
  try {
    O['zyPolluted'] = 'polluted';
    A[5] = 'polluted';
    S['zyPolluted'] = 'polluted';
    assert.is(jsonLogic.apply(rules[0], data), 'polluted'); // what json-logic-js would do
    assert.equal(compiled.map((c) => c.apply(data)), [null, null, null, null, ['zyPolluted']]);
  } finally {
    delete O['zyPolluted'];
    delete A[5];
    delete S['zyPolluted'];
  }
});

test('extreme numbers: emitted exactly, results as json-logic-js gives them', () => {
  const numbers = [1e308, -1.7976931348623157e308, 5e-324, -0, 9007199254740993, 2 ** 53, 0.1 + 0.2, JSON.parse('1e400'), -JSON.parse('1e400'), NaN];
  for (const n of numbers) {
    for (const rule of [n, { '+': [n, 1] }, { '==': [{ var: 'x' }, n] }, { in: [{ var: 'x' }, [n, 1, 2, 3, 4, 5, 6, 7, 8, 9]] }, { '*': [n] }, { if: [true, n, 0] }, { var: ['missing', n] }]) {
      const c = compileJsonLogic(rule);
      for (const data of [{ x: n }, { x: 1 }, null]) {
        const want = jsonLogic.apply(rule, data);
        const got = c.apply(data);
        assert.ok(Object.is(want, got) || isDeepStrictEqual(want, got), `${String(n)} in ${JSON.stringify(rule)}: ${String(want)} vs ${String(got)}`);
      }
    }
  }
});

test('bad rules are JsonLogicErrors with a code and a JSON path', () => {
  const cycle: Record<string, unknown> = { and: [] };
  (cycle['and'] as unknown[]).push(cycle);
  let deep: unknown = true;
  for (let i = 0; i < 10_000; i++) deep = { '!': [deep] };
  const cases: [unknown, string, string][] = [
    [{ and: [true, { vra: 'x' }] }, 'ZY9002', '$.and[1].vra'],
    [JSON.parse('{"__proto__": [1]}'), 'ZY9002', '$.__proto__'],
    [{ constructor: [1] }, 'ZY9002', '$.constructor'],
    [{ 'a.b': [1] }, 'ZY9002', '$["a.b"]'],
    [{ if: [true, () => 1] }, 'ZY9001', '$.if[1]'],
    [{ '==': [undefined, 1] }, 'ZY9001', '$["=="][0]'],
    [{ in: ['a', new Date(0)] }, 'ZY9001', '$.in[1]'],
    [{ cat: [Symbol('x')] }, 'ZY9001', '$.cat[0]'],
    [{ '+': [10n] }, 'ZY9001', '$["+"][0]'],
    [[1, , 3], 'ZY9001', '$[1]'], // eslint-disable-line no-sparse-arrays
    [cycle, 'ZY9001', '$.and[0]'],
    [deep, 'ZY9003', ''],
    [{ merge: Array.from({ length: 100_001 }, () => 1) }, 'ZY9004', ''],
  ];
  for (const [rule, code, path] of cases) {
    try {
      compileJsonLogic(rule);
      assert.unreachable(`${code} expected`);
    } catch (e) {
      assert.instance(e, JsonLogicError);
      const err = e as JsonLogicError;
      assert.is(err.code, code, err.message);
      if (path) assert.is(err.path, path, err.message);
      assert.ok(err.message.startsWith(`${code} at $`), err.message);
    }
  }
});

test('an unknown operator gets a suggestion', () => {
  try {
    compileJsonLogic({ and: [{ '==': [{ vra: 'x' }, 1] }] });
  } catch (e) {
    assert.is((e as Error).message, 'ZY9002 at $.and[0]["=="][0].vra: unknown operator "vra" (did you mean "var"?)');
  }
});

test('data is never run as logic: json-logic-js would, in missing and missing_some', () => {
  const logged: unknown[] = [];
  const saved = console.log;
  console.log = (...a: unknown[]) => { logged.push(a); };
  try {
    const data = { keys: [{ log: 'ran' }], x: 1 };
    jsonLogic.apply({ missing: { var: 'keys' } }, data);
    assert.equal(logged, [['ran']]); // json-logic-js ran the data
    for (const rule of [{ missing: { var: 'keys' } }, { missing_some: [1, { var: 'keys' }] }]) {
      try {
        compileJsonLogic(rule).apply(data);
        assert.unreachable('ZY9101 expected');
      } catch (e) {
        assert.is((e as JsonLogicError).code, 'ZY9101');
      }
    }
    assert.is(logged.length, 1);
  } finally {
    console.log = saved;
  }
});

test.run();
