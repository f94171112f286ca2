// The prover (compiler/prove): invariants proved for every input, refuted
// with a counterexample, or left undecided — and never proved by accident.
// Soundness is checked against the runtime: every counterexample decided by
// the reference interpreter and the compiled engine really breaks its
// invariant, and random inputs never break a proved one.
import { test } from 'uvu';
import { scratchDir } from './scratch.ts';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { existsSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compile, type CheckedPack, type SourceFile, type Value } from '../compiler/index.ts';
import { proveInvariants, satisfies, type Counterexample } from '../compiler/prove/index.ts';
import { counterexampleTest } from '../compiler/prove/as-test.ts';
import { replayInStore, withHistory } from '../runtime/store/sqlite/counterexample.ts';
import { interpret, load, type FeatureProvider } from '../runtime/index.ts';
import { TIME_FIELD } from '../compiler/check/context.ts';
import { startOfLocalDay } from '../compiler/semantics.ts';
import type { Type } from '../compiler/types.ts';
import { cli } from './cli-run.ts';
import { build } from './helpers.ts';

const packFiles = (dir: string, edit: (path: string, text: string) => string = (_, t) => t): SourceFile[] =>
  readdirSync(dir).filter((f) => f.endsWith('.zy')).sort().map((f) => ({ path: join(dir, f), text: edit(f, readFileSync(join(dir, f), 'utf8')) }));

function checked(files: SourceFile[]): CheckedPack {
  const r = compile(files);
  assert.ok(r.ok, r.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n'));
  return r.checked!;
}

/** A provider that answers exactly what a counterexample (or a random input) says. */
function fixed(pack: CheckedPack, entities: Record<string, Record<string, Value>>, aggregates: ReadonlyMap<number, Value>, lists = false): FeatureProvider {
  return {
    entity: (name) => entities[name] ?? null,
    aggregate: (q) => aggregates.get(q.spec.id),
    listHas: () => lists,
  };
}

const engines = new WeakMap<SourceFile[], ReturnType<typeof load>>();
function engineFor(files: SourceFile[]): ReturnType<typeof load> {
  let e = engines.get(files);
  if (!e) {
    const r = compile(files);
    e = load({ pack: r.optimized!, code: r.code! });
    engines.set(files, e);
  }
  return e;
}

/** Decides with the interpreter and the compiled engine (they agree) and says whether the invariant's conclusions hold. */
function holds(pack: CheckedPack, files: SourceFile[], title: string, event: Record<string, Value>, p: FeatureProvider): boolean {
  const inv = pack.invariants!.find((i) => i.title === title)!;
  const t = interpret(pack, event, p, { probe: [inv.condition] });
  const compiled = engineFor(files).decide({ ...event }, p);
  assert.is(compiled.outcome, t.decision.outcome);
  if (t.probed![0] !== true) return true;
  const fired = new Set(t.decision.fired.map((f) => f.id));
  return inv.conclusions.every((c) => satisfies(pack, c, t.decision.outcome, fired));
}

function confirm(pack: CheckedPack, files: SourceFile[], title: string, x: Counterexample): void {
  assert.not.ok(holds(pack, files, title, x.event, fixed(pack, x.entities, x.aggregates)), `the counterexample to "${title}" does not break it`);
}

const GATES = 'rules/conduct/gates';
const SWEEPS = 'rules/conduct/sweeps';

test('the conduct packs: every invariant is proved for every input', () => {
  for (const dir of [GATES, SWEEPS]) {
    const pack = checked(packFiles(dir));
    const results = proveInvariants(pack);
    assert.ok(results.length >= 6, `${dir} states its invariants`);
    for (const r of results) {
      assert.is(r.verdict.k, 'proved', `${dir}: "${r.invariant.title}": ${JSON.stringify(r.verdict)}`);
      assert.ok(r.invariant.source, `"${r.invariant.title}" names its source`);
    }
  }
});

// Deliberately broken gates and sweeps: each must be refuted, and the
// counterexample must break the invariant when the runtime decides it.
const BROKEN: { name: string; dir: string; file: string; from: string; to: string; refutes: string }[] = [
  { name: 'quiet hours from 23:00', dir: GATES, file: 'collection.zy', from: 'const QUIET_FROM = 22', to: 'const QUIET_FROM = 23', refutes: 'No collection contact 22:00–08:00 local time without the debtor\'s consent' },
  { name: 'quiet hours until 07:00', dir: GATES, file: 'collection.zy', from: 'const QUIET_UNTIL = 8', to: 'const QUIET_UNTIL = 7', refutes: 'No collection contact 22:00–08:00 local time without the debtor\'s consent' },
  { name: 'a cap of 7 attempts', dir: GATES, file: 'collection.zy', from: 'const DAILY_UNANSWERED_CAP = 6', to: 'const DAILY_UNANSWERED_CAP = 7', refutes: 'No seventh unanswered call to one number on one day' },
  { name: 'a reachable debtor no longer stops third-party contact', dir: GATES, file: 'collection.zy', from: 'and not ((event.debtor_reachable ?? true) == false', to: 'and not ((event.debtor_reachable ?? false) == false', refutes: 'An unrelated third party is never contacted while the debtor can be reached' },
  { name: 'the specialist queue reached by anyone', dir: GATES, file: 'collection.zy', from: '(event.agent_queue ?? "standard") != "specialist"', to: '(event.agent_queue ?? "specialist") != "specialist"', refutes: 'Vulnerable customers and customers in hardship reach only the specialist queue' },
  { name: 'threats dropped from the prohibited script flags', dir: GATES, file: 'collection.zy', from: '"threat", "insult"]', to: '"insult"]', refutes: 'A contact whose script QA found a threat, an insult or a push to borrow anew is never sent' },
  { name: 'a 72-hour first response', dir: SWEEPS, file: 'complaints.zy', from: 'const ACK_TARGET = 48h', to: 'const ACK_TARGET = 72h', refutes: 'No first response within 48 hours: escalated' },
  { name: 'the 5-working-day target as a reminder', dir: SWEEPS, file: 'complaints.zy', from: 'and working_days(event.received_at, now - 1d) >= RESOLUTION_TARGET_WD\n  then escalate', to: 'and working_days(event.received_at, now - 1d) >= RESOLUTION_TARGET_WD\n  then remind', refutes: 'No decision within 5 working days: escalated' },
];

for (const b of BROKEN) {
  test(`a broken pack is refuted with a counterexample the runtime confirms: ${b.name}`, () => {
    const files = packFiles(b.dir, (f, t) => {
      if (f !== b.file) return t;
      assert.ok(t.includes(b.from), `${b.file} has ${b.from}`);
      return t.replace(b.from, b.to);
    });
    const pack = checked(files);
    const r = proveInvariants(pack).find((x) => x.invariant.title === b.refutes)!;
    assert.is(r.verdict.k, 'refuted');
    if (r.verdict.k === 'refuted') confirm(pack, files, b.refutes, r.verdict.example);
  });
}

// Random inputs over the whole schema of each conduct pack: missing or any
// value of the field's type, window results within their types, any list
// answer. A proved invariant is never broken.
function valueArb(type: Type, name: string): fc.Arbitrary<Value> {
  const base = Date.UTC(2026, 2, 2, 0, 0) - 8 * 3_600_000;
  switch (type.t) {
    case 'bool': return fc.boolean();
    case 'enum': return fc.constantFrom(...type.members);
    case 'timestamp': return fc.integer({ min: base - 90 * 86_400_000, max: base + 3 * 86_400_000 });
    case 'duration': return fc.integer({ min: 0, max: 90 * 86_400_000 });
    case 'integer': return name.includes('hour') ? fc.integer({ min: -2, max: 26 }) : fc.integer({ min: -2, max: 12 });
    case 'money': return fc.integer({ min: 0, max: 30_000_000 });
    case 'number': return fc.double({ min: -10, max: 100, noNaN: true });
    case 'string': return fc.constantFrom('a', 'b', 'COL-CALL-003', 'COL-AI-002', 'x-1');
    case 'set': return fc.array(fc.constantFrom('health', 'capability', 'elderly', 'threat', 'insult', 'new_loan_to_repay', 'other'), { maxLength: 3 });
    default: return fc.constant(undefined);
  }
}

const maybe = (a: fc.Arbitrary<Value>) => fc.option(a, { nil: undefined, freq: 3 });

/** Random inputs (the arbitrary), and the invariants they are checked against. */
function randomInputs(dir: string, files: SourceFile[], pack: CheckedPack) {
    const record = (fields: ReadonlyMap<string, { type: Type; required?: boolean }>) =>
      fc.record(Object.fromEntries([...fields].map(([k, f]) => [k, f.required ? valueArb(f.type, k) : maybe(valueArb(f.type, k))])));
    const entityArbs = Object.fromEntries([...pack.schema.entities].map(([n, e]) => [n, fc.option(record(e.fields), { nil: undefined })]));
    const aggArb = fc.tuple(...pack.aggregates.map((a) => maybe(valueArb(a.type, 'count'))));
    const typeField = pack.schema.event.fields.get('type')!;
    // Events of the types the invariants are about, half the time.
    const eventArb = fc.tuple(record(pack.schema.event.fields), fc.boolean()).map(([e, keep]) => (keep || typeField.type.t !== 'enum' ? e : { ...e, type: dir === GATES ? 'collection_contact' : 'complaint_review' }));
    return fc.tuple(eventArb, fc.record(entityArbs), aggArb, fc.boolean()).map(([rawEvent, ents, aggs, lists]) => {
      const event = Object.fromEntries(Object.entries(rawEvent).filter(([, v]) => v !== undefined)) as Record<string, Value>;
      const entities = Object.fromEntries(Object.entries(ents).filter(([, v]) => v !== undefined).map(([k, v]) => [k, Object.fromEntries(Object.entries(v!).filter(([, x]) => x !== undefined))])) as Record<string, Record<string, Value>>;
      return { event, entities, aggs, p: fixed(pack, entities, new Map(aggs.map((v, i) => [i, v])), lists) };
    });
}

for (const dir of [GATES, SWEEPS]) {
  test(`random inputs never break a proved invariant: ${dir}`, () => {
    const files = packFiles(dir);
    const pack = checked(files);
    const proved = proveInvariants(pack).filter((r) => r.verdict.k === 'proved').map((r) => r.invariant);
    fc.assert(fc.property(randomInputs(dir, files, pack), ({ event, entities, aggs, p }) => {
      for (const inv of proved) assert.ok(holds(pack, files, inv.title, event, p), `"${inv.title}" broken by ${JSON.stringify({ event, entities, aggs })}`);
    }), { numRuns: 300, seed: 20_260_301 });
  });
}

test('the same random inputs do break the invariant of a broken gate (the property can fail)', () => {
  const files = packFiles(GATES, (f, t) => (f === 'collection.zy' ? t.replace('const QUIET_FROM = 22', 'const QUIET_FROM = 23') : t));
  const pack = checked(files);
  const title = 'China: a debtor in China is never called at night, whatever the consent on other channels says';
  // Steered to the hole: a contact at 22:xx Shanghai time with no consent on record; the rest random.
  const steered = randomInputs(GATES, files, pack).map((x) => {
    const { debtor_local_hour: _h, consent_night: _c, ...event } = x.event;
    const t = event.occurred_at as number;
    const at = startOfLocalDay(t) + 22 * 3_600_000;
    const { consent_night_contact: _k, ...customer } = x.entities.customer ?? {};
    return { ...x, event: { ...event, type: 'collection_contact', occurred_at: at }, p: fixed(pack, { ...x.entities, customer }, new Map(x.aggs.map((v, i) => [i, v]))) };
  });
  const broken = fc.sample(steered, { numRuns: 1000, seed: 20_260_301 }).filter((x) => !holds(pack, files, title, x.event, x.p));
  assert.ok(broken.length > 0, 'random inputs reach the 22:00–23:00 hole');
});

test('what the prover cannot know is undecided, never proved', () => {
  // Past 60 days implies past 30 for the calendar, but working_days() is an unknown to the prover.
  const pack = checked(packFiles(SWEEPS, (f, t) => (f !== 'invariants.zy' ? t : `${t}
invariant "Past 60 days whatever the extension: escalated":
  event.type == "complaint_review" and event.resolved_at is missing and working_days(event.received_at + 59d, now - 1d) >= 1
  => outcome escalate
`)));
  const r = proveInvariants(pack).find((x) => x.invariant.title.startsWith('Past 60 days whatever'))!;
  assert.is(r.verdict.k, 'unknown');
  if (r.verdict.k === 'unknown') assert.match(r.verdict.why, /working_days/);
});

test('membership of a set-valued feature: a bool per (set, constant), shared by `in` and `any of … in`; all of stays undecided', () => {
  const header = `pack m version "1"
outcomes block > review > allow
event { kind: enum(a, b) required, occurred_at: timestamp required, flags: set<string> }
`;
  const r = build(`
list bad: string = ["x", "y"]
rule BAD when event.kind == "a" and any of event.flags in bad then block reason BAD
rule ALL_BAD when all of event.flags in bad then review reason ALL_BAD
invariant "x is blocked": event.kind == "a" and "x" in event.flags => outcome block
invariant "y and z are blocked": event.kind == "a" and ("y" in event.flags or "z" in event.flags) => outcome block
invariant "no flags, no block": event.flags is missing => not fired BAD
invariant "x not in the flags and y not either: not BAD": "x" not in event.flags and not ("y" in event.flags) => not fired BAD
invariant "all of: x alone is reviewed": event.kind == "b" and "x" in event.flags => outcome review
`, header);
  assert.ok(r.ok, r.diagnostics.map((d) => d.message).join('\n'));
  const v = Object.fromEntries(proveInvariants(r.checked!).map((x) => [x.invariant.title, x.verdict]));
  assert.is(v['x is blocked']!.k, 'proved');
  assert.is(v['no flags, no block']!.k, 'proved');
  assert.is(v['x not in the flags and y not either: not BAD']!.k, 'proved');
  // "z" is not in the list: a set holding z alone is a real counterexample, built and confirmed.
  const yz = v['y and z are blocked']!;
  assert.is(yz.k, 'refuted');
  if (yz.k === 'refuted') {
    assert.equal(yz.example.event.flags, ['z']);
    assert.is(interpret(r.checked!, yz.example.event, fixed(r.checked!, {}, new Map())).decision.outcome, 'allow');
  }
  // all of: other members of the set could make it false; the prover does not model that and says so.
  const all = v['all of: x alone is reviewed']!;
  assert.is(all.k, 'unknown');
  if (all.k === 'unknown') assert.match(all.why, /all of/);
});

const SMALL = `
rule NIGHT when event.kind == "a" and (hour(now) >= 22 or hour(now) < 8) and not (event.ok ?? false) then block reason NIGHT
rule BIG when event.amount > ¥1000 and event.kind != "b" then review reason BIG
`;
const SMALL_HEADER = `pack s version "1"
outcomes block > review > allow
event { kind: enum(a, b, c) required, occurred_at: timestamp required, ok: bool, amount: money }
`;

test('outcome at least / at most and fired: proved and refuted on a small pack', () => {
  const r = build(`${SMALL}
invariant "night a": event.kind == "a" and hour(now) == 23 and event.ok is missing => outcome block and fired NIGHT
invariant "big non-b": event.amount > ¥2000 and event.kind == "c" => outcome at least review
invariant "b never blocked": event.kind == "b" => outcome at most review and not fired NIGHT
invariant "a big at most review": event.kind == "a" and event.amount > ¥2000 => outcome at most review
`, SMALL_HEADER);
  assert.ok(r.ok, r.diagnostics.map((d) => d.message).join('\n'));
  const verdicts = Object.fromEntries(proveInvariants(r.checked!).map((x) => [x.invariant.title, x.verdict]));
  assert.is(verdicts['night a']!.k, 'proved');
  assert.is(verdicts['big non-b']!.k, 'proved');
  assert.is(verdicts['b never blocked']!.k, 'proved');
  const v = verdicts['a big at most review']!;
  assert.is(v.k, 'refuted');
  if (v.k === 'refuted') {
    assert.is(v.example.outcome, 'block');
    const p = fixed(r.checked!, v.example.entities, v.example.aggregates);
    assert.is(interpret(r.checked!, v.example.event, p).decision.outcome, 'block');
    const hour = (new Date((v.example.event[TIME_FIELD] as number) + 8 * 3_600_000)).getUTCHours();
    assert.ok(hour >= 22 || hour < 8, `at night: ${hour}`);
  }
});

test('zhiyu test checks every invariant on every test case (ZY5103)', async () => {
  const dir = scratchDir('zhiyu-inv-');
  writeFileSync(join(dir, 'pack.zy'), `${SMALL_HEADER}${SMALL}
invariant "c is never reviewed": event.kind == "c" => outcome at most allow
test "a big c" given event { kind: "c", amount: ¥5000 } at @2026-03-02T10:00 expect review
`);
  const t = await cli('test', dir);
  assert.is(t.code, 1);
  assert.match(t.out + t.err, /ZY5103: invariant "c is never reviewed" is broken/);
  const c = await cli('check', dir);
  assert.is(c.code, 1);
  assert.match(c.out, /error ZY5101: invariant "c is never reviewed" does not hold: event \{ kind: c/);
  assert.match(c.out, /1 invariant: 0 proved for every input, 1 refuted/);
});

test('zhiyu check rules/conduct proves every invariant; the 23:00 gate is refused with a counterexample', async () => {
  const ok = await cli('check', GATES, SWEEPS);
  assert.is(ok.code, 0, ok.out + ok.err);
  assert.match(ok.out, /11 invariants: 11 proved for every input, 0 refuted, 0 undecided/);
  assert.match(ok.out, /6 invariants: 6 proved for every input, 0 refuted, 0 undecided/);
  const dir = scratchDir('zhiyu-broken-');
  for (const f of packFiles(GATES, (name, text) => (name === 'collection.zy' ? text.replace('const QUIET_FROM = 22', 'const QUIET_FROM = 23') : text))) {
    writeFileSync(join(dir, f.path.split('/').pop()!), f.text);
  }
  const bad = await cli('check', dir);
  assert.is(bad.code, 1);
  assert.match(bad.out, /error ZY5101: invariant "No collection contact 22:00–08:00 local time without the debtor's consent" does not hold: event \{ type: collection_contact/);
  assert.match(bad.out, /decides allow/);
});

// Counterexamples with history: the window results become earlier events,
// and the event decided by the compiled pack over a SQLite store holding them
// breaks the invariant; the same input without the history does not.
const withCounterexample = (dir: string, file: string, from: string, to: string, title: string) => {
  const files = packFiles(dir, (f, t) => (f === file ? t.replace(from, to) : t));
  const r = compile(files);
  const pack = r.checked!;
  const v = proveInvariants(pack).find((x) => x.invariant.title === title)!.verdict;
  assert.is(v.k, 'refuted');
  const program = { pack: r.optimized!, code: r.code! };
  return { files, pack, program, x: withHistory(pack, program, (v as Extract<typeof v, { k: 'refuted' }>).example) };
};

test('the 23:00 gate: its counterexample, stored in SQLite, breaks the invariant through the compiled pack', () => {
  const { pack, x } = withCounterexample(GATES, 'collection.zy', 'const QUIET_FROM = 22', 'const QUIET_FROM = 23', 'No collection contact 22:00–08:00 local time without the debtor\'s consent');
  const h = x.history!;
  assert.equal(h.unbuilt, []);
  assert.ok(h.reproduced);
  assert.ok(h.store?.broken, JSON.stringify(h.store));
  assert.is(h.store!.outcome, 'allow');
  assert.not.ok(satisfies(pack, x.conclusion, h.store!.outcome, new Set(h.store!.fired)));
});

test('a daily cap of 7: the six unanswered calls are built as history, and a SQLite store holding them reproduces the violation', () => {
  const title = 'No seventh unanswered call to one number on one day';
  const { pack, program, x } = withCounterexample(GATES, 'collection.zy', 'const DAILY_UNANSWERED_CAP = 6', 'const DAILY_UNANSWERED_CAP = 7', title);
  const h = x.history!;
  const [id, count] = [...x.aggregates][0]!;
  assert.match(pack.aggregates[id!]!.text, /^count\(by target_phone_hash, today/);
  assert.is(count, 6);
  assert.is(h.rows.length, 6);
  const now = x.event[TIME_FIELD] as number;
  for (const row of h.rows) {
    assert.is(row.type, 'collection_contact');
    assert.ok(row.channel === 'call' || row.channel === 'ai_voice');
    assert.is(row.connected, false);
    assert.is(row.target_phone_hash, x.event.target_phone_hash);
    const t = row[TIME_FIELD] as number;
    assert.ok(t >= startOfLocalDay(now) && t <= now, 'today, before the event');
  }
  assert.equal(h.unbuilt, []);
  assert.ok(h.store?.broken, JSON.stringify(h.store));
  // The history is what breaks it: the same event over a store with one unanswered call fewer is denied.
  const fewer = replayInStore(pack, program, { ...x, history: { ...h, rows: h.rows.slice(1) } });
  assert.not.ok(fewer.broken, JSON.stringify(fewer));
  const none = replayInStore(pack, program, { ...x, history: { ...h, rows: [] } });
  assert.not.ok(none.broken);
});

test('a counterexample pasted as a test fails on the broken pack and passes once the rules are fixed', async () => {
  const title = 'No seventh unanswered call to one number on one day';
  const { pack, x } = withCounterexample(GATES, 'collection.zy', 'const DAILY_UNANSWERED_CAP = 6', 'const DAILY_UNANSWERED_CAP = 7', title);
  const text = counterexampleTest(pack, title, x);
  assert.match(text, /given history \[/);
  for (const [name, edit] of [['broken', (t: string) => t.replace('const DAILY_UNANSWERED_CAP = 6', 'const DAILY_UNANSWERED_CAP = 7')], ['fixed', (t: string) => t]] as const) {
    const dir = scratchDir(`zhiyu-cx-${name}-`);
    for (const f of packFiles(GATES, (n, t) => (n === 'collection.zy' ? edit(t) : t))) writeFileSync(join(dir, f.path.split('/').pop()!), f.text);
    writeFileSync(join(dir, 'counterexample.zy'), `${text}\n`);
    const t = await cli('test', dir);
    if (name === 'broken') {
      assert.is(t.code, 1, t.out + t.err);
      assert.match(t.out + t.err, /counterexample: No seventh unanswered call/);
    } else {
      assert.is(t.code, 0, t.out + t.err);
    }
  }
});

const WINDOWS_HEADER = `pack w version "1"
outcomes block > review > allow
event { type: enum(transfer_out, login) required, occurred_at: timestamp required, customer_id: string, amount: money, payee_id: string, device_id: string }
`;

test('sums, distinct counts, latest values and times since the last event are built as history; stddev is given as a value', () => {
  const r = build(`
rule BIG_DAY when event.type == "transfer_out" and sum(amount, by customer_id, today, where type == "transfer_out" and amount >= ¥100) > ¥50,000 then block reason BIG_DAY
rule MANY_PAYEES when distinct(payee_id, by customer_id, last 7d, where type == "transfer_out") >= 4 then review reason MANY_PAYEES
rule NEW_DEVICE when latest(device_id, by customer_id, last 30d, where type == "login") != event.device_id and time_since_last(by customer_id, last 30d, where type == "login") < 10m then review reason NEW_DEVICE
rule SPREAD when stddev(amount, by customer_id, last 30d) > ¥1,000 then review reason SPREAD
invariant "big days are never blocked": event.type == "transfer_out" => outcome at most review
invariant "many payees are never reviewed": event.type == "login" => outcome allow
invariant "a login never fires NEW_DEVICE": event.type == "login" => not fired NEW_DEVICE
invariant "a login never fires SPREAD": event.type == "login" => not fired SPREAD
`, WINDOWS_HEADER);
  assert.ok(r.ok, r.diagnostics.map((d) => d.message).join('\n'));
  const pack = r.checked!;
  const program = { pack: r.optimized!, code: r.code! };
  const examples = new Map(proveInvariants(pack).map((v) => {
    assert.is(v.verdict.k, 'refuted', v.invariant.title);
    return [v.invariant.title, withHistory(pack, program, (v.verdict as Extract<typeof v.verdict, { k: 'refuted' }>).example)] as const;
  }));
  const confirmed = (title: string) => {
    const x = examples.get(title)!;
    assert.equal(x.history!.unbuilt, [], title);
    assert.ok(x.history!.store?.broken, `${title}: ${JSON.stringify(x.history)}`);
    return x.history!.rows;
  };
  const big = confirmed('big days are never blocked');
  assert.ok(big.length > 0);
  for (const row of big) assert.ok((row.amount as number) >= 10_000 && row.type === 'transfer_out', 'every row passes the where');
  const payees = confirmed('many payees are never reviewed');
  assert.is(new Set(payees.map((p) => p.payee_id)).size, 4);
  const device = confirmed('a login never fires NEW_DEVICE');
  assert.ok(device.every((row) => row.type === 'login'));
  const spread = examples.get('a login never fires SPREAD')!.history!;
  assert.equal(spread.unbuilt.map((u) => pack.aggregates[u.id]!.fn), ['stddev']);
  assert.is(spread.reproduced, false);
  assert.is(spread.store, undefined, 'not stored: the history would not give the value');
  assert.match(counterexampleTest(pack, 'big days are never blocked', examples.get('big days are never blocked')!), /\n  # the invariant asks for outcome at most review\n  expect review$/);
});

test('zhiyu check prints the counterexample as a test with its history, and --format json carries it', async () => {
  const dir = scratchDir('zhiyu-cap7-');
  for (const f of packFiles(GATES, (name, text) => (name === 'collection.zy' ? text.replace('const DAILY_UNANSWERED_CAP = 6', 'const DAILY_UNANSWERED_CAP = 7') : text))) {
    writeFileSync(join(dir, f.path.split('/').pop()!), f.text);
  }
  const text = await cli('check', dir);
  assert.is(text.code, 1);
  assert.match(text.out, /= 6 \(from the history\); history: 6 earlier events; decides allow/);
  assert.match(text.out, /given history \[\n(\s+\{ occurred_at: now - \dm, target_phone_hash: "[^"]+", type: "collection_contact", channel: "(call|ai_voice)", connected: false \},?\n){6}\s+\]/);
  assert.match(text.out, /a SQLite store holding this history: the compiled pack decides allow \(no rule fired\), not `outcome deny` — confirmed/);
  const json = await cli('check', dir, '--format', 'json');
  const found = (JSON.parse(json.out) as { code: string; counterexample?: { history: unknown[]; store: { broken: boolean }; test: string; windows: { value: unknown }[] } }[]).filter((d) => d.code === 'ZY5101');
  assert.is(found.length, 1);
  assert.is(found[0]!.counterexample!.history.length, 6);
  assert.is(found[0]!.counterexample!.windows[0]!.value, 6);
  assert.ok(found[0]!.counterexample!.store.broken);
  assert.match(found[0]!.counterexample!.test, /^test "counterexample: No seventh unanswered call/);
});

test('a bundle is never built from a pack that breaks an invariant: compile({ prove }) and zhiyu compile refuse it with ZY5101', async () => {
  const broken = packFiles(GATES, (f, t) => (f === 'collection.zy' ? t.replace('const QUIET_FROM = 22', 'const QUIET_FROM = 23') : t));
  assert.ok(compile(broken).ok, 'without proving, it compiles');
  const r = compile(broken, { prove: true });
  assert.not.ok(r.ok);
  assert.is(r.code, undefined);
  const d = r.diagnostics.find((x) => x.code === 'ZY5101')!;
  assert.ok(d, r.diagnostics.map((x) => x.code).join());
  assert.match(r.files[d.span.file]!.path, /invariants\.zy$/);
  assert.match(r.files[d.span.file]!.text.slice(d.span.start, d.span.end), /^outcome deny/);
  assert.ok(compile(packFiles(GATES), { prove: true }).ok, 'the shipped pack proves and compiles');
  const dir = scratchDir('zhiyu-compile-');
  for (const f of broken) writeFileSync(join(dir, f.path.split('/').pop()!), f.text);
  const out = join(dir, 'gates.zyb');
  const refused = await cli('compile', dir, '-o', out);
  assert.is(refused.code, 1);
  assert.match(refused.err, /error ZY5101: invariant "No collection contact 22:00–08:00 local time without the debtor's consent" does not hold/);
  assert.not.ok(existsSync(out), 'no bundle written');
  const ok = await cli('compile', GATES, '-o', out);
  assert.is(ok.code, 0, ok.err);
  assert.ok(existsSync(out));
});

test.run();
