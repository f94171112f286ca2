// The canonical formatter (compiler/format.ts, `zhiyu fmt`): golden output on
// rules/demo, layout and comment cases by hand, and properties over generated
// packs (spec/gen/) with comments and white space mixed in: formatting is
// idempotent, ignores the original layout, keeps every comment, and never
// changes a decision of the interpreter.
//
// Seed: fixed and printed; override with ZHIYU_SEED. Update the goldens with
// ZHIYU_UPDATE_GOLDEN=1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, type CompileResult } from '../compiler/index.ts';
import { format } from '../compiler/format.ts';
import { lex } from '../compiler/lexer.ts';
import { InputError } from '../compiler/input.ts';
import { interpret, runTests } from '../runtime/index.ts';
import { packArb, renderPack, DEFAULT_FLAGS } from './gen/pack.ts';
import { inputArb, providerOf, type GenInput, type InputFlags } from './gen/input.ts';

const root = join(import.meta.dirname, '..');
const SEED = process.env['ZHIYU_SEED'] !== undefined ? Number(process.env['ZHIYU_SEED']) : 20260302;
const PACKS = Number(process.env['ZHIYU_FORMAT_PACKS'] ?? 40);
const INPUTS = 6;
/** Every flag of spec/gen/input.ts off (undefined): well-formed inputs only, whatever flags it grows. */
const WELL_FORMED = {} as InputFlags;

function fmt(text: string): string {
  const r = format(text);
  if (!('text' in r)) throw new Error(`format refused:\n${r.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n')}\n--- source ---\n${text}`);
  return r.text;
}

// ---------------------------------------------------------------- golden

const DEMO = ['pack', 'fraud', 'fraud.test'];

test('golden: rules/demo formats exactly as spec/golden/format/*.golden, and the result is a fixed point', () => {
  for (const name of DEMO) {
    const src = readFileSync(join(root, 'rules/demo', `${name}.zy`), 'utf8');
    const out = fmt(src);
    const golden = join(root, 'spec/golden/format', `demo-${name}.zy.golden`);
    if (process.env['ZHIYU_UPDATE_GOLDEN']) writeFileSync(golden, out);
    assert.fixture(out, readFileSync(golden, 'utf8'), `${name}.zy`);
    assert.is(fmt(out), out, `${name}.zy: formatting the formatted file changes it`);
  }
});

test('golden: the formatted demo pack compiles to the same rules and its tests still pass', () => {
  const files = DEMO.map((n) => ({ path: `${n}.zy`, text: readFileSync(join(root, 'rules/demo', `${n}.zy`), 'utf8') }));
  const a = compile(files);
  const b = compile(files.map((f) => ({ ...f, text: fmt(f.text) })));
  assert.ok(a.ok && b.ok);
  const strip = (r: CompileResult) => JSON.stringify(r.checked!.rules.map((x) => ({ ...x, span: 0 })), (k, v) => (k === 'span' ? undefined : v));
  assert.is(strip(b), strip(a));
  for (const t of runTests(b.checked!, (e, p) => interpret(b.checked!, e, p).decision)) assert.ok(t.passed, t.name);
});

// ---------------------------------------------------------------- layout

const CASES: [string, string, string][] = [
  ['a one-line rule gets a clause per line',
    'pack p\noutcomes hold > allow\nevent { n: integer }\nrule R "t" when event.n > 1 then hold reason R score +2\n',
    'pack p\noutcomes hold > allow\n\nevent {\n  n: integer\n}\n\nrule R "t"\n  when event.n > 1\n  then hold\n  reason R\n  score +2\n'],
  ['a long `when` breaks before each top-level `and`, operands lined up',
    'rule LONG when event.type == "transfer_out" and device.in_call and not device.call_peer_in_contacts and event.amount >= ¥2,000 then hold\n',
    'rule LONG\n  when event.type == "transfer_out"\n   and device.in_call\n   and not device.call_peer_in_contacts\n   and event.amount >= ¥2,000\n  then hold\n'],
  ['an `or` chain hangs `or` under the operand',
    'rule O when event.amount >= ¥100,000,000 or customer.segment_code_for_reporting == "watchlist_high_risk_segment" then hold\n',
    'rule O\n  when event.amount >= ¥100,000,000\n    or customer.segment_code_for_reporting == "watchlist_high_risk_segment"\n  then hold\n'],
  ['blank lines between one-line declarations are kept (one at most); white space is normalised',
    'const A   =   1\nconst B = 2\n\n\n\nconst C = [1 2 3,]\n',
    'const A = 1\nconst B = 2\n\nconst C = [1, 2, 3]\n'],
  ['records and lists: `, ` between items, optional commas dropped or added',
    'test "t" at @2026-03-01 given event { a: 1 b: 2, } given list L ["x" "y"] expect allow\n',
    'test "t"\n  at @2026-03-01\n  given event { a: 1, b: 2 }\n  given list L ["x", "y"]\n  expect allow\n'],
  ['fields: one per line, their trailing commas dropped',
    'entity customer by customer_id "c" { age: integer required, g: enum(a,b) protected "x", }\n',
    'entity customer by customer_id "c" {\n  age: integer required\n  g: enum(a, b) protected "x"\n}\n'],
  ['comments stay: at the end of their line, or on their own line before the same token',
    '# head\n\nconst A = 1 # one\n// about B\nconst B = 2\nrule R # the rule\n  # the condition\n  when event.n > A # first\n   and event.n < B\n  then hold\n# tail\n',
    '# head\n\nconst A = 1 # one\n// about B\nconst B = 2\n\nrule R # the rule\n  # the condition\n  when event.n > A # first\n   and event.n < B\n  then hold\n# tail\n'],
  ['a comment after a dropped comma moves before the next item, the comma kept canonical',
    'event { a: integer, # first\n  b: money }\n',
    'event {\n  a: integer # first\n  b: money\n}\n'],
  ['message: `en` on its own line when both do not fit',
    'rule M when true then hold message "这是一条很长的中文消息，用来说明为什么规则会触发，以及接下来应该怎么做" en "This is a long English message that explains why"\n',
    'rule M\n  when true\n  then hold\n  message "这是一条很长的中文消息，用来说明为什么规则会触发，以及接下来应该怎么做"\n       en "This is a long English message that explains why"\n'],
  ['sequence(): steps on one line when they fit, otherwise each `followed by` starts a line under the first step',
    'rule S when sequence(type == "login" and device_id == event.device_id followed by type == "phone_change" followed by type == "drawdown", by customer_id, within 24h, including current) then hold\n',
    'rule S\n  when sequence(type == "login" and device_id == event.device_id\n                followed by type == "phone_change"\n                followed by type == "drawdown",\n                by customer_id,\n                within 24h,\n                including current)\n  then hold\n'],
  ['a short sequence stays on one line',
    'rule S when sequence(type == "a" followed by type == "b", by c, within 1h) then hold\n',
    'rule S\n  when sequence(type == "a" followed by type == "b", by c, within 1h)\n  then hold\n'],
  ['an empty file stays empty', '\n\n', ''],
];

for (const [name, input, expected] of CASES) {
  test(`layout: ${name}`, () => {
    const out = fmt(input);
    assert.fixture(out, expected);
    assert.is(fmt(out), out, 'not idempotent');
  });
}

test('LANGUAGE.md: each ```zy fmt=ID block is exactly the formatting of the block id=ID', () => {
  const doc = readFileSync(join(root, 'spec/LANGUAGE.md'), 'utf8');
  const block = (attr: string) => new RegExp(`\`\`\`zy [^\n]*\\b${attr}\\b[^\n]*\n([\\s\\S]*?)\n\`\`\``).exec(doc)?.[1];
  const pairs = [...doc.matchAll(/```zy [^\n]*\bfmt=([\w-]+)/g)].map((m) => m[1]!);
  assert.ok(pairs.length >= 1, 'no formatting example');
  for (const id of pairs) {
    const before = block(`id=${id}`);
    const after = block(`fmt=${id}`);
    assert.ok(before !== undefined && after !== undefined, id);
    assert.fixture(fmt(`${before}\n`), `${after}\n`);
  }
});

test('refuses a file with syntax errors, and says where', () => {
  const r = format('pack p\nrule R when event.n > then hold\n');
  assert.ok('diagnostics' in r);
  if ('diagnostics' in r) assert.is(r.diagnostics[0]!.code, 'ZY1002');
  const u = format('const S = "unterminated\n');
  assert.ok('diagnostics' in u);
});

test('comments in awkward places survive, in order, and formatting them is stable', () => {
  const src = readFileSync(join(root, 'spec/golden/format/comments.zy.txt'), 'utf8');
  const out = fmt(src);
  const comments = (t: string) => lex(t, 0).comments.map((c) => c.image.trimEnd());
  assert.equal(comments(out), comments(src));
  assert.is(fmt(out), out);
  // A trailing comment is still on the line of the token before it.
  assert.match(out, /pack p version "1" # trailing on pack\n/);
  assert.match(out, /a: integer # comma comment\n/);
  assert.match(out, /\(1\) => block # row\n/);
});

// ---------------------------------------------------------------- properties

/** A small deterministic PRNG, so one fast-check integer drives all the layout choices of a case. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s % n;
  };
}

type Gap = 'space' | 'free' | 'newline' | 'blank';
const REFERENCE: Record<Gap, string> = { space: ' ', free: ' ', newline: '\n', blank: '\n\n' };
const VARIANTS: Record<Gap, string[]> = {
  space: [' ', '  ', '\t', ' \u3000'],
  free: [' ', '\n', '   ', '\n      ', '\t\n ', '\u00a0'],
  newline: ['\n', '\n  ', ' \n', '\r\n   '],
  blank: ['\n\n', '\n \n  ', '\n\n\n\n'],
};

/**
 * The pack's tokens with comments inserted into some gaps, rendered twice:
 * once with reference white space, once with random white space of the same
 * kind (same line breaks where a comment needs them, same blank lines).
 */
function withComments(src: string, seed: number): { reference: string; perturbed: string; comments: number } {
  const r = rng(seed);
  const tokens = lex(src, 0).tokens;
  const pieces: (string | Gap)[] = [];
  let comments = 0;
  tokens.forEach((t, i) => {
    pieces.push(t.image);
    const next = tokens[i + 1];
    if (!next) return;
    const gap = src.slice(t.startOffset + t.image.length, next.startOffset);
    const blank = (gap.match(/\n/g)?.length ?? 0) >= 2;
    const roll = r(12);
    if (roll === 0) { pieces.push('space', `# c${comments++} trailing`, blank ? 'blank' : 'newline'); return; }
    if (roll === 1) { pieces.push(blank ? 'blank' : 'newline', `// c${comments++} own line`, 'newline'); return; }
    pieces.push(blank ? 'blank' : 'free');
  });
  const render = (ws: (g: Gap) => string) => pieces.map((p) => (p in REFERENCE ? ws(p as Gap) : p)).join('') + '\n';
  return {
    reference: render((g) => REFERENCE[g]),
    perturbed: render((g) => { const v = VARIANTS[g]; return v[r(v.length)]!; }),
    comments,
  };
}

type Outcome = { ok: true; decision: unknown } | { ok: false; code?: string; field?: string; message: string };
function decide(r: CompileResult, i: GenInput): Outcome {
  try {
    return { ok: true, decision: interpret(r.checked!, i.event, providerOf(i), { strict: i.strict }).decision };
  } catch (e) {
    if (e instanceof InputError) return { ok: false, code: e.code, field: e.field, message: e.message };
    return { ok: false, message: String(e) };
  }
}

test(`property: idempotent, layout-blind, comment-preserving and decision-preserving on ${PACKS} generated packs (seed ${SEED})`, () => {
  let inserted = 0;
  let decisions = 0;
  const d = fc.check(fc.property(
    packArb(DEFAULT_FLAGS), fc.integer(), fc.array(inputArb(WELL_FORMED), { minLength: INPUTS, maxLength: INPUTS }),
    (g, seed, inputs) => {
      const src = renderPack(g);
      const { reference, perturbed, comments } = withComments(src, seed);
      inserted += comments;
      const once = fmt(perturbed);
      assert.is(fmt(once), once, 'format(format(x)) !== format(x)');
      assert.is(fmt(reference), once, 'the original layout shows through');
      const a = compile([{ path: 'generated.zy', text: src }]);
      const b = compile([{ path: 'generated.zy', text: once }]);
      assert.ok(a.ok && b.ok, 'both compile');
      for (const i of inputs) {
        assert.equal(decide(b, i), decide(a, i), 'the formatted pack decides differently');
        decisions++;
      }
    }), { seed: SEED, numRuns: PACKS });
  if (d.failed) {
    const err = d.errorInstance instanceof Error ? d.errorInstance.message : String(d.errorInstance);
    throw new Error(`property failed (seed ${d.seed}, shrunk ${d.numShrinks} times)\n${err}\n${JSON.stringify(d.counterexample?.[1])}`);
  }
  assert.ok(inserted > PACKS * 10, `only ${inserted} comments were mixed in`);
  assert.ok(decisions >= PACKS * INPUTS);
});

test.run();
