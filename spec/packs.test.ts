// Every pack shipped under rules/ compiles without findings, and its own
// tests pass on both the compiled engine and the interpreter.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join, relative } from 'node:path';
import { compile, renderDiagnostic } from '../compiler/index.ts';
import { packDirs, readPack } from '../cli/pack-files.ts';
import { interpret, load, runTests } from '../runtime/index.ts';

const root = join(import.meta.dirname, '..', 'rules');
for (const dir of packDirs(root)) {
  test(`rules/${relative(root, dir)} compiles cleanly and passes its tests both ways`, () => {
    const r = compile(readPack([dir]));
    assert.equal(r.diagnostics.map((d) => renderDiagnostic(d, r.files)), []);
    const engine = load({ pack: r.optimized!, code: r.code! });
    const compiled = runTests(r.checked!, (e, p) => engine.decide(e, p));
    const interpreted = runTests(r.checked!, (e, p) => interpret(r.checked!, e, p).decision);
    assert.ok(compiled.length > 0, 'the pack has tests');
    for (const t of [...compiled, ...interpreted]) assert.ok(t.passed, `${t.name}: ${t.failures.join('; ')}`);
    assert.equal(compiled.map((t) => JSON.stringify(t.decision)), interpreted.map((t) => JSON.stringify(t.decision)));
  });
}

test.run();
