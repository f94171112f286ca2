import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTimestamp } from '../compiler/literals.ts';
import * as S from '../compiler/semantics.ts';
import { InputError, interpret, load, MemoryProvider, windowStart } from '../runtime/index.ts';
import { build, decideBoth } from './helpers.ts';

const at = (s: string) => { const r = parseTimestamp(`@${s}`); if (!r.ok) throw new Error(r.message); return r.value; };

test('local time is Asia/Shanghai (UTC+8) whatever the machine zone', () => {
  const t = at('2026-03-01T21:59:59');
  assert.is(S.localHour(t), 21);
  assert.is(S.localHour(t + 1000), 22);
  assert.is(S.localHour(at('2026-03-01T00:00Z')), 8);
  assert.is(S.localWeekday(at('2026-03-01T12:00')), 7); // a Sunday
  assert.is(S.localWeekday(at('2026-03-02T00:00')), 1);
  assert.is(S.localDate(at('2026-02-28T23:59:59')), '2026-02-28');
  assert.is(S.localDate(at('2026-03-01T00:00')), '2026-03-01');
  assert.is(S.startOfLocalWeek(at('2026-03-01T12:00')), at('2026-02-23T00:00'));
  assert.is(S.startOfLocalMonth(at('2026-03-31T23:00')), at('2026-03-01T00:00'));
});

test('windows end at the event time and start just after now minus the window', () => {
  const now = at('2026-03-01T10:00');
  assert.is(windowStart({ kind: 'rolling', ms: 600_000 }, now), now - 600_000 + 1);
  assert.is(windowStart({ kind: 'calendar', unit: 'day' }, now), at('2026-03-01T00:00'));
  assert.is(windowStart({ kind: 'all' }, now), -Infinity);
});

test('money and durations are formatted for people', () => {
  assert.is(S.formatMoney(123456), '¥1,234.56');
  assert.is(S.formatMoney(-5), '-¥0.05');
  assert.is(S.formatDuration(90 * 60_000), '1h30m');
  assert.is(S.formatTimestamp(at('2026-03-01T09:05:07')), '2026-03-01 09:05:07');
});

test('outcomes combine by precedence; scores reach thresholds', () => {
  const header = `pack t\noutcomes block > hold > review > allow\nthreshold review at 30\nthreshold block at 100\nevent { a: integer }\n`;
  const r = build(`rule A when event.a > 1 then review score 20
rule B when event.a > 2 then hold
rule C when event.a > 3 score 90`, header);
  const d = (a: number) => decideBoth(r, { a, occurred_at: 0 });
  assert.is(d(0).outcome, 'allow');
  assert.is(d(2).outcome, 'review');
  assert.is(d(3).outcome, 'hold');
  assert.is(d(4).outcome, 'block');
  assert.is(d(4).score, 110);
  assert.equal(d(4).fired.map((f) => f.id), ['A', 'B', 'C']);
});

test('a missing feature makes a comparison missing, and a rule fires only on true', () => {
  const r = build(`rule LOW when event.amount < ¥10 then hold
rule NOT_LOW when not (event.amount < ¥10) then review
rule GONE when event.amount is missing then block
rule OR_TRUE when event.amount < ¥10 or event.flag then hold`);
  const d = decideBoth(r, { type: 'login', occurred_at: 0, flag: true });
  assert.equal(d.fired.map((f) => f.id), ['GONE', 'OR_TRUE']);
});

test('a decision explains itself: reason, messages with values, what each rule saw', () => {
  const r = build(`rule BIG "Big transfer" when event.type == "transfer_out" and event.amount >= ¥5,000 and customer.age >= 60
  then hold reason ELDER message "大额转账 {event.amount}，年龄 {customer.age}" en "Large transfer of {event.amount}"`);
  const d = decideBoth(r, { type: 'transfer_out', amount: 600000, customer_id: 'c1', occurred_at: at('2026-03-01T10:00') },
    new MemoryProvider({ entities: { customer: new Map([['c1', { age: 70 }]]) } }));
  assert.is(d.outcome, 'hold');
  assert.equal(d.fired[0], {
    id: 'BIG', title: 'Big transfer', outcome: 'hold', score: 0, reason: 'ELDER',
    message: { zh: '大额转账 ¥6,000.00，年龄 70', en: 'Large transfer of ¥6,000.00' },
    seen: [{ feature: 'event.type', value: 'transfer_out' }, { feature: 'event.amount', value: 600000 }, { feature: 'customer.age', value: 70 }],
  });
});

test('the same pack and input always give the same decision', () => {
  const r = build('rule A when event.amount > ¥1 then hold score 3');
  const e = { type: 'transfer_out', amount: 500, occurred_at: 5 };
  const engine = load({ pack: r.optimized!, code: r.code! });
  const first = JSON.stringify(engine.decide(e));
  for (let i = 0; i < 50; i++) assert.is(JSON.stringify(engine.decide(e)), first);
});

test('a wrong-typed field is a typed error naming the field and the expected type', () => {
  const r = build('rule A when event.amount > ¥1 or "x" in event.tags then hold');
  const engine = load({ pack: r.optimized!, code: r.code! });
  const cases: [unknown, string, string][] = [
    [{ type: 'login', occurred_at: 0, amount: '12' }, 'ZY4001', 'event.amount'],
    [{ type: 'login', occurred_at: 0, amount: 1.5 }, 'ZY4001', 'event.amount'],
    [{ type: 'logn', occurred_at: 0 }, 'ZY4001', 'event.type'],
    [{ occurred_at: 0 }, 'ZY4001', 'event.type'],
    [{ type: 'login' }, 'ZY4001', 'event.occurred_at'],
    [{ type: 'login', occurred_at: 'yesterday' }, 'ZY4001', 'event.occurred_at'],
    [{ type: 'login', occurred_at: 0, tags: ['a', 3] }, 'ZY4001', 'event.tags[1]'],
    [[1, 2], 'ZY4003', 'event'],
    [null, 'ZY4003', 'event'],
  ];
  for (const [event, code, field] of cases) {
    for (const run of [() => engine.decide(event), () => interpret(r.checked!, event)]) {
      try {
        run();
        assert.unreachable(`no error for ${JSON.stringify(event)}`);
      } catch (e) {
        assert.instance(e, InputError, String(e));
        assert.is((e as InputError).code, code);
        assert.is((e as InputError).field, field);
      }
    }
  }
});

test('null is missing; ISO timestamps are read as Asia/Shanghai unless they carry a zone', () => {
  const r = build('rule A when event.at is missing and event.occurred_at == @2026-03-01T10:00 then hold');
  assert.is(decideBoth(r, { type: 'login', occurred_at: '2026-03-01T10:00', at: null }).outcome, 'hold');
  assert.is(decideBoth(r, { type: 'login', occurred_at: '2026-03-01T02:00:00Z' }).outcome, 'hold');
  assert.is(decideBoth(r, { type: 'login', occurred_at: '2026-03-01T10:00:00+09:00' }).outcome, 'allow');
});

test('strict mode reports fields the schema does not know', () => {
  const r = build('rule A when event.flag then hold');
  const engine = load({ pack: r.optimized!, code: r.code! });
  const e = { type: 'login', occurred_at: 0, flagg: true };
  assert.is(engine.decide(e).outcome, 'allow');
  assert.throws(() => engine.decide(e, undefined, { strict: true }), (err: InputError) => err.code === 'ZY4002' && err.field === 'event.flagg');
  assert.throws(() => interpret(r.checked!, e, undefined, { strict: true }), (err: InputError) => err.code === 'ZY4002');
});

test('aggregates see only the past, as of the event time', () => {
  const r = build(`rule MANY when count(by customer_id, last 10m, where type == "login") >= 2 then hold
rule SUM when sum(amount, by customer_id, today) > ¥100 then review`);
  const now = at('2026-03-01T10:00');
  const history = [
    { type: 'login', customer_id: 'c', occurred_at: now - 600_000 }, // exactly at the edge: outside
    { type: 'login', customer_id: 'c', occurred_at: now - 599_999 },
    { type: 'login', customer_id: 'c', occurred_at: now + 1 }, // the future: never
    { type: 'login', customer_id: 'd', occurred_at: now - 1 },
    { type: 'transfer_out', customer_id: 'c', amount: 20000, occurred_at: at('2026-02-28T23:59:59') },
  ];
  const p = new MemoryProvider({ history });
  assert.is(decideBoth(r, { type: 'login', customer_id: 'c', occurred_at: now }, p).outcome, 'allow');
  const p2 = new MemoryProvider({ history: [...history, { type: 'login', customer_id: 'c', occurred_at: now }] });
  assert.is(decideBoth(r, { type: 'login', customer_id: 'c', occurred_at: now }, p2).outcome, 'hold');
  assert.is(decideBoth(r, { type: 'login', occurred_at: now }, p2).outcome, 'allow', 'a missing key makes the count missing');
});

test('rules outside their effective dates, and disabled rules, do not fire', () => {
  const r = build(`rule A effective @2026-03-01 until @2026-04-01 when event.flag then hold
rule B disabled when event.flag then block`);
  const d = (t: string) => decideBoth(r, { type: 'login', flag: true, occurred_at: at(t) }).outcome;
  assert.is(d('2026-02-28T23:59:59'), 'allow');
  assert.is(d('2026-03-01T00:00'), 'hold');
  assert.is(d('2026-03-31T23:59:59'), 'hold');
  assert.is(d('2026-04-01T00:00'), 'allow');
});

test('the interpreter traces every condition it evaluated', () => {
  const r = build('rule A when event.amount > ¥1 and event.flag then hold');
  const t = interpret(r.checked!, { type: 'login', amount: 500, occurred_at: 0 });
  const rule = t.trace[0]!;
  assert.is(rule.value, undefined);
  assert.is(rule.fired, false);
  const kinds = rule.steps.map((s) => `${s.kind}=${String(s.value)}`);
  assert.equal(kinds, ['field=500', 'lit=100', 'cmp=true', 'field=undefined', 'and=undefined']);
});

test('working days follow the holiday calendar, with make-up working days', () => {
  const r = build('rule LATE when working_days(event.at, now) > 5 then review message "{working_days(event.at, now)} working days"');
  // 2026 Spring Festival: 02-16..02-22 off (weekdays among them are holidays), 02-14 (Sat) and 02-28 (Sat) are make-up working days.
  const calendar = { '2026-02-16': false, '2026-02-17': false, '2026-02-18': false, '2026-02-19': false, '2026-02-20': false, '2026-02-14': true, '2026-02-28': true };
  const p = new MemoryProvider({ calendar });
  const d = (received: string, now: string) => decideBoth(r, { type: 'login', at: at(received), occurred_at: at(now) }, p);
  assert.is(d('2026-02-13T18:00', '2026-02-24T09:00').fired.length, 0, 'Sat 14 (make-up), Mon 23, Tue 24 = 3 working days');
  assert.equal(d('2026-02-13T18:00', '2026-03-02T09:00').fired[0]?.message.zh, '8 working days');
  assert.is(decideBoth(r, { type: 'login', at: at('2026-02-13T18:00'), occurred_at: at('2026-03-02T09:00') }).fired[0]?.message.zh, '11 working days', 'no calendar: Monday to Friday');
  assert.is(S.workingDays(S.NO_CALENDAR, at('2026-03-02T09:00'), at('2026-02-27T09:00')), -1);
});

test.run();
