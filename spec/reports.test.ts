// Reports for CI: SARIF 2.1.0 from `zhiyu check --format sarif`, checked
// against the required properties and value constraints of the 2.1.0 schema
// for everything zhiyu emits; JUnit XML from `zhiyu test --reporter junit`,
// read back by a strict XML parser; the JSON reports. In-process on the
// report functions, then end to end by spawning `node cli/bin.js`.
import { test } from 'uvu';
import { scratchDir } from './scratch.ts';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../compiler/index.ts';
import { CATALOG } from '../compiler/diagnostics.ts';
import { lintReport } from '../compiler/lint/index.ts';
import { runTests } from '../runtime/index.ts';
import { interpret } from '../runtime/index.ts';
import { junit, sarif, xml, type SuiteResult } from '../cli/reports.ts';
import { parseXml, type XmlElement } from './xml.ts';
import { sarifProblems, type J } from './sarif.ts';
import { cli, spawnCli } from './cli-run.ts';

// ---------------------------------------------------------------- SARIF

const HEADER = 'pack p\noutcomes hold > review > allow\nevent { type: enum(a, b) required, n: integer, g: string protected }\n';

test('SARIF: every required property, with rules from the catalog, results located on their text, suppressions kept', () => {
  const files = [
    { path: 'rules/p.zy', text: HEADER },
    { path: 'rules/sub dir/r.zy', text: 'rule R when event.n > 5 and event.n < 3 then review reason X\nrule G when event.g == "x" then hold reason G suppress ZY6001 "only for the audit"\n' },
  ];
  const r = compile(files);
  assert.ok(r.ok);
  const l = lintReport(r.checked!, r.files);
  const log = JSON.parse(JSON.stringify(sarif([{ files: r.files, diagnostics: l.diagnostics, suppressed: l.suppressed }]))) as J;
  assert.equal(sarifProblems(log), []);
  const run = (log['runs'] as J[])[0]!;
  const rules = ((run['tool'] as J)['driver'] as J)['rules'] as J[];
  assert.equal(rules.map((x) => x['id']), Object.keys(CATALOG));
  const results = run['results'] as J[];
  const contra = results.find((x) => x['ruleId'] === 'ZY6002')!;
  assert.is(contra['level'], 'warning');
  const loc = ((contra['locations'] as J[])[0]!['physicalLocation']) as J;
  assert.is((loc['artifactLocation'] as J)['uri'], 'rules/sub%20dir/r.zy');
  const reg = loc['region'] as J;
  const line = files[1]!.text.split('\n')[(reg['startLine'] as number) - 1]!;
  assert.is(line.slice((reg['startColumn'] as number) - 1, (reg['endColumn'] as number) - 1), 'event.n > 5 and event.n < 3');
  const suppressed = results.find((x) => x['ruleId'] === 'ZY6001')!;
  assert.is(suppressed['level'], 'error');
  assert.equal(suppressed['suppressions'], [{ kind: 'inSource', status: 'accepted', justification: 'only for the audit' }]);
});

test('SARIF: the checker itself notices what the schema forbids', () => {
  const bad = { version: '2.0.0', runs: [{ tool: { driver: {} }, results: [{ level: 'fatal', locations: [{ physicalLocation: { region: { startLine: 0 } } }] }] }] };
  const p = sarifProblems(bad);
  for (const want of ['$.version must be "2.1.0"', '$.runs[0].tool.driver.name is required', '$.runs[0].results[0].message is required',
    '$.runs[0].results[0].level must be one of none, note, warning, error', '$.runs[0].results[0].locations[0].physicalLocation needs artifactLocation or address']) {
    assert.ok(p.includes(want), `missing: ${want}\n${p.join('\n')}`);
  }
  assert.ok(p.some((x) => x.includes('startLine must be an integer ≥ 1')));
});

// ---------------------------------------------------------------- JUnit

test('xml(): markup escaped, characters XML cannot hold written out, and the XML reader gives the text back', () => {
  const nasty = 'a <b> & "c" \'d\'\u0001\n\ttab \uD800 end';
  const doc = `<?xml version="1.0" encoding="UTF-8"?>\n<r a="${xml(nasty)}">${xml(nasty)}</r>\n`;
  const root = parseXml(doc);
  assert.is(root.attrs['a'], 'a <b> & "c" \'d\'\\u0001\n\ttab \\ud800 end');
  assert.is(root.text, root.attrs['a']);
  assert.throws(() => parseXml('<r a="1" a="2"/>'), /repeated/);
  assert.throws(() => parseXml('<r>&nbsp;</r>'), /unknown entity/);
  assert.throws(() => parseXml('<r><s></r></s>'), /closes/);
  assert.throws(() => parseXml('<r>\u0001</r>'), /not allowed/);
  assert.throws(() => parseXml('<r>a & b</r>'), /reference/);
});

function suiteOf(name: string, text: string): SuiteResult {
  const r = compile([{ path: `${name}/t.zy`, text }]);
  assert.ok(r.ok, r.diagnostics.map((d) => d.message).join('; '));
  const results = runTests(r.checked!, (e, p) => interpret(r.checked!, e, p).decision).map((x) => ({ ...x, ms: 1.5 }));
  return { name, pack: r.checked!.name, files: r.files, results };
}

test('JUnit: well-formed XML, one suite per pack, counts, failures with their reasons, names escaped', () => {
  const tests = `${HEADER}rule R when event.n > 5 then hold reason X
test "passes <&> \\"quoted\\" 'single'" at @2026-01-01 given event { type: "a", n: 6 } expect hold
test "fails\\u0001 with a control character\\nand a newline" at @2026-01-01 given event { type: "a", n: 1 } expect hold
`;
  const out = junit([suiteOf('packs/one', tests), { name: 'packs/broken', files: [], results: [], error: 'a.zy:1:1: error ZY1002: expected <something> & more' }]);
  const root = parseXml(out);
  assert.is(root.name, 'testsuites');
  assert.equal([root.attrs['tests'], root.attrs['failures'], root.attrs['errors']], ['3', '1', '1']);
  const [one, broken] = root.children as [XmlElement, XmlElement];
  assert.equal([one.name, one.attrs['name'], one.attrs['tests'], one.attrs['failures']], ['testsuite', 'packs/one', '2', '1']);
  const [ok, bad] = one.children as [XmlElement, XmlElement];
  assert.is(ok.attrs['name'], 'passes <&> "quoted" \'single\'');
  assert.is(ok.attrs['classname'], 'p');
  assert.is(ok.attrs['file'], 'packs/one/t.zy');
  assert.is(ok.attrs['time'], '0.002');
  assert.equal(ok.children, []);
  assert.is(bad.attrs['name'], 'fails\\u0001 with a control character\nand a newline');
  const failure = bad.children[0]!;
  assert.is(failure.name, 'failure');
  assert.is(failure.attrs['type'], 'ZY5001');
  assert.is(failure.attrs['message'], 'expected outcome hold, got allow (no rule fired)');
  // The reason, then why: the rule that would have given hold, with each condition's value.
  assert.is(failure.text, 'expected outcome hold, got allow (no rule fired)\nR did not fire (would give hold):\n  false   (event.n > 5)   event.n = 1');
  assert.equal([broken.attrs['errors'], broken.children[0]!.children[0]!.name, broken.children[0]!.children[0]!.text],
    ['1', 'error', 'a.zy:1:1: error ZY1002: expected <something> & more']);
});

// ---------------------------------------------------------------- end to end

function packDir(files: Record<string, string>): string {
  const dir = scratchDir('zhiyu-reports-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('CLI: check --format sarif|json|text, lint warnings and errors, --max-warnings, and no colour off a terminal', async () => {
  const warn = packDir({ 'p.zy': `${HEADER}rule R when event.n > 5 then review\n` });
  const error = packDir({ "p.zy": `${HEADER}rule G when event.g == "x" and event.n > 1 then hold reason G\n` });
  const broken = packDir({ 'p.zy': `${HEADER}rule B when event.nope > 1 then hold\n` });
  const out = join(scratchDir('zhiyu-sarif-'), 'out.sarif');
  // The real binary for the SARIF file (and the colour check); the rest in-process.
  const spawned = spawnCli(['check', warn, error, '--format', 'sarif', '-o', out]);
  const textSpawned = spawnCli(['check', warn]);
  const text = await cli('check', warn);
  const strict = await cli('check', warn, '--max-warnings', '0');
  const json = await cli('check', warn, '--format', 'json');
  const errRun = await cli('check', error);
  const brokenRun = await cli('check', broken, '--format', 'sarif');
  const [sarifRun, realText] = await Promise.all([spawned, textSpawned]);
  assert.is(realText.out, text.out);
  assert.not.match(realText.out, /\x1b\[/);
  assert.is(text.code, 0, text.err);
  assert.match(text.out, /p\.zy:4:6: warning ZY6005: rule `R` has no reason code/);
  assert.match(text.out, /1 file, 0 errors, 1 warning/);
  assert.not.match(text.out, /\x1b\[/);
  assert.is(strict.code, 1);
  assert.is(json.code, 0);
  const j = JSON.parse(json.out) as J[];
  assert.equal(j.map((d) => [d['code'], d['startLine'], d['startColumn'], d['endColumn']]), [['ZY6005', 4, 6, 7]]);
  assert.is(sarifRun.code, 1, 'ZY6001 is an error');
  const log = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(sarifProblems(log), []);
  assert.equal(log.runs[0].results.map((x: J) => x['ruleId']).sort(), ['ZY6001', 'ZY6005']);
  assert.is(errRun.code, 1);
  assert.match(errRun.out, /error ZY6001: rule `G` reads the protected feature `event.g`/);
  assert.is(brokenRun.code, 1);
  const b = JSON.parse(brokenRun.out);
  assert.equal(sarifProblems(b), []);
  assert.equal(b.runs[0].results.map((x: J) => x['ruleId']), ['ZY2001'], 'a pack with errors is not linted');
});

test('CLI: test --reporter junit|json, a failing test and a pack that does not compile, multi-pack', async () => {
  const good = packDir({ 'p.zy': `${HEADER}rule R when event.n > 5 then hold reason X\ntest "six holds" at @2026-01-01 given event { type: "a", n: 6 } expect hold\n` });
  const bad = packDir({ 'p.zy': `${HEADER}rule R when event.n > 5 then hold reason X\ntest "one holds?" at @2026-01-01 given event { type: "a", n: 1 } expect hold\n` });
  const broken = packDir({ 'p.zy': `${HEADER}rule R when event.nope > 5 then hold\n` });
  const spawned = spawnCli(['test', good, bad, broken, '--reporter', 'junit']);
  const jsonRun = await cli('test', good, '--json');
  const textRun = await cli('test', good, bad, broken);
  const xmlRun = await spawned;
  assert.is(xmlRun.code, 1);
  const root = parseXml(xmlRun.out);
  assert.equal([root.attrs['tests'], root.attrs['failures'], root.attrs['errors']], ['3', '1', '1']);
  assert.is(root.children.length, 3);
  assert.match(xmlRun.err, /1 passed, 2 failed/);
  assert.is(jsonRun.code, 0);
  const j = JSON.parse(jsonRun.out);
  assert.equal([j.passed, j.failed, j.suites[0].tests[0].name, j.suites[0].tests[0].line], [1, 0, 'six holds', 5]);
  assert.is(textRun.code, 1);
  assert.match(textRun.out, /does not compile/);
  assert.match(textRun.out, /expected outcome hold, got allow/);
  assert.is(textRun.out.trim().split('\n').pop(), '1 passed, 2 failed');
});

test('CLI: usage errors exit 2 (unknown format, reporter, threshold)', async () => {
  const runs = [
    await cli('check', 'rules/demo', '--format', 'xml'),
    await cli('test', 'rules/demo', '--reporter', 'tap'),
    await cli('test', 'rules/demo', '--coverage-threshold', '120'),
    await cli('check'),
  ];
  assert.equal(runs.map((r) => r.code), [2, 2, 2, 2]);
});

test.run();
