// Catastrophic and unsupported regular expressions: rejected, or matched in
// linear time (see spec/security-harness.ts for what every case checks).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { MAX_MATCH_INPUT } from '../compiler/regex-safety.ts';
import { both, codesOf, compiled, decided, dsl, fired, guarded, NOW } from './security-harness.ts';

/** Patterns RE2 cannot express (or that are invalid, or too long): ZY3005. */
const REJECTED_PATTERNS = [
  '(a)\\\\1', '(?<n>a)\\\\k<n>', '(?=a)a', '(?!a)b', '(?<=a)b', '(?<!a)b', '(', '[', 'a{2,1}', 'x'.repeat(257), '.{0,500}.{0,500}x',
];
guarded('backreferences, lookaround, invalid and oversized regular expressions are rejected with ZY3005', () => {
  const head = 'pack p\noutcomes block > allow\nevent { name: string }\n';
  for (const pat of REJECTED_PATTERNS) {
    assert.ok(codesOf(`${head}rule R when matches(event.name, "${pat}") then block`).includes('ZY3005'), `accepted: ${pat}`);
    assert.ok(codesOf(`${head}const P = "${pat}"\nrule R when matches(event.name, P) then block`).includes('ZY3005'), `accepted via a constant: ${pat}`);
  }
});

/** Runs the project's matcher (what matches() does) in a worker; resolves with the result, rejects after `limit` ms (a hang detector). */
function matchInWorker(p: string, s: string, limit: number): Promise<boolean> {
  const w = new Worker(new URL('./fixtures/worker-boot.js', import.meta.url), {
    workerData: { module: new URL('./fixtures/match-child.ts', import.meta.url).href, p, s }, execArgv: [],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { void w.terminate(); reject(new Error(`${p} did not finish on ${s.length} characters`)); }, limit);
    w.once('message', (m: boolean) => { clearTimeout(timer); void w.terminate(); resolve(m); });
    w.once('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

/** Patterns that backtrack catastrophically in JavaScript, each with an adversarial input of the longest length matches() reads. */
const ADVERSARIAL: [string, string][] = [
  ['^[a-z]+$', `${'a'.repeat(MAX_MATCH_INPUT - 1)}!`],
  ['(a+)+$', `${'a'.repeat(MAX_MATCH_INPUT - 1)}!`],
  ['(a|a)*b', 'a'.repeat(MAX_MATCH_INPUT)],
  ['(.*a){12}', 'a'.repeat(MAX_MATCH_INPUT)],
  ['\\d+\\d+\\d+$', `${'1'.repeat(MAX_MATCH_INPUT - 1)}x`],
  ['a*a*a*b', 'a'.repeat(MAX_MATCH_INPUT)],
  ['\\s*\\s*$', `${' '.repeat(MAX_MATCH_INPUT - 1)}x`],
  ['.*.*=.*', 'a'.repeat(MAX_MATCH_INPUT)],
];

guarded('patterns that backtrack in JavaScript are accepted and match a worst-case 4096-character input (linear time)', async () => {
  const head = 'pack p\noutcomes block > allow\nevent { name: string }\n';
  for (const [pat, input] of ADVERSARIAL) {
    const text = `${head}rule R when matches(event.name, ${dsl(pat, 'raw')}) then block`;
    const r = compiled(text);
    await matchInWorker(pat, input, 60_000);
    both(r, { name: input, occurred_at: NOW });
    assert.equal(fired(decided(both(r, { name: input + input, occurred_at: NOW }))), [], 'inputs over MAX_MATCH_INPUT never match');
  }
});

test.run();
