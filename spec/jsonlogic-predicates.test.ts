// `predicate p = jsonlogic "p.json"`: a JSON Logic file of the pack as a named
// predicate (compiler/check/jsonlogic.ts, spec/LANGUAGE.md §5.4).
//   - the cases of spec/jsonlogic/predicates.cases: the spec/cases format, plus
//     `--- file NAME` sections for the pack's other files (the JSON Logic files);
//     decisions on both evaluators, diagnostics with their file and position;
//   - random rules of the typed subset as predicate files: `p` and `not p` are
//     exactly json-logic-js's truthiness, on both evaluators;
//   - the example of LANGUAGE.md §5.4, its tests on both evaluators;
//   - the CLI on a pack directory: only the JSON files predicates name are read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { compile, renderDiagnostic, type CompileResult, type SourceFile } from '../compiler/index.ts';
import { format } from '../compiler/format.ts';
import { referencedJsonLogicFiles } from '../compiler/jsonlogic/sources.ts';
import { positionOf } from '../compiler/source.ts';
import { interpret, load, MemoryProvider, runTests, type Decision } from '../runtime/index.ts';
import { readPack } from '../cli/pack-files.ts';
import { cli } from './cli-run.ts';
import { IMPORT_SCHEMA, importDataArb, importRuleArb } from './jsonlogic/import-gen.ts';
import { jsonLogic } from './jsonlogic/oracle.ts';

const HERE = dirname(new URL(import.meta.url).pathname);
const PRELUDE: SourceFile = { path: 'prelude.zy', text: readFileSync(join(HERE, 'cases', 'prelude.zy'), 'utf8') };
const DEFAULT_EVENT = { type: 'transfer_out', occurred_at: '2026-03-01T10:00' };
const CASE_FILE = 'case.zy';

// ---------------------------------------------------------------- the cases

interface Case { readonly name: string; readonly line: number; readonly source: string; readonly sections: Map<string, string>; readonly files: SourceFile[] }

function parseCases(text: string): Case[] {
  const out: Case[] = [];
  let cur: { name: string; line: number; source: string[]; sections: Map<string, string[]>; files: Map<string, string[]> } | undefined;
  let into: string[] = [];
  const flush = () => {
    if (!cur) return;
    out.push({
      name: cur.name, line: cur.line, source: cur.source.join('\n'),
      sections: new Map([...cur.sections].map(([k, v]) => [k, v.join('\n').trim()])),
      files: [...cur.files].map(([path, lines]) => ({ path, text: `${lines.join('\n').trim()}\n` })),
    });
  };
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.startsWith('=== ')) {
      flush();
      cur = { name: line.slice(4).trim(), line: i + 1, source: [], sections: new Map(), files: new Map() };
      into = cur.source;
      return;
    }
    if (!cur) return;
    const m = /^--- (\S+)(?: (\S+))?$/.exec(line);
    if (m) {
      into = [];
      if (m[1] === 'file') cur.files.set(m[2]!, into);
      else if (['event', 'given', 'expect', 'error', 'tests'].includes(m[1]!)) cur.sections.set(m[1]!, into);
      else throw new Error(`predicates.cases:${i + 1}: unknown section ${line}`);
      return;
    }
    into.push(line);
  });
  flush();
  return out;
}

function compileCase(c: Case): CompileResult {
  return compile([PRELUDE, { path: CASE_FILE, text: c.source }, ...c.files]);
}

function located(r: CompileResult): string[] {
  return r.diagnostics.map((d) => {
    const f = r.files[d.span.file]!;
    const p = positionOf(f, d.span.start);
    return `${d.code} ${f.path === CASE_FILE ? '' : `${f.path}:`}${p.line}:${p.column} ${d.message}${d.hint ? ` (hint: ${d.hint})` : ''}`;
  });
}

function checkErrors(c: Case, r: CompileResult): void {
  assert.not.ok(r.ok, 'expected errors, but the case compiled');
  const found = located(r);
  const want = c.sections.get('error')!.split('\n').map((l) => l.trim()).filter(Boolean);
  const unmatched = [...found];
  for (const line of want) {
    const m = /^(ZY\d{4}) (\S+)(?: (.*))?$/.exec(line);
    if (!m) throw new Error(`bad --- error line "${line}" (want: ZY2001 risky.json:1:18 [text])`);
    const i = unmatched.findIndex((d) => d.startsWith(`${m[1]} ${m[2]} `) && (!m[3] || d.includes(m[3])));
    assert.ok(i >= 0, `expected ${line}; the diagnostics were:\n  ${found.join('\n  ')}`);
    unmatched.splice(i, 1);
  }
  assert.equal(unmatched, [], 'no other diagnostics');
}

function provider(c: Case, r: CompileResult, event: Record<string, unknown>): () => MemoryProvider {
  const given = JSON.parse(c.sections.get('given') ?? '{}') as { entities?: Record<string, Record<string, unknown>>; lists?: Record<string, unknown[]> };
  const entities: Record<string, Map<unknown, object>> = {};
  for (const [name, row] of Object.entries(given.entities ?? {})) {
    const key = r.checked!.schema.entities.get(name)!.key;
    event[key] ??= `spec:${name}`;
    entities[name] = new Map([[event[key], row]]);
  }
  return () => new MemoryProvider({ entities: entities as never, lists: (given.lists ?? {}) as never });
}

function runCase(c: Case): void {
  const r = compileCase(c);
  if (c.sections.has('error')) return checkErrors(c, r);
  assert.ok(r.ok, `the case does not compile:\n${r.diagnostics.map((d) => renderDiagnostic(d, r.files)).join('\n')}`);
  assert.equal(located(r), [], 'no diagnostics');
  const engine = load({ pack: r.optimized!, code: r.code! });
  if (c.sections.has('tests')) {
    const want = JSON.parse(c.sections.get('tests')!) as { passed: number; failed?: string[] };
    for (const results of [runTests(r.checked!, (e, p) => engine.decide(e, p)), runTests(r.checked!, (e, p) => interpret(r.checked!, e, p).decision)]) {
      assert.equal(results.filter((t) => !t.passed).map((t) => t.name), want.failed ?? [], results.map((t) => t.failures.join('; ')).join('\n'));
      assert.is(results.filter((t) => t.passed).length, want.passed);
    }
    return;
  }
  const event = { ...(c.sections.has('event') ? JSON.parse(c.sections.get('event')!) as Record<string, unknown> : DEFAULT_EVENT) };
  const p = provider(c, r, event);
  const want = JSON.parse(c.sections.get('expect')!) as { fired?: string[]; outcome?: string };
  const decisions: [string, Decision][] = [['compiled', engine.decide(event, p())], ['interpreter', interpret(r.checked!, event, p()).decision]];
  for (const [who, d] of decisions) {
    if (want.fired) assert.equal(d.fired.map((f) => f.id), want.fired, `${who}: fired`);
    if (want.outcome) assert.is(d.outcome, want.outcome, `${who}: outcome`);
  }
  assert.equal(JSON.parse(JSON.stringify(decisions[0]![1])), JSON.parse(JSON.stringify(decisions[1]![1])), 'the two evaluators decide alike');
}

const CASES = parseCases(readFileSync(join(HERE, 'jsonlogic', 'predicates.cases'), 'utf8'));
for (const c of CASES) {
  test(`predicates.cases: ${c.name}`, () => {
    try {
      runCase(c);
    } catch (e) {
      if (e instanceof Error) e.message = `predicates.cases:${c.line}: ${e.message}`;
      throw e;
    }
  });
}
test('there are JSON Logic predicate cases', () => assert.ok(CASES.length >= 15, `${CASES.length} cases`));

// ---------------------------------------------------------------- random rules

test('random rules of the typed subset as predicate files: `p` and `not p` are json-logic-js\'s truthiness, on both evaluators', () => {
  const runs = Number(process.env['ZHIYU_IMPORT_RULES'] ?? 400);
  const source = { path: 'rules.zy', text: 'predicate p = jsonlogic "p.json"\nrule YES when p then block\nrule NO when not p then block\n' };
  let compiled = 0;
  let compared = 0;
  fc.assert(fc.property(importRuleArb, fc.array(importDataArb, { minLength: 5, maxLength: 5 }), (rule, datas) => {
    const r = compile([{ path: 'schema.zy', text: IMPORT_SCHEMA }, source, { path: 'p.json', text: JSON.stringify(rule) }]);
    if (!r.ok) {
      // What cannot be imported is an error located in the JSON file, never a crash or a diagnostic elsewhere.
      assert.ok(r.diagnostics.every((d) => d.span.file === 2), `${JSON.stringify(rule)}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
      return;
    }
    compiled++;
    const engine = load({ pack: r.optimized!, code: r.code! });
    for (const { event, customer } of datas) {
      const p = () => new MemoryProvider({ entities: customer ? { customer: new Map([['c1', customer]]) } : {} });
      const want = jsonLogic.truthy(jsonLogic.apply(rule, customer ? { event, customer } : { event }));
      for (const [who, d] of [['compiled', engine.decide(event, p())], ['interpreter', interpret(r.checked!, event, p()).decision]] as const) {
        const fired = d.fired.map((f) => f.id).join();
        if (fired !== (want ? 'YES' : 'NO')) throw new Error(`${who}: rule ${JSON.stringify(rule)}\nevent ${JSON.stringify(event)} customer ${JSON.stringify(customer)}\njson-logic-js ${want}, fired ${fired}`);
      }
      compared++;
    }
  }), { seed: Number(process.env['ZHIYU_SEED'] ?? 20260301), numRuns: runs });
  console.log(`  jsonlogic predicates: ${compiled} of ${runs} random rules compile as predicates, ${compared} events agree on both evaluators`);
  assert.ok(compiled >= runs / 3, `only ${compiled} of ${runs} compiled`);
});

// ---------------------------------------------------------------- LANGUAGE.md §5.4

test('LANGUAGE.md §5.4: the example pack, its JSON Logic file and its tests, on both evaluators', () => {
  const doc = readFileSync(join(HERE, 'LANGUAGE.md'), 'utf8');
  const prelude = /```zy prelude\n([\s\S]*?)\n```/.exec(doc)![1]!;
  const section = doc.slice(doc.indexOf('### 5.4 JSON Logic predicates'), doc.indexOf('## 6. Rules'));
  const zy = /```\n(# risk\/pack\.zy[\s\S]*?)\n```/.exec(section)?.[1];
  const json = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
  assert.ok(zy && json, 'the section shows the .zy file and the JSON file');
  const r = compile([{ path: 'prelude.zy', text: prelude }, { path: 'risk/pack.zy', text: zy! }, { path: 'risk/risky_device.json', text: json! }]);
  assert.equal(r.diagnostics.map((d) => renderDiagnostic(d, r.files)), []);
  const engine = load({ pack: r.optimized!, code: r.code! });
  for (const results of [runTests(r.checked!, (e, p) => engine.decide(e, p)), runTests(r.checked!, (e, p) => interpret(r.checked!, e, p).decision)]) {
    assert.is(results.length, 2);
    assert.ok(results.every((t) => t.passed), results.flatMap((t) => t.failures).join('; '));
  }
});

test('JSONLOGIC.md §5.1: the diagnostic shown is exactly what the compiler renders', () => {
  const lang = readFileSync(join(HERE, 'LANGUAGE.md'), 'utf8');
  const prelude = /```zy prelude\n([\s\S]*?)\n```/.exec(lang)![1]!;
  const doc = readFileSync(join(HERE, 'JSONLOGIC.md'), 'utf8');
  const shown = /### 5\.1[\s\S]*?```text\n([\s\S]*?)\n```/.exec(doc)?.[1];
  assert.ok(shown, 'JSONLOGIC.md §5.1 shows a rendered diagnostic');
  const r = compile([
    { path: 'prelude.zy', text: prelude },
    { path: 'risk/pack.zy', text: 'predicate risky_device = jsonlogic "risky_device.json"\nrule R when risky_device then review\n' },
    { path: 'risk/risky_device.json', text: '{"and": [\n  {">=": [{"var": "event.amont"}, 100000]}\n]}\n' },
  ]);
  assert.fixture(r.diagnostics.map((d) => renderDiagnostic(d, r.files)).join('\n\n'), shown!);
});

// ---------------------------------------------------------------- formatting

test('fmt lays a JSON Logic predicate out on one line, and keeps its comments; the output parses to the same declaration', () => {
  const messy = 'predicate   risky   "From JSON"=\n  jsonlogic    "rules/risky.json"   # the risk team owns it\npredicate plain = event.amount > ¥1\n';
  const once = format(messy);
  assert.ok('text' in once);
  assert.is((once as { text: string }).text, 'predicate risky "From JSON" = jsonlogic "rules/risky.json" # the risk team owns it\npredicate plain = event.amount > ¥1\n');
  assert.equal(format((once as { text: string }).text), once, 'idempotent');
  const broken = format('predicate risky = jsonlogic\n');
  assert.ok('diagnostics' in broken && broken.diagnostics.some((d) => d.code === 'ZY1002' && /expected a string/.test(d.message)));
});

// ---------------------------------------------------------------- files

test('the files a pack reads: only those its predicates name, relative to the naming file', () => {
  const files = [
    { path: 'rules/a/pack.zy', text: 'predicate p = jsonlogic "p.json"\npredicate q = jsonlogic "sub/./q.json"\npredicate r = jsonlogic "../r.json"\n' },
    { path: 'rules/a/more/other.zy', text: 'predicate s = jsonlogic "s.json"\npredicate t = jsonlogic "p.json"\n' },
    { path: 'rules/a/scenarios/x.json', text: '{}' },
  ];
  assert.equal(referencedJsonLogicFiles(files), ['rules/a/p.json', 'rules/a/sub/q.json', 'rules/a/more/s.json', 'rules/a/more/p.json']);
});

test('the CLI: check and test a pack directory with a JSON Logic predicate; other JSON in it is not read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zhiyu-jl-'));
  try {
    mkdirSync(join(dir, 'scenarios'));
    mkdirSync(join(dir, 'jl'));
    writeFileSync(join(dir, 'pack.zy'), [
      'pack jl version "1.0.0"', 'outcomes block > review > allow', '',
      'event {', '  type: enum(transfer_out, login) required', '  amount: money', '  channel: enum(app, web)', '}', '',
      'predicate risky "The risk team\'s JSON Logic" = jsonlogic "jl/risky.json"', '',
      'rule RISKY', '  when risky', '  then review', '  reason RISKY_JL', '',
      'test "a large web transfer is risky"', '  at @2026-03-01T10:00', '  given event { type: "transfer_out", amount: ¥2,000, channel: "web" }', '  expect review', '',
      'test "an app transfer is not"', '  at @2026-03-01T10:00', '  given event { type: "transfer_out", amount: ¥2,000, channel: "app" }', '  expect allow', '',
    ].join('\n'));
    writeFileSync(join(dir, 'jl', 'risky.json'), '{"and": [\n  {">=": [{"var": "event.amount"}, 100000]},\n  {"==": [{"var": "event.channel"}, "web"]}\n]}\n');
    // Not a source: not even JSON, and never read.
    writeFileSync(join(dir, 'scenarios', 'broken.json'), '{ not json');
    writeFileSync(join(dir, 'unused.json'), '{"and": [{"var": "event.nothing"}]}');

    const read = readPack([dir]).map((f) => f.path.replace(/\\/g, '/'));
    assert.is(read.length, 2, read.join(', '));
    assert.ok(read[0]!.endsWith('/pack.zy') && read[1]!.endsWith('/jl/risky.json'), read.join(', '));
    const check = await cli('check', dir);
    assert.is(check.code, 0, check.out + check.err);
    assert.match(check.out, /2 files, 0 errors, 0 warnings/);
    const t = await cli('test', dir, '--coverage');
    assert.is(t.code, 0, t.out + t.err);
    assert.match(t.out, /2 passed, 0 failed/);

    // A mistake in the JSON file is shown in the JSON file.
    writeFileSync(join(dir, 'jl', 'risky.json'), '{"and": [\n  {">=": [{"var": "event.amont"}, 100000]}\n]}\n');
    const bad = await cli('check', dir);
    assert.is(bad.code, 1);
    assert.match(bad.out + bad.err, /jl\/risky\.json:2:11: error ZY2001: the event has no field "amont" in the schema/);
    assert.match(bad.out + bad.err, /did you mean "event\.amount"\?/);

    // A file that is not there is reported at the declaration.
    rmSync(join(dir, 'jl', 'risky.json'));
    const gone = await cli('test', dir);
    assert.is(gone.code, 1);
    assert.match(gone.out + gone.err, /pack\.zy:10:58: error ZY2010: no JSON Logic file ".*jl\/risky\.json" in the pack/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
