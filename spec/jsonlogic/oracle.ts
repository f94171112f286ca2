// json-logic-js 2.0.5, the reference the JSON Logic front end must match,
// typed here (the package ships no types) and loaded through require, so
// that no ambient module declaration is needed.
import { createRequire } from 'node:module';

export interface JsonLogicJs {
  apply(rule: unknown, data?: unknown): unknown;
  truthy(value: unknown): boolean;
  is_logic(value: unknown): boolean;
  rule_like(rule: unknown, pattern: unknown): boolean;
}

export const jsonLogic = createRequire(import.meta.url)('json-logic-js') as JsonLogicJs;
