// The pipeline, stage by stage: check the rule into an AST (parse.ts) → fold
// constants (fold.ts) → analyze (analyze.ts) → generate JavaScript
// (codegen.ts) → load it (load.ts). The result runs a rule exactly as
// json-logic-js 2.0.5's `apply` does (spec/JSONLOGIC.md lists the three
// deliberate differences), as a closure.
import type { GeneratedCode } from '../codegen.ts';
import { analyze } from './analyze.ts';
import type { JlNode } from './ast.ts';
import { generateJsonLogic, generateJsonLogicPack } from './codegen.ts';
import { childPath } from './errors.ts';
import { foldJsonLogic } from './fold.ts';
import { loadJsonLogic, type JsonLogicFn } from './load.ts';
import { parseJsonLogic, type ParseLimits } from './parse.ts';

export interface CompiledJsonLogic {
  /** The checked (and folded) rule. */
  readonly ast: JlNode;
  /** The body of `new Function('K', 'R', source)` and its constants. */
  readonly code: GeneratedCode;
  /** json-logic-js's `apply(rule, data)`, for this rule. */
  readonly apply: JsonLogicFn;
}

export function compileJsonLogic(rule: unknown, limits: ParseLimits = {}): CompiledJsonLogic {
  const parsed = parseJsonLogic(rule, limits);
  const ast = foldJsonLogic(parsed);
  const code = generateJsonLogic(ast, analyze(ast));
  return { ast, code, apply: loadJsonLogic(code) };
}

export interface CompiledJsonLogicPack {
  readonly ids: readonly string[];
  readonly code: GeneratedCode;
  /**
   * Every rule's result, in the order of `ids`: what `apply` gives for each.
   * Paths that several rules read are read once. If a rule throws, the call
   * throws (json-logic-js would throw for that rule alone).
   */
  readonly apply: (data?: unknown) => unknown[];
}

/** Named rules compiled together into one function. */
export function compileJsonLogicPack(rules: Readonly<Record<string, unknown>>, limits: ParseLimits = {}): CompiledJsonLogicPack {
  const ids = Object.keys(rules);
  const asts = ids.map((id) => foldJsonLogic(parseJsonLogic(rules[id], limits, childPath('$', id))));
  const code = generateJsonLogicPack(asts, analyze({ kind: 'array', items: asts, path: '$' }));
  return { ids, code, apply: loadJsonLogic(code) as (data?: unknown) => unknown[] };
}
