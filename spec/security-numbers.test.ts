// Extreme numbers: out-of-range literals, -0, Infinity, NaN and unsafe
// integers (see spec/security-harness.ts for what every case checks).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { both, codesOf, compiled, decided, fired, guarded, NOW } from './security-harness.ts';

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

test.run();
