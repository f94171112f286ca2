// Rule indexing (compiler/optimize/dispatch.ts) and what codegen makes of it:
// nested switches, cases specialized to the value they switch on, large
// switches through a Map (decide()'s first) or case tables, and parts of a large pack moved into functions of
// their own. Indexed code must decide exactly as the interpreter does, and as
// the same pack generated without indexing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { compile } from '../compiler/index.ts';
import { generate, type GenerateOptions } from '../compiler/codegen.ts';
import { planDispatch, type DispatchNode } from '../compiler/optimize/dispatch.ts';
import { interpret, load, MemoryProvider } from '../runtime/index.ts';
import { scaleEvents, scalePackSource, SCALE_TYPES } from '../bench/scale-pack.ts';
import { packArb, renderPack } from './gen/pack.ts';
import { inputArb, providerOf } from './gen/input.ts';
import { build } from './helpers.ts';
import { printIR } from '../compiler/print.ts';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBundle } from '../runtime/bundle.ts';
import { cli } from './cli-run.ts';
import { agreeAll, run } from './dispatch-agree.ts';

/**
 * Generated packs (the property suite's) compiled under `forced`, and under each of `also`, decide as the
 * interpreter on eight inputs each; counts the inputs and the packs whose forced code matches `marker`.
 */
function agreeOnGeneratedPacks(forced: GenerateOptions, marker: RegExp, also: readonly GenerateOptions[], params: fc.Parameters<[unknown, unknown]>): { cases: number; marked: number } {
  const gen = { missingListMember: false, emptyList: false, predicateInFilter: false, dateOfComputedTimestamp: false, inexactScores: false };
  let cases = 0;
  let marked = 0;
  fc.assert(
    fc.property(packArb(gen), fc.array(inputArb({ badEntityRows: false, badHistory: false }), { minLength: 8, maxLength: 8 }), (g, inputs) => {
      const source = renderPack(g);
      const r = compile([{ path: 'generated.zy', text: source }]);
      assert.ok(r.ok, source);
      if (marker.test(generate(r.optimized!, forced).source)) marked++;
      for (const input of inputs) {
        cases++;
        for (const opts of [forced, ...also]) agreeAll(r, opts, input.event, providerOf(input), input.strict);
      }
    }),
    params,
  );
  return { cases, marked };
}

const show = (n: DispatchNode): string =>
  n.kind === 'rules' ? `[${n.rules.join(',')}]`
    : n.kind === 'guards' ? `[${n.rest.join(',')}${n.groups.map((g) => ` if ${printIR(g.test)}:${g.then.kind === 'rules' ? g.then.rules.join(',') : show(g.then)}`).join('')}]`
      : `${n.field}{${show(n.always)}${[...n.cases].map(([v, c]) => ` ${String(v)}:${show(c)}`).join('')}}`;

test('the plan switches on the type, then inside a case on the field that sorts most of its rules', () => {
  const r = build(`
rule A when event.type == "login" and event.name == "a" then hold
rule B when event.type == "login" and event.name == "b" and event.n > 1 then hold
rule C when event.type == "login" and event.name in ["a", "c"] then review
rule D when event.type == "login" and event.name == "d" then review
rule E when event.type in ["transfer_out", "drawdown"] and event.amount > ¥100 then review
rule F when event.type == "transfer_out" and event.flag then hold
rule G when event.type == "drawdown" and event.n > 3 then hold
rule H when event.n > 100 then block
rule I when (event.type == "login" or event.name == "z") and event.flag then block
rule J when event.type == "login" and event.type == "drawdown" then block`);
  assert.ok(r.ok);
  // I tests the type or the name: sorted on neither. J can never fire: in no case.
  assert.is(show(planDispatch(r.optimized!, { minRules: 4 })),
    'type{[7,8] login:name{[] a:[0,2] b:[1] c:[2] d:[3]} transfer_out:[4,5] drawdown:[4,6]}');
});

test('inside a case the switched-on test is gone, and predicates on it are constants', () => {
  const r = build(`
predicate moving = event.type in ["transfer_out", "drawdown"]
rule A when moving and event.amount > ¥100 then review
rule B when event.type == "transfer_out" and event.flag then hold
rule C when event.type == "drawdown" and event.n > 3 then hold
rule D when event.type == "login" and event.n > 5 then hold
rule E when moving and event.flag and event.n > 1 then block`);
  const src = r.code!.source;
  const body = src.slice(src.indexOf('switch (f0)'), src.indexOf('function explain'));
  assert.not.match(body, /f0 === "/, 'a case still tests the type');
  assert.not.match(body, /p0/, 'the predicate is not folded in its cases');
  for (const type of ['login', 'transfer_out', 'drawdown', 'application']) {
    for (const flag of [true, false, undefined]) {
      agreeAll(r, {}, { type, amount: 20_000, flag, n: 6, occurred_at: 0 }, new MemoryProvider());
    }
  }
});

test('decide() has a copy per value of the first switch, chosen by the raw value; every copy checks every field, so errors are the same', () => {
  const r = build(`
rule A when event.type == "login" and event.n > 1 then hold
rule B when event.type == "login" and event.flag then review
rule C when event.type == "transfer_out" and event.amount > ¥100 then hold
rule D when event.type == "drawdown" and event.name == "x" then block
rule E when event.n > 50 then review`);
  const src = r.code!.source;
  // One copy per member of the enum (application has no rule of its own: it runs E only).
  assert.is((src.match(/^function d\d+\(src, P, at, x\) \{/gm) ?? []).length, 4);
  assert.match(src, /let sel = [^\n]*src\["type"\];\n[^\n]*\n\s+if \(typeof sel === "string"\) switch \(sel\.length\) \{\n\s+case 5: if \(sel === "login"\) return d0\(src, P, at, x\);/);
  const events: unknown[] = [
    { type: 'login', n: 2, flag: true, occurred_at: 0 },
    { type: 'application', n: 60, occurred_at: 0 },
    { type: 'transfer_out', amount: 20_000, occurred_at: '2026-03-01T10:00' },
    // Invalid values: the copy for the type checks every field as the generic path does.
    { type: 'login', amount: 1.5, n: 2, occurred_at: 0 },
    { type: 'login', n: 'two', name: 5, occurred_at: 0 },
    { type: 'transfer_out', occurred_at: 'soon' },
    // Invalid or missing types take the generic path, with its errors.
    { type: 'logout', n: 2, occurred_at: 0 },
    { type: 7, amount: 'x', occurred_at: 0 },
    { amount: 'x', occurred_at: 0 },
    { n: 60, occurred_at: 0 },
    { type: null, occurred_at: 0 },
  ];
  const outcomes = events.map((e) => agreeAll(r, {}, e, new MemoryProvider()));
  assert.equal(outcomes.map((o) => (o.ok ? o.d.outcome : `${o.code} ${o.field}`)), [
    'hold', 'review', 'hold', 'ZY4001 event.amount', 'ZY4001 event.n', 'ZY4001 event.occurred_at',
    'ZY4001 event.type', 'ZY4001 event.type', 'ZY4001 event.type', 'ZY4001 event.type', 'ZY4001 event.type',
  ]);
  // Switched on a field declared after others: a copy still reports the first bad field in schema order.
  const byName = build(['a', 'b', 'c', 'd'].map((n) => `rule ${n.toUpperCase()} when event.name == "${n}" and event.n > 1 then hold`).join('\n'));
  assert.match(byName.code!.source, /let sel = [^\n]*src\["name"\];\n[^\n]*\n\s+if \(typeof sel === "string"\) switch \(sel\.length\)/);
  const o = agreeAll(byName, {}, { type: 5, name: 'a', n: 2, occurred_at: 0 }, new MemoryProvider());
  assert.equal(o.ok ? 'decided' : `${o.code} ${o.field}`, 'ZY4001 event.type');
  // Values with no copy (outside the cases, missing, wrong type) take decide() itself.
  const more = build(`${['a', 'b', 'c', 'd'].map((n) => `rule ${n.toUpperCase()} when event.name == "${n}" and event.n > 1 then hold`).join('\n')}
rule ANY when event.n > 5 then review`);
  const show = (e: unknown) => { const x = agreeAll(more, {}, e, new MemoryProvider()); return x.ok ? x.d.fired.map((f) => f.id).join(',') || '-' : x.code; };
  assert.equal(
    [{ type: 'login', name: 'b', n: 9, occurred_at: 0 }, { type: 'login', name: 'zz', n: 9, occurred_at: 0 }, { type: 'login', n: 9, occurred_at: 0 },
      { type: 'login', name: null, n: 2, occurred_at: 0 }, { type: 'login', name: 7, n: 9, occurred_at: 0 }].map(show),
    ['B,ANY', 'ANY', 'ANY', '-', 'ZY4001']);
});

test('a copy of decide() takes its switched-on value as known; decideRaw answers { fired, score } alone, in pack order however many fire', () => {
  // Rules on the type, rules that ignore it, and shared thresholds: copies run their rules case by case and sort what fired.
  const rules: string[] = [];
  for (let i = 0; i < 72; i++) {
    const on = ['', 'event.type == "login" and ', 'event.type == "transfer_out" and '][i % 3];
    rules.push(`rule R${i} when ${on}event.n > ${i % 8 === 7 ? 100 : i % 4} then review`);
  }
  const r = build(rules.join('\n'));
  const src = r.code!.source;
  assert.match(src, /^ {2}const f\d+ = "login";$/m);
  assert.not.match(src, /\.sort\(ascending\);$/m, 'few fired rules are put in order without Array.prototype.sort');
  const engine = load({ pack: r.optimized!, code: r.code! });
  let many = 0;
  for (const type of ['login', 'transfer_out', 'application', 'drawdown']) {
    for (const n of [0, 2, 3, 5, 50, 101]) {
      const event = { type, n, occurred_at: 0 };
      const raw = engine.decideRaw(event);
      assert.equal(Object.keys(raw), ['fired', 'score']);
      const want = interpret(r.checked!, event, new MemoryProvider()).decision.fired.map((f) => r.checked!.rules.findIndex((x) => x.id === f.id));
      assert.equal([...raw.fired], [...want].sort((a, b) => a - b), `${type} ${n}`);
      assert.equal([...raw.fired], [...raw.fired].sort((a, b) => a - b));
      if (raw.fired.length > 32) many++;
    }
  }
  assert.ok(many > 0, 'some decisions fire more than 32 rules');
});

test('rules that need the same threshold or the same wide list share one guard; a failed guard skips them all', () => {
  const blocked = Array.from({ length: 12 }, (_, i) => `"d${i}"`).join(', ');
  const r = build(`
predicate big = event.amount >= ¥5,000
rule A when event.amount >= ¥1,000 and event.flag then review
rule B when event.amount > ¥2,000 and event.n > 3 then hold
rule C when ¥3,000 <= event.amount then review
rule D when big and not event.flag then hold
rule E when event.amount between ¥500 and ¥900 then review
rule F when event.device_id in [${blocked}] and event.n > 1 then block
rule G when event.device_id in [${blocked}] then review
rule H when event.device_id in [${blocked}] and event.flag then hold
rule I when event.n < 5 and event.x < 1.5 then review
rule J when event.device_id in [${blocked}] and event.amount < ¥100 then hold
rule K when event.n > 7 or event.flag then review`);
  const plan = planDispatch(r.optimized!, { minGuard: 4 });
  assert.is(show(plan), '[8,10 if (event.amount >= 50000):0,1,2,3,4 if (event.device_id in ["d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9", "d10", "d11"]):5,6,7,9]');
  // By default a guard needs 4 rules (below that, the rules' own first test does the same work).
  assert.equal(planDispatch(r.optimized!), plan);
  assert.is(planDispatch(r.optimized!, { minGuard: 6 }).kind, 'rules');
  const guarded: GenerateOptions = { dispatch: { minGuard: 4 } };
  assert.match(generate(r.optimized!, guarded).source, /if \(\(f\d+ >= 50000\)\) \{/);
  const amounts = [undefined, 0, 40_000, 50_000, 60_000, 99_999, 100_000, 200_000, 300_001, 600_000];
  for (const amount of amounts) for (const device_id of ['d3', 'zz', undefined]) for (const flag of [true, false, undefined]) {
    agreeAll(r, guarded, { type: 'login', amount, device_id, flag, n: 4, x: 1, occurred_at: 0 }, new MemoryProvider());
    agreeAll(r, { ...guarded, inlineRules: 1 }, { type: 'login', amount, device_id, flag, n: 9, occurred_at: 0 }, new MemoryProvider());
  }
});

test('any part several rules need that reads only the event guards them, and a group is grouped again; parts that read more never guard', () => {
  const r = build(`
predicate risky = event.flag or event.n > 8
rule A when risky and event.x < 1 then review
rule B when risky and not event.flag and event.x < 2 then hold
rule C when risky and starts_with(event.name, "z") then review
rule D when risky and starts_with(event.name, "z") and event.n != 3 then hold
rule E when starts_with(event.name, "z") and risky and event.x < 0.5 then review
rule F when risky and starts_with(event.name, "z") then block
rule G when risky then review
rule H when customer.vip and event.amount > ¥1 then review
rule I when customer.vip and event.n > 2 then review
rule J when customer.vip then hold
rule K when customer.vip and event.flag then review
rule L when customer.age > 60 and age(event.at) < 1h then review`);
  const plan = planDispatch(r.optimized!, { minGuard: 2 });
  // The predicate guards A–G; inside, starts_with (shared by C–F as $1) guards C–F and the weakest bound on x A and B;
  // customer.vip (an entity read) guards nothing.
  assert.is(show(plan), '[7,8,9,10,11 if risky:[6 if $1:2,3,4,5 if (event.x <= 2):0,1]]');
  const forced: GenerateOptions = { dispatch: { minGuard: 2 } };
  // The guard reads the predicate's memo (its rules reuse the value); the inner guard is nested in it.
  const source = generate(r.optimized!, forced).source;
  assert.match(source, /\n {2}if \(\(p\d+ === U \? [^\n]*\) \{\n/);
  assert.match(source, /\n {4}if \([^\n]*\) \{\n/);
  const customer = { c1: { vip: true, age: 70 }, c2: { vip: false, age: 30 } };
  for (const flag of [true, false, undefined]) for (const n of [1, 3, 9, undefined]) for (const name of ['zed', 'amy', undefined]) for (const x of [0.2, 1.5, 5]) {
    for (const customer_id of ['c1', 'c2', 'nobody']) {
      const provider = new MemoryProvider({ entities: { customer } });
      agreeAll(r, forced, { type: 'login', flag, n, name, x, amount: 500, customer_id, at: 0, occurred_at: 1000 }, provider);
    }
  }
});

test('a large pack is split into functions; the split code decides as the interpreter and as unindexed code', () => {
  const names = Array.from({ length: 30 }, (_, i) => `"p${i}"`);
  const types = ['login', 'transfer_out', 'drawdown', 'application'];
  const lines: string[] = [];
  for (let i = 0; i < 800; i++) {
    const t = types[i % 4];
    const head = i % 10 === 9 ? `event.n > ${i % 50}` : i % 10 === 8 ? `event.type == "${t}"` : `event.type == "${t}" and event.name == ${names[(i * 7) % 30]}`;
    lines.push(`rule R${i} when ${head} and event.amount >= ¥${(i % 13) * 100} then ${['review', 'hold', 'block'][i % 3]}`);
  }
  const r = build(lines.join('\n'));
  assert.ok(r.ok);
  assert.match(r.code!.source, /^function g0\(P, M, fired/m);
  const flat = load({ pack: r.optimized!, code: generate(r.optimized!, { index: false }) });
  const indexed = load({ pack: r.optimized!, code: r.code! });
  let fired = 0;
  for (let k = 0; k < 400; k++) {
    const e = { type: types[k % 4], name: k % 17 === 0 ? undefined : `p${(k * 11) % 31}`, n: k % 60, amount: (k * 37) % 1500 * 100, occurred_at: 0 };
    const a = indexed.decide(e);
    assert.equal(a, flat.decide(e));
    assert.equal(a, interpret(r.checked!, e).decision);
    fired += a.fired.length;
  }
  assert.ok(fired > 400, 'the events should fire rules');
});

test('generated packs with forced indexing and tiny functions decide as the interpreter (property)', () => {
  // Every field that sorts a single rule is switched on, every shared need
  // becomes a guard, and every function holds at most two rule occurrences:
  // nested switches, Maps, guards, bins of cases, chunks and memos in split
  // functions, on the property suite's packs.
  const forced: GenerateOptions = { dispatch: { minRules: 1, maxFanout: 64, minGuard: 1 }, inlineRules: 2 };
  const { cases, marked: split } = agreeOnGeneratedPacks(forced, /^function g\d+\(/m, [], { seed: 20260301, numRuns: 250 });
  assert.ok(cases >= 2000);
  assert.ok(split > 50, `only ${split} packs were split into functions`);
});

test('generated packs planned on their own inputs as traffic decide as the interpreter (property)', () => {
  // The sample is the inputs themselves (invalid values included), so that
  // guards on presence and on rare conditions are chosen and their events met.
  const gen = { missingListMember: false, emptyList: false, predicateInFilter: false, dateOfComputedTimestamp: false, inexactScores: false };
  let cases = 0;
  let guided = 0;
  fc.assert(
    fc.property(packArb(gen), fc.array(inputArb({ badEntityRows: false, badHistory: false }), { minLength: 8, maxLength: 8 }), (g, inputs) => {
      const source = renderPack(g);
      const r = compile([{ path: 'generated.zy', text: source }]);
      assert.ok(r.ok, source);
      const traffic = Array.from({ length: 4 }, () => inputs.map((i) => i.event as Record<string, unknown>)).flat().filter((e) => typeof e === 'object' && e !== null);
      // Guards of two rules wherever two share a need (the property suite's packs are small).
      const opts: GenerateOptions = { dispatch: { minRules: 1, maxFanout: 64, minGuard: 1, traffic }, inlineRules: 2 };
      if (generate(r.optimized!, opts).source !== generate(r.optimized!, { dispatch: { minRules: 1, maxFanout: 64, minGuard: 1 }, inlineRules: 2 }).source) guided++;
      for (const input of inputs) {
        cases++;
        agreeAll(r, opts, input.event, providerOf(input), input.strict);
      }
    }),
    { seed: 20260302, numRuns: 150 },
  );
  assert.ok(cases >= 1200);
  assert.ok(guided > 10, `only ${guided} plans followed the traffic`);
});

test('a generated 1,000-rule pack: compiled and interpreted agree on random events, invalid ones included', () => {
  const r = compile([{ path: 'scale1000.zy', text: scalePackSource(1000) }]);
  assert.ok(r.ok);
  assert.match(r.code!.source, /^function g\d+\(/m);
  const engine = load({ pack: r.optimized!, code: r.code! });
  const { events, customers } = scaleEvents(1000, 500);
  const provider = new MemoryProvider({ entities: { customer: customers } });
  const fields = Object.keys(events[0]!);
  const wrong = [1.5, 'x', true, -1, [], {}, 'transfer_out', 'PR0001', null];
  let fired = 0;
  let refused = 0;
  fc.assert(
    fc.property(fc.nat(events.length - 1), fc.option(fc.tuple(fc.constantFrom(...fields), fc.constantFrom(...wrong)), { freq: 4 }), fc.constantFrom(...SCALE_TYPES), fc.boolean(),
      (i, corrupt, type, retype) => {
        const e: Record<string, unknown> = { ...events[i]! };
        if (retype) e['type'] = type;
        if (corrupt) e[corrupt[0]] = corrupt[1];
        const a = run(() => engine.decide(e, provider));
        const b = run(() => interpret(r.checked!, e, provider).decision);
        assert.equal(a, b, `compiled and interpreter differ on ${JSON.stringify(e)}`);
        if (a.ok) fired += a.d.fired.length; else refused++;
      }),
    { seed: 20260301, numRuns: 300 },
  );
  assert.ok(fired > 20, `only ${fired} rules fired`);
  assert.ok(refused > 10, `only ${refused} events refused`);
});

test('with a traffic sample, guards are chosen by the rule tests they skip on it: a presence guard over a low threshold', () => {
  const r = build(`
rule A when event.amount >= ¥100 and starts_with(event.name, "a") then review
rule B when event.amount >= ¥200 and starts_with(event.name, "b") then review
rule C when event.amount >= ¥300 and event.name != "c" and event.n > 1 then hold
rule D when event.amount >= ¥400 and ends_with(event.name, "d") then review
rule E when event.amount >= ¥500 and event.x > 0.5 then review
rule F when event.amount >= ¥100 and event.x > 0.9 and event.flag then block
rule G when event.amount > ¥50 and event.flag then review
rule H when event.n > 3 or event.name == "h" then review`);
  assert.ok(r.ok);
  // Without traffic: the need most rules share, whatever it skips.
  assert.is(show(planDispatch(r.optimized!)), '[7 if (event.amount >= 5000):0,1,2,3,4,5,6]');
  // Every amount is ¥1,000 or more; a name comes with one event in twenty, a flag with one in four.
  const traffic = Array.from({ length: 200 }, (_, i) => ({
    type: 'login', amount: 100_000 + i, n: i % 5, x: (i % 10) / 10, occurred_at: 0,
    ...(i % 20 === 0 ? { name: `n${i}` } : {}), ...(i % 4 === 0 ? { flag: true } : {}),
  }));
  const plan = planDispatch(r.optimized!, { traffic });
  assert.is(show(plan), '[4,7 if (event.name is not missing):0,1,2,3 if event.flag:5,6]');
  // Too few events say nothing: the plan is made as without them.
  assert.equal(planDispatch(r.optimized!, { traffic: traffic.slice(0, 10) }), planDispatch(r.optimized!));
  const guided: GenerateOptions = { dispatch: { traffic } };
  const wrong = [undefined, null, 'x', 3, true];
  for (const amount of [undefined, 0, 5_000, 19_999, 30_000, 100_000]) for (const name of ['a1', 'b', 'cd', 'c', ...wrong]) for (const flag of [true, false, undefined]) {
    agreeAll(r, guided, { type: 'login', amount, name, flag, n: 2, x: 0.95, occurred_at: 0 }, new MemoryProvider());
  }
  // A sample with values of the wrong type, or no events of a kind, only makes a worse plan.
  const odd = traffic.map((e, i) => (i % 3 ? { ...e, amount: 'lots', name: 7 } : e));
  for (const name of ['a1', 'dd', undefined]) agreeAll(r, { dispatch: { traffic: odd } }, { type: 'login', amount: 100_000, name, flag: true, n: 4, x: 1, occurred_at: 0 }, new MemoryProvider());
});

test('with a traffic sample, rules needing a threshold past their own bounds are tested in steps: a value tests only the rules it could fire', () => {
  const r = build(`
predicate big = event.amount >= ¥5,000
rule A when event.amount >= ¥100 and event.flag then review
rule B when event.amount >= ¥200 and event.n > 1 then hold
rule C when event.amount > ¥1,000 and event.x > 0.5 then review
rule D when event.amount >= ¥2,000 and big and event.flag then hold
rule E when event.amount between ¥3,000 and ¥9,000 and event.n > 2 then review
rule F when event.amount >= ¥8,000 and event.x > 0.1 then block
rule G when event.amount >= ¥9,000 and event.n > 0 then review
rule H when event.n > 3 or event.flag then review
rule I when event.x < 0.2 and event.amount <= ¥50 then review
rule J when event.amount <= ¥20 and event.n < 2 then review
rule K when event.amount >= ¥9,500 and event.n < 3 then hold
rule L when event.amount >= ¥9,500 and event.x > 0.3 then hold
rule M when event.amount >= ¥9,600 and event.flag then block`);
  assert.ok(r.ok);
  // Amounts spread evenly over ¥0–¥10,000: a guard at ¥100 skips almost nothing, one at ¥8,000 four events in five.
  const traffic = Array.from({ length: 200 }, (_, i) => ({ type: 'login', amount: i * 5_000 + 37, n: i % 5, x: (i % 10) / 10, occurred_at: 0, ...(i % 4 === 0 ? { flag: true } : {}) }));
  // D (which needs ¥5,000 through big, not only the ¥2,000 it names first), F, G and K–M in steps at
  // ¥5,000, ¥8,000, ¥9,000 and ¥9,500; M's ¥9,600 is no step of its own (one rule: it would skip too
  // little), nor are A–C and E (a guard at their bounds would skip too little).
  assert.is(show(planDispatch(r.optimized!, { traffic })),
    '[0,1,2,4,7 if (event.amount >= 500000):[3 if (event.amount >= 800000):[5 if (event.amount >= 900000):[6 if (event.amount >= 950000):10,11,12]]] if (event.amount <= 5000):8,9]');
  // Without traffic, one guard at the weakest bound, as before.
  assert.is(show(planDispatch(r.optimized!)), '[7,8,9 if (event.amount >= 10000):0,1,2,3,4,5,6,10,11,12]');
  const guided: GenerateOptions = { dispatch: { traffic } };
  assert.match(generate(r.optimized!, guided).source, /if \(\(f\d+ >= 800000\)\) \{\n\s+\/\/ rule #5\n.*\n\s+if \(\(f\d+ >= 900000\)\) \{/);
  // Every bound, a cent either side, missing and wrong values: the steps decide as the interpreter.
  const bounds = [2_000, 5_000, 10_000, 20_000, 100_000, 200_000, 300_000, 500_000, 800_000, 900_000, 950_000];
  const amounts = [undefined, null, 'x', -1, 0, ...bounds.flatMap((b) => [b - 1, b, b + 1]), 2_000_000];
  for (const amount of amounts) for (const flag of [true, false, undefined]) for (const n of [0, 1, 2, 4]) {
    agreeAll(r, guided, { type: 'login', amount, flag, n, x: n / 4, occurred_at: 0 }, new MemoryProvider());
  }
  // A staircase of rules that need at most a bound (`<=`), nested the other way.
  const low = build(Array.from({ length: 8 }, (_, i) => `rule L${i} when event.amount <= ¥${(i + 1) * 1_000} and event.n > ${i % 3} then review`).join('\n'));
  const lowPlan = show(planDispatch(low.optimized!, { traffic }));
  assert.match(lowPlan, /if \(event.amount <= \d+\):\[[\d,]+ if \(event.amount <= \d+\)/);
  for (const amount of [undefined, 0, ...Array.from({ length: 9 }, (_, i) => [i * 100_000 - 1, i * 100_000, i * 100_000 + 1]).flat()]) {
    for (const n of [0, 1, 3]) agreeAll(low, { dispatch: { traffic } }, { type: 'login', amount, n, occurred_at: 0 }, new MemoryProvider());
  }
});

test('a generated 1,000-rule pack planned on a traffic sample decides as the interpreter and as unindexed code', () => {
  const r = compile([{ path: 'scale1000.zy', text: scalePackSource(1000) }]);
  assert.ok(r.ok);
  const guided = load({ pack: r.optimized!, code: generate(r.optimized!, { dispatch: { traffic: scaleEvents(1000, 600, 7).events } }) });
  const flat = load({ pack: r.optimized!, code: generate(r.optimized!, { index: false }) });
  const { events, customers } = scaleEvents(1000, 1500);
  const provider = new MemoryProvider({ entities: { customer: customers } });
  let fired = 0;
  events.forEach((e, i) => {
    const a = guided.decide(e, provider);
    assert.equal(a, flat.decide(e, provider), `event #${i}`);
    if (i % 10 === 0) assert.equal(a, interpret(r.checked!, e, provider).decision, `event #${i}`);
    fired += a.fired.length;
  });
  assert.ok(fired > 100, `only ${fired} rules fired`);
});

test('zhiyu compile --traffic plans the bundle on the events of a JSONL file; a bad file is a coded one-line error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zhiyu-traffic-'));
  try {
    const pack = join(dir, 'scale1000');
    mkdirSync(pack);
    writeFileSync(join(pack, 'pack.zy'), scalePackSource(1000));
    const traffic = join(dir, 'traffic.jsonl');
    writeFileSync(traffic, `${scaleEvents(1000, 300, 9).events.map((e) => JSON.stringify(e)).join('\n')}\n\n`);
    const plain = await cli('compile', pack, '-o', join(dir, 'plain.zyb'));
    assert.is(plain.code, 0, plain.err);
    const guided = await cli('compile', pack, '-o', join(dir, 'guided.zyb'), '--traffic', traffic);
    assert.is(guided.code, 0, guided.err);
    const a = loadBundle(join(dir, 'plain.zyb'));
    const b = loadBundle(join(dir, 'guided.zyb'));
    assert.is.not(a.program.code.source, b.program.code.source, 'the plan should follow the traffic');
    const { events, customers } = scaleEvents(1000, 300);
    const provider = new MemoryProvider({ entities: { customer: customers } });
    const x = load(a.program);
    const y = load(b.program);
    for (const e of events) assert.equal(y.decide(e, provider), x.decide(e, provider));
    writeFileSync(join(dir, 'bad.jsonl'), '{"type":"login"}\n[1]\n');
    writeFileSync(join(dir, 'broken.jsonl'), '{"type":\n');
    for (const [file, code, line] of [['bad.jsonl', 'ZY8203', ':2 '], ['broken.jsonl', 'ZY8203', ':1 '], ['none.jsonl', 'ZY8201', '']] as const) {
      const r = await cli('compile', pack, '-o', join(dir, 'x.zyb'), '--traffic', join(dir, file));
      assert.is(r.code, 2, r.err);
      assert.is(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, new RegExp(`^${code}: --traffic: `));
      assert.ok(r.err.includes(`${file}${line}`), r.err);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});


test('memo fills out of line (large packs): each fill is one function of the program, called from every use; decisions as the interpreter, missing and wrong-typed fields included', () => {
  const r = build(`
predicate rich = customer.income > ¥5,000 and not customer.vip
predicate young = customer.age < 25
rule A when event.amount > customer.income * 0.5 and rich then review
rule B when event.type == "login" and event.amount / customer.income > 0.3 and young then hold
rule C when event.type == "transfer_out" and rich and starts_with(event.name, "a") then review
rule D when event.n > 3 and event.amount / customer.income > 0.3 and event.flag then hold
rule E when young and event.amount > customer.income * 0.5 and event.name in ["a", "b"] then block
rule F when event.type == "drawdown" and rich and young and event.x > 1.5 then review`);
  assert.ok(r.ok);
  const outlined = generate(r.optimized!, { outlineRules: 0 });
  const fills = outlined.source.match(/^function mf\d+\(/gm) ?? [];
  assert.ok(fills.length >= 3, `only ${fills.length} fills out of line`);
  // Each fill function is called from its uses, and a small pack's code keeps its fills in line.
  assert.ok((outlined.source.match(/= mf\d+\(/g) ?? []).length > fills.length);
  assert.not.match(generate(r.optimized!).source, /\bmf\d+\(/);
  assert.ok(outlined.source.length < generate(r.optimized!).source.length);
  const engine = load({ pack: r.optimized!, code: outlined });
  const split = load({ pack: r.optimized!, code: generate(r.optimized!, { outlineRules: 0, inlineRules: 2, dispatch: { minRules: 1, maxFanout: 64, minGuard: 1 } }) });
  const rows: Record<string, unknown>[] = [
    { age: 20, income: 1_000_000, vip: false }, { age: 40, income: 200_000, vip: true }, { age: 30 }, { income: 0, vip: false, age: 19 },
  ];
  const provider = new MemoryProvider({ entities: { customer: new Map(rows.map((row, i) => [`c${i}`, row])) } });
  // Values of each field (missing among them); now and then one field holds a wrong-typed value instead.
  const values = {
    type: ['login', 'transfer_out', 'drawdown', 'application'],
    amount: [0, 40_000, 600_000, 2_000_000, undefined, null],
    n: [0, 4, undefined],
    x: [1, 2, undefined],
    flag: [true, false, undefined],
    name: ['a', 'ab', 'b', 'z', '', undefined],
    customer_id: ['c0', 'c0', 'c1', 'c2', 'c3', 'nobody', undefined],
  };
  const wrong = ['x', 2.5, -1, true, 7, [], 'other'];
  const keys = Object.keys(values) as (keyof typeof values)[];
  let fired = 0;
  let refused = 0;
  fc.assert(
    fc.property(fc.tuple(...keys.map((k) => fc.constantFrom(...values[k]))), fc.option(fc.tuple(fc.constantFrom(...keys, 'occurred_at'), fc.constantFrom(...wrong)), { freq: 3 }), (vs, corrupt) => {
      const e: Record<string, unknown> = { occurred_at: 1_773_100_000_000 };
      keys.forEach((k, i) => { if (vs[i] !== undefined) e[k] = vs[i]; });
      if (corrupt) e[corrupt[0]] = corrupt[1];
      const b = run(() => interpret(r.checked!, e, provider).decision);
      assert.equal(run(() => engine.decide(e, provider)), b, `out-of-line fills and interpreter differ on ${JSON.stringify(e)}`);
      assert.equal(run(() => split.decide(e, provider)), b, `split functions with out-of-line fills and interpreter differ on ${JSON.stringify(e)}`);
      if (b.ok) fired += b.d.fired.length; else refused++;
    }),
    { seed: 20261207, numRuns: 1500 },
  );
  assert.ok(fired > 100, `only ${fired} rules fired`);
  assert.ok(refused > 50, `only ${refused} events refused`);
});

test('memo fills out of line on the property suite\'s packs: the same decisions as the interpreter (property)', () => {
  const forced: GenerateOptions = { dispatch: { minRules: 1, maxFanout: 64, minGuard: 1 }, inlineRules: 2, outlineRules: 0 };
  const { cases, marked: outlined } = agreeOnGeneratedPacks(forced, /^function mf\d+\(/m, [{ outlineRules: 0 }], { seed: 20261208, numRuns: 200 });
  assert.ok(cases >= 1600);
  assert.ok(outlined > 30, `only ${outlined} packs had fills out of line`);
});
test.run();
