// What the dispatch suites share: a decision or its input error as one value, and
// a check that code generated under given options decides as the default code
// and the interpreter do.
import * as assert from 'uvu/assert';
import type { CompileResult } from '../compiler/index.ts';
import { InputError } from '../compiler/index.ts';
import { generate, type GenerateOptions } from '../compiler/codegen.ts';
import { interpret, load, type Decision, type FeatureProvider } from '../runtime/index.ts';

export type Outcome = { ok: true; d: Decision } | { ok: false; code: string; field: string | undefined };
export function run(f: () => Decision): Outcome {
  try {
    return { ok: true, d: f() };
  } catch (e) {
    if (e instanceof InputError) return { ok: false, code: e.code, field: e.field };
    throw e;
  }
}

/** Decides with code generated under `opts`, the default code and the interpreter; all must agree. */
export function agreeAll(r: CompileResult, opts: GenerateOptions, event: unknown, provider: FeatureProvider, strict = false): Outcome {
  const forced = load({ pack: r.optimized!, code: generate(r.optimized!, opts) });
  const a = run(() => forced.decide(event, provider, { strict }));
  const b = run(() => interpret(r.checked!, event, provider, { strict }).decision);
  assert.equal(a, b, `indexed code and interpreter differ on ${JSON.stringify(event)}`);
  return a;
}
