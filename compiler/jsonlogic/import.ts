// JSON Logic → DSL: each rule becomes a `predicate` that is true exactly when
// json-logic-js finds the rule truthy, for every event that fits the schema —
// or a report of the parts that cannot be expressed, and why. A rule is
// imported whole or not at all.
//
// Where the data comes from. A rule whose paths start with `event.` or with an
// entity name reads the decision layout of `zhiyu jsonlogic export`
// ({event, customer, …}): `event.amount` is event.amount, `customer.age` is
// customer.age. A rule of bare names (`{"var": "amount"}`) reads the event
// itself: `amount` is event.amount.
//
// Missing values. json-logic-js reads a missing field as null, and null takes
// part in loose comparisons: `{"<": [{"var": "amount"}, 100]}` is true when
// the amount is missing (null < 100). zhiyu's comparisons are missing then.
// So each comparison is split on every field that may be missing:
// `(f is not missing and A) or (f is missing and B)`, where B is the same
// comparison with f replaced by null, translated again (and usually a
// constant). Where truthiness decides (and, or, if), a guard that only
// repeats "missing is not true" is left out.
//
// Types. With a schema (from a compiled pack) each field has its type; without
// one, each field's type is taken from what it is compared with, and the
// assumptions are listed. Loose equality and ordering are translated by
// evaluating JavaScript's own conversions on literals when importing; an
// enum or bool is compared member by member. Whatever depends on conversions
// of data at run time (a string field compared with a number…) is reported.
import type { Schema } from '../ir.ts';
import type { JlNode } from './ast.ts';
import { childPath, JsonLogicError, type JsonLogicCode } from './errors.ts';
import { foldJsonLogic } from './fold.ts';
import { Fields, Unsupported } from './import-fields.ts';
import { dslString, identifier, layout } from './import-text.ts';
import { Translator } from './import-translate.ts';
import { OPERATORS } from './operators.ts';
import { parseJsonLogic } from './parse.ts';

export interface ImportProblem {
  readonly rule: string;
  /** JSON path of the part that cannot be expressed. */
  readonly path: string;
  readonly reason: string;
  /**
   * What kind of problem: a `var` naming no field of the schema (`name`), values
   * json-logic-js would convert while running (`type`), an operator that is not
   * a JSON Logic operator (`operator`, also `code` ZY9002), a rule too deep or too
   * large (`limit`), or something the typed subset does not have (`subset`).
   */
  readonly kind: ProblemKind;
  readonly hint?: string;
  /** For a rule JSON Logic itself rejects: its code (ZY9002 unknown operator…). */
  readonly code?: JsonLogicCode;
}

export type ProblemKind = 'name' | 'type' | 'operator' | 'limit' | 'subset';

export interface ImportResult {
  /** DSL source: one `predicate` per imported rule, with a header comment. */
  readonly source: string;
  /** Rule name → predicate name, for the rules imported. */
  readonly predicates: ReadonlyMap<string, string>;
  readonly problems: readonly ImportProblem[];
  /** Without a schema: the field types the predicates assume (`event.amount: number`). */
  readonly assumed: readonly string[];
}

export interface ImportOptions {
  /** The schema of the pack the predicates are for; without it, types are inferred. */
  readonly schema?: Schema;
  /** Each rule's JSON path in its file, for reports (from rulesOfFile); `$.NAME` by default. */
  readonly paths?: Readonly<Record<string, string>>;
}

export interface RuleFile {
  readonly rules: Record<string, unknown>;
  /** Where each rule is in the file, as a JSON path: `$` for a file that is one rule. */
  readonly paths: Record<string, string>;
}

/**
 * The rules of a JSON Logic file: one rule (named `name`), an object of named
 * rules, or the document `zhiyu jsonlogic export` writes ({rules: {…}}).
 */
export function rulesOfFile(json: unknown, name = 'imported'): RuleFile {
  const named = (rules: Record<string, unknown>, base: string): RuleFile =>
    ({ rules, paths: Object.fromEntries(Object.keys(rules).map((k) => [k, childPath(base, k)])) });
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const keys = Object.keys(json);
    const o = json as Record<string, unknown>;
    if (keys.length === 1 && OPERATORS.has(keys[0]!)) return { rules: { [name]: json }, paths: { [name]: '$' } };
    if ('rules' in o && typeof o['rules'] === 'object' && o['rules'] !== null && !Array.isArray(o['rules'])) return named(o['rules'] as Record<string, unknown>, '$.rules');
    if (keys.length === 0) throw new JsonLogicError('ZY9005', '$', 'the file holds an empty object: no rule to import');
    return named(o, '$');
  }
  return { rules: { [name]: json }, paths: { [name]: '$' } };
}

export function importJsonLogic(rules: Readonly<Record<string, unknown>>, opts: ImportOptions = {}): ImportResult {
  const problems: ImportProblem[] = [];
  const parsed = new Map<string, JlNode>();
  for (const [name, rule] of Object.entries(rules)) {
    try {
      parsed.set(name, foldJsonLogic(parseJsonLogic(rule, {}, opts.paths?.[name] ?? childPath('$', name))));
    } catch (e) {
      if (!(e instanceof JsonLogicError)) throw e;
      problems.push(ruleProblem(name, e));
    }
  }
  const fields = new Fields(opts.schema, [...parsed.values()]);
  const used = new Set<string>();
  const predicates = new Map<string, string>();
  const out: string[] = [];
  for (const [name, ast] of parsed) {
    const t = new Translator(name, fields);
    let text: string | undefined;
    try {
      text = t.cond(ast, new Set(), true);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      problems.push(unsupportedProblem(name, e));
      continue;
    }
    const pred = identifier(name, used);
    predicates.set(name, pred);
    out.push(`predicate ${pred} ${dslString(`JSON Logic rule ${name}`)} =\n  ${layout(text)}`);
  }
  const assumed = opts.schema ? [] : fields.assumptions();
  const header = [
    '# Imported from JSON Logic by `zhiyu jsonlogic import`: each predicate is true',
    '# exactly when json-logic-js finds the rule truthy (see spec/JSONLOGIC.md).',
    `# Data layout: ${fields.layout === 'decision' ? '{event, <entity>…} — `event.x` is event.x, `customer.x` is customer.x' : 'the event itself — `x` is event.x'}.`,
    ...(assumed.length ? ['# No schema was given; the predicates assume these field types:', ...assumed.map((a) => `#   ${a}`)] : []),
  ];
  return { source: `${[...header, '', ...out].join('\n')}\n`, predicates, problems, assumed };
}

/**
 * One rule as the body of a predicate of a pack (`predicate p = jsonlogic
 * "p.json"`): DSL text of a condition that is exactly true when json-logic-js
 * finds the rule truthy and exactly false otherwise — never missing, so that
 * `not p` is exact too — or the first problem found.
 */
export function importJsonLogicCondition(rule: unknown, schema: Schema): { condition: string } | { problem: ImportProblem } {
  let ast: JlNode;
  try {
    ast = foldJsonLogic(parseJsonLogic(rule, {}, '$'));
  } catch (e) {
    if (!(e instanceof JsonLogicError)) throw e;
    return { problem: ruleProblem('$', e) };
  }
  try {
    return { condition: new Translator('$', new Fields(schema, [ast])).cond(ast, new Set(), false) };
  } catch (e) {
    if (!(e instanceof Unsupported)) throw e;
    return { problem: unsupportedProblem('$', e) };
  }
}

function ruleProblem(rule: string, e: JsonLogicError): ImportProblem {
  const kind: ProblemKind = e.code === 'ZY9002' ? 'operator' : e.code === 'ZY9003' || e.code === 'ZY9004' ? 'limit' : 'subset';
  return { rule, path: e.path, reason: e.detail, kind, code: e.code, ...(e.hint ? { hint: e.hint } : {}) };
}

function unsupportedProblem(rule: string, e: Unsupported): ImportProblem {
  return { rule, path: e.path, reason: e.reason, kind: e.kind, ...(e.hint ? { hint: e.hint } : {}) };
}
