// The production path and its embedding API against the reference: the
// explained decision (reasons, messages, the values each fired rule saw,
// notes) from compiled code that reads fields only as the explanation needs
// them; the decision time given beside the event (`{ at }`) instead of in it;
// decideOutcome() and decideRaw() agreeing with decide(); `required` fields
// compiled without a missing-value test. Generated packs and inputs
// (spec/gen/) check every part against the interpreter, trace included.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { compile, InputError, type CompileResult } from '../compiler/index.ts';
import { generate } from '../compiler/codegen.ts';
import { EMPTY_PROVIDER, interpret, load, MemoryProvider, type Decision, type Engine, type FeatureProvider } from '../runtime/index.ts';
import { formatMoney } from '../compiler/display.ts';
import { packArb, renderPack } from './gen/pack.ts';
import { inputArb, providerOf } from './gen/input.ts';

type Outcome = { ok: true; decision: Decision } | { ok: false; code: string; field: string | undefined };

function run(f: () => Decision): Outcome {
  try {
    return { ok: true, decision: f() };
  } catch (e) {
    if (e instanceof InputError) return { ok: false, code: e.code, field: e.field };
    throw e;
  }
}

function build(source: string): { r: CompileResult; engine: Engine } {
  const r = compile([{ path: 'p.zy', text: source }]);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n') + `\n${source}`);
  return { r, engine: load({ pack: r.optimized!, code: r.code! }) };
}

const GEN = { missingListMember: false, emptyList: false, predicateInFilter: false, dateOfComputedTimestamp: false, inexactScores: false };

test('decide(event, P, { at }) equals the interpreter and deciding a copy with occurred_at; decideOutcome and decideRaw agree (property)', () => {
  let decided = 0;
  let fired = 0;
  let noted = 0;
  fc.assert(
    fc.property(packArb(GEN), fc.array(inputArb({ badEntityRows: false, badHistory: false }), { minLength: 6, maxLength: 6 }), (g, inputs) => {
      const source = renderPack(g);
      const { r, engine } = build(source);
      // explain() reading entries from tables, as a large pack's does (compiler/codegen-explain.ts).
      const tabled = load({ pack: r.optimized!, code: generate(r.optimized!, { explainTables: 0 }) });
      const ids = r.checked!.rules.map((x) => x.id);
      for (const input of inputs) {
        const { occurred_at: _, ...bare } = input.event;
        const at = input.now;
        const strict = input.strict;
        const P = (): FeatureProvider => providerOf(input);
        const given = run(() => engine.decide(bare, P(), { at, strict }));
        const copied = run(() => engine.decide({ ...bare, occurred_at: at }, P(), { strict }));
        const traced = (() => { try { return interpret(r.checked!, bare, P(), { at, strict }); } catch (e) { if (e instanceof InputError) return e; throw e; } })();
        const reference: Outcome = traced instanceof InputError ? { ok: false, code: traced.code, field: traced.field } : { ok: true, decision: traced.decision };
        const where = `\n--- pack ---\n${source}\n--- event ---\n${JSON.stringify(bare)} at ${at}`;
        assert.equal(given, reference, `decide { at } and the interpreter differ${where}`);
        assert.equal(given, copied, `decide { at } and decide of a copy with occurred_at differ${where}`);
        assert.is(JSON.stringify(run(() => tabled.decide(bare, P(), { at, strict }))), JSON.stringify(given), `explain() from tables${where}`);
        // The time as an ISO string or a Date is the same time.
        assert.equal(run(() => engine.decide(bare, P(), { at: new Date(at), strict })), given, `{ at: Date }${where}`);
        assert.equal(run(() => engine.decide(bare, P(), { at: new Date(at).toISOString(), strict })), given, `{ at: ISO string }${where}`);
        if (!given.ok || traced instanceof InputError) continue;
        // The trace on demand: the interpreter with { at } traces as with the time in the event.
        assert.equal(traced.trace, interpret(r.checked!, { ...bare, occurred_at: at }, P(), { strict }).trace, `trace${where}`);
        const d = given.decision;
        const raw = engine.decideRaw(bare, P(), { at });
        const outcome = engine.decideOutcome(bare, P(), { at });
        assert.equal([...raw.fired], d.fired.map((f) => ids.indexOf(f.id)), `decideRaw's fired rules${where}`);
        assert.equal([...raw.fired], [...raw.fired].sort((a, b) => a - b), 'fired is in pack order');
        assert.is(raw.score, d.score);
        assert.equal([...outcome.fired], [...raw.fired]);
        assert.is(outcome.score, d.score);
        assert.is(outcome.outcome, d.outcome, `decideOutcome's outcome${where}`);
        decided++;
        fired += d.fired.length;
        noted += d.notes?.length ?? 0;
      }
    }),
    { seed: 20260301, numRuns: 150 },
  );
  // The generated inputs must exercise explanations, not only errors.
  assert.ok(decided > 300, `decided ${decided}`);
  assert.ok(fired > 200, `fired ${fired}`);
  assert.ok(noted > 10, `noted ${noted}`);
});

const TIMED = `
pack p
outcomes block > review > allow
event { type: enum(login, transfer) required, amount: money required, n: integer, t: timestamp }
rule NIGHT when hour(event.occurred_at) < 6 and event.amount > ¥100 then review
  message "night {event.amount} at {event.occurred_at}"
rule RECENT when age(event.t) < 1h then block reason RECENT
`;

test('{ at } stands for occurred_at in rules, ages, messages and seen values; the event needs none and is not copied or changed', () => {
  const { r, engine } = build(TIMED);
  const at = Date.UTC(2026, 2, 1, 17, 30); // 01:30 in Shanghai
  const event = Object.freeze({ type: 'transfer', amount: 20_000, t: at - 10 * 60_000 });
  const d = engine.decide(event, EMPTY_PROVIDER, { at });
  assert.equal(d.fired.map((f) => f.id), ['NIGHT', 'RECENT']);
  assert.is(d.fired[0]!.message.zh, 'night ¥200.00 at 2026-03-02 01:30:00');
  assert.equal(d, interpret(r.checked!, event, EMPTY_PROVIDER, { at }).decision);
  // The event's own occurred_at is not read when the time is given.
  assert.equal(engine.decide({ ...event, occurred_at: 'not a time' }, EMPTY_PROVIDER, { at }), d);
  assert.equal(engine.decide({ ...event, occurred_at: at }), d);
});

test('a bad { at } is refused with ZY4001 at `at`, alike by every entry point and the interpreter', () => {
  const { r, engine } = build(TIMED);
  const event = { type: 'login', amount: 1 };
  for (const at of ['soon', Number.NaN, 1.5, 8.64e15, null, {}, true] as unknown[]) {
    const expect = (f: () => unknown, what: string) => {
      try { f(); assert.unreachable(`${what} accepted at = ${String(at)}`); } catch (e) {
        assert.instance(e, InputError, `${what}: ${(e as Error).message}`);
        assert.is((e as InputError).code, 'ZY4001');
        assert.is((e as InputError).field, 'at');
      }
    };
    const opts = { at } as never;
    expect(() => engine.decide(event, EMPTY_PROVIDER, opts), 'decide');
    expect(() => engine.decideRaw(event, EMPTY_PROVIDER, opts), 'decideRaw');
    expect(() => engine.decideOutcome(event, EMPTY_PROVIDER, opts), 'decideOutcome');
    expect(() => interpret(r.checked!, event, EMPTY_PROVIDER, opts), 'interpret');
  }
  // Without { at }, occurred_at is required as before.
  assert.throws(() => engine.decideRaw(event), (e: unknown) => e instanceof InputError && e.field === 'event.occurred_at');
});

test('a required field gets no missing-value test in the generated code, and decides as the interpreter', () => {
  const { r, engine } = build(`
pack p
outcomes block > review > allow
event { type: enum(login, transfer) required, amount: money required, n: integer }
rule GONE when event.amount is missing then block
rule THERE when event.amount is not missing and event.n is missing then review
rule BIG when event.amount > ¥100 and event.amount != ¥500 then review
rule SAID when event.n > 1 then review message "{event.amount > ¥100} {event.n > 1}"
`);
  const src = r.code!.source;
  const amount = r.optimized!.eventFields.indexOf('amount');
  const n = r.optimized!.eventFields.indexOf('n');
  const decide = src.slice(src.indexOf('function decide'), src.indexOf('function explain'));
  assert.not.match(decide, new RegExp(`\\bf${amount} (===|!==) undefined`), 'a required field is tested for missing');
  assert.match(decide, new RegExp(`\\bf${n} (===|!==) undefined`), 'an optional one should be');
  // GONE can never fire: its test is the constant false.
  assert.match(decide, /if \(false\) \{ fired\.push\(0\); \}/);
  const explain = src.slice(src.indexOf('function explain'));
  assert.not.match(explain, /\? true : .* \? false : undefined\) === /, 'a message value of required fields only needs no three-valued test');
  const P = new MemoryProvider();
  for (const event of [
    { type: 'login', amount: 20_000, n: 2, occurred_at: 0 },
    { type: 'login', amount: 50_000, occurred_at: 0 },
    { type: 'transfer', amount: 5, n: null, occurred_at: 0 },
  ]) assert.equal(engine.decide(event, P), interpret(r.checked!, event, P).decision);
  assert.equal(engine.decide({ type: 'login', amount: 20_000, n: 2, occurred_at: 0 }).fired.map((f) => [f.id, f.message.zh]),
    [['BIG', undefined], ['SAID', 'true true']]);
  assert.throws(() => engine.decide({ type: 'login', occurred_at: 0 }), (e: unknown) => e instanceof InputError && e.field === 'event.amount');
});

test('the explained decision reads every field once: the explanation takes the values decide() read and checked', () => {
  const { engine } = build(`
pack p
outcomes block > allow
event { type: enum(a, b) required, x: integer, y: string }
rule X when event.x > 1 then block message "x is {event.x}"
rule Y when event.y == "z" then block message "y is {event.y}"
`);
  const reads = new Map<string, number>();
  const event = new Proxy({ type: 'a', x: 5, y: 'q', occurred_at: 0 } as Record<string, unknown>, {
    get(t, k) { if (typeof k === 'string') reads.set(k, (reads.get(k) ?? 0) + 1); return t[k as string]; },
    getPrototypeOf: () => Object.prototype,
  });
  const d = engine.decide(event);
  assert.equal(d.fired.map((f) => f.message.en ?? f.message.zh), ['x is 5']);
  // decide() reads every field once to check it; the explanation reads none again.
  assert.is(reads.get('y'), 1);
  assert.is(reads.get('x'), 1);
});

test('money in messages is grouped by thousands exactly as the former pattern did (property)', () => {
  const byPattern = (fen: number): string => {
    const abs = Math.round(Math.abs(fen));
    const yuan = Math.floor(abs / 100);
    const cents = abs - yuan * 100;
    return `${Math.round(fen) < 0 ? '-' : ''}¥${String(yuan).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents < 10 ? `0${cents}` : cents}`;
  };
  fc.assert(fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double({ noNaN: true }), fc.constantFrom(0, -1, 99, 100, 99_999, 100_000, 1e21, 1e23, -1e25)), (fen) => {
    assert.is(formatMoney(fen), byPattern(fen));
  }), { seed: 20260301, numRuns: 5000 });
});

test.run();
