// The escaping functions that generated code is built with: every string and
// number a rule holds reaches JavaScript through them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { jsNumber, jsString } from '../compiler/escape.ts';

/** Any UTF-16 string, lone surrogates included. */
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.nat({ max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('"', "'", '\\', '`', '$', '{', '}', '<', '>', '/', '*', '\u2028', '\u2029', '\0', '\n', '\r', '\ud800', '\udfff', 'a'), maxLength: 40 }),
);

test('jsString: for every string s, eval(jsString(s)) === s, in printable ASCII without < > /', () => {
  const indirectEval = eval;
  fc.assert(fc.property(anyString, (s) => {
    const out = jsString(s);
    if (!/^[\x20-\x7e]*$/.test(out)) return false;
    if (/[<>/]/.test(out)) return false;
    if (!out.startsWith('"') || !out.endsWith('"')) return false;
    return indirectEval(out) === s && JSON.parse(out) === s && new Function(`return ${out};`)() === s;
  }), { seed: 42, numRuns: 5000 });
});

test('jsString: every UTF-16 code unit, alone and inside plain text, round-trips in printable ASCII without < > / (the plain-text fast path and the escaping path agree at their border)', () => {
  const indirectEval = eval;
  for (let c = 0; c <= 0xffff; c++) {
    const ch = String.fromCharCode(c);
    for (const s of [ch, `ab${ch}cd`]) {
      const out = jsString(s);
      assert.ok(/^"[\x20-\x7e]*"$/.test(out) && !/[<>/]/.test(out), `code unit ${c}: ${out}`);
      assert.is(indirectEval(out), s, `code unit ${c}`);
    }
  }
});

test('jsNumber: every finite number round-trips exactly (including -0); non-finite numbers are refused', () => {
  fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
    const out = jsNumber(x);
    return /^[-0-9.e+()]*$/.test(out) && Object.is(new Function(`return ${out};`)(), x) && Object.is(new Function(`return 1-${out};`)(), 1 - x);
  }), { seed: 42, numRuns: 5000 });
  for (const x of [Infinity, -Infinity, Number.NaN]) assert.throws(() => jsNumber(x));
});


test.run();
