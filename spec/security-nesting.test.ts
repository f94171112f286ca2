// Deeply nested rule text is compiled or diagnosed, never a crash (see
// spec/security-harness.ts for what every case checks).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile, type CompileResult } from '../compiler/index.ts';
import { assertCleanSource, both, excluded, guarded, NOW } from './security-harness.ts';


/**
 * Deeply nested rule text makes compile() throw RangeError (stack overflow)
 * instead of returning a diagnostic: from 157 nested parentheses (in the
 * Chevrotain parser), 1,250 `not`s, 2,109 `+` terms or 7,803 `and` operands.
 * Repro: compile a pack with `rule R when ((((…157…(event.f)…)))) then block`.
 * (The shared parser recovers: the next compile works.)
 */
const KNOWN_BUG_DEEP_NESTING_THROWS = false;

const NESTINGS: [string, (k: number) => string, number][] = [
  ['parentheses', (k) => `${'('.repeat(k)}event.f${')'.repeat(k)}`, 100],
  ['not', (k) => `${'not '.repeat(k)}event.f`, 1000],
  ['and', (k) => Array(k).fill('event.f').join(' and '), 2000],
  ['+', (k) => `${Array(k).fill('event.n').join(' + ')} > 1`, 1000],
  ['unary minus', (k) => `${'- '.repeat(k)}event.n > 1`, 1000],
];
const NEST_HEAD = 'pack p\noutcomes block > allow\nevent { n: integer, f: bool }\n';

guarded('moderately deep nesting compiles, and both evaluators agree on it', () => {
  for (const [label, make, depth] of NESTINGS) {
    const r = compile([{ path: 'deep.zy', text: `${NEST_HEAD}rule R when ${make(depth)} then block\n` }]);
    assert.ok(r.ok, `${label} × ${depth} did not compile`);
    assertCleanSource(r.code!.source);
    for (const ev of [{ n: 1, f: true, occurred_at: NOW }, { n: 0, f: false, occurred_at: NOW }, { occurred_at: NOW }]) both(r, ev);
  }
});

(excluded(KNOWN_BUG_DEEP_NESTING_THROWS, 'DEEP_NESTING_THROWS') ? test.skip : guarded)('very deep nesting is compiled or diagnosed, never a crash (KNOWN_BUG_DEEP_NESTING_THROWS)', () => {
  for (const [label, make, depth] of NESTINGS) {
    let r: CompileResult | undefined;
    assert.not.throws(() => { r = compile([{ path: 'deep.zy', text: `${NEST_HEAD}rule R when ${make(depth * 10)} then block\n` }]); }, `${label} × ${depth * 10} threw`);
    if (r?.ok) both(r, { n: 1, f: true, occurred_at: NOW });
  }
});

test.run();
