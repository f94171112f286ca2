// The language's behaviour pinned as data: every `spec/cases/*.cases` file is
// a list of cases (rule source + input → expected decision, or → expected
// diagnostic). Each decision case runs through BOTH the compiled closures and
// the reference interpreter, which must agree with the expectation and with
// each other. The format is described in spec/cases/README.md.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, type CompileResult, type Diagnostic } from '../compiler/index.ts';
import { generate } from '../compiler/codegen.ts';
import { coerce } from '../compiler/input.ts';
import { positionOf } from '../compiler/source.ts';
import { TIMESTAMP } from '../compiler/types.ts';
import { InputError, interpret, load, MemoryProvider, runTests, type Decision, type FeatureProvider } from '../runtime/index.ts';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'cases');
const PRELUDE = { path: 'prelude.zy', text: readFileSync(join(DIR, 'prelude.zy'), 'utf8') };
const DEFAULT_EVENT = { type: 'transfer_out', occurred_at: '2026-03-01T10:00' };
const SECTIONS = new Set(['event', 'given', 'expect', 'error', 'input-error', 'tests', 'no-prelude', 'strict']);
const FLAGS = new Set(['no-prelude', 'strict']);
/** SPEC_RUN_BUGS=1 runs the cases marked [BUG] instead of skipping them (to check a fix). */
const RUN_BUGS = !!process.env['SPEC_RUN_BUGS'];

// ---------------------------------------------------------------- the format

interface Case {
  readonly file: string;
  readonly name: string;
  readonly bug: boolean;
  /** Line of the `===` header in the .cases file, for messages. */
  readonly line: number;
  readonly source: string;
  readonly sections: ReadonlyMap<string, string>;
}

function parseCases(file: string, text: string): Case[] {
  const out: Case[] = [];
  let cur: { name: string; bug: boolean; line: number; source: string[]; sections: Map<string, string[]> } | undefined;
  let section: string[] | undefined;
  const flush = () => {
    if (!cur) return;
    const sections = new Map([...cur.sections].map(([k, v]) => [k, v.join('\n').trim()]));
    out.push({ file, name: cur.name, bug: cur.bug, line: cur.line, source: cur.source.join('\n'), sections });
  };
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.startsWith('=== ')) {
      flush();
      const title = line.slice(4).trim();
      const bug = title.startsWith('[BUG]');
      cur = { name: bug ? title.slice(5).trim() : title, bug, line: i + 1, source: [], sections: new Map() };
      section = cur.source;
      return;
    }
    if (!cur) return; // file commentary before the first case
    if (line.startsWith('--- ')) {
      const name = line.slice(4).trim();
      if (!SECTIONS.has(name)) throw new Error(`${file}:${i + 1}: unknown section \`--- ${name}\``);
      if (cur.sections.has(name)) throw new Error(`${file}:${i + 1}: section \`--- ${name}\` given twice in "${cur.name}"`);
      section = [];
      cur.sections.set(name, section);
      return;
    }
    section!.push(line);
  });
  flush();
  return out;
}

// ---------------------------------------------------------------- helpers

type Json = Record<string, unknown>;

function json(c: Case, key: string): unknown {
  const s = c.sections.get(key);
  if (s === undefined) return undefined;
  try {
    return JSON.parse(s);
  } catch (e) {
    throw new Error(`section \`--- ${key}\` is not valid JSON: ${(e as Error).message}`);
  }
}

/** JSON with missing values visible, so `{value: undefined}` differs from `{}`. */
function canon(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => (v === undefined ? '<missing>' : v));
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `"now"`, `"now - 10m"`, `"now - 1d + 1ms"` → epoch ms relative to the event's time; anything else unchanged. */
function relative(v: unknown, now: number | undefined): unknown {
  if (typeof v !== 'string') return v;
  const m = /^now((?:\s*[+-]\s*\d+(?:ms|s|m|h|d|w))*)$/.exec(v);
  if (!m) return v;
  if (now === undefined) throw new Error(`"${v}" needs a valid event.occurred_at`);
  let t = now;
  for (const part of m[1]!.matchAll(/([+-])\s*(\d+)(ms|s|m|h|d|w)/g)) {
    t += (part[1] === '-' ? -1 : 1) * Number(part[2]) * UNIT_MS[part[3]!]!;
  }
  return t;
}

function mapValues(row: Json, f: (k: string, v: unknown) => unknown): Json {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, f(k, v)]));
}

interface Input {
  readonly event: Json;
  readonly provider: () => FeatureProvider;
}

/** The event and a fresh in-memory provider from `--- event` and `--- given`. */
function inputOf(c: Case, r: CompileResult): Input {
  const raw = c.sections.has('event') ? json(c, 'event') : DEFAULT_EVENT;
  // A non-object event (for the ZY4003 cases) is passed on as it is.
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { event: raw as Json, provider: () => new MemoryProvider() };
  const event: Json = { ...(raw as Json) };
  const given = (json(c, 'given') as Json | undefined) ?? {};
  for (const k of Object.keys(given)) if (!['entities', 'history', 'lists'].includes(k)) throw new Error(`unknown key "${k}" in --- given`);
  let now: number | undefined;
  try {
    now = coerce(TIMESTAMP, event['occurred_at'], 'event.occurred_at') as number | undefined;
  } catch { /* an input-error case; relative times then cannot be used */ }
  const schema = r.checked!.schema;
  const entities: Record<string, Map<unknown, object>> = {};
  for (const [name, row] of Object.entries((given['entities'] as Record<string, Json> | undefined) ?? {})) {
    const info = schema.entities.get(name);
    if (!info) throw new Error(`--- given: the pack has no entity \`${name}\``);
    // Entities are found through the event's key; like the in-language tests, fill a string key the case left out.
    if (event[info.key] === undefined && schema.event.fields.get(info.key)?.type.t === 'string') event[info.key] = `spec:${name}`;
    // A row that is not an object goes to the provider as it is (the ZY4003 cases).
    const isRow = typeof row === 'object' && row !== null && !Array.isArray(row);
    entities[name] = new Map([[event[info.key], isRow ? mapValues(row, (_k, v) => relative(v, now)) : row]]);
  }
  const history = ((given['history'] as Json[] | undefined) ?? []).map((h) =>
    mapValues(h, (k, v) => {
      const x = relative(v, now);
      return k === 'occurred_at' && typeof x === 'string' ? coerce(TIMESTAMP, x, 'history.occurred_at') : x;
    }));
  const lists = (given['lists'] as Record<string, unknown[]> | undefined) ?? {};
  return { event, provider: () => new MemoryProvider({ entities: entities as never, history, lists: lists as never }) };
}

function where(d: Diagnostic, r: CompileResult): string {
  const f = r.files[d.span.file];
  const p = f ? positionOf(f, d.span.start) : { line: 0, column: 0 };
  return `${d.code} ${d.span.file === r.files.length - 1 ? '' : `${f?.path ?? '?'}:`}${p.line}:${p.column}`;
}

function listDiagnostics(r: CompileResult): string {
  return r.diagnostics.map((d) => `  ${where(d, r)} ${d.message}${d.hint ? ` (hint: ${d.hint})` : ''}`).join('\n') || '  (none)';
}

// ---------------------------------------------------------------- the checks

function checkErrors(c: Case, r: CompileResult): void {
  assert.ok(!r.ok, `expected errors, but the case compiled cleanly`);
  const caseFile = r.files.length - 1;
  const expected = c.sections.get('error')!.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const found = r.diagnostics.filter((d) => d.severity !== 'info');
  const unmatched = [...found];
  for (const line of expected) {
    const m = /^(ZY\d{4})\s+(\d+):(\d+)(?:\s+(.*))?$/.exec(line);
    if (!m) throw new Error(`bad --- error line "${line}" (want: ZY2001 3:8 [text in message or hint])`);
    const [, code, l, col, text] = m;
    const i = unmatched.findIndex((d) => {
      if (d.code !== code || d.span.file !== caseFile) return false;
      const p = positionOf(r.files[caseFile]!, d.span.start);
      return p.line === Number(l) && p.column === Number(col);
    });
    assert.ok(i >= 0, `expected ${code} at ${l}:${col}; the diagnostics were:\n${listDiagnostics(r)}`);
    const d = unmatched[i]!;
    if (text) assert.ok(`${d.message} ${d.hint ?? ''}`.includes(text), `${code} at ${l}:${col}: "${d.message}" (hint: ${d.hint ?? 'none'}) does not mention "${text}"`);
    unmatched.splice(i, 1);
  }
  assert.ok(unmatched.length === 0, `unexpected diagnostics besides the expected ones:\n${unmatched.map((d) => `  ${where(d, r)} ${d.message}`).join('\n')}`);
}

interface Expect {
  outcome?: string;
  score?: number;
  fired?: string[];
  messages?: Record<string, { zh?: string | null; en?: string | null }>;
  seen?: Record<string, Record<string, unknown>>;
  rules?: Record<string, Json>;
  notes?: Record<string, { zh?: string | null; en?: string | null }>;
}

function checkDecision(d: Decision, e: Expect, who: string): void {
  const ids = d.fired.map((f) => f.id);
  const ctx = `${who}: outcome ${d.outcome}, score ${d.score}, fired [${ids.join(', ')}]`;
  for (const k of Object.keys(e)) if (!['outcome', 'score', 'fired', 'messages', 'seen', 'rules', 'notes'].includes(k)) throw new Error(`unknown key "${k}" in --- expect`);
  if (e.notes !== undefined) {
    assert.equal((d.notes ?? []).map((n) => n.id), Object.keys(e.notes), `${ctx}: the rules with a note`);
    for (const [id, langs] of Object.entries(e.notes)) {
      const n = d.notes!.find((x) => x.id === id)!;
      for (const [lang, text] of Object.entries(langs)) assert.is(n.message[lang as 'zh' | 'en'], text ?? undefined, `${ctx}: ${id} note ${lang}`);
    }
  }
  if (e.fired !== undefined) assert.equal(ids, e.fired, `${ctx}: fired`);
  if (e.outcome !== undefined) assert.is(d.outcome, e.outcome, `${ctx}: outcome`);
  if (e.score !== undefined) assert.is(d.score, e.score, `${ctx}: score`);
  const rule = (id: string) => {
    const f = d.fired.find((x) => x.id === id);
    assert.ok(f, `${ctx}: ${id} did not fire`);
    return f!;
  };
  for (const [id, langs] of Object.entries(e.messages ?? {})) {
    const f = rule(id);
    for (const [lang, text] of Object.entries(langs)) {
      assert.is(f.message[lang as 'zh' | 'en'], text ?? undefined, `${ctx}: ${id} message ${lang}`);
    }
  }
  for (const [id, features] of Object.entries(e.seen ?? {})) {
    const f = rule(id);
    for (const [feature, value] of Object.entries(features)) {
      const s = f.seen.find((x) => x.feature === feature);
      assert.ok(s, `${ctx}: ${id} saw no \`${feature}\`; it saw ${f.seen.map((x) => x.feature).join(', ')}`);
      assert.is(canon(s!.value), canon(value ?? undefined), `${ctx}: ${id} saw ${feature}`);
    }
  }
  for (const [id, props] of Object.entries(e.rules ?? {})) {
    const f = rule(id) as unknown as Json;
    for (const [k, v] of Object.entries(props)) assert.is(canon(f[k]), canon(v ?? undefined), `${ctx}: ${id}.${k}`);
  }
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
function attempt<T>(f: () => T): Outcome<T> {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    return { ok: false, error };
  }
}

function describeError(e: unknown): string {
  return e instanceof InputError ? `InputError ${e.code} ${e.field}: ${e.message}` : e instanceof Error ? e.stack ?? e.message : String(e);
}

function runCase(c: Case): void {
  const files = c.sections.has('no-prelude') ? [] : [PRELUDE];
  files.push({ path: `${c.file}#${c.name}`, text: c.source });
  let r: CompileResult;
  try {
    r = compile(files);
  } catch (e) {
    throw new Error(`compile() threw: ${describeError(e)}`);
  }
  for (const f of FLAGS) if (c.sections.has(f) && c.sections.get(f) !== '') throw new Error(`\`--- ${f}\` takes no body`);
  if (c.sections.has('error')) return checkErrors(c, r);
  assert.ok(r.ok, `the case does not compile:\n${listDiagnostics(r)}`);
  assert.ok(r.diagnostics.length === 0, `unexpected diagnostics:\n${listDiagnostics(r)}`);
  const engine = load({ pack: r.optimized!, code: r.code! });

  if (c.sections.has('tests')) {
    const want = json(c, 'tests') as { passed?: number; failed?: string[] };
    for (const [who, results] of [
      ['compiled', runTests(r.checked!, (ev, p) => engine.decide(ev, p))],
      ['interpreter', runTests(r.checked!, (ev, p) => interpret(r.checked!, ev, p).decision)],
    ] as const) {
      const failed = results.filter((t) => !t.passed).map((t) => t.name);
      const detail = results.filter((t) => !t.passed).map((t) => `  ${t.name}: ${t.failures.join('; ')}`).join('\n');
      assert.equal(failed, want.failed ?? [], `${who}: failing tests\n${detail}`);
      if (want.passed !== undefined) assert.is(results.length - failed.length, want.passed, `${who}: passing tests`);
    }
    return;
  }

  const input = inputOf(c, r);
  const opts = { strict: c.sections.has('strict') };
  const compiled = attempt(() => engine.decide(input.event, input.provider(), opts));
  const interpreted = attempt(() => interpret(r.checked!, input.event, input.provider(), opts).decision);
  // explain() reading entries from tables, as a large pack's does: the same decision, byte for byte, or the same error.
  const tabled = load({ pack: r.optimized!, code: generate(r.optimized!, { explainTables: 0 }) });
  const viaTables = attempt(() => tabled.decide(input.event, input.provider(), opts));
  const text = (o: Outcome<Decision>) => (o.ok ? JSON.stringify(o.value) : o.error instanceof InputError ? describeError(o.error) : String(o.error));
  assert.is(text(viaTables), text(compiled), 'explain() from tables decides otherwise');

  if (c.sections.has('input-error')) {
    const m = /^(ZY\d{4})\s+(\S+)$/.exec(c.sections.get('input-error')!);
    if (!m) throw new Error('bad --- input-error (want: ZY4001 event.amount)');
    for (const [who, res] of [['compiled', compiled], ['interpreter', interpreted]] as const) {
      assert.ok(!res.ok, `${who}: expected InputError ${m[1]} ${m[2]}, but it decided ${res.ok ? canon(res.value) : ''}`);
      const e = (res as { error: unknown }).error;
      assert.ok(e instanceof InputError, `${who}: expected an InputError, got ${describeError(e)}`);
      assert.is(`${(e as InputError).code} ${(e as InputError).field}`, `${m[1]} ${m[2]}`, `${who}: ${(e as InputError).message}`);
    }
    return;
  }

  if (!c.sections.has('expect')) throw new Error('a case needs `--- expect`, `--- error`, `--- input-error` or `--- tests`');
  const want = json(c, 'expect') as Expect;
  if (!compiled.ok) assert.unreachable(`compiled: decide() threw ${describeError(compiled.error)}`);
  if (!interpreted.ok) assert.unreachable(`interpreter: decide() threw ${describeError(interpreted.error)}`);
  const a = (compiled as { value: Decision }).value;
  const b = (interpreted as { value: Decision }).value;
  checkDecision(a, want, 'compiled');
  checkDecision(b, want, 'interpreter');
  assert.is(canon(a), canon(b), 'the compiled decision and the interpreter\'s differ');
}

// ---------------------------------------------------------------- registration

let bugs = 0;
let total = 0;
const files = readdirSync(DIR).filter((f) => f.endsWith('.cases')).sort();
for (const file of files) {
  let cases: Case[];
  try {
    cases = parseCases(file, readFileSync(join(DIR, file), 'utf8'));
  } catch (e) {
    test(`${file}: the file parses`, () => { throw e; });
    continue;
  }
  const names = new Set<string>();
  for (const c of cases) {
    const title = `${file}: ${c.name}`;
    if (names.has(c.name)) test(`${title} (duplicate name)`, () => assert.unreachable(`two cases in ${file} are named "${c.name}"`));
    names.add(c.name);
    total++;
    if (c.bug && !RUN_BUGS) {
      // Not registered with uvu at all: scripts/test.js reads uvu's totals, and skipped tests would skew them.
      bugs++;
      continue;
    }
    test(title, () => {
      try {
        runCase(c);
      } catch (e) {
        if (e instanceof Error) e.message = `${file}:${c.line}: ${e.message}`;
        throw e;
      }
    });
  }
}
test('there are spec cases', () => assert.ok(total >= 150, `only ${total} cases`));
if (bugs) console.log(`spec/cases: ${bugs} case${bugs === 1 ? '' : 's'} marked [BUG] skipped (known compiler/runtime bugs)`);

test.run();
