// What the lexer and parser hand on, where compiler/lexer.ts and
// compiler/parser.ts replace internals of chevrotain@11 to allocate less:
// tokens carry `endOffset` from the start (a keyword is looked up by its
// word), and CST nodes' `children` inherit no keys (as Chevrotain's own
// null-prototype objects), and one grammar class outputs either the AST or
// the CST (`initTreeBuilder`). If a Chevrotain upgrade renamed an internal,
// these fail before any span goes wrong.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CstNode, IToken } from 'chevrotain';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lex, scanTokens, tokenize, UnterminatedString } from '../compiler/lexer.ts';
import { rng } from '../demo/rows.ts';
import { scalePackFiles } from '../bench/scale-pack.ts';
import { RuleParser } from '../compiler/parser.ts';
import { parseFile } from '../compiler/parse.ts';

const PACK = `pack p version "1"
outcomes block > review > allow
event { type: enum(login, transfer_out) required  amount: money  device_id: string  country: string }
list risky_countries: string = ["KP", "IR"]
predicate big = event.amount >= ¥5,000
rule R1 "big transfer abroad"
  when event.type == "transfer_out" and big and (event.country in risky_countries or not (event.device_id is missing))
   and event.amount between ¥1 and ¥9,999,999 and -(event.amount) * 2 / 3 % 5 + 1 - 1 < 0 ?? true
  then review
  reason R1
`;

test('every token is made with its endOffset, as an own property', () => {
  const tokens = tokenize(PACK).tokens;
  assert.ok(tokens.length > 50);
  for (const t of tokens) {
    assert.ok(Object.prototype.hasOwnProperty.call(t, 'endOffset'), `\`${t.image}\` has no endOffset`);
    assert.is(t.endOffset, t.startOffset + t.image.length - 1, `\`${t.image}\` at ${t.startOffset}`);
    assert.is(PACK.slice(t.startOffset, t.endOffset! + 1), t.image);
  }
  // lex() hands on the same tokens, less an unterminated string (reported instead).
  const broken = lex('rule R when event.x == "open\nthen block', 0);
  assert.equal(broken.diagnostics.map((d) => d.code), ['ZY1003']);
  assert.not.ok(broken.tokens.some((t) => t.image.startsWith('"')));
  assert.equal(lex(PACK, 0).tokens, tokens);
});

test('a whole word that is a keyword is that keyword; a longer word is a name', () => {
  const text = 'and andy and_ and1 AND event.and when(whenever) is\tmissing';
  const tokens = tokenize(text).tokens;
  assert.equal(tokens.map((t) => [t.tokenType.name, t.image]), [
    ['And', 'and'], ['Identifier', 'andy'], ['Identifier', 'and_'], ['Identifier', 'and1'], ['Identifier', 'AND'],
    ['Event', 'event'], ['Dot', '.'], ['And', 'and'], ['When', 'when'], ['LParen', '('], ['Identifier', 'whenever'], ['RParen', ')'],
    ['Is', 'is'], ['Missing', 'missing'],
  ]);
  for (const t of tokens) {
    assert.is(t.tokenTypeIdx, t.tokenType.tokenTypeIdx, t.image);
    assert.is(text.slice(t.startOffset, t.endOffset! + 1), t.image);
  }
});

test('CST children inherit no keys, and node locations span their tokens', () => {
  const p = new RuleParser({ output: 'cst' });
  p.start(lex(PACK, 0).tokens, PACK, 0);
  const cst = p.file() as unknown as CstNode;
  assert.equal(p.errors, []);
  let nodes = 0;
  const walk = (n: CstNode): void => {
    nodes++;
    for (const key of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']) {
      assert.not.ok(key in n.children, `${n.name}'s children have \`${key}\``);
    }
    assert.is(Object.getPrototypeOf(Object.getPrototypeOf(n.children)), null);
    const all = Object.values(n.children).flat() as (CstNode | IToken)[];
    const starts = all.map((c) => ('children' in c ? c.location!.startOffset : c.startOffset));
    const ends = all.map((c) => ('children' in c ? c.location!.endOffset! : c.endOffset!));
    if (all.length) {
      assert.is(n.location!.startOffset, Math.min(...starts), n.name);
      assert.is(n.location!.endOffset, Math.max(...ends), n.name);
    }
    for (const c of all) if ('children' in c) walk(c);
  };
  walk(cst);
  assert.ok(nodes > 100);
});

test('a file parses to the same AST however often it is parsed', () => {
  // The parser keeps the bodies of its repetitions between calls: they must hold no state of a parse.
  const a = JSON.stringify(parseFile(PACK, 0));
  parseFile('rule X when event.amount >= ¥1 and (event.type == "login" or event.type == "transfer_out") then block', 0);
  parseFile('rule Y when event.amount >>= 1', 0);
  assert.is(JSON.stringify(parseFile(PACK, 0)), a);
  const ast = parseFile(PACK, 0).ast;
  assert.equal(ast.decls.map((d) => d.kind), ['pack', 'outcomes', 'event', 'listDecl', 'predicate', 'rule']);
});

test('in a file with a syntax error, every other declaration is built as in a file without it', () => {
  // Without errors the grammar builds the AST as it parses; with one, the file is parsed again for the CST,
  // and each declaration the parser did not repair is built from its own tokens.
  const extra = 'rule S "bad escape" when event.type == "\\q" then review\n';
  const clean = parseFile(PACK + extra, 0);
  const broken = parseFile(PACK + extra + 'rule BROKEN when event.amount >>= 1 then block\n', 0);
  assert.equal(broken.brokenNames, ['BROKEN']);
  assert.equal(broken.ast.decls, clean.ast.decls);
  assert.equal(clean.diagnostics.map((d) => d.code), ['ZY1003']);
  assert.equal(broken.diagnostics.map((d) => d.code), ['ZY1002', 'ZY1003']);
  assert.equal(broken.diagnostics[1], clean.diagnostics[0]);
});

test('a misspelt `followed by` is reported before the errors inside the steps', () => {
  // The order the AST builder reported them in when it walked the CST (the steps after the words between them).
  const r = parseFile('rule S when sequence(event.type == "\\q" follwed by event.type == "\\z", within 10m) then block\n', 0);
  assert.equal(r.diagnostics.map((d) => [d.code, d.span.start]), [['ZY1002', 40], ['ZY1003', 35], ['ZY1003', 65]]);
});

test('one grammar, two outputs: the AST, or the CST for the formatter', () => {
  const tokens = lex(PACK, 0).tokens;
  const cst = new RuleParser({ output: 'cst' });
  cst.start(tokens, PACK, 0);
  const file = cst.file() as unknown as CstNode;
  assert.is(file.name, 'file');
  assert.is((file.children['decl'] as CstNode[]).length, 6);
  const ast = new RuleParser({ output: 'ast' });
  ast.start(tokens, PACK, 0);
  assert.equal(ast.file(), parseFile(PACK, 0).ast.decls);
  assert.equal([cst.errors, ast.errors, ast.diagnostics], [[], [], []]);
});

test('the grammar passes Chevrotain\'s own checks, which the compiler skips when it constructs it', () => {
  // Constructing throws on an ambiguous alternative, left recursion or a misnamed rule.
  for (const output of ['ast', 'cst'] as const) {
    const checked = new RuleParser({ output, validate: true });
    assert.equal((checked as unknown as { definitionErrors: unknown[] }).definitionErrors, []);
    const unchecked = new RuleParser({ output });
    for (const p of [checked, unchecked]) p.start(lex(PACK, 0).tokens, PACK, 0);
    assert.equal(JSON.stringify(checked.file()), JSON.stringify(unchecked.file()));
  }
});

/** Every `.zy` file under `dir`, with its path. */
function zyFiles(dir: string): [string, string][] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.zy')).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]);
}

/** What scanTokens must return for `text`: Chevrotain's tokens, or nothing where it reports an error. */
function expectedScan(text: string): unknown {
  const r = tokenize(text);
  if (r.errors.length || r.tokens.some((t) => t.tokenType === UnterminatedString)) return undefined;
  return r.tokens.map(shape);
}
const shape = (t: IToken) => [t.image, t.startOffset, t.endOffset, t.tokenTypeIdx, t.tokenType.name, Object.keys(t).join()];

test('scanTokens makes the lexer\'s tokens: every pack, and text made of pieces of tokens', () => {
  const root = join(import.meta.dirname, '..');
  const texts = [...zyFiles(join(root, 'rules')), ...zyFiles(join(root, 'bench/packs')), ...zyFiles(join(root, 'spec/cases'))].map(([, t]) => t);
  texts.push(...scalePackFiles(300, 7).map((f) => f.text), PACK);
  let scanned = 0;
  for (const text of texts) {
    const got = scanTokens(text, 0, text.length);
    assert.equal(got?.map(shape), expectedScan(text));
    if (got) scanned++;
  }
  assert.ok(scanned > 20);
  // Pieces where the written-out cases meet the patterns: numbers that are money, durations, decimals, words
  // that start like keywords, strings with escapes or no end, comments, operators of one and two characters.
  const PIECES = ['12', '1_000', '2.5', '3e4', '¥2,000', '¥19.99', '2000元', '2000 元', '5 yuan', '5yuanx', '150fen', '150 分', '30m', '24h', '7d', '10ms',
    '7dx', '@2026-03-01', '@2026-03-01T08:00Z', '"a"', "'b'", '"a\\"b"', '"open', "'x\\", '#c', '// c', '/', '=', '==', '=>', '!=', '!', '<', '<=',
    '>', '>=', '?', '??', '+', '-', '*', '%', '(', ')', '{', '}', '[', ']', ',', ':', '.', 'and', 'andy', 'rule', 'event', 'x_1', '_', 'é', '元',
    ' ', '  ', '\t', '\n', '\r\n', '\u3000', '\u00a0', '0', '9x', '1.', '.5'];
  const rnd = rng(20261207);
  for (let k = 0; k < 3000; k++) {
    let text = '';
    for (let n = 1 + Math.floor(rnd() * 12); n > 0; n--) text += PIECES[Math.floor(rnd() * PIECES.length)]!;
    assert.equal(scanTokens(text, 0, text.length)?.map(shape), expectedScan(text), JSON.stringify(text));
  }
});

test('a large file is parsed a few declarations at a time, and reported as when parsed whole', () => {
  // parse.ts parses a file over 4 KB in parts when it has no error; with one, whole.
  const big = scalePackFiles(300, 7).map((f) => f.text).join('\n');
  assert.ok(big.length > 40_000);
  const whole = new RuleParser({ output: 'ast' });
  whole.start(lex(big, 0).tokens, big, 0);
  const decls = whole.file();
  assert.equal(whole.errors, []);
  const parsed = parseFile(big, 0);
  assert.equal(JSON.stringify(parsed.ast.decls), JSON.stringify(decls));
  assert.equal(parsed.diagnostics, whole.diagnostics);
  // A line that starts with a declaration's word but goes on the one before (`rule` is a tag here), past the
  // first 4 KB so that a part is cut there: the part before it does not parse, and the file is parsed whole.
  const items = Array.from({ length: 800 }, (_, i) => `"a${i}"`).join(',\n');
  const cut = `pack p\noutcomes block > allow\nevent { x: string }\nrule A\n  when event.x in [\n${items}]\n  then block\n  tags fraud,\n  rule\n`;
  const r = parseFile(cut, 0);
  assert.equal(r.diagnostics, []);
  const rule = r.ast.decls.find((d) => d.kind === 'rule');
  assert.equal(rule?.kind === 'rule' && rule.clauses.flatMap((c) => (c.kind === 'tags' ? c.tags.map((t) => t.text) : [])), ['fraud', 'rule']);
});

test.run();
