// The AST is built by a grammar without Chevrotain's error recovery
// (compiler/parse.ts): it stops at the first error, so wherever there is one
// the text is parsed again by a recovering parser, and every error is still
// reported. Checked here: without errors, both grammars build the same AST
// (every file of the shipped packs, declaration by declaration); a lone
// expression with several errors reports each of them; a file with errors in
// two declarations reports both and keeps the declaration between them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { packDirs, readPack } from '../cli/pack-files.ts';
import { lex } from '../compiler/lexer.ts';
import { parseExpression, parseFile } from '../compiler/parse.ts';
import { RuleParser } from '../compiler/parser.ts';

const root = join(import.meta.dirname, '..', 'rules');

test('without errors, the grammar with and without recovery build the same AST', () => {
  const recovering = new RuleParser({ output: 'ast', recover: true });
  const plain = new RuleParser({ output: 'ast', recover: false });
  let files = 0;
  for (const dir of packDirs(root)) {
    for (const [i, f] of readPack([dir]).entries()) {
      if (!f.path.endsWith('.zy')) continue;
      const tokens = lex(f.text, i).tokens;
      const ast = (p: RuleParser) => { p.start(tokens, f.text, i); const decls = p.file(); return { decls, errors: p.errors.length, diagnostics: p.diagnostics }; };
      const a = ast(recovering);
      const b = ast(plain);
      assert.is(a.errors, 0, f.path);
      assert.equal(b, a, f.path);
      files++;
    }
  }
  assert.ok(files > 10, `${files} files`);
});

test('a lone expression with two errors reports both', () => {
  const r = parseExpression('f(a,, b) + (c', 0, 100);
  assert.is(r.expr, undefined);
  assert.equal(r.diagnostics.map((d) => [d.code, d.span.start]), [['ZY1002', 104], ['ZY1002', 113]]);
  const s = parseExpression('(a + ) * (b - )', 0, 0);
  assert.equal(s.diagnostics.map((d) => [d.code, d.span.start]), [['ZY1002', 5], ['ZY1002', 14]]);
});

test('a file with errors in two declarations reports both and builds the one between', () => {
  const text = [
    'rule r1 "one" when event.amount > then block reason R1',
    'rule r2 "two" when event.amount > 5 then block reason R2',
    'rule r3 "three" when (event.amount then block reason R3',
  ].join('\n');
  const r = parseFile(text, 0);
  const errors = r.diagnostics.filter((d) => d.code === 'ZY1002');
  assert.is(errors.length, 2, JSON.stringify(r.diagnostics));
  assert.ok(errors[0]!.span.start < text.indexOf('rule r2') && errors[1]!.span.start > text.indexOf('rule r3'));
  assert.equal(r.ast.decls.map((d) => d.kind === 'rule' ? d.id.text : d.kind), ['r2']);
  assert.equal(r.brokenNames, ['r1', 'r3']);
});

test.run();
