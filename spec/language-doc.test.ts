// Keeps spec/LANGUAGE.md honest: every example in it is compiled (and its
// in-language tests run) against the real compiler and both evaluators.
//
// Conventions in LANGUAGE.md (the info string of a fenced block):
//   ```zy prelude        the example schema; exactly one. Compiled alone it must be clean.
//   ```zy                an example that must compile with no diagnostics at all (one marked
//                        `lint=` with an error code such as ZY6001: refused with exactly that). A block
//                        without its own `pack` declaration is compiled as a second file
//                        after the prelude; a block with one (or marked `standalone`) alone.
//                        Its `test` blocks must pass, on compiled code and on the interpreter.
//   ```zy pack=ID        blocks with the same ID are the files of one pack, compiled together.
//   ```zy-error code=ZY…  an example that must NOT compile; with `code=`, a diagnostic with
//                        that code must be reported inside the block (not in the prelude).
//   id=ID                names a block; `file=PATH` gives the path it is compiled under.
//   ```json scenario=ID  an input (event, entities, history, lists) for the zy block `id=ID`;
//   ```json decision=ID  the exact decision that input produces (both evaluators).
//   ```text diagnostics=ID   the exact rendered diagnostics of the zy-error block `id=ID`.
// Tables between HTML comments are checked too:
//   <!-- check:true -->     every `code` span in a row's last cell is a bool expression that is
//                           true at the documented clock (2026-03-01 10:00, Asia/Shanghai).
//   <!-- check:types -->    operand-type tables; together they must list exactly the
//                           combinations the checker accepts, with the right result type.
//   <!-- check:missing -->  | `expression` | true / false / missing | with the event below.
//   <!-- check:format -->   | type | … | `message text` … | `output` … |: each text, as a message, becomes its output.
//   <!-- check:catalog -->  the diagnostic catalog, exactly as in compiler/diagnostics.ts.
//   <!-- check:keywords --> every keyword of the lexer, and nothing else.
//   <!-- check:functions --> / <!-- check:aggregates --> every built-in is listed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOG, compile, renderDiagnostic, type CompileResult, type SourceFile } from '../compiler/index.ts';
import { AGGREGATE_FUNCTIONS, FUNCTIONS } from '../compiler/functions.ts';
import { KEYWORD_WORDS } from '../compiler/lexer.ts';
import { typeName } from '../compiler/types.ts';
import { interpret, load, MemoryProvider, runTests, type Decision } from '../runtime/index.ts';

const DOC_PATH = join(dirname(fileURLToPath(import.meta.url)), 'LANGUAGE.md');
const DOC = readFileSync(DOC_PATH, 'utf8');
const CLOCK = '@2026-03-01T10:00';

// ---------------------------------------------------------------- blocks

interface Block {
  readonly lang: string;
  readonly flags: ReadonlySet<string>;
  readonly attrs: ReadonlyMap<string, string>;
  readonly body: string;
  /** 1-based line of the opening fence, for messages. */
  readonly line: number;
}

function blocks(md: string): Block[] {
  const out: Block[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const words = open[2]!.trim().split(/\s+/).filter(Boolean);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.startsWith(fence); j++) body.push(lines[j]!);
    const flags = new Set<string>();
    const attrs = new Map<string, string>();
    for (const w of words.slice(1)) {
      const eq = w.indexOf('=');
      if (eq < 0) flags.add(w);
      else attrs.set(w.slice(0, eq), w.slice(eq + 1));
    }
    out.push({ lang: words[0] ?? '', flags, attrs, body: body.join('\n') + '\n', line: i + 1 });
    i = j;
  }
  return out;
}

const ALL = blocks(DOC);
const zyBlocks = ALL.filter((b) => b.lang === 'zy' || b.lang === 'zy-error');
const preludeBlocks = ALL.filter((b) => b.lang === 'zy' && b.flags.has('prelude'));
const PRELUDE = preludeBlocks[0]?.body ?? '';
const where = (b: Block) => `LANGUAGE.md:${b.line}`;

const hasPack = (b: Block) => b.flags.has('standalone') || /^\s*pack\s+[A-Za-z_]/m.test(b.body);
const fileName = (b: Block, i = 0) => b.attrs.get('file') ?? `example-${b.line}${i ? `-${i}` : ''}.zy`;

interface Compiled { readonly result: CompileResult; readonly own: ReadonlySet<number> }

/** Compiles one or more blocks as one pack, after the prelude unless one of them declares the pack. */
function compileBlocks(bs: readonly Block[]): Compiled {
  const standalone = bs.some(hasPack);
  const files: SourceFile[] = standalone ? [] : [{ path: 'prelude.zy', text: PRELUDE }];
  const own = new Set<number>();
  for (const b of bs) { own.add(files.length); files.push({ path: fileName(b), text: b.body }); }
  return { result: compile(files), own };
}

function rendered(r: CompileResult): string {
  return r.diagnostics.map((d) => renderDiagnostic(d, r.files)).join('\n\n');
}

function runPackTests(r: CompileResult, label: string): void {
  const engine = load({ pack: r.optimized!, code: r.code! });
  const evaluators = {
    compiled: (e: unknown, p: MemoryProvider) => engine.decide(e, p),
    interpreter: (e: unknown, p: MemoryProvider) => interpret(r.checked!, e, p).decision,
  };
  for (const [name, decide] of Object.entries(evaluators)) {
    for (const t of runTests(r.checked!, decide as never)) {
      assert.ok(t.passed, `${label}: test "${t.name}" fails on the ${name}: ${t.failures.join('; ')}`);
    }
  }
}

// ---------------------------------------------------------------- tables

function section(marker: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<!-- check:${marker} -->([\\s\\S]*?)<!-- /check:${marker} -->`, 'g');
  for (const m of DOC.matchAll(re)) out.push(m[1]!);
  return out;
}

/** Table rows (cells, without the header and the separator). */
function rows(text: string): string[][] {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('|'));
  return lines.slice(2).map((l) => l.slice(1, l.endsWith('|') ? -1 : undefined).split('|').map((c) => c.trim()));
}

const codeSpans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

// ---------------------------------------------------------------- the suite

test('the document has exactly one prelude, and it compiles cleanly on its own', () => {
  assert.is(preludeBlocks.length, 1, 'one ```zy prelude block');
  const r = compile([{ path: 'prelude.zy', text: PRELUDE }]);
  assert.equal(r.diagnostics.map((d) => `${d.code} ${d.message}`), []);
  assert.ok(r.ok);
});

test('the document has examples to check', () => {
  assert.ok(zyBlocks.length >= 40, `only ${zyBlocks.length} zy blocks found`);
  const langs = new Set(ALL.map((b) => b.lang));
  for (const l of langs) assert.ok(['zy', 'zy-error', 'json', 'text', 'sh', ''].includes(l), `unexpected fence language "${l}"`);
});

for (const b of zyBlocks.filter((x) => x.lang === 'zy' && !x.flags.has('prelude') && !x.attrs.has('pack'))) {
  // A lint example whose codes are errors (ZY6001) is refused by compile() with exactly those; lint.test.ts checks the rest.
  const lintErrors = (b.attrs.get('lint') ?? '').split(',').filter((c) => CATALOG[c as keyof typeof CATALOG]?.severity === 'error');
  test(`${where(b)}: example compiles without diagnostics and its tests pass`, () => {
    const { result } = compileBlocks([b]);
    if (lintErrors.length) {
      assert.equal([...new Set(result.diagnostics.map((d) => d.code))].sort(), lintErrors.sort(), `${where(b)} is refused only for ${lintErrors.join(', ')}`);
      return;
    }
    assert.is(rendered(result), '', `${where(b)} should compile cleanly`);
    assert.ok(result.ok);
    runPackTests(result, where(b));
  });
}

const groups = new Map<string, Block[]>();
for (const b of zyBlocks) {
  const id = b.attrs.get('pack');
  if (id && b.lang === 'zy') groups.set(id, [...(groups.get(id) ?? []), b]);
}
for (const [id, bs] of groups) {
  test(`pack=${id} (${bs.map(where).join(', ')}): the files compile together, and their tests pass`, () => {
    assert.ok(bs.length >= 2, `pack=${id} should have at least two files`);
    const { result } = compileBlocks(bs);
    assert.is(rendered(result), '', `pack=${id} should compile cleanly`);
    runPackTests(result, `pack=${id}`);
  });
}

for (const b of zyBlocks.filter((x) => x.lang === 'zy-error')) {
  const code = b.attrs.get('code');
  test(`${where(b)}: error example fails to compile${code ? ` with ${code}` : ''}`, () => {
    const { result, own } = compileBlocks([b]);
    assert.not.ok(result.ok, `${where(b)} should not compile`);
    if (code) {
      assert.ok(code in CATALOG, `${code} is not in the catalog`);
      const hit = result.diagnostics.some((d) => d.code === code && own.has(d.span.file));
      assert.ok(hit, `${where(b)} should report ${code} in the example, got:\n${rendered(result)}`);
    }
  });
}

for (const b of ALL.filter((x) => x.lang === 'text' && x.attrs.has('diagnostics'))) {
  const id = b.attrs.get('diagnostics')!;
  test(`${where(b)}: the rendered diagnostics of id=${id} are exactly as shown`, () => {
    const src = zyBlocks.find((x) => x.attrs.get('id') === id);
    assert.ok(src, `no zy block with id=${id}`);
    const { result } = compileBlocks([src!]);
    assert.fixture(rendered(result).trimEnd(), b.body.trimEnd());
  });
}

interface Scenario {
  event: unknown;
  entities?: Record<string, Record<string, object>>;
  history?: Record<string, unknown>[];
  lists?: Record<string, unknown[]>;
}

for (const b of ALL.filter((x) => x.lang === 'json' && x.attrs.has('scenario'))) {
  const id = b.attrs.get('scenario')!;
  test(`${where(b)}: scenario ${id} gives exactly the documented decision`, () => {
    const src = zyBlocks.find((x) => x.lang === 'zy' && x.attrs.get('id') === id);
    const expected = ALL.find((x) => x.lang === 'json' && x.attrs.get('decision') === id);
    assert.ok(src, `no zy block with id=${id}`);
    assert.ok(expected, `no json decision=${id} block`);
    const { result } = compileBlocks([src!]);
    assert.ok(result.ok, rendered(result));
    const s = JSON.parse(b.body) as Scenario;
    const provider = () => new MemoryProvider({
      entities: Object.fromEntries(Object.entries(s.entities ?? {}).map(([k, rows]) => [k, new Map(Object.entries(rows))])),
      history: s.history ?? [],
      lists: (s.lists ?? {}) as never,
    });
    const want = JSON.parse(expected!.body) as Decision;
    // As JSON, exactly as `zhiyu eval --json` prints it (a missing value has no "value" key).
    const asJson = (d: Decision) => JSON.parse(JSON.stringify(d)) as unknown;
    assert.equal(asJson(load({ pack: result.optimized!, code: result.code! }).decide(s.event, provider())), want, 'compiled code');
    assert.equal(asJson(interpret(result.checked!, s.event, provider()).decision), want, 'interpreter');
  });
}

test('check:true — every example expression in the function tables is true', () => {
  const exprs = section('true').flatMap((t) => rows(t).flatMap((r) => codeSpans(r[r.length - 1]!)));
  assert.ok(exprs.length >= 25, `only ${exprs.length} example expressions`);
  exprs.forEach((x, i) => {
    const text = `rule DOC_CHECK when ${x} then block\ntest "doc" at ${CLOCK} given event { type: "login" } expect fired DOC_CHECK\n`;
    const r = compile([{ path: 'prelude.zy', text: PRELUDE }, { path: `true-${i}.zy`, text }]);
    assert.is(rendered(r), '', `\`${x}\` should compile`);
    runPackTests(r, `\`${x}\``);
  });
});

test('check:functions and check:aggregates — every built-in is documented', () => {
  const listed = (m: string) => new Set(section(m).flatMap((t) => rows(t).map((r) => /`([a-z_]+)\(/.exec(r[0]!)?.[1]).filter(Boolean)));
  const fns = listed('functions');
  for (const name of FUNCTIONS.keys()) assert.ok(fns.has(name), `function ${name}() is not in the function table`);
  for (const name of fns) assert.ok(FUNCTIONS.has(name!), `the function table lists ${name}(), which does not exist`);
  const aggs = listed('aggregates');
  assert.equal([...aggs].sort(), [...AGGREGATE_FUNCTIONS].sort());
});

// Operand samples of every type, all from the prelude (features, so no literal is folded or
// checked against an enum's members).
const SAMPLES: Record<string, string> = {
  number: 'event.model_score', integer: 'event.attempt', money: 'event.amount', duration: 'event.session_length',
  timestamp: 'customer.registered_at', string: 'event.note', enum: 'event.channel', bool: 'customer.vulnerable', set: 'event.risk_flags',
};

test('check:types — the operator tables list exactly what the checker accepts', () => {
  const expected = new Map<string, string>();
  const ops = new Set<string>();
  const typesIn = (cell: string) => cell.replace(/`/g, '').split(/,|\bor\b/).map((s) => s.trim()).filter(Boolean);
  for (const t of section('types')) {
    for (const r of rows(t)) {
      const [left, op, right, result] = r;
      const resultType = result!.replace(/`/g, '').trim().split(/\s/)[0]!;
      for (const l of typesIn(left!)) for (const o of codeSpans(op!)) for (const rt of typesIn(right!)) {
        assert.ok(l in SAMPLES && rt in SAMPLES, `unknown type in row ${r.join(' | ')}`);
        const key = `${l} ${o} ${rt}`;
        assert.not.ok(expected.has(key), `${key} is listed twice`);
        expected.set(key, resultType);
        ops.add(o);
      }
    }
  }
  assert.ok(ops.size >= 12, `only ${ops.size} operators in the type tables`);
  const combos: [string, string, string][] = [];
  for (const o of ops) for (const l of Object.keys(SAMPLES)) for (const rt of Object.keys(SAMPLES)) combos.push([l, o, rt]);
  const text = combos.map(([l, o, rt], i) => `rule C${i} when (${SAMPLES[l]} ${o} ${SAMPLES[rt]}) is missing then block`).join('\n') + '\n';
  const r = compile([{ path: 'prelude.zy', text: PRELUDE }, { path: 'types.zy', text }]);
  assert.ok(r.checked, 'the type probe compiles far enough to be checked');
  // Diagnostics are capped, so a rejected combination is recognised by its operand's type `error`.
  const wrong: string[] = [];
  combos.forEach(([l, o, rt], i) => {
    const key = `${l} ${o} ${rt}`;
    const want = expected.get(key);
    const rule = r.checked!.rules.find((x) => x.id === `C${i}`);
    const type = (rule?.condition as { x?: { type: Parameters<typeof typeName>[0] } } | undefined)?.x?.type;
    if (!type || type.t === 'error') { if (want) wrong.push(`${key}: documented as ${want}, but the checker rejects it`); return; }
    const got = typeName(type);
    const gotName = got.startsWith('enum') ? 'enum' : got.startsWith('set') ? 'set' : got;
    if (!want) wrong.push(`${key}: accepted by the checker (gives ${gotName}) but not in the tables`);
    else if (want !== gotName) wrong.push(`${key}: documented as ${want}, the checker gives ${gotName}`);
  });
  assert.equal(wrong, []);
});

test('check:missing — the missing-value table matches both evaluators', () => {
  const table = section('missing').flatMap(rows);
  assert.ok(table.length >= 15, `only ${table.length} rows in the missing-value table`);
  const event = { type: 'transfer_out', occurred_at: '2026-03-01T10:00' };
  const wrong: string[] = [];
  for (const row of table) {
    const [exprCell, resultCell] = row;
    const want = resultCell!.replace(/[`*]/g, '').trim().split(/\s/)[0]!;
    for (const x of codeSpans(exprCell!)) {
      const r = compile([{ path: 'prelude.zy', text: PRELUDE }, { path: 'missing.zy', text: `rule T when ${x} then block\nrule F when not (${x}) then block\n` }]);
      if (!r.ok) { wrong.push(`\`${x}\` does not compile: ${rendered(r)}`); continue; }
      const trace = interpret(r.checked!, event).trace;
      const interp = trace[0]!.value === undefined ? 'missing' : String(trace[0]!.value);
      const fired = new Set(load({ pack: r.optimized!, code: r.code! }).decide(event).fired.map((f) => f.id));
      const compiled = fired.has('T') ? 'true' : fired.has('F') ? 'false' : 'missing';
      if (interp !== want || compiled !== want) wrong.push(`\`${x}\`: documented ${want}, interpreter ${interp}, compiled ${compiled}`);
    }
  }
  assert.equal(wrong, []);
});

test('check:format — message texts become exactly what the formatting table says', () => {
  const table = section('format').flatMap(rows);
  assert.ok(table.length >= 8, `only ${table.length} rows in the formatting table`);
  const event = { type: 'transfer_out', occurred_at: '2026-03-01T10:00', risk_flags: ['a', 'b'] };
  const wrong: string[] = [];
  for (const row of table) {
    const texts = codeSpans(row[2]!);
    const outputs = codeSpans(row[3]!);
    assert.is(texts.length, outputs.length, `row "${row[0]}": as many outputs as message texts`);
    texts.forEach((text, i) => {
      const r = compile([{ path: 'prelude.zy', text: PRELUDE }, { path: 'format.zy', text: `rule F when true then block message "${text}"\n` }]);
      if (!r.ok) { wrong.push(`"${text}" does not compile: ${rendered(r)}`); return; }
      const compiled = load({ pack: r.optimized!, code: r.code! }).decide(event).fired[0]!.message.zh;
      const interp = interpret(r.checked!, event).decision.fired[0]!.message.zh;
      if (compiled !== outputs[i] || interp !== outputs[i]) wrong.push(`"${text}": documented ${outputs[i]}, compiled ${compiled}, interpreter ${interp}`);
    });
  }
  assert.equal(wrong, []);
});

test('check:catalog — the diagnostic catalog is complete and its titles are exact', () => {
  const table = section('catalog').flatMap(rows);
  const doc = new Map(table.map((r) => [codeSpans(r[0]!)[0]!, { severity: r[1]!, title: r[2]! }]));
  assert.equal([...doc.keys()].sort(), Object.keys(CATALOG).sort());
  for (const [code, info] of Object.entries(CATALOG)) {
    assert.is(doc.get(code)!.title, info.title, `title of ${code}`);
    assert.is(doc.get(code)!.severity, info.severity, `severity of ${code}`);
  }
});

test('check:keywords — the keyword list is the lexer\'s', () => {
  const listed = section('keywords').flatMap(codeSpans);
  assert.equal([...listed].sort(), [...KEYWORD_WORDS].sort());
});

test.run();
