// Rule indexing's switches with many cases (compiler/codegen-cases.ts): Maps,
// per-field dictionaries, case tables, switches on the id itself and the byte
// tables of dictId. Each form must decide exactly as the interpreter does,
// wrong-typed and odd values included.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generate } from '../compiler/codegen.ts';
import { planDispatch } from '../compiler/optimize/dispatch.ts';
import { interpret, load, MemoryProvider } from '../runtime/index.ts';
import { build, HEADER } from './helpers.ts';
import { agreeAll, run } from './dispatch-agree.ts';

test('a switch with many cases finds its case through a Map; rules that allow many values stay unsorted', () => {
  // More cases than SWITCH_CASES (16) in codegen.ts.
  const rules = Array.from({ length: 20 }, (_, i) => `rule R${i} when event.name == "n${i}" and event.n > ${i} then review`).join('\n');
  const wide = `rule W when event.name in [${Array.from({ length: 30 }, (_, i) => `"n${i}"`).join(', ')}] and event.flag then hold`;
  const r = build(`${rules}\n${wide}`);
  const plan = planDispatch(r.optimized!);
  assert.is(plan.kind, 'switch');
  if (plan.kind === 'switch') {
    assert.equal(plan.always, { kind: 'rules', rules: [20] });
    assert.is(plan.cases.size, 20);
  }
  assert.match(r.code!.source, /switch \(c\d+\.get\(src\["name"\]\)\)/);
  for (const name of ['n0', 'n5', 'n11', 'n15', 'n19', 'n25', 'zz', undefined]) agreeAll(r, {}, { type: 'login', name, n: 20, flag: true, occurred_at: 0 }, new MemoryProvider());
});

test('switches with many cases inside a copy of decide() share one dictionary per field: each reads its case from a table', () => {
  // Two types switch on the name with different values (more than 16 each, some shared); rules that
  // ignore the type switch on it too. Unknown, missing and invalid names take no case.
  const lines: string[] = [];
  for (let i = 0; i < 24; i++) lines.push(`rule L${i} when event.type == "login" and event.name == "n${i}" and event.n > ${i % 5} then review`);
  for (let i = 10; i < 40; i++) lines.push(`rule T${i} when event.type == "transfer_out" and event.name == "n${i}" and event.flag then hold`);
  for (let i = 0; i < 20; i++) lines.push(`rule A${i} when event.name == "n${i * 2}" and event.n > 2 then block`);
  // The type sorts the most rules: decide() is copied per type.
  for (let i = 0; i < 40; i++) lines.push(`rule D${i} when event.type == "drawdown" and event.n > ${i % 7} then review`);
  const r = build(lines.join('\n'));
  assert.ok(r.ok);
  const source = r.code!.source;
  const tables = source.match(/switch \(c\d+\[M\.k\d+ === U \? \(M\.k\d+ = c\d+\.get\(f\d+\) \?\? \d+\) : M\.k\d+\]\)/g) ?? [];
  assert.ok(tables.length >= 3, `expected case tables, got:\n${source}`);
  // One dictionary for the field, whichever switch asks first.
  assert.is(new Set(tables.map((t) => /c\d+\.get/.exec(t)![0])).size, 1);
  assert.match(source, /function Memo\(\) \{.* this\.k\d+ = U; \}/);
  const flat = load({ pack: r.optimized!, code: generate(r.optimized!, { index: false }) });
  const indexed = load({ pack: r.optimized!, code: r.code! });
  const small = load({ pack: r.optimized!, code: generate(r.optimized!, { inlineRules: 3 }) });
  let fired = 0;
  for (const type of ['login', 'transfer_out', 'drawdown']) {
    for (const name of ['n0', 'n4', 'n12', 'n23', 'n24', 'n38', 'n39', 'n40', 'zz', '', undefined, null, 7, true]) {
      for (const n of [0, 3, 9]) {
        const e = { type, name, n, flag: n !== 3, occurred_at: 0 };
        const a = run(() => indexed.decide(e));
        assert.equal(a, run(() => flat.decide(e)));
        assert.equal(a, run(() => small.decide(e)));
        assert.equal(a, run(() => interpret(r.checked!, e).decision));
        if (a.ok) {
          fired += a.d.fired.length;
          const raw = indexed.decideRaw(e).fired;
          assert.equal(raw, [...raw].sort((x, y) => x - y));
        }
      }
    }
  }
  assert.ok(fired > 40, 'the events should fire rules');
});

test('a switch on a string field with a few cases reads a table, not a chain of string comparisons; an enum keeps its chain', () => {
  // Inside the type's copy of decide(): 6 names (more than STRING_CHAIN, codegen-cases.ts) and 5 channels (an enum).
  const lines: string[] = [];
  for (let i = 0; i < 6; i++) for (const k of [1, 2]) lines.push(`rule N${i}_${k} when event.type == "login" and event.name == "n${i}" and event.n > ${k} then review`);
  for (const c of ['app', 'web', 'counter', 'atm', 'api']) lines.push(`rule C_${c} when event.type == "transfer_out" and event.channel == "${c}" and event.n > 1 then hold`, `rule D_${c} when event.type == "transfer_out" and event.channel == "${c}" and event.flag then review`);
  const r = build(lines.join('\n'), HEADER.replace('  name: string\n', '  name: string\n  channel: enum(app, web, counter, atm, api)\n'));
  assert.ok(r.ok);
  const source = r.code!.source;
  assert.not.match(source, /case "n\d":/, 'the names are compared one by one');
  // Six values (at most ID_CASES): the switch compares the value's id itself.
  assert.match(source, /switch \(\(M\.k\d+ === U \? \(M\.k\d+ = c\d+\.get\(f\d+\) \?\? 6\) : M\.k\d+\)\) \{\n\s+case \d+:/);
  assert.match(source, /case "counter":/);
  for (const type of ['login', 'transfer_out']) for (const name of ['n0', 'n3', 'n5', 'n6', '', 'zz', undefined, null, 4]) for (const channel of ['app', 'atm', 'x', undefined]) for (const n of [1, 3]) {
    agreeAll(r, {}, { type, name, channel, n, flag: n > 1, occurred_at: 0 }, new MemoryProvider());
  }
});

test('a table switch over few values switches on the id itself, one over more reads its case from a byte table; bins too', () => {
  // Login rules on 7 names (at most ID_CASES), transfer rules on 40: inside each type's copy of decide() a switch on the
  // name; with tiny functions the cases become bins, several names to a bin.
  const lines: string[] = [];
  for (let i = 0; i < 7; i++) lines.push(`rule L${i} when event.type == "login" and event.name == "n${i}" and event.n > ${i % 3} then review`);
  for (let i = 0; i < 40; i++) lines.push(`rule T${i} when event.type == "transfer_out" and event.name == "n${i}" and event.flag then hold`);
  const r = build(lines.join('\n'));
  assert.ok(r.ok);
  const id = String.raw`M\.k\d+ === U \? \(M\.k\d+ = c\d+\.get\(f\d+\) \?\? 40\) : M\.k\d+`;
  const source = r.code!.source;
  assert.match(source, new RegExp(String.raw`switch \(\(${id}\)\) \{\n\s+case \d+:`), 'a switch on the id');
  assert.match(source, new RegExp(String.raw`switch \(c\d+\[${id}\]\) \{`), 'a switch through a table');
  assert.match(source, /^const c\d+ = new Int8Array\(K\[\d+\]\);$/m, 'the table holds bytes');
  const binned = generate(r.optimized!, { inlineRules: 2 }).source;
  assert.match(binned, new RegExp(String.raw`switch \(\(${id}\)\) \{\n\s+case \d+: case \d+: g\d+\(`), 'a bin of names takes each one\'s id');
  assert.match(binned, new RegExp(String.raw`switch \(c\d+\[${id}\]\) \{\n\s+case 0: g\d+\(`), 'bins of many names read a table');
  const flat = load({ pack: r.optimized!, code: generate(r.optimized!, { index: false }) });
  const engines = [load({ pack: r.optimized!, code: r.code! }), load({ pack: r.optimized!, code: generate(r.optimized!, { inlineRules: 2 }) })];
  let fired = 0;
  let refused = 0;
  for (const type of ['login', 'transfer_out', 'drawdown']) {
    for (const name of ['n0', 'n2', 'n6', 'n7', 'n8', 'n39', 'n40', 'zz', '', 'N0', undefined, null, 0, 7, true]) {
      for (const n of [0, 2, 5]) {
        const e = { type, name, n, flag: n !== 2, occurred_at: 0 };
        const want = run(() => interpret(r.checked!, e).decision);
        assert.equal(run(() => flat.decide(e)), want);
        for (const engine of engines) assert.equal(run(() => engine.decide(e)), want, `on ${JSON.stringify(e)}`);
        if (want.ok) fired += want.d.fired.length; else refused++;
      }
    }
  }
  assert.ok(fired >= 15, 'the events should fire rules');
  assert.ok(refused > 5, 'wrong-typed names should be refused');
});

test('a dictionary of many short strings finds ids in a byte table (dictId): the same decisions as the interpreter, odd values included', () => {
  // 80 names (at least HASHED_IDS) of 1 to 13 characters, some with Latin-1 letters, in switches of two types; a second
  // pack adds one name no byte can hold, and keeps its Map.
  const names = Array.from({ length: 80 }, (_, i) => (i % 9 === 0 ? `é${i}` : i % 7 === 0 ? 'x'.repeat(1 + (i % 13)) + String(i).slice(0, Math.max(0, 12 - (i % 13))) : `n${i}`));
  const packOf = (extra: string[]) => {
    const all = [...names, ...extra];
    const lines: string[] = [];
    all.forEach((n, i) => lines.push(`rule L${i} when event.type == "login" and event.name == ${JSON.stringify(n)} and event.n > ${i % 3} then review`));
    all.forEach((n, i) => { if (i % 2 === 0) lines.push(`rule T${i} when event.type == "transfer_out" and event.name == ${JSON.stringify(n)} and event.flag then hold`); });
    return build(lines.join('\n'));
  };
  const r = packOf([]);
  assert.ok(r.ok);
  assert.ok(names.some((n) => n.length === 13), 'a name as long as an entry holds');
  assert.match(r.code!.source, /dictId\(c\d+, f\d+, 80\)/);
  assert.match(r.code!.source, /^function dictId\(T, s, miss\) \{/m);
  assert.not.match(r.code!.source, /\.get\(f\d+\) \?\? 80/);
  const wide = packOf(['名字']);
  assert.ok(wide.ok);
  assert.not.match(wide.code!.source, /dictId\(/, 'a name no byte can hold keeps the Map');
  assert.match(wide.code!.source, /\.get\(f\d+\) \?\? 81/);
  const odd = ['', 'n', 'n1', 'n10', 'n79', 'n80', 'N1', 'n1 ', 'é9', 'e9', 'é18', names[14]!, `${names[14]!}x`, 'x'.repeat(13), 'x'.repeat(14), 'xxxxxxxxxxxxxxxxxxxxxxxxxx', '名字', '\u0000', 'n1\u0000', undefined, null, 4, true];
  let fired = 0;
  let refused = 0;
  for (const p of [r, wide]) {
    const flat = load({ pack: p.optimized!, code: generate(p.optimized!, { index: false }) });
    const engines = [load({ pack: p.optimized!, code: p.code! }), load({ pack: p.optimized!, code: generate(p.optimized!, { inlineRules: 3 }) })];
    for (const type of ['login', 'transfer_out', 'drawdown']) {
      for (const name of [...names, ...odd]) {
        for (const n of [0, 2]) {
          const e = { type, name, n, flag: n === 2, occurred_at: 0 };
          const want = run(() => interpret(p.checked!, e).decision);
          assert.equal(run(() => flat.decide(e)), want);
          for (const engine of engines) assert.equal(run(() => engine.decide(e)), want, `on ${JSON.stringify(e)}`);
          if (want.ok) fired += want.d.fired.length; else refused++;
        }
      }
    }
  }
  assert.ok(fired > 150, `the events should fire rules (${fired})`);
  assert.ok(refused > 10, 'wrong-typed names should be refused');
});


test.run();
