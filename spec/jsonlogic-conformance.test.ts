// The official JSON Logic suites (../shared/conformance/jsonlogic, read as
// they are): all 277 classic cases pass; on the compat-tables suites zhiyu
// gives what json-logic-js 2.0.5 gives on every case but the documented ones;
// the table in spec/JSONLOGIC.md is what the suites really give; and the
// `zhiyu jsonlogic` commands behave (output, exit codes) as documented.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { registerJsonLogic } from '../cli/jsonlogic-commands.ts';
import { Exit } from '../cli/output.ts';
import { compileJsonLogic } from '../compiler/jsonlogic/index.ts';
import { readSuite, runSuite } from '../compiler/jsonlogic/suite.ts';
import { jsonLogic } from './jsonlogic/oracle.ts';

const ROOT = join(import.meta.dirname, '..');
const CONFORMANCE = join(ROOT, '..', 'shared', 'conformance', 'jsonlogic');
const CLASSIC = join(CONFORMANCE, 'classic', 'tests.json');
const COMPAT = join(CONFORMANCE, 'compat-tables', 'suites');
const zhiyu = (rule: unknown, data: unknown) => compileJsonLogic(rule).apply(data);
const suite = (file: string) => readSuite(JSON.parse(readFileSync(file, 'utf8')));

/** The real command line, once: a child process running the commands as cli/main.ts would register them. */
function spawnCli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'spec', 'jsonlogic', 'cli-main.ts'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The commands in this process (a child process costs a second of start-up): stdout, stderr and main.ts's exit code. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const program = new Command('zhiyu').exitOverride().configureOutput({ writeOut: (t) => { out += t; }, writeErr: (t) => { err += t; } });
  registerJsonLogic(program);
  const saved = { log: console.log, error: console.error, write: process.stdout.write };
  console.log = (...a: unknown[]) => { out += `${a.join(' ')}\n`; };
  console.error = (...a: unknown[]) => { err += `${a.join(' ')}\n`; };
  process.stdout.write = ((t: string) => { out += t; return true; }) as typeof process.stdout.write;
  let code = 0;
  try {
    await program.parseAsync(['node', 'zhiyu', ...args]);
  } catch (e) {
    if (e instanceof Exit) code = e.code;
    else if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 2;
    else throw e;
  } finally {
    Object.assign(console, { log: saved.log, error: saved.error });
    process.stdout.write = saved.write;
  }
  return { code, out, err };
}
const lastLine = (s: string) => s.trim().split('\n').pop();

test('classic/tests.json: all 277 cases pass', () => {
  const cases = suite(CLASSIC);
  assert.is(cases.length, 277);
  const failed = runSuite(cases, zhiyu).filter((r) => !r.passed);
  assert.equal(failed.map((r) => `#${r.case.number} ${JSON.stringify(r.case.rule)}`), []);
});

/** The only cases where zhiyu and json-logic-js differ: rules naming `throw` (not a json-logic-js operator) in a branch never taken. */
const REJECTED_EARLY: Record<string, number[]> = { 'control/and.json': [23, 24, 25], 'control/if.json': [41, 42, 43, 44], 'control/or.json': [19, 20, 21] };

test('compat-tables: zhiyu gives what json-logic-js gives, except a rule that names an unknown operator', () => {
  const index = JSON.parse(readFileSync(join(COMPAT, 'index.json'), 'utf8')) as string[];
  assert.is(index.length, 48);
  let total = 0;
  for (const f of index) {
    const cases = suite(join(COMPAT, f));
    total += cases.length;
    const z = runSuite(cases, zhiyu);
    const j = runSuite(cases, (r, d) => jsonLogic.apply(r, d));
    const differ = z.filter((r, i) => {
      const o = j[i]!;
      return (r.error !== undefined) !== (o.error !== undefined) || (r.error === undefined && !isDeepStrictEqual(r.got, o.got));
    });
    assert.equal(differ.map((r) => r.case.number), REJECTED_EARLY[f] ?? [], f);
    for (const r of differ) assert.match(r.error ?? '', /ZY9002 at .*: unknown operator "throw"/);
  }
  assert.is(total, 1138);
});

test('spec/JSONLOGIC.md: the compat-tables table gives the counts the suites give', () => {
  const doc = readFileSync(join(ROOT, 'spec', 'JSONLOGIC.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `([^`]+\.json)` \| (\d+) \| \*\*(\d+)\*\* \| (\d+) \|/gm)];
  assert.is(rows.length, 48, 'one row per compat-tables suite');
  for (const [, file, cases, zp, jp] of rows) {
    const c = suite(join(COMPAT, file!));
    assert.is(c.length, Number(cases), `${file}: cases`);
    assert.is(runSuite(c, zhiyu).filter((r) => r.passed).length, Number(zp), `${file}: zhiyu passes`);
    assert.is(runSuite(c, (r, d) => jsonLogic.apply(r, d)).filter((r) => r.passed).length, Number(jp), `${file}: json-logic-js passes`);
  }
});

test('zhiyu jsonlogic test: the classic suite prints 277 passed, 0 failed and exits 0 (a real process)', () => {
  const r = spawnCli('jsonlogic', 'test', '../shared/conformance/jsonlogic/classic/tests.json');
  assert.is(r.code, 0, r.err);
  assert.is(lastLine(r.out), '277 passed, 0 failed');
});

test('zhiyu jsonlogic test: a failure is shown with rule, data, expected and got; exit 1', async () => {
  const r = await cli('jsonlogic', 'test', 'spec/jsonlogic/failing-suite.json', '--verbose');
  assert.is(r.code, 1);
  assert.match(r.out, /✓ #1 # A suite with one wrong expectation/);
  assert.match(r.out, /✗ #2 wrong on purpose {2}\(spec\/jsonlogic\/failing-suite\.json \$\[2\]\)\n {4}rule {5}\{"\+":\[1,1\]\}\n {4}data {5}null\n {4}expected 3\n {4}got {6}2/);
  assert.match(r.out, /✓ #3 an error is expected and happens/);
  assert.is(lastLine(r.out), '2 passed, 1 failed');
});

test('zhiyu jsonlogic test --reference runs json-logic-js; several files add up', async () => {
  const r = await cli('jsonlogic', 'test', '--reference', CLASSIC, join(COMPAT, 'control', 'not.json'));
  assert.is(r.code, 0);
  assert.is(lastLine(r.out), '300 passed, 0 failed');
});

test('usage errors exit 2 with a message, never a stack trace', async () => {
  for (const args of [['jsonlogic', 'test', 'no/such/file.json'], ['jsonlogic', 'test', 'package.json'], ['jsonlogic', 'import', 'README.md'], ['jsonlogic', 'frobnicate']]) {
    const r = await cli(...args);
    assert.is(r.code, 2, args.join(' '));
    assert.not.match(r.err, /\n\s+at /, `${args.join(' ')}: ${r.err}`);
  }
  assert.match((await cli('jsonlogic', 'test', 'package.json')).err, /ZY9005 at \$: a suite file is a JSON array/);
});

test('zhiyu jsonlogic import: DSL on stdout, what cannot be imported on stderr, exit 1 when anything is left out', async () => {
  const ok = await cli('jsonlogic', 'import', 'spec/jsonlogic/fraud40.json');
  assert.is(ok.code, 1); // some of the 40 rules iterate over arrays
  assert.match(ok.out, /^predicate TF_NEW_PAYEE_ON_CALL "JSON Logic rule TF_NEW_PAYEE_ON_CALL" =$/m);
  assert.match(ok.err, /✗ SCAM_KEYWORDS at \$\.SCAM_KEYWORDS: some iterates over an array/);
  assert.match(ok.err, /\d+ of 40 rules imported, \d+ not: see above/);
  assert.not.match(ok.out, /predicate SCAM_KEYWORDS/);
});

test('zhiyu jsonlogic export: the JSON document on stdout; the report on stderr', async () => {
  const r = await cli('jsonlogic', 'export', 'rules/demo');
  assert.is(r.code, 1, 'a rule is left out: ELDERLY_LARGE counts an age by local dates');
  const doc = JSON.parse(r.out);
  assert.is(doc.pack, 'demo');
  assert.equal(Object.keys(doc.rules).length, 7);
  assert.match(r.err, /✗ ELDERLY_LARGE: years_since\(customer\.birth_date\) — years_since\(\) reads the local time/);
  assert.match(r.err, /7 of 8 rules exported, 1 not/);
  assert.match(r.err, /agg\.count_by_customer_id_last_10m_where_type_eq_login_failed/);
  const bench = await cli('jsonlogic', 'export', 'bench/packs/fraud40');
  assert.is(bench.code, 1);
  assert.match(bench.err, /✗ \w+: .* — /);
});

test.run();
