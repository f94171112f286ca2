// A decision's answer is written field by field (runtime/http-answer.ts):
// it must be the very text JSON.stringify gives for the decision with the
// service's keys appended, for any strings (quotes, backslashes, control
// characters, lone and paired surrogates, U+2028/U+2029), any numbers
// (NaN, infinities, -0), optional fields present, absent or undefined, and
// objects of another shape (extra or reordered keys), which go to
// JSON.stringify as a whole; and for what the engine decides.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { join } from 'node:path';
import { compile } from '../compiler/index.ts';
import { readPack } from '../cli/pack-files.ts';
import { Engine } from '../runtime/engine.ts';
import { loadBundle, writeBundle } from '../runtime/bundle.ts';
import { MemoryProvider } from '../runtime/provider.ts';
import { answeredJson, answeredObject, type Answered } from '../runtime/http-answer.ts';
import type { Decision } from '../runtime/decision.ts';

const same = (a: Answered) => assert.is(answeredJson(a), JSON.stringify(answeredObject(a)));

/** Strings made of the characters JSON escapes or might: quotes, backslashes, controls, surrogates alone and in pairs, line and paragraph separators, and any other UTF-16 unit. */
const hostile = fc.array(fc.oneof(
  fc.constantFrom('"', '\\', '/', '\u0000', '\u0007', '\b', '\t', '\n', '\f', '\r', '\u001f', '\u007f', '\u2028', '\u2029', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d\ude00', '\ufeff', '风险', 'a'),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.string(),
), { maxLength: 12 }).map((parts) => parts.join(''));

const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e21, 5e-324));
const value = fc.oneof(fc.constant(undefined), number, hostile, fc.boolean(), fc.array(fc.oneof(number, hostile, fc.constant(null)), { maxLength: 3 }));
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const fired = fc.record({
  id: hostile, title: maybe(hostile), outcome: maybe(hostile), score: number, reason: maybe(hostile),
  message: fc.record({ zh: maybe(hostile), en: maybe(hostile) }, { requiredKeys: [] }),
  seen: fc.array(fc.record({ feature: hostile, value }), { maxLength: 3 }),
}, { requiredKeys: ['id', 'score', 'message', 'seen'] });

/** A decision in the engine's key order, optional keys left out, present, or present and undefined. */
const decision = fc.record({
  pack: hostile, version: maybe(hostile), outcome: hostile, score: number,
  fired: fc.array(fired, { maxLength: 3 }),
  notes: maybe(fc.array(fc.record({ id: hostile, message: fc.record({ zh: maybe(hostile), en: maybe(hostile) }, { requiredKeys: [] }) }), { maxLength: 2 })),
}, { requiredKeys: ['pack', 'outcome', 'score', 'fired'] }) as fc.Arbitrary<Decision>;

const answered = fc.record({
  decision, bundle: hostile, arm: maybe(fc.constantFrom('live', 'canary') as fc.Arbitrary<'live' | 'canary'>), decisionId: maybe(fc.oneof(fc.nat(), number)),
}, { requiredKeys: ['decision', 'bundle'] }) as fc.Arbitrary<Answered>;

test('any decision in the engine\'s shape: the same text as JSON.stringify', () => {
  fc.assert(fc.property(answered, (a) => { same(a); }), { numRuns: 3000 });
});

test('hostile strings in every field the answer writes itself', () => {
  for (const s of ['"', '\\', '\\"', '\u0000', '\u001f', '\u2028', '\u2029', '\ud800', '\udc00', 'a\ud800b', '\ud83d\ude00', '\udc00\ud800', '</script>', '']) {
    same({ decision: { pack: s, version: s, outcome: s, score: 0, fired: [] }, bundle: s });
    same({ decision: { pack: 'p', outcome: 'allow', score: -0, fired: [] }, bundle: 'sha256:x', arm: 'canary', decisionId: 7 });
    same({ decision: { pack: s, outcome: s, score: NaN, fired: [{ id: s, score: 1, message: { zh: s, en: s }, seen: [{ feature: s, value: s }] }], notes: [{ id: s, message: { en: s } }] }, bundle: s });
  }
});

test('another shape (extra, missing or reordered keys) is written as JSON.stringify writes it', () => {
  const other = fc.tuple(decision, fc.dictionary(hostile, value, { maxKeys: 3 }), fc.boolean()).map(([d, extra, reorder]) => {
    // Reordered: score first (a spread keeps a key where it was first set).
    const o: Record<string, unknown> = reorder ? { ...{ score: d.score }, ...extra, ...d } : { ...d, ...extra };
    return o as unknown as Decision;
  });
  fc.assert(fc.property(other, hostile, (d, bundle) => { same({ decision: d, bundle }); }), { numRuns: 2000 });
  same({ decision: {} as Decision, bundle: 'b' });
  same({ decision: { outcome: 'allow', pack: 'p', score: 0, fired: [] } as Decision, bundle: 'b' });
  same({ decision: { pack: 'p', outcome: 'allow', score: 0 } as unknown as Decision, bundle: 'b' });
});

test('what the engine decides on rules/demo: the same text as JSON.stringify', () => {
  const files = readPack([join(import.meta.dirname, '..', 'rules', 'demo')]);
  const engine = new Engine(loadBundle(writeBundle(compile(files), files)).program);
  const types = ['application', 'login', 'login_failed', 'password_reset', 'payee_add', 'drawdown', 'transfer_out'];
  // The police list holds mule-7; a device in a call with an unknown peer, a payee first seen now: rules fire, messages carry values.
  const provider = new MemoryProvider({
    lists: { police_fraud_accounts: ['mule-7'] },
    entities: {
      device: { 'd-1': { in_call: true, call_peer_in_contacts: false, is_emulator: true, is_rooted: false } },
      payee: { 'mule-7': { first_seen_at: Date.parse('2026-03-01T00:00Z') }, 'acct-1': { first_seen_at: Date.parse('2026-03-01T00:00Z') } },
    },
  });
  let firing = 0;
  fc.assert(fc.property(fc.constantFrom(...types), fc.nat({ max: 3_000_000 }), fc.integer({ min: 0, max: 23 }), fc.constantFrom('mule-7', 'acct-1'), (type, amount, hour, payee) => {
    const d = engine.decide({ type, customer_id: 'C-1', device_id: 'd-1', payee_id: payee, amount, occurred_at: `2026-03-01T${String(hour).padStart(2, '0')}:00`, auth_method: 'sms_otp' }, provider, {});
    if (d.fired.length) firing++;
    same({ decision: d, bundle: 'sha256:0' });
  }), { numRuns: 500 });
  assert.ok(firing > 0, 'some events fire rules');
});

test.run();
