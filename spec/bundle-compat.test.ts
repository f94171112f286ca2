// Bundles made by an earlier zhiyu, as production keeps them: the generated
// code inside a bundle is a contract with the runtime (its helpers, and what
// decide() hands the engine). A bundle of this RUNTIME_API must still decide
// exactly as the interpreter does over its own pack; one of the API before must
// be refused with ZY8005, never run. spec/fixtures/demo-runtime-api4.zyb was
// made by zhiyu at f0c8610 (API 4), demo-runtime-api5.zyb by API 5's first
// release, both from rules/demo. A change to the generated code's contract
// without a bump of RUNTIME_API fails the first test; a bump fails the second
// until a bundle of the new API is added here (`zhiyu compile rules/demo -o
// spec/fixtures/demo-runtime-apiN.zyb`) and the test names it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../compiler/index.ts';
import { readPack } from '../cli/pack-files.ts';
import { BundleError, parseBundle, RUNTIME_API } from '../runtime/bundle.ts';
import { Engine, interpret } from '../runtime/index.ts';
import { providerFor } from '../runtime/testing.ts';

const fixture = (api: number) => readFileSync(join(import.meta.dirname, 'fixtures', `demo-runtime-api${api}.zyb`), 'utf8');
// The demo pack's own test cases give the events, entities, history and lists.
const cases = compile(readPack([join(import.meta.dirname, '..', 'rules', 'demo')])).checked!.tests;

test(`a bundle of this runtime API (${RUNTIME_API}) made by an earlier build decides as the interpreter over its own pack`, () => {
  const b = parseBundle(fixture(RUNTIME_API));
  assert.is(b.manifest.runtimeApi, RUNTIME_API);
  const engine = new Engine(b.program);
  assert.ok(cases.length >= 5, 'the demo pack has test cases');
  let fired = 0;
  for (const t of cases) {
    const p = () => providerFor(b.program.pack, t);
    const expected = interpret(b.program.pack, { ...t.event }, p()).decision;
    assert.equal(engine.decide({ ...t.event }, p()), expected, t.name);
    const raw = engine.decideRaw({ ...t.event }, p());
    assert.equal(raw.fired.map((i) => b.program.pack.rules[i]!.id), expected.fired.map((f) => f.id), t.name);
    assert.is(engine.decideOutcome({ ...t.event }, p()).outcome, expected.outcome, t.name);
    fired += expected.fired.length;
  }
  assert.ok(fired > 0, 'some rules fired');
});

test('a bundle of the runtime API before is refused with ZY8005 (recompile), not run', () => {
  const old = fixture(RUNTIME_API - 1);
  assert.match(old, /"runtimeApi\\?":\s*4/);
  try {
    parseBundle(old);
    assert.unreachable('an API 4 bundle was accepted');
  } catch (e) {
    assert.instance(e, BundleError);
    assert.is((e as BundleError).code, 'ZY8005');
    assert.match((e as Error).message, /runtime API 4; this zhiyu has 5; recompile the pack/);
  }
});

test.run();
