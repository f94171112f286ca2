// The timestamps an event carries are read without a regular expression or a
// Date when they have the plain form (compiler/input.ts, plainTimestamp):
// every such reading must be the epoch timestampFromString gives, and
// coerce() must give the same value or the same error as it did before the
// quick reading, for near-miss strings (bad months and days, leap days,
// 24:00, other zones, wrong separators, short fractions) and any string.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { coerce, plainTimestamp, timestampFromString } from '../compiler/input.ts';
import { TIMESTAMP } from '../compiler/types.ts';

const pad = (n: number, w: number) => String(n).padStart(w, '0');
/** A string in or near the ISO 8601 forms: each part drawn in and just out of range, glued by the right or a wrong character. */
const nearTimestamp = fc.record({
  y: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 1, 4, 100, 400, 1900, 1970, 2000, 2024, 2100, 9999)),
  mo: fc.integer({ min: 0, max: 13 }), d: fc.integer({ min: 0, max: 32 }),
  h: fc.integer({ min: 0, max: 25 }), mi: fc.integer({ min: 0, max: 61 }), s: fc.integer({ min: 0, max: 61 }),
  frac: fc.stringMatching(/^\d{0,4}$/),
  parts: fc.integer({ min: 0, max: 3 }),
  sep: fc.constantFrom('T', ' ', 't', 'x', '_'), dash: fc.constantFrom('-', '-', '-', '/'), colon: fc.constantFrom(':', ':', ':', '.'),
  zone: fc.constantFrom('', '', 'Z', 'z', '+08:00', '-05:00', '+0530', '+14:00', '-12:01', '+08', ' '),
  cut: fc.integer({ min: -3, max: 0 }),
}).map((p) => {
  let s = `${pad(p.y, 4)}${p.dash}${pad(p.mo, 2)}-${pad(p.d, 2)}`;
  if (p.parts >= 1) s += `${p.sep}${pad(p.h, 2)}${p.colon}${pad(p.mi, 2)}`;
  if (p.parts >= 2) s += `:${pad(p.s, 2)}`;
  if (p.parts >= 3) s += `.${p.frac}`;
  s += p.zone;
  return p.cut ? s.slice(0, p.cut) : s;
});

/** What coerce gives: a value, or the error's message. */
const outcome = (f: () => unknown) => { try { return { value: f() }; } catch (e) { return { error: (e as Error).message }; } };

test('plainTimestamp reads only what timestampFromString reads, to the same epoch', () => {
  fc.assert(fc.property(fc.oneof(nearTimestamp, fc.string({ maxLength: 30 })), (s) => {
    const quick = plainTimestamp(s);
    if (quick === undefined) return;
    const slow = timestampFromString(s);
    assert.ok('value' in slow, `${JSON.stringify(s)}: read as ${quick}, but timestampFromString rejects it`);
    assert.is(quick, (slow as { value: number }).value, JSON.stringify(s));
  }), { numRuns: 20_000 });
});

test('coerce gives the value or the error it gave before the quick reading', () => {
  fc.assert(fc.property(nearTimestamp, (s) => {
    const slow = timestampFromString(s);
    const got = outcome(() => coerce(TIMESTAMP, s, 'event.occurred_at'));
    if ('value' in slow) assert.equal(got, { value: slow.value }, JSON.stringify(s));
    else assert.ok('error' in got && got.error === `event.occurred_at should be ${slow.why}, but is the string ${JSON.stringify(s)}`, `${JSON.stringify(s)}: ${JSON.stringify(got)}`);
  }), { numRuns: 20_000 });
});

test('the plain forms are read quickly: dates, minutes, seconds, fractions, Z, leap days, years 0000 and 9999', () => {
  for (const s of ['2026-03-01', '2026-03-01T10:00', '2026-03-01 10:00', '2026-03-01T10:00:59', '2026-03-01T10:00:59.5', '2026-03-01T10:00:59.123Z',
    '2024-02-29T23:59', '2000-02-29', '0000-01-01T00:00Z', '0000-02-29', '9999-12-31T23:59:59.999Z', '1969-12-31T23:59:59.999Z']) {
    const quick = plainTimestamp(s);
    assert.type(quick, 'number', s);
    assert.is(quick, (timestampFromString(s) as { value: number }).value, s);
  }
  for (const s of ['1900-02-29', '2023-02-29', '2026-04-31', '2026-03-01T24:00', '2026-03-01T10:60', '2026-03-01T10:00:60', '2026-03-01T10:00:00.', '2026-03-01T10:00:00.1234', '2026-03-01T10:00+08:00', '２０２６-03-01']) {
    assert.is(plainTimestamp(s), undefined, s);
  }
});

test.run();
