// Conformance suites for JSON Logic: reading a suite file and running it.
// Two layouts, also mixed in one file (json-logic-engine's additional.json):
//   classic        [rule, data, expected] tuples and comment strings (jsonlogic.com tests.json)
//   compat-tables  {description, rule, data?, result} or {description, rule, data?, error}
// A result case passes when the value deep-equals the expected one (JSON
// equality: 0 and -0 are equal, NaN equals NaN); an error case passes when
// compiling or running the rule throws. The error type is not compared: like
// json-logic-js, zhiyu has no typed JSON Logic errors.
import { childPath, JsonLogicError } from './errors.ts';

export interface SuiteCase {
  /** 1-based position among the cases (comments not counted). */
  readonly number: number;
  /** JSON path of the case in the file. */
  readonly path: string;
  /** The description, or the comment string that came before the case. */
  readonly description?: string;
  readonly rule: unknown;
  readonly data: unknown;
  readonly expect: { readonly result: unknown } | { readonly error: unknown };
}

export function readSuite(json: unknown): SuiteCase[] {
  if (!Array.isArray(json)) throw new JsonLogicError('ZY9005', '$', 'a suite file is a JSON array of cases and comment strings');
  const out: SuiteCase[] = [];
  let section: string | undefined;
  json.forEach((item, i) => {
    const path = childPath('$', i);
    if (typeof item === 'string') {
      section = item;
      return;
    }
    const number = out.length + 1;
    if (Array.isArray(item)) {
      if (item.length !== 3) throw new JsonLogicError('ZY9005', path, `a tuple case is [rule, data, expected], not ${item.length} elements`);
      out.push({ number, path, ...(section ? { description: section } : {}), rule: item[0], data: item[1], expect: { result: item[2] } });
      return;
    }
    if (typeof item === 'object' && item !== null && 'rule' in item && ('result' in item || 'error' in item)) {
      const o = item as Record<string, unknown>;
      const description = typeof o['description'] === 'string' ? o['description'] : section;
      out.push({
        number, path, ...(description ? { description } : {}), rule: o['rule'], data: 'data' in o ? o['data'] : null,
        expect: 'error' in o ? { error: o['error'] } : { result: o['result'] },
      });
      return;
    }
    throw new JsonLogicError('ZY9005', path, 'a case is a comment string, [rule, data, expected], or {rule, data?, result | error}');
  });
  return out;
}

export type Evaluator = (rule: unknown, data: unknown) => unknown;

export interface CaseResult {
  readonly case: SuiteCase;
  readonly passed: boolean;
  /** What the evaluator gave, when it did not throw. */
  readonly got?: unknown;
  /** The message, when it threw. */
  readonly error?: string;
}

export function runSuite(cases: readonly SuiteCase[], evaluate: Evaluator): CaseResult[] {
  return cases.map((c) => {
    let got: unknown;
    try {
      got = evaluate(c.rule, c.data);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      return { case: c, passed: 'error' in c.expect, error };
    }
    return { case: c, passed: 'result' in c.expect && jsonEqual(got, c.expect.result), got };
  });
}

/** Deep equality of JSON values: arrays by element, objects by own keys, numbers by value (NaN equals NaN). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** A value as one line of JSON for reports (undefined, NaN and Infinity spelled out). */
export function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x === undefined ? '(undefined)' : x)) ?? String(v);
  } catch {
    return String(v);
  }
}
