// Stage 5: the generated source becomes a function. The source was built by
// codegen.ts, where rule text reaches it only through escape.ts; constants
// come in as data (K), helpers as R.
import type { GeneratedCode } from '../codegen.ts';
import { JSONLOGIC_HELPERS } from './semantics.ts';

export type JsonLogicFn = (data?: unknown) => unknown;

export function loadJsonLogic(code: GeneratedCode): JsonLogicFn {
  const factory = new Function('K', 'R', code.source) as (k: readonly unknown[], r: typeof JSONLOGIC_HELPERS) => JsonLogicFn;
  return factory(code.constants, JSONLOGIC_HELPERS);
}
