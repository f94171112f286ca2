// Stage 5: the generated source becomes a function. The source was built by
// codegen.ts, where rule text reaches it only through escape.ts; constants
// come in as data (K), helpers as R.
//
// Rules whose generated source is the same (every rule that folds to a
// constant, the same rule loaded twice) share one factory, so their closures
// share one compiled function: V8 keeps one body of machine code for them, and
// a caller that runs many rules from one place jumps to fewer places (calling
// hundreds of distinct small functions costs more than running them). Only the
// factory is shared: each call of a rule still runs its code on its data.
import type { GeneratedCode } from '../codegen.ts';
import { JSONLOGIC_HELPERS } from './semantics.ts';

export type JsonLogicFn = (data?: unknown) => unknown;

type Factory = (k: readonly unknown[], r: typeof JSONLOGIC_HELPERS) => JsonLogicFn;

/** Factories by source; bounded, and only for small sources, so a long-running process cannot grow it without end. */
const factories = new Map<string, Factory>();
const MAX_FACTORIES = 2048;
const MAX_SHARED_SOURCE = 8192;

/** `share: false` for code run once (constant folding runs sub-rules while compiling). */
export function loadJsonLogic(code: GeneratedCode, share = true): JsonLogicFn {
  let factory = factories.get(code.source);
  if (!factory) {
    factory = new Function('K', 'R', code.source) as Factory;
    if (share && code.source.length <= MAX_SHARED_SOURCE && factories.size < MAX_FACTORIES) factories.set(code.source, factory);
  }
  return factory(code.constants, JSONLOGIC_HELPERS);
}
