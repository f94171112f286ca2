// Backtests (runtime/backtest): every event decided as of its own time,
// metrics against a case computed by hand, the comparison with a baseline,
// and the same result from one thread and from worker threads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backtest, BacktestError, type BacktestRun } from '../runtime/backtest/index.ts';
import { migrate, openStore } from '../runtime/store/sqlite/index.ts';
import { StoreError } from '../runtime/store/errors.ts';
import { load } from '../runtime/index.ts';
import { SqliteProvider } from '../runtime/store/sqlite/index.ts';
import { decodeRow } from '../runtime/store/tables.ts';
import { at, BASELINE, CANDIDATE, fresh, handStore, program, randomStore, store, type Ev } from './backtest-fixtures.ts';

const candidate = program(CANDIDATE);
const baseline = program(BASELINE);
const hand = handStore();
const rule = (r: BacktestRun, id: string) => r.rules.find((x) => x.id === id)!;
const outcome = (r: BacktestRun, o: string) => r.outcomes.find((x) => x.outcome === o)!;
const withoutRun = (r: BacktestRun) => { const { run: _run, ...rest } = r; return rest; };
async function rejects(fn: () => Promise<unknown>, match: (e: Error) => boolean): Promise<void> {
  try { await fn(); } catch (e) {
    assert.ok(match(e as Error), `unexpected error: ${(e as Error).stack}`);
    return;
  }
  assert.unreachable('it should have failed');
}
const code = (c: string) => (e: Error) => (e instanceof BacktestError || e instanceof StoreError) && e.code === c;

test('metrics: the hand-computed case, rule by rule', async () => {
  const r = await backtest(candidate, hand, { examples: 10 });
  assert.equal(r.events, { total: 9, decided: 9, skipped: 0, skippedBy: [] });
  // Fraud: 3 (its own label), 5 (customer c3's chargeback), 8 (label without a time).
  // Not fraud: 4 (fraud, then cleared later: the latest wins), 6 (its own label beats c3's).
  assert.equal(r.labels, { asOf: null, kinds: ['fraud', 'chargeback'], positive: 3, negative: 2, unlabelled: 4, positiveMoney: 320_000 });
  assert.is(r.amountField, 'amount');
  assert.is(r.customerField, 'customer_id');
  const third = 1 / 3;
  assert.equal(rule(r, 'BURST'), {
    index: 0, id: 'BURST', title: 'A second transfer within the hour', outcome: 'hold', score: 0, enabled: true,
    hits: 1, hitRate: 1 / 9, positiveHits: 1, negativeHits: 0, precision: 1, labelledPrecision: 1, recall: third,
    money: { positive: 200_000, other: 0 }, uniqueHits: 0, examples: [3], positiveExamples: [3], otherExamples: [],
    // BIG fires on its one hit too, but only reviews: BURST's hold still decides.
    redundantWith: [],
  });
  const big = rule(r, 'BIG');
  assert.equal([big.hits, big.positiveHits, big.negativeHits, big.precision, big.recall, big.uniqueHits, big.examples], [2, 1, 1, 0.5, third, 0, [3, 4]]);
  assert.equal(big.money, { positive: 200_000, other: 150_000 });
  const watched = rule(r, 'WATCHED');
  // Event 7 came before c4 was put on the list; event 8 after.
  assert.equal([watched.hits, watched.positiveHits, watched.precision, watched.uniqueHits, watched.examples, watched.money], [1, 1, 1, 1, [8], { positive: 90_000, other: 0 }]);
  const elder = rule(r, 'ELDER');
  assert.equal([elder.hits, elder.positiveHits, elder.negativeHits, elder.precision, elder.labelledPrecision, elder.recall, elder.score], [1, 0, 1, 0, 0, 0, 40]);
});

test('metrics: outcome mix, confusion matrices, days', async () => {
  const r = await backtest(candidate, hand);
  assert.equal(r.pack, { name: 'bt', version: '1.0', rules: 4, outcomes: ['block', 'hold', 'review', 'allow'] });
  assert.equal(outcome(r, 'block'), { outcome: 'block', events: 1, share: 1 / 9, positive: 1, money: { positive: 90_000, other: 0 }, confusion: { tp: 1, fp: 0, fn: 2, tn: 6, precision: 1, recall: 1 / 3 } });
  assert.equal(outcome(r, 'hold').confusion, { tp: 1, fp: 0, fn: 2, tn: 6, precision: 1, recall: 1 / 3 });
  // Event 4: BIG says review, ELDER's 40 points reach the review threshold too.
  assert.equal(outcome(r, 'review'), { outcome: 'review', events: 1, share: 1 / 9, positive: 0, money: { positive: 0, other: 150_000 }, confusion: { tp: 0, fp: 1, fn: 3, tn: 5, precision: 0, recall: 0 } });
  assert.equal(outcome(r, 'allow'), { outcome: 'allow', events: 6, share: 6 / 9, positive: 1, money: { positive: 30_000, other: 140_000 }, confusion: { tp: 1, fp: 5, fn: 2, tn: 1, precision: 1 / 6, recall: 1 / 3 } });
  assert.equal(r.stopped, { tp: 2, fp: 1, fn: 1, tn: 5, precision: 2 / 3, recall: 2 / 3, goodCustomers: 1 });
  assert.equal(r.daily, {
    days: ['2026-02-10', '2026-02-11'], events: [4, 5],
    hits: { BURST: [1, 0], BIG: [2, 0], WATCHED: [0, 1], ELDER: [1, 0] },
    outcomes: { block: [0, 1], hold: [1, 0], review: [1, 0], allow: [2, 4] },
  });
  assert.equal([r.range.first, r.range.last], [at('2026-02-10T10:00'), at('2026-02-11T13:00')]);
});

test('metrics agree with the engine deciding each stored event on its own', async () => {
  const r = await backtest(candidate, hand, { examples: 100 });
  const db = openStore(hand, { readonly: true });
  const engine = load(candidate);
  const provider = new SqliteProvider(db, candidate.pack);
  const outcomes: Record<string, number> = {};
  const hits: Record<string, number[]> = {};
  for (const row of db.prepare('SELECT * FROM zy_events ORDER BY occurred_at, zy_seq').all() as Record<string, unknown>[]) {
    const d = engine.decide(decodeRow(candidate.pack.schema.event, row), provider.asOf(row['occurred_at'] as number, row['zy_seq'] as number));
    outcomes[d.outcome] = (outcomes[d.outcome] ?? 0) + 1;
    for (const f of d.fired) (hits[f.id] ??= []).push(row['zy_seq'] as number);
  }
  db.close();
  assert.equal(Object.fromEntries(r.outcomes.filter((o) => o.events).map((o) => [o.outcome, o.events])), outcomes);
  assert.equal(Object.fromEntries(r.rules.filter((x) => x.hits).map((x) => [x.id, x.examples])), hits);
});

test('labels known later than labelsAsOf do not count', async () => {
  // By the end of 13 Feb: event 3's label (17 Feb) is not known yet, and
  // event 4 is still fraud (it was cleared on 14 Feb).
  const r = await backtest(candidate, hand, { labelsAsOf: '2026-02-13' });
  assert.equal(r.labels, { asOf: at('2026-02-14T00:00') - 1, kinds: ['fraud', 'chargeback'], positive: 3, negative: 1, unlabelled: 5, positiveMoney: 270_000 });
  assert.equal([rule(r, 'BURST').positiveHits, rule(r, 'BIG').positiveHits, rule(r, 'ELDER').positiveHits], [0, 1, 1]);
  const early = await backtest(candidate, hand, { labelsAsOf: at('2026-02-12T12:00') });
  assert.equal([early.labels.positive, early.labels.negative], [2, 0], 'only event 4 (fraud) and event 8 (no time) are known');
});

test('point in time: an event planted in the future is not counted in an earlier window', async () => {
  const t = at('2026-02-20T10:00');
  const base: Ev[] = [
    { seq: 1, customer_id: 'k', type: 'transfer_out', amount: 100, at: t },
    { seq: 2, customer_id: 'k', type: 'transfer_out', amount: 100, at: t + 90 * 60_000 },
  ];
  const plain = await backtest(candidate, store(fresh('pit'), base), { examples: 10 });
  assert.equal(rule(plain, 'BURST').examples, [], 'the two transfers are 90 minutes apart');
  // A transfer 20 minutes after event 2 but stored before both: event 2's
  // window (the hour before it) must not count it, and it saw neither.
  const planted = await backtest(candidate, store(fresh('pit'), [...base, { seq: 0, customer_id: 'k', type: 'transfer_out', amount: 100, at: t + 110 * 60_000 }]), { examples: 10 });
  assert.equal(rule(planted, 'BURST').examples, []);
  // Stored after event 2, the same transfer does see it: the window works.
  const after = await backtest(candidate, store(fresh('pit'), [...base, { seq: 3, customer_id: 'k', type: 'transfer_out', amount: 100, at: t + 110 * 60_000 }]), { examples: 10 });
  assert.equal(rule(after, 'BURST').examples, [3]);
  // One that happened 10 minutes before event 2 but was stored after it was
  // not known when event 2 was decided, so it does not count either.
  const late = await backtest(candidate, store(fresh('pit'), [...base, { seq: 3, customer_id: 'k', type: 'transfer_out', amount: 100, at: t + 80 * 60_000 }]), { examples: 10 });
  assert.equal(rule(late, 'BURST').examples, []);
});

test('point in time: a list entry added after an event is not seen by it; an expired one is not either', async () => {
  const t = at('2026-02-20T10:00');
  const path = store(fresh('list'), [
    { seq: 1, customer_id: 'w', type: 'login', at: t },
    { seq: 2, customer_id: 'w', type: 'login', at: t + 2 * 3_600_000 },
    { seq: 3, customer_id: 'w', type: 'login', at: t + 4 * 3_600_000 },
  ], (db) => db.prepare(`INSERT INTO zy_list_entries (list, value, added_at, expires_at) VALUES ('watch', 'w', ?, ?)`).run(t + 3_600_000, t + 3 * 3_600_000));
  const r = await backtest(candidate, path, { examples: 10 });
  assert.equal(rule(r, 'WATCHED').examples, [2]);
});

test('comparison with a baseline: transitions, caught fraud and good customers', async () => {
  const r = await backtest(candidate, hand, { baseline });
  const c = r.comparison!;
  assert.equal(c.baseline, { pack: 'live', version: '0.9', outcomes: ['block', 'hold', 'review', 'allow'] });
  assert.is(c.changed, 4);
  assert.equal(c.transitions, [
    { from: 'hold', to: 'allow', events: 2, positive: 0, money: { positive: 0, other: 130_000 }, examples: [2, 7] },
    { from: 'hold', to: 'block', events: 1, positive: 1, money: { positive: 90_000, other: 0 }, examples: [8] },
    { from: 'hold', to: 'review', events: 1, positive: 0, money: { positive: 0, other: 150_000 }, examples: [4] },
  ]);
  assert.equal(c.caughtPositive, { baseline: 2, candidate: 2, change: 0 });
  assert.equal(c.caughtPositiveMoney, { baseline: 290_000, candidate: 290_000, change: 0 });
  assert.equal(c.goodCustomersAffected, { baseline: 3, candidate: 1, change: -2 });
  assert.equal(c.goodEventsStopped, { baseline: 3, candidate: 1, change: -2 });
  assert.equal(c.goodMoneyStopped, { baseline: 280_000, candidate: 150_000, change: -130_000 });
  assert.equal(c.baselineOutcomes.map((o) => [o.outcome, o.events, o.positive]), [['block', 0, 0], ['hold', 5, 2], ['review', 0, 0], ['allow', 4, 1]]);
  const same = await backtest(candidate, hand, { baseline: candidate });
  assert.equal([same.comparison!.changed, same.comparison!.transitions], [0, []]);
});

test('the range: from, to (a date alone includes that day), and bad bounds', async () => {
  const day2 = await backtest(candidate, hand, { from: '2026-02-11' });
  assert.equal([day2.events.total, day2.range.from], [5, at('2026-02-11T00:00')]);
  const day1 = await backtest(candidate, hand, { to: '2026-02-10' });
  assert.equal([day1.events.total, day1.range.to], [4, at('2026-02-11T00:00')]);
  const hour = await backtest(candidate, hand, { from: '2026-02-10T10:10', to: '2026-02-10T11:00' });
  assert.is(hour.events.total, 2, 'to is exclusive when it has a time');
  // Events outside the range are still history for those inside it.
  assert.equal(rule(hour, 'BURST').hits, 1);
  const none = await backtest(candidate, hand, { from: '2027-01-01' });
  assert.equal([none.events.total, none.events.decided, rule(none, 'BIG').hitRate, outcome(none, 'allow').share, none.daily.days], [0, 0, null, null, []]);
  await rejects(() => backtest(candidate, hand, { from: '2026-02-30x' }), code('ZY7502'));
  await rejects(() => backtest(candidate, hand, { from: '2026-02-11', to: '2026-02-10T12:00' }), code('ZY7502'));
  await rejects(() => backtest(candidate, hand, { workers: -1 }), code('ZY7503'));
  await rejects(() => backtest(candidate, hand, { amountField: 'customer_id' }), code('ZY7503'));
  await rejects(() => backtest(candidate, fresh('missing')), code('ZY7001'));
});

test('events another pack owns are skipped and counted; fields the store lacks read as missing', async () => {
  const path = store(fresh('mixed'), [{ seq: 1, customer_id: 'c', type: 'transfer_out', amount: 500_000, at: at('2026-02-20T10:00') }], (db) => {
    db.prepare(`INSERT INTO zy_events (zy_seq, type, customer_id, occurred_at) VALUES (2, 'complaint', 'c', ?), (3, 'complaint', 'd', ?)`).run(at('2026-02-20T11:00'), at('2026-02-20T12:00'));
  });
  const wider = program(CANDIDATE.replace('amount: money "Amount in fen"', 'amount: money "Amount in fen"\n  channel: enum(app, web) "Channel"')
    .replace('age_years: integer "Age"', 'age_years: integer "Age"\n  segment: string "Segment"') + '\nentity device by customer_id "d" { rooted: bool "Rooted" }\n' +
    'rule WEB "Web transfer" when event.channel == "web" then block reason WEB\nrule ROOTED "Rooted" when device.rooted then block reason ROOTED\n');
  const r = await backtest(wider, path);
  assert.equal([r.events.total, r.events.decided, r.events.skipped], [3, 1, 2]);
  assert.equal(r.events.skippedBy.map((s) => [s.events, s.example, s.reason.startsWith('ZY4001 event.type')]), [[2, 2, true]]);
  assert.equal([rule(r, 'BIG').hits, rule(r, 'WEB').hits, rule(r, 'ROOTED').hits], [1, 0, 0]);
  assert.ok(r.warnings.some((w) => w.includes('no event field channel')), r.warnings.join('\n'));
  assert.ok(r.warnings.some((w) => w.includes('no customer field segment')));
  assert.ok(r.warnings.some((w) => w.includes('no device profiles')));
  // The file itself is unchanged: the missing columns were TEMP views on the backtest's own connections.
  const db = openStore(path, { readonly: true });
  assert.not.ok((db.prepare('PRAGMA table_info(zy_events)').all() as { name: string }[]).some((c) => c.name === 'channel'));
  db.close();
});

test('an in-memory store: the connection of the caller is used in place and left as it was', async () => {
  const db = openStore(':memory:', { create: true });
  migrate(db, candidate.pack.schema);
  const ins = db.prepare('INSERT INTO zy_events (type, customer_id, amount, occurred_at) VALUES (?, ?, ?, ?)');
  ins.run('transfer_out', 'm', 200_000, at('2026-02-20T10:00'));
  ins.run('transfer_out', 'm', 100, at('2026-02-20T10:05'));
  const wider = program(CANDIDATE.replace('amount: money "Amount in fen"', 'amount: money "Amount in fen"\n  channel: enum(app, web) "Channel"'));
  const r = await backtest(wider, db, { workers: 2, examples: 10 });
  assert.equal([r.run.workers, rule(r, 'BIG').examples, rule(r, 'BURST').examples], [0, [1], [2]]);
  assert.ok(r.warnings.some((w) => w.includes('no event field channel')));
  assert.equal(db.prepare('SELECT name FROM sqlite_temp_master').pluck().all(), [], 'no TEMP views left behind');
  assert.is(db.open, true);
  db.close();
});

test('worker threads give exactly the result of one thread (with a baseline, a range, progress)', async () => {
  const path = randomStore(12_000);
  const opts = { baseline, examples: 7, from: '2026-02-02', to: '2026-02-09' } as const;
  const progress: number[] = [];
  const one = await backtest(candidate, path, { ...opts, workers: 0, onProgress: (p) => progress.push(p.done) });
  const w1 = await backtest(candidate, path, { ...opts, workers: 1 });
  const w2 = await backtest(candidate, path, { ...opts, workers: 2 });
  assert.equal([one.run.workers, w1.run.workers, w2.run.workers], [0, 1, 2]);
  assert.ok(one.events.decided > 8_000 && one.comparison!.changed > 100 && one.labels.positive > 50, JSON.stringify(one.events));
  assert.ok(one.rules.every((x) => x.hits > 0), 'every rule fires somewhere');
  assert.equal(withoutRun(w1), withoutRun(one));
  assert.equal(withoutRun(w2), withoutRun(one));
  assert.is(JSON.stringify(withoutRun(w2)), JSON.stringify(withoutRun(one)), 'even the key order');
  assert.is(progress[progress.length - 1], one.events.total);
  assert.ok(progress.every((p, i) => i === 0 || p >= progress[i - 1]!));
});

test('cancelling stops the run with ZY7505', async () => {
  const path = randomStore(3_000, 11);
  const ac = new AbortController();
  ac.abort();
  await rejects(() => backtest(candidate, path, { workers: 0, signal: ac.signal }), code('ZY7505'));
  await rejects(() => backtest(candidate, path, { workers: 2, signal: ac.signal }), code('ZY7505'));
});

test.run();
