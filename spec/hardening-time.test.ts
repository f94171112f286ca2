// Issue 15, defect 10: `2026-02-20T10:00+99:99`, `+0860` and the epoch
// 9007199254740991 were accepted as timestamps; time rules then saw
// "missing" and stayed silent. A timestamp with an impossible UTC offset, or
// outside the years 0000–9999, is now refused with ZY4001 (input) or ZY1003
// (a literal in a rule), the same in both evaluators.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InputError, interpret, load, MemoryProvider } from '../runtime/index.ts';
import { build, codes, decideBoth } from './helpers.ts';

const r = build('rule NIGHT when hour(event.at) < 6 then hold\nrule LATE when event.occurred_at > @2026-01-01 then review\n');

function refusedByBoth(event: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const decide of [() => load({ pack: r.optimized!, code: r.code! }).decide(event, new MemoryProvider()), () => interpret(r.checked!, event, new MemoryProvider()).decision]) {
    try { decide(); out.push('accepted'); } catch (e) { out.push(e instanceof InputError ? `${e.code} ${e.field}` : `threw ${(e as Error).message}`); }
  }
  return out;
}

test('#15.10 impossible UTC offsets are refused with ZY4001 in events, by both evaluators', () => {
  assert.ok(r.ok, codes(r).join());
  for (const at of ['2026-02-20T10:00+99:99', '2026-02-20T10:00+0860', '2026-02-20T10:00+15:00', '2026-02-20T10:00-13:00', '2026-02-20T10:00+08:60', '2026-02-20T10:00+2400']) {
    assert.equal(refusedByBoth({ type: 'login', at, occurred_at: '2026-02-20T10:00' }), ['ZY4001 event.at', 'ZY4001 event.at'], at);
    assert.equal(refusedByBoth({ type: 'login', occurred_at: at }), ['ZY4001 event.occurred_at', 'ZY4001 event.occurred_at'], `occurred_at ${at}`);
  }
  // Real offsets still work: +14:00 (Kiribati), -12:00, +05:45 (Nepal), +0800.
  for (const at of ['2026-02-20T10:00+14:00', '2026-02-20T10:00-12:00', '2026-02-20T10:00+05:45', '2026-02-20T04:00+0800']) {
    decideBoth(r, { type: 'login', at, occurred_at: '2026-02-20T10:00' });
  }
  assert.equal(decideBoth(r, { type: 'login', at: '2026-02-20T05:59+0800', occurred_at: '2026-02-20T10:00' }).fired.map((f) => f.id), ['NIGHT', 'LATE']);
});

test('#15.10 epochs outside the years 0000–9999 are refused with ZY4001, not read as missing', () => {
  for (const at of [9007199254740991, -9007199254740991, 8.64e15, 253402300800000, -62167219200001]) {
    assert.equal(refusedByBoth({ type: 'login', at, occurred_at: '2026-02-20T10:00' }), ['ZY4001 event.at', 'ZY4001 event.at'], String(at));
  }
  for (const at of [0, 1_771_552_800_000, 253402300799999, -62167219200000]) decideBoth(r, { type: 'login', at, occurred_at: '2026-02-20T10:00' });
});

test('#15.10 a timestamp literal with an impossible offset is ZY1003 in a rule', () => {
  for (const lit of ['@2026-02-20T10:00+99:99', '@2026-02-20T10:00+08:60', '@2026-02-20T10:00-13:00']) {
    assert.ok(codes(build(`rule R when event.at > ${lit} then hold\n`)).some((c) => c.startsWith('ZY1003')), lit);
  }
});

test.run();
