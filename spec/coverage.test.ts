// Test coverage (runtime/coverage.ts, `zhiyu test --coverage`): which rules
// the tests made fire and not fire, and which conditions they saw true and
// false, from the reference interpreter's trace.
import { test } from 'uvu';
import { scratchDir } from './scratch.ts';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../compiler/index.ts';
import { conditionsOf, CoverageCollector, runTestsWithCoverage, tally } from '../runtime/coverage.ts';
import { interpret } from '../runtime/index.ts';
import { printIR } from '../compiler/print.ts';
import { cli } from './cli-run.ts';

const HEADER = `pack p
outcomes hold > review > allow
event { type: enum(login, transfer) required, n: integer, flag: bool, name: string }
predicate big = event.n > 100
`;

function packOf(text: string) {
  const r = compile([{ path: 'p.zy', text: HEADER + text }]);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join('; '));
  return r.checked!;
}

test('conditions: every bool atom of the condition, however deep, in source order; not predicate bodies or filters', () => {
  const pack = packOf(`rule R when (event.n > 1 or not event.flag) and big and starts_with(event.name, "a") and event.n in [1, 2]
  and count(where n > 5) > 1 and event.name is not missing and event.n between 1 and 3 then hold reason X\n`);
  assert.equal(conditionsOf(pack.rules[0]!).map((c) => `${c.k} ${printIR(c)}`), [
    'cmp (event.n > 1)', 'field event.flag', 'pred big', 'call starts_with(event.name, "a")', 'in (event.n in [1, 2])',
    'cmp (agg#0 > 1)', 'isMissing (event.name is not missing)', 'between (event.n between 1 and 3)',
  ]);
});

test('per rule: fired and not fired; per condition: true, false and missing, counted', () => {
  const pack = packOf(`rule R when event.n > 5 and event.flag then hold reason X
rule NEVER when event.n > 5 and event.n < 0 then hold reason X
rule OFF disabled when event.flag then review reason X
test "fires" at @2026-01-01 given event { type: "login", n: 6, flag: true } expect hold
test "n too small" at @2026-01-01 given event { type: "login", n: 1, flag: true } expect allow
test "flag missing" at @2026-01-01 given event { type: "login", n: 9 } expect allow
`);
  const { results, coverage } = runTestsWithCoverage(pack);
  assert.ok(results.every((r) => r.passed));
  const [r, never, off] = coverage.rules;
  assert.equal([r!.evaluated, r!.fired, r!.notFired], [3, 1, 2]);
  assert.equal(r!.conditions.map((c) => [c.seenTrue, c.seenFalse, c.seenMissing]), [[2, 1, 0], [2, 0, 1]]);
  assert.equal([never!.fired, never!.notFired], [0, 3]);
  assert.equal([off!.enabled, off!.evaluated, off!.conditions.length], [false, 0, 1]);
  // R: fired ✓ not fired ✓, n>5 T✓ F✓, flag T✓ F✗; NEVER: fired ✗ not fired ✓, n>5 T✓ F✓, n<0 T✗ F✓; OFF not counted.
  assert.equal(coverage.outcomes, tally(3, 4));
  assert.equal(coverage.conditions, tally(6, 8));
  assert.equal(coverage.total, tally(9, 12));
  assert.is(coverage.total.percent, 75);
});

test('a predicate is one condition where a rule uses it, whatever the rule that computed it first', () => {
  const pack = packOf(`rule A when big then hold reason X
rule B when big and event.flag then review reason X
test "big" at @2026-01-01 given event { type: "login", n: 101, flag: false } expect hold
test "small" at @2026-01-01 given event { type: "login", n: 1, flag: true } expect allow
`);
  const { coverage } = runTestsWithCoverage(pack);
  assert.equal(coverage.rules.map((r) => r.conditions.map((c) => [c.kind, c.seenTrue, c.seenFalse])), [
    [['pred', 1, 1]],
    [['pred', 1, 1], ['field', 1, 1]],
  ]);
});

test('a collector can be fed any traces, e.g. decisions outside tests', () => {
  const pack = packOf('rule R when event.n > 5 then hold reason X\n');
  const c = new CoverageCollector(pack);
  for (const n of [1, 9]) c.add(interpret(pack, { type: 'login', n, occurred_at: 0 }).trace);
  assert.equal(c.result().total, tally(4, 4));
  assert.equal(new CoverageCollector(pack).result().total, tally(0, 4));
});

test('CLI: --coverage prints the table and what is missing, ends with N passed, N failed; --json; the threshold', async () => {
  const dir = scratchDir('zhiyu-coverage-');
  writeFileSync(join(dir, 'p.zy'), `${HEADER}rule R when event.n > 5 and event.flag then hold reason X
test "fires" at @2026-01-01 given event { type: "login", n: 6, flag: true } expect hold
test "does not" at @2026-01-01 given event { type: "login", n: 1, flag: true } expect allow
`);
  const text = await cli('test', dir, '--coverage');
  assert.is(text.code, 0, text.err);
  assert.match(text.out, /R\s+yes\s+yes\s+3\/4/);
  assert.match(text.out, /R: `event\.flag` never false \(.*p\.zy:5:29\)/);
  assert.match(text.out, /rules 2\/2 \(100\.0%\) · conditions 3\/4 \(75\.0%\) · total 5\/6 \(83\.3%\)/);
  assert.is(text.out.trim().split('\n').pop(), '2 passed, 0 failed');
  const low = await cli('test', dir, '--coverage-threshold', '90');
  assert.is(low.code, 1);
  assert.match(low.out, /coverage of .* is 83\.3%, below the threshold of 90%/);
  assert.is(low.out.trim().split('\n').pop(), '2 passed, 0 failed');
  assert.is((await cli('test', dir, '--coverage-threshold', '80')).code, 0);
  const json = await cli('test', dir, '--coverage', '--json');
  const j = JSON.parse(json.out);
  assert.equal(j.suites[0].coverage.total, { covered: 5, total: 6, percent: (5 / 6) * 100 });
  assert.equal(j.suites[0].coverage.rules[0].conditions.map((c: { text: string; true: number; false: number }) => [c.text, c.true, c.false]),
    [['event.n > 5', 1, 1], ['event.flag', 2, 0]]);
});

test('CLI: rules/demo has coverage, and a disabled rule shows as not counted', async () => {
  const r = await cli('test', 'rules/demo', '--coverage');
  assert.is(r.code, 0);
  assert.match(r.out, /coverage of demo \(rules\/demo\) \(interpreter trace\):/);
  assert.match(r.out, /total \d+\/\d+ \(\d+\.\d%\)/);
});

test.run();
