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
import { nearest } from '../diagnostics.ts';
import type { Schema } from '../ir.ts';
import type { Type } from '../types.ts';
import { KEYWORD_WORDS } from '../lexer.ts';
import type { JlNode, OpNode } from './ast.ts';
import { staticPath } from './codegen.ts';
import { childPath, JsonLogicError, type JsonLogicCode } from './errors.ts';
import { foldJsonLogic } from './fold.ts';
import { compileJsonLogic } from './compile.ts';
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

// ---------- fields and their types ----------

type Kind = 'number' | 'integer' | 'money' | 'duration' | 'timestamp' | 'string' | 'enum' | 'bool' | 'set';
interface Field {
  readonly text: string;
  readonly kind: Kind;
  readonly members?: readonly string[];
  readonly element?: Kind;
  /** Never missing: a required event field, or the event time. */
  readonly required: boolean;
}

class Unsupported extends Error {
  constructor(readonly path: string, readonly reason: string, readonly kind: ProblemKind = 'subset', readonly hint?: string) { super(reason); }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Resolves var paths to fields; infers types when there is no schema. */
class Fields {
  readonly layout: 'decision' | 'event';
  private readonly inferred = new Map<string, Set<Kind>>();

  constructor(private readonly schema: Schema | undefined, asts: readonly JlNode[]) {
    const entities = new Set(['event', ...(schema ? schema.entities.keys() : [])]);
    let decision = false;
    const visit = (n: JlNode) => {
      const note = (path: JlNode | undefined) => {
        const keys = staticPath(path);
        if (keys && keys.length === 2 && (entities.has(keys[0]!) || !schema)) decision = true;
      };
      if (n.kind === 'op' && n.op === 'var') note(n.args[0]);
      // `missing` names fields too: {"missing": ["event.note"]} is the decision layout.
      if (n.kind === 'op' && n.op === 'missing') (n.args[0]?.kind === 'array' ? n.args[0].items : n.args).forEach((k) => { if (k.kind === 'value') note(k); });
      if (n.kind === 'op') n.args.forEach(visit);
      if (n.kind === 'array') n.items.forEach(visit);
    };
    asts.forEach(visit);
    this.layout = decision ? 'decision' : 'event';
    if (!schema) asts.forEach((a) => this.infer(a));
  }

  /** The field a `var` reads, or why it cannot be one. */
  resolve(n: OpNode): Field {
    const keys = staticPath(n.args[0]);
    if (!keys) throw new Unsupported(n.path, 'a var whose path is computed while running: a zhiyu feature is named in the rule');
    if (keys.length === 0) throw new Unsupported(n.path, 'a var of the whole data: zhiyu reads named fields');
    let entity: string;
    let field: string;
    if (this.layout === 'event') {
      if (keys.length === 2 && this.schema && !this.schema.event.fields.has(keys[0]!) && !this.schema.entities.has(keys[0]!) && keys[0] !== 'event') {
        // Not an entity of the schema, and not a field of the event either: a misspelt entity.
        const names = ['event', ...this.schema.entities.keys()];
        throw new Unsupported(n.path, `the schema has no entity ${JSON.stringify(keys[0])}`, 'name', nearName(keys[0]!, names, keys[1]!));
      }
      if (keys.length !== 1) throw new Unsupported(n.path, `the path ${JSON.stringify(keys.join('.'))} reads inside a field: zhiyu fields are not objects`);
      [entity, field] = ['event', keys[0]!];
    } else {
      if (keys.length !== 2) {
        throw new Unsupported(n.path, keys.length === 1
          ? `the bare name ${JSON.stringify(keys[0])} next to entity paths: write "event.${keys[0]}" (or use bare names only)`
          : `the path ${JSON.stringify(keys.join('.'))} is deeper than entity.field`);
      }
      [entity, field] = [keys[0]!, keys[1]!];
    }
    if (!NAME.test(entity) || !NAME.test(field)) throw new Unsupported(n.path, `${JSON.stringify(`${entity}.${field}`)} is not a zhiyu feature name (letters, digits and _)`);
    const text = `${entity}.${field}`;
    if (this.schema) {
      const info = entity === 'event' ? this.schema.event : this.schema.entities.get(entity);
      if (!info) throw new Unsupported(n.path, `the schema has no entity ${JSON.stringify(entity)}`, 'name', nearName(entity, ['event', ...this.schema.entities.keys()], field));
      const f = info.fields.get(field) ?? (entity === 'event' && field === 'occurred_at' ? { type: { t: 'timestamp' } as Type, required: true } : undefined);
      if (!f) {
        const prefix = this.layout === 'event' ? '' : `${entity}.`;
        const near = nearest(field, [...info.fields.keys(), ...(entity === 'event' ? ['occurred_at'] : [])]);
        throw new Unsupported(n.path, `${entity === 'event' ? 'the event' : `entity ${entity}`} has no field ${JSON.stringify(field)} in the schema`, 'name',
          near ? `did you mean ${JSON.stringify(`${prefix}${near}`)}?` : undefined);
      }
      return fieldOf(text, f.type, entity === 'event' && (f.required || field === 'occurred_at'), n.path);
    }
    const kinds = this.inferred.get(text);
    if (!kinds || kinds.size === 0) throw new Unsupported(n.path, `without a schema, the type of ${text} cannot be told from the rule`);
    if (kinds.size > 1) throw new Unsupported(n.path, `without a schema, ${text} is used as ${[...kinds].join(' and as ')}`);
    return { text, kind: [...kinds][0]!, required: false };
  }

  assumptions(): string[] {
    return [...this.inferred].filter(([, k]) => k.size === 1).map(([f, k]) => `${f}: ${[...k][0]}`).sort();
  }

  /** Without a schema: a field compared with a number is a number, and so on. */
  private infer(n: JlNode): void {
    if (n.kind === 'array') n.items.forEach((x) => this.infer(x));
    if (n.kind !== 'op') return;
    n.args.forEach((x) => this.infer(x));
    const fieldOfNode = (x: JlNode | undefined): string | undefined => {
      if (x?.kind !== 'op' || x.op !== 'var') return undefined;
      const keys = staticPath(x.args[0]);
      if (!keys || keys.length === 0 || keys.length > 2) return undefined;
      return keys.length === 1 ? (this.layout === 'event' ? `event.${keys[0]}` : undefined) : `${keys[0]}.${keys[1]}`;
    };
    const note = (x: JlNode | undefined, kind: Kind) => {
      const f = fieldOfNode(x);
      if (!f) return;
      let s = this.inferred.get(f);
      if (!s) this.inferred.set(f, (s = new Set()));
      s.add(kind);
    };
    const scalarKind = (x: JlNode | undefined): Kind | undefined => {
      if (x?.kind === 'value' && typeof x.value === 'number') return 'number';
      if (x?.kind === 'value' && typeof x.value === 'string') return 'string';
      if (x?.kind === 'value' && typeof x.value === 'boolean') return 'bool';
      const d = x?.kind === 'op' && x.op === 'var' ? x.args[1] : undefined;
      return d ? scalarKind(d) : undefined;
    };
    const [a, b, c] = n.args;
    switch (n.op) {
      case '==': case '===': case '!=': case '!==': case '<': case '<=': case '>': case '>=': {
        for (const [x, y] of [[a, b], [b, a], [b, c], [c, b]] as const) {
          const k = scalarKind(y) ?? (isArith(y) ? 'number' : undefined);
          if (k) note(x, k);
        }
        break;
      }
      case 'in':
        if (b?.kind === 'array') {
          const kinds = new Set(b.items.map(scalarKind));
          if (kinds.size === 1 && [...kinds][0]) note(a, [...kinds][0]!);
        } else if (b?.kind === 'value' && typeof b.value === 'string') note(a, 'string');
        else if (a?.kind === 'value' && typeof a.value === 'string') note(b, 'string');
        break;
      case '+': case '-': case '*': case '/': case '%': case 'min': case 'max':
        n.args.forEach((x) => note(x, 'number'));
        break;
      case '!': case '!!': note(a, 'bool'); break;
      case 'and': case 'or': n.args.forEach((x) => note(x, 'bool')); break;
      case 'if': n.args.forEach((x, i) => { if (i % 2 === 0 && i < n.args.length - 1) note(x, 'bool'); }); break;
      default: break;
    }
    if (n.op === 'var') {
      const d = scalarKind(b);
      if (d) note(n, d);
    }
  }
}

/** "did you mean "customer.age"?" for a misspelt entity. */
function nearName(entity: string, entities: readonly string[], field: string): string | undefined {
  const near = nearest(entity, entities);
  return near ? `did you mean ${JSON.stringify(`${near}.${field}`)}?` : undefined;
}

function isArith(n: JlNode | undefined): boolean {
  return n?.kind === 'op' && ['+', '-', '*', '/', '%', 'min', 'max'].includes(n.op);
}

function fieldOf(text: string, t: Type, required: boolean, path: string): Field {
  switch (t.t) {
    case 'number': case 'integer': case 'money': case 'duration': case 'timestamp': case 'string': case 'bool':
      return { text, kind: t.t, required };
    case 'enum': return { text, kind: 'enum', members: t.members, required };
    case 'set': {
      const el = t.element.t === 'integer' ? 'integer' : 'string';
      return { text, kind: 'set', element: el, required };
    }
    default: throw new Unsupported(path, `${text} has a type JSON Logic data cannot hold`);
  }
}

// ---------- translation ----------

/** A value, given that every field in it is present: a JSON scalar, NaN, or DSL text of a type. */
type V =
  | { readonly k: 'json'; readonly v: null | boolean | number | string }
  | { readonly k: 'nan' }
  | { readonly k: 'dsl'; readonly text: string; readonly kind: Kind; readonly members?: readonly string[]; readonly element?: Kind; readonly field?: Field };

const NUMERIC: readonly Kind[] = ['number', 'integer', 'money', 'duration', 'timestamp'];
const CMP = ['==', '===', '!=', '!==', '<', '<=', '>', '>='] as const;
type Cmp = (typeof CMP)[number];
const FLIP: Record<Cmp, Cmp> = { '==': '==', '===': '===', '!=': '!=', '!==': '!==', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

class Translator {
  constructor(private readonly rule: string, private readonly fields: Fields) {}

  private no(n: JlNode, reason: string, kind: ProblemKind = 'subset'): never {
    throw new Unsupported(n.path, reason, kind);
  }

  /**
   * DSL text that is true exactly when `n` is truthy. `positive`: it may be
   * missing instead of false (the result only decides whether something fires);
   * otherwise it must be exactly true or false (it is negated or branched on).
   * Fields in `present` are known to be present.
   */
  cond(n: JlNode, present: ReadonlySet<string>, positive: boolean): string {
    if (n.kind === 'value') return String(!!n.value);
    if (n.kind === 'array') return String(n.items.length > 0);
    if (n.kind === 'object') return 'true';
    switch (n.op) {
      case 'and': case 'or': {
        if (n.args.length === 0) return 'false';
        const parts = n.args.map((x) => this.cond(x, present, positive));
        return n.op === 'and' ? andT(parts) : orT(parts);
      }
      case '!': return notT(this.cond(n.args[0] ?? UNDEF, present, false));
      case '!!': return this.cond(n.args[0] ?? UNDEF, present, positive);
      case 'if': {
        const a = n.args;
        if (a.length === 0) return 'false';
        let acc = a.length % 2 === 1 ? this.cond(a[a.length - 1]!, present, positive) : 'false';
        for (let i = a.length % 2 === 1 ? a.length - 3 : a.length - 2; i >= 0; i -= 2) {
          const c = this.cond(a[i]!, present, false);
          acc = orT([andT([c, this.cond(a[i + 1]!, present, positive)]), andT([notT(c), acc])]);
        }
        return acc;
      }
      case 'missing': return this.missing(n);
      case 'var': case 'in': case '==': case '===': case '!=': case '!==': case '<': case '<=': case '>': case '>=':
        return this.split(n, present, positive);
      default:
        return this.no(n, reasonFor(n));
    }
  }

  /** An atom with fields that may be missing: one case per field, present or null. */
  private split(n: JlNode, present: ReadonlySet<string>, positive: boolean): string {
    if (n.kind !== 'op') return this.cond(n, present, positive); // a var replaced by null
    const rest = this.maybeMissing(n).filter((x) => !present.has(x.text));
    const f = rest[0];
    if (!f) return this.atom(n);
    const withIt = this.split(n, new Set([...present, f.text]), positive);
    const without = this.split(substitute(n, f.text, this.fields), present, false);
    // When f is the last field split on, `withIt` is an atom; an atom that reads f is missing
    // when f is (atoms pass missing through), so where only "true" matters the guard adds
    // nothing. (After further splits, or when the atom folded to a constant, it is needed.)
    const presentCase = positive && rest.length === 1 && reads(withIt, f.text) ? withIt : andT([`${f.text} is not missing`, withIt]);
    return orT([presentCase, andT([`${f.text} is missing`, without])]);
  }

  /** Fields read without a default that may be missing, in the order they appear. */
  private maybeMissing(n: JlNode): Field[] {
    const out: Field[] = [];
    const visit = (x: JlNode) => {
      if (x.kind === 'op' && x.op === 'var') {
        if (x.args.length < 2) {
          const f = this.fields.resolve(x);
          if (!f.required && !out.some((o) => o.text === f.text)) out.push(f);
        }
        return;
      }
      if (x.kind === 'op') x.args.forEach(visit);
      if (x.kind === 'array') x.items.forEach(visit);
    };
    visit(n);
    if (out.length > 3) this.no(n, `${out.length} fields that may be missing in one comparison: the translation would need ${2 ** out.length} cases`);
    return out;
  }

  /** An atom whose fields are all present (or replaced by null). Exactly true or false. */
  private atom(n: OpNode): string {
    if (n.op === 'var') return this.truthy(this.value(n), n);
    if (n.op === 'in') return this.in(n);
    const op = n.op as Cmp;
    const args = n.args;
    if (args.length >= 3 && (op === '<' || op === '<=')) {
      // json-logic-js's between: (a < b) && (b < c).
      return andT([this.compare(op, this.value(args[0]!), this.value(args[1]!), n), this.compare(op, this.value(args[1]!), this.value(args[2]!), n)]);
    }
    return this.compare(op, args[0] ? this.value(args[0]) : { k: 'json', v: null }, args[1] ? this.value(args[1]) : UNDEFINED_VALUE(n), n);
  }

  private truthy(v: V, n: JlNode): string {
    if (v.k === 'json') return String(!!v.v);
    if (v.k === 'nan') return 'false';
    switch (v.kind) {
      case 'bool': return v.text;
      case 'string': return `${v.text} != ""`;
      case 'enum': return 'true'; // members are names, never ""
      case 'set': return `len(${v.text}) > 0`;
      default: return `${v.text} != ${numberIn(0, v.kind) ?? this.no(n, 'zero in this unit')}`;
    }
  }

  // ---------- values ----------

  private value(n: JlNode): V {
    if (n.kind === 'value') return { k: 'json', v: n.value === undefined ? null : n.value };
    if (n.kind !== 'op') return this.no(n, `${n.kind === 'array' ? 'an array' : 'an object'} as a value: zhiyu compares scalars`);
    if (n.op === 'var') return this.field(n);
    if (['+', '-', '*', '/', '%', 'min', 'max'].includes(n.op)) return this.arith(n);
    return this.no(n, reasonFor(n));
  }

  private field(n: OpNode): V {
    const f = this.fields.resolve(n);
    const base: V = { k: 'dsl', text: f.text, kind: f.kind, ...(f.members ? { members: f.members } : {}), ...(f.element ? { element: f.element } : {}), field: f };
    const d = n.args[1];
    if (!d || (d.kind === 'value' && d.value === null)) return base;
    // json-logic-js returns the default for an absent field; zhiyu cannot tell absent from null (see spec/JSONLOGIC.md).
    if (d.kind !== 'value') return this.no(d, 'a var default that is not a literal');
    const lit = this.literalAs(d.value as string | number | boolean, base, d);
    if (lit === undefined) return this.no(d, `the default ${JSON.stringify(d.value)} is not a value of ${f.text}'s type (${f.kind})`, 'type');
    return { ...base, text: `(${f.text} ?? ${lit})`, field: undefined };
  }

  /** A JSON literal written as a value of `like`'s type, or undefined when it is not one. */
  private literalAs(v: null | boolean | number | string | undefined, like: Extract<V, { k: 'dsl' }>, n: JlNode): string | undefined {
    if (typeof v === 'number' && NUMERIC.includes(like.kind)) return numberIn(v, like.kind);
    if (typeof v === 'string' && like.kind === 'string') return dslString(v);
    if (typeof v === 'string' && like.kind === 'enum') return like.members?.includes(v) ? dslString(v) : undefined;
    if (typeof v === 'boolean' && like.kind === 'bool') return String(v);
    void n;
    return undefined;
  }

  /** Arithmetic with json-logic-js's conversions: `+` and `*` parseFloat, the others ToNumber. */
  private arith(n: OpNode): V {
    const op = n.op;
    const args = n.args.map((x) => this.value(x));
    if (args.every((a) => a.k === 'json')) return constant(n);
    if (op === '*' && args.length === 1) return args[0]!; // returned unconverted
    const conv = (a: V): V => {
      if (a.k !== 'json') return a;
      const x = op === '+' || op === '*' ? parseFloat(a.v as string) : Number(a.v);
      return Number.isNaN(x) ? { k: 'nan' } : { k: 'json', v: x };
    };
    const vs = args.map(conv);
    if (vs.some((a) => a.k === 'nan')) return { k: 'nan' };
    for (const a of vs) if (a.k === 'dsl' && !NUMERIC.includes(a.kind)) this.no(n, `arithmetic on ${a.text}, a ${a.kind}: json-logic-js converts it to a number while running`, 'type');
    if (op === '-' && vs.length === 1) {
      const a = vs[0] as Extract<V, { k: 'dsl' }>;
      if (a.kind === 'timestamp') this.no(n, 'the negation of a timestamp');
      return { ...a, text: `(-${a.text})`, field: undefined };
    }
    if (vs.length < 2) return this.no(n, `${op} with ${vs.length} argument(s)`);
    if ((op === 'min' || op === 'max') && vs.length !== 2) return this.no(n, `${op} of ${vs.length} values: zhiyu's ${op}() takes two`);
    if (op !== '+' && op !== '*' && op !== 'min' && op !== 'max' && vs.length > 2) return this.no(n, `${op} reads two arguments; the others would be left out`);
    let acc = vs[0]!;
    for (const b of vs.slice(1)) acc = this.binary(op, acc, b, n);
    return acc;
  }

  private binary(op: string, a: V, b: V, n: OpNode): V {
    if (a.k === 'json' && b.k === 'json') return constant({ kind: 'op', op: op as never, name: op, args: [{ kind: 'value', value: a.v, path: '' }, { kind: 'value', value: b.v, path: '' }], path: n.path });
    const [x, y] = [a as Extract<V, { k: 'dsl' } | { k: 'json' }>, b as Extract<V, { k: 'dsl' } | { k: 'json' }>];
    if ((op === '/' || op === '%') && !(y.k === 'json' && y.v !== 0)) {
      return this.no(n, `${op === '/' ? 'division' : 'remainder'} by ${y.k === 'json' ? 'zero' : 'a value that may be zero'}: json-logic-js gives Infinity or NaN, zhiyu gives missing`);
    }
    if (op === 'min' || op === 'max') {
      const kind = x.k === 'dsl' ? x.kind : (y as Extract<V, { k: 'dsl' }>).kind;
      const t = (v: typeof x) => (v.k === 'dsl' ? v.text : numberIn(v.v as number, kind) ?? this.no(n, 'a literal this unit cannot write'));
      if (x.k === 'dsl' && y.k === 'dsl' && !sameUnit(x.kind, y.kind)) this.no(n, `${op} of ${x.kind} and ${y.kind}`, 'type');
      return { k: 'dsl', text: `${op}(${t(x)}, ${t(y)})`, kind: kind === 'integer' && (x.k === 'json' ? Number.isInteger(x.v) : true) && (y.k === 'json' ? Number.isInteger(y.v) : true) ? 'integer' : kind === 'integer' ? 'number' : kind };
    }
    const result = resultKind(op, x.k === 'dsl' ? x.kind : undefined, y.k === 'dsl' ? y.kind : undefined, x.k === 'json' ? (x.v as number) : y.k === 'json' ? (y.v as number) : undefined);
    if (!result) return this.no(n, `${op} of ${x.k === 'dsl' ? x.kind : 'a number'} and ${y.k === 'dsl' ? y.kind : 'a number'} has no zhiyu type`, 'type');
    // A literal next to a unit takes the unit for + and - (money + 100 → + 100fen), stays a plain number for * / %.
    const lit = (v: { v: unknown }, other: Kind) => {
      const unit = op === '+' || op === '-' ? (other === 'timestamp' ? 'duration' : other) : 'number';
      return numberIn(v.v as number, unit) ?? this.no(n, `${v.v} cannot be written as ${unit}`);
    };
    const tx = x.k === 'dsl' ? x.text : lit(x, (y as Extract<V, { k: 'dsl' }>).kind);
    const ty = y.k === 'dsl' ? y.text : lit(y, (x as Extract<V, { k: 'dsl' }>).kind);
    return { k: 'dsl', text: `(${tx} ${op} ${ty})`, kind: result };
  }

  // ---------- comparisons ----------

  private compare(op: Cmp, a: V, b: V, n: OpNode): string {
    if (a.k === 'json' && b.k === 'json') return String(jsCompare(op, a.v, b.v));
    if (a.k === 'nan' || b.k === 'nan') return String(op === '!=' || op === '!==');
    if (a.k === 'json') return this.compare(FLIP[op], b, a, n);
    if (b.k === 'json') return this.withLiteral(op, a as Extract<V, { k: 'dsl' }>, b.v, n);
    return this.twoFields(op, a as Extract<V, { k: 'dsl' }>, b as Extract<V, { k: 'dsl' }>, n);
  }

  /** A value compared with a literal: JavaScript's conversions happen here, on the literal. */
  private withLiteral(op: Cmp, a: Extract<V, { k: 'dsl' }>, lit: null | boolean | number | string, n: OpNode): string {
    const strict = op === '===' || op === '!==';
    const eq = op === '==' || op === '===' ? '==' : op === '!=' || op === '!==' ? '!=' : op;
    if (a.kind === 'enum' || a.kind === 'bool') {
      // Finitely many values: ask JavaScript about each.
      const all: readonly (string | boolean)[] = a.kind === 'bool' ? [true, false] : a.members!;
      const yes = all.filter((m) => jsCompare(op, m, lit));
      if (yes.length === 0) return 'false';
      if (yes.length === all.length) return 'true';
      if (a.kind === 'bool') return `${a.text} == ${yes[0]}`;
      return yes.length === 1 ? `${a.text} == ${dslString(yes[0] as string)}` : `${a.text} in [${yes.map((m) => dslString(m as string)).join(', ')}]`;
    }
    if (a.kind === 'set') return this.no(n, `${a.text}, a set, compared with ${JSON.stringify(lit)}: json-logic-js converts the array to a string`, 'type');
    if (NUMERIC.includes(a.kind)) {
      let x: number;
      if (strict) {
        if (typeof lit !== 'number') return String(op === '!==');
        x = lit;
      } else if (lit === null && (op === '==' || op === '!=')) {
        return String(op === '!='); // a number is never == null
      } else {
        x = Number(lit); // == and the orderings convert the literal with ToNumber
        if (Number.isNaN(x)) return String(op === '!=');
      }
      return this.numeric(eq, a, x, n);
    }
    // a string
    if (typeof lit === 'string') return `${a.text} ${eq} ${dslString(lit)}`;
    if (strict) return String(op === '!==');
    if (lit === null && (op === '==' || op === '!=')) return String(op === '!=');
    return this.no(n, `${a.text}, a string, compared with ${JSON.stringify(lit)}: json-logic-js converts the string to a number while running`, 'type');
  }

  /** `a op x` for a numeric value and a number, in a's unit, or as a plain number when the unit cannot write x. */
  private numeric(op: string, a: Extract<V, { k: 'dsl' }>, x: number, n: OpNode): string {
    const lit = numberIn(x, a.kind);
    if (lit !== undefined) return `${a.text} ${op} ${lit}`;
    const plain = a.kind === 'money' ? `(${a.text} / 1fen)` : a.kind === 'duration' ? `(${a.text} / 1ms)` : a.kind === 'timestamp' ? `((${a.text} - @1970-01-01T00:00:00.000Z) / 1ms)` : undefined;
    if (!plain) return this.no(n, `${x} cannot be written in zhiyu`);
    return `${plain} ${op} ${numberIn(x, 'number')}`;
  }

  private twoFields(op: Cmp, a: Extract<V, { k: 'dsl' }>, b: Extract<V, { k: 'dsl' }>, n: OpNode): string {
    const eq = op === '==' || op === '===' ? '==' : op === '!=' || op === '!==' ? '!=' : op;
    const ordered = eq !== '==' && eq !== '!=';
    if (NUMERIC.includes(a.kind) && NUMERIC.includes(b.kind)) {
      if (!sameUnit(a.kind, b.kind)) return this.no(n, `${a.text} (${a.kind}) compared with ${b.text} (${b.kind})`, 'type');
      return `${a.text} ${eq} ${b.text}`;
    }
    const textual = (k: Kind) => k === 'string' || k === 'enum';
    if (textual(a.kind) && textual(b.kind) && !(ordered && (a.kind === 'enum' || b.kind === 'enum'))) return `${a.text} ${eq} ${b.text}`;
    if (a.kind === 'bool' && b.kind === 'bool' && !ordered) return `${a.text} ${eq} ${b.text}`;
    return this.no(n, `${a.text} (${a.kind}) ${op} ${b.text} (${b.kind}): json-logic-js converts one of them while running`, 'type');
  }

  // ---------- in, missing ----------

  private in(n: OpNode): string {
    const [x, set] = n.args;
    if (!x || !set) return this.no(n, '`in` with fewer than two arguments');
    if (set.kind === 'array') {
      if (!set.items.every((i) => i.kind === 'value')) return this.no(set, 'a list with computed members');
      const members = set.items.map((i) => (i as { value: null | boolean | number | string }).value);
      const v = this.value(x);
      if (v.k === 'json') return String(members.includes(v.v));
      if (v.k === 'nan') return 'false';
      // indexOf is ===: only members of the value's own JavaScript type can match.
      if (v.kind === 'enum' || v.kind === 'bool') return orT(members.map((m) => this.withLiteral('===', v, m, n)));
      if (v.kind === 'set') return 'false'; // an array is never === a scalar
      const same = members.filter((m) => (NUMERIC.includes(v.kind) ? typeof m === 'number' : typeof m === 'string'));
      if (same.length === 0) return 'false';
      if (NUMERIC.includes(v.kind)) {
        const lits = same.map((m) => numberIn(m as number, v.kind));
        if (lits.some((l) => l === undefined)) return orT(same.map((m) => this.numeric('==', v, m as number, n)));
        return `${v.text} in [${lits.join(', ')}]`;
      }
      return `${v.text} in [${same.map((m) => dslString(m as string)).join(', ')}]`;
    }
    if (set.kind === 'value' && typeof set.value === 'string') {
      // "text".indexOf(x): a substring; json-logic-js finds nothing in "".
      const s = set.value;
      const v = this.value(x);
      if (v.k === 'json') return String(s !== '' && s.indexOf(String(v.v)) !== -1);
      if (v.k === 'nan') return String(s.indexOf('NaN') !== -1);
      if (s === '') return 'false';
      if (v.kind === 'string') return `contains(${dslString(s)}, ${v.text})`;
      if (v.kind === 'enum' || v.kind === 'bool') {
        const all: readonly (string | boolean)[] = v.kind === 'bool' ? [true, false] : v.members!;
        return orT(all.filter((m) => s.indexOf(String(m)) !== -1).map((m) => (v.kind === 'bool' ? `${v.text} == ${m}` : `${v.text} == ${dslString(m as string)}`)));
      }
      return this.no(n, `${v.text}, a ${v.kind}, searched for as text: json-logic-js converts it to a string while running`, 'type');
    }
    if (set.kind === 'value') return 'false'; // no indexOf on null, numbers, booleans
    const container = this.value(set);
    if (container.k === 'json') return 'false';
    if (container.k === 'nan') return 'false';
    const needle = this.value(x);
    if (container.kind === 'set') {
      if (needle.k === 'json') {
        const ok = container.element === 'integer' ? typeof needle.v === 'number' && Number.isInteger(needle.v) : typeof needle.v === 'string';
        return ok ? `${container.element === 'integer' ? String(needle.v) : dslString(needle.v as string)} in ${container.text}` : 'false';
      }
      if (needle.k === 'nan') return 'false';
      const fits = container.element === 'integer' ? needle.kind === 'integer' : needle.kind === 'string' || needle.kind === 'enum';
      if (!fits) return this.no(n, `${needle.text} (${needle.kind}) searched for in ${container.text}, a set of ${container.element}`, 'type');
      return `${needle.text} in ${container.text}`;
    }
    if (container.kind === 'string') {
      // field.indexOf(x): a substring of the field, never in "".
      if (needle.k === 'json') return andT([`${container.text} != ""`, `contains(${container.text}, ${dslString(String(needle.v))})`]);
      if (needle.k === 'dsl' && (needle.kind === 'string' || needle.kind === 'enum')) return andT([`${container.text} != ""`, `contains(${container.text}, ${needle.text})`]);
      return this.no(n, `${needle.k === 'dsl' ? needle.text : 'NaN'} searched for in the text ${container.text}: json-logic-js converts it to a string while running`, 'type');
    }
    if (container.kind === 'enum') {
      if (needle.k !== 'json') return this.no(n, `a value searched for in the text of ${container.text}`, 'type');
      const hits = container.members!.filter((m) => m.indexOf(String(needle.v)) !== -1);
      return hits.length ? `${container.text} in [${hits.map(dslString).join(', ')}]` : 'false';
    }
    return 'false'; // numbers and booleans have no indexOf
  }

  /** `missing` as a condition: some key's value is null (missing) or "". */
  private missing(n: OpNode): string {
    const first = n.args[0];
    const keys = first?.kind === 'array' ? first.items : n.args;
    if (!keys.every((k) => k.kind === 'value' && (typeof k.value === 'string' || typeof k.value === 'number'))) {
      return this.no(n, '`missing` with keys computed while running');
    }
    return orT(keys.map((k) => {
      const f = this.fields.resolve({ kind: 'op', op: 'var', name: 'var', args: [k], path: k.path });
      if (f.kind === 'string') return `(${f.text} ?? "") == ""`;
      return f.required ? 'false' : `${f.text} is missing`;
    }));
  }
}

const UNDEF: JlNode = { kind: 'value', value: undefined, path: '' };
/** An argument left out of a comparison: undefined, which == null but is not null. */
const UNDEFINED_VALUE = (n: JlNode): V => { throw new Unsupported(n.path, 'a comparison with one argument (compares with undefined)'); };

function reasonFor(n: OpNode): string {
  switch (n.op) {
    case 'map': case 'filter': case 'reduce': case 'all': case 'some': case 'none':
      return `${n.name} iterates over an array: zhiyu rules have no loops (aggregates over history are the nearest thing)`;
    case 'cat': case 'substr': return `${n.name} builds text: zhiyu has no string concatenation or substring`;
    case 'merge': return 'merge builds arrays: zhiyu lists are written in the rule';
    case 'missing_some': return 'missing_some counts present fields: write the cases with `is missing`';
    case 'log': return 'log prints: zhiyu rules have no side effects';
    case 'if': return '`if` as a value: zhiyu has no conditional expression (only as a condition)';
    default: return `${n.name} in this position has no zhiyu translation`;
  }
}

/** Replaces every default-less var of `field` by null: what json-logic-js reads when it is missing. */
function substitute(n: JlNode, field: string, fields: Fields): JlNode {
  if (n.kind === 'array') return { ...n, items: n.items.map((x) => substitute(x, field, fields)) };
  if (n.kind !== 'op') return n;
  if (n.op === 'var' && n.args.length < 2) {
    try {
      if (fields.resolve(n).text === field) return { kind: 'value', value: null, path: n.path };
    } catch {
      return n;
    }
    return n;
  }
  return { ...n, args: n.args.map((x) => substitute(x, field, fields)) };
}

/** A sub-rule of literals only, evaluated as json-logic-js would (by zhiyu's compiled JSON Logic). */
function constant(n: JlNode): V {
  const v = compileJsonLogic(toJson(n)).apply(null);
  if (typeof v === 'number') return Number.isNaN(v) ? { k: 'nan' } : Number.isFinite(v) ? { k: 'json', v } : (() => { throw new Unsupported(n.path, 'an infinite number'); })();
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return { k: 'json', v };
  throw new Unsupported(n.path, 'a constant that is not a scalar');
}

function toJson(n: JlNode): unknown {
  if (n.kind === 'value') return n.value === undefined ? null : n.value;
  if (n.kind === 'object') return n.value;
  if (n.kind === 'array') return n.items.map(toJson);
  return { [n.name]: n.args.map(toJson) };
}

function jsCompare(op: Cmp, a: unknown, b: unknown): boolean {
  return compileJsonLogic({ [op]: [a, b] }).apply(null) as boolean;
}

function sameUnit(a: Kind, b: Kind): boolean {
  const num = (k: Kind) => k === 'number' || k === 'integer';
  return a === b || (num(a) && num(b));
}

/** The type of `a op b` in zhiyu (a literal `lit` standing for a missing side), or undefined. */
function resultKind(op: string, a: Kind | undefined, b: Kind | undefined, lit: number | undefined): Kind | undefined {
  const x = a ?? (b === 'timestamp' && op === '+' ? 'duration' : (op === '+' || op === '-') && b && b !== 'number' && b !== 'integer' ? b : Number.isInteger(lit) ? 'integer' : 'number');
  const y = b ?? (a === 'timestamp' ? 'duration' : (op === '+' || op === '-') && a && a !== 'number' && a !== 'integer' ? a : Number.isInteger(lit) ? 'integer' : 'number');
  const num = (k: Kind) => k === 'number' || k === 'integer';
  if (num(x) && num(y)) return op === '/' || x === 'number' || y === 'number' ? 'number' : 'integer';
  if (op === '+' || op === '-') {
    if (x === y && (x === 'money' || x === 'duration')) return x;
    if (x === 'timestamp' && y === 'duration') return 'timestamp';
    if (op === '+' && x === 'duration' && y === 'timestamp') return 'timestamp';
    if (op === '-' && x === 'timestamp' && y === 'timestamp') return 'duration';
    return undefined;
  }
  if (op === '*') {
    if ((x === 'money' || x === 'duration') && num(y)) return x;
    if (num(x) && (y === 'money' || y === 'duration')) return y;
    return undefined;
  }
  if (op === '/') {
    if ((x === 'money' || x === 'duration') && num(y)) return x;
    if (x === y && (x === 'money' || x === 'duration')) return 'number';
  }
  return undefined;
}

/** A number written as a zhiyu literal of a kind, or undefined when that kind cannot write it exactly. */
function numberIn(x: number, kind: Kind): string | undefined {
  if (!Number.isFinite(x)) return undefined;
  const plain = (v: number) => (Number.isInteger(v) && Math.abs(v) > Number.MAX_SAFE_INTEGER ? v.toExponential() : String(v));
  switch (kind) {
    case 'number': return plain(x);
    case 'integer': return plain(x);
    case 'money': return Number.isSafeInteger(x) ? `${x}fen` : undefined;
    case 'duration': return Number.isSafeInteger(x) ? `${x}ms` : undefined;
    case 'timestamp': {
      if (!Number.isSafeInteger(x) || Math.abs(x) > 8.64e15) return undefined;
      const iso = new Date(x).toISOString();
      return /^\d{4}-/.test(iso) ? `@${iso}` : undefined;
    }
    default: return undefined;
  }
}

/** A zhiyu string literal: double quotes, the escapes the language knows, \u for other control characters. */
export function dslString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f || c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Whether DSL text reads a feature (outside string literals). */
function reads(text: string, feature: string): boolean {
  const code = text.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return new RegExp(`(^|[^A-Za-z0-9_.])${feature.replace('.', '\\.')}(?![A-Za-z0-9_])`).test(code);
}

/** `f is missing` and `f is not missing` side by side: one of them holds. */
function complementary(xs: readonly string[]): boolean {
  return xs.some((x) => x.endsWith(' is missing') && xs.includes(x.replace(/ is missing$/, ' is not missing')));
}

function andT(xs: readonly string[]): string {
  if (xs.includes('false') || complementary(xs)) return 'false';
  const kept = xs.filter((x) => x !== 'true');
  return kept.length === 0 ? 'true' : kept.length === 1 ? kept[0]! : `(${kept.join(' and ')})`;
}
function orT(xs: readonly string[]): string {
  if (xs.includes('true') || complementary(xs)) return 'true';
  const kept = xs.filter((x) => x !== 'false');
  return kept.length === 0 ? 'false' : kept.length === 1 ? kept[0]! : `(${kept.join(' or ')})`;
}
function notT(x: string): string {
  return x === 'true' ? 'false' : x === 'false' ? 'true' : `not ${wrapped(x) ? x : `(${x})`}`;
}

/** Whether the whole text is one parenthesized group. */
function wrapped(x: string): boolean {
  if (!x.startsWith('(')) return false;
  let depth = 0;
  let quote = false;
  for (let i = 0; i < x.length; i++) {
    const ch = x[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === '"') quote = false;
      continue;
    }
    if (ch === '"') { quote = true; continue; }
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i === x.length - 1;
  }
  return false;
}

/** A top-level `and` is written one operand per line. */
function layout(text: string): string {
  if (!text.startsWith('(') || !text.endsWith(')')) return text;
  const inner = text.slice(1, -1);
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let quote = false;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === '"') quote = false;
      continue;
    }
    if (ch === '"') { quote = true; continue; }
    if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (depth === 0 && inner.startsWith(' and ', i)) { parts.push(inner.slice(start, i)); start = i + 5; }
    else if (depth === 0 && inner.startsWith(' or ', i)) return text; // a top-level or: leave it
  }
  parts.push(inner.slice(start));
  return parts.length > 1 ? parts.join('\n  and ') : text;
}

/** A predicate name from a rule name: a zhiyu identifier, not a keyword, not used yet. */
function identifier(name: string, used: Set<string>): string {
  let id = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(id)) id = `jl_${id}`;
  if (KEYWORD_WORDS.includes(id)) id = `jl_${id}`;
  let out = id;
  for (let i = 2; used.has(out); i++) out = `${id}_${i}`;
  used.add(out);
  return out;
}
