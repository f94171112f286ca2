// Issue 15, defect 1: `matches()` must run in linear time whatever the
// pattern. A pattern the old safety check let through froze the service
// for 12 s on one 4 KB event (148 s with {0,200}). Patterns now run on RE2
// (re2js) in the compiled code and the interpreter alike; the checker keeps
// only what RE2 cannot express, and a bound on the program's size.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { compile } from '../compiler/index.ts';
import { MAX_MATCH_INPUT } from '../compiler/regex-safety.ts';
import { decideBoth } from './helpers.ts';

const HEAD = 'pack p\noutcomes block > allow\nevent { note: string }\n';
const NOW = '2026-03-01T10:00';
const codesOf = (text: string) => compile([{ path: 'p.zy', text }]).diagnostics.map((d) => d.code);

/**
 * Decides in a worker; resolves with its answer, or rejects when the worker has
 * not answered after `watchdogMs` (a hang detector, not a speed measurement:
 * the linear-time matcher answers in milliseconds, a backtracking one in hours).
 */
function decideInWorker(text: string, event: unknown, watchdogMs: number): Promise<{ compiled?: string[]; interpreted?: string[]; error?: string }> {
  const w = new Worker(new URL('./fixtures/worker-boot.js', import.meta.url), { workerData: { module: new URL('./decide-child.ts', new URL('./fixtures/', import.meta.url)).href, text, event }, execArgv: [] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { void w.terminate(); reject(new Error(`no decision after ${watchdogMs} ms: the pattern backtracks`)); }, watchdogMs);
    w.once('message', (m) => { clearTimeout(timer); void w.terminate(); resolve(m); });
    w.once('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

test('#15.1 a pattern of adjacent bounded repetitions is decided on a 4 KB adversarial input by both evaluators (no backtracking)', async () => {
  // Five adjacent `\d{0,40}` groups: a backtracking engine tries every split of the digits.
  const pattern = '\\\\d{0,40}'.repeat(5) + 'x';
  const text = `${HEAD}rule R when matches(event.note, "${pattern}") then block\n`;
  assert.equal(codesOf(text), [], 'the pattern is accepted');
  const digits = '1'.repeat(MAX_MATCH_INPUT);
  const noMatch = await decideInWorker(text, { note: digits, occurred_at: NOW }, 60_000);
  assert.equal(noMatch, { compiled: [], interpreted: [] });
  const match = await decideInWorker(text, { note: `${'1'.repeat(MAX_MATCH_INPUT - 30)}${'1'.repeat(29)}x`, occurred_at: NOW }, 60_000);
  assert.equal(match, { compiled: ['R'], interpreted: ['R'] });
});

test('#15.1 nested and alternated repetitions that only backtracking made dangerous are accepted and agree in both evaluators', () => {
  const r = compile([{ path: 'p.zy', text: `${HEAD}rule A when matches(event.note, "^(a+)+$") then block\nrule B when matches(event.note, "(a|aa)*b") then block\nrule C when matches(event.note, "\\\\d+\\\\d+\\\\d+$") then block\n` }]);
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  assert.equal(decideBoth(r, { note: `${'a'.repeat(MAX_MATCH_INPUT - 1)}!`, occurred_at: NOW }).fired.map((f) => f.id), []);
  assert.equal(decideBoth(r, { note: 'aaab', occurred_at: NOW }).fired.map((f) => f.id), ['B']);
  assert.equal(decideBoth(r, { note: 'aaa', occurred_at: NOW }).fired.map((f) => f.id), ['A']);
  assert.equal(decideBoth(r, { note: '123', occurred_at: NOW }).fired.map((f) => f.id), ['C']);
});

test('#15.1 what RE2 cannot express, and programs too large to step through cheaply, are ZY3005 with the reason', () => {
  const reasons = (pattern: string) => compile([{ path: 'p.zy', text: `${HEAD}rule R when matches(event.note, "${pattern}") then block\n` }]).diagnostics.map((d) => `${d.code} ${d.message}`);
  assert.match(reasons('(a)\\\\1').join(), /ZY3005 .*backreferences/);
  assert.match(reasons('a(?=b)').join(), /ZY3005 .*lookahead/);
  assert.match(reasons('(?<!x)a').join(), /ZY3005 .*lookahead and lookbehind/);
  assert.match(reasons('.{0,500}.{0,500}x').join(), /ZY3005 .*too large/);
  assert.match(reasons('[a-').join(), /ZY3005 .*missing closing ]/);
});

test.run();
