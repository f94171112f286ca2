// A zhiyu pack translated into json-rules-engine 7 rules, for the benchmark:
// what the same decisions cost in the rules engine a Node team would most
// likely pick instead. The translation starts from the checked pack (the
// rules as written, predicates not inlined) and is exact on events and rows
// as the bench generates them (plain JSON: `null` or an absent key is
// missing, timestamps in epoch milliseconds).
//
// How the language maps onto json-rules-engine:
//   - Facts: two runtime facts per decision, `event` (the event object as it
//     arrived) and `customer`-like entity rows (the row, or undefined); a
//     field is `{ fact: 'event', path: 'amount' }`. The engine is given a
//     `pathResolver` that reads the property, instead of its default JSONPath
//     query, which would only make it slower.
//   - Missing values: a zhiyu condition is true, false or missing, and a rule
//     fires only when it is true. As in the JSON Logic exporter, each
//     condition is translated twice, "is true" and "is false", into plain
//     all/any trees, with presence guards where an operand may be missing, so
//     that `not` stays exact without json-rules-engine's two-valued `not`.
//   - Predicates become named conditions (`setCondition`), one per polarity
//     used: `moving_money:T`, `moving_money:F`.
//   - Arithmetic and function calls have no json-rules-engine form; each
//     distinct one becomes a dynamic fact (`addFact`), computed once per run
//     (the almanac caches it) by zhiyu's own expression evaluator
//     (compiler/evaluate.ts), so division by zero and the like stay missing.
//   - Custom operators, where json-rules-engine has none: `present` and
//     `missing` (the value is or is not null/undefined) and `startsWith`.
// Rules fire as json-rules-engine events `{ type: ruleId, params: { index } }`.
import jre from 'json-rules-engine';
import type { Engine as EngineType, NestedCondition, TopLevelCondition } from 'json-rules-engine';
import { evaluate, type Env } from '../compiler/evaluate.ts';
import type { CheckedPack, IR, Value } from '../compiler/ir.ts';
import { printIR } from '../compiler/print.ts';

const { Engine } = jre;

/** A translated condition; `true`/`false` are folded away before they reach the engine. */
type Cond = boolean | NestedCondition;
type Ref = { readonly fact: string; readonly path?: string } | { readonly lit: Value };

const NUMERIC = new Set(['integer', 'money', 'number', 'duration', 'timestamp']);
const NEGATED = { '==': '!=', '!=': '==', '<': '>=', '<=': '>', '>': '<=', '>=': '<' } as const;
const MIRRORED = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as const;
const OPERATOR = { '==': 'equal', '!=': 'notEqual', '<': 'lessThan', '<=': 'lessThanInclusive', '>': 'greaterThan', '>=': 'greaterThanInclusive' } as const;
const TIME_FIELD = 'occurred_at';

export class Untranslatable extends Error {}

export interface RulesEngineBuild {
  readonly engine: EngineType;
  /** Decides one event: awaits `engine.run`, returns fired rule indices (ascending) and the score. */
  decide(event: object, rows: Readonly<Record<string, object | undefined>>): Promise<{ fired: number[]; score: number }>;
  readonly stats: { readonly rules: number; readonly namedConditions: number; readonly dynamicFacts: number; readonly leaves: number };
}

export function buildRulesEngine(pack: CheckedPack): RulesEngineBuild {
  const t = new Translator(pack);
  const engine = new Engine([], {
    allowUndefinedFacts: true,
    pathResolver: (o: unknown, path: string) => (o as Record<string, unknown>)[path],
  });
  engine.addOperator('present', (a: unknown) => a !== undefined && a !== null);
  engine.addOperator('missing', (a: unknown) => a === undefined || a === null);
  engine.addOperator('startsWith', (a: unknown, b: unknown) => typeof a === 'string' && a.startsWith(b as string));
  let leaves = 0;
  for (const r of pack.rules) {
    if (!r.enabled) continue;
    const guards: Cond[] = [];
    if (r.effectiveFrom !== undefined) guards.push(leaf({ fact: 'event', path: TIME_FIELD }, 'greaterThanInclusive', r.effectiveFrom));
    if (r.effectiveUntil !== undefined) guards.push(leaf({ fact: 'event', path: TIME_FIELD }, 'lessThan', r.effectiveUntil));
    const cond = all([...guards, t.tru(r.condition)]);
    leaves += countLeaves(cond);
    engine.addRule({ name: r.id, conditions: top(cond, r.id), event: { type: r.id, params: { index: r.index } } });
  }
  // Named conditions are added after the rules that found them; a predicate's
  // body may itself refer to other predicates, so keep going until none is new.
  const done = new Set<string>();
  for (let pending = [...t.conditions]; pending.length; pending = [...t.conditions].filter((c) => !done.has(c))) {
    for (const name of pending) {
      done.add(name);
      const [pred, polarity] = name.split(':') as [string, 'T' | 'F'];
      const body = pack.predicates.get(pred)!.body;
      const cond = polarity === 'T' ? t.tru(body) : t.fal(body);
      leaves += countLeaves(cond);
      engine.setCondition(name, top(cond, name));
    }
  }
  for (const [id, expr] of t.derived) {
    engine.addFact(id, (_params, almanac) =>
      Promise.all([almanac.factValue('event'), ...t.entities.map((n) => almanac.factValue(n))]).then(([ev, ...rows]) =>
        nullToUndefined(evaluate(expr, envFor(pack, ev as Record<string, unknown>, t.entities, rows as (Record<string, unknown> | undefined)[])))));
  }
  const scores = pack.rules.map((r) => r.score);
  return {
    engine,
    async decide(event, rows) {
      const { events } = await engine.run({ event, ...rows });
      const fired = events.map((e) => (e.params as { index: number }).index).sort((a, b) => a - b);
      let score = 0;
      for (const i of fired) score += scores[i]!;
      return { fired, score };
    },
    stats: { rules: pack.rules.filter((r) => r.enabled).length, namedConditions: done.size, dynamicFacts: t.derived.size, leaves },
  };
}

const nullToUndefined = (v: Value | null): Value => (v === null ? undefined : v);

/** The environment a dynamic fact's expression is evaluated in: the raw objects, `null` as missing. */
function envFor(pack: CheckedPack, ev: Record<string, unknown>, entities: readonly string[], rows: readonly (Record<string, unknown> | undefined)[]): Env {
  const env: Env = {
    now: ev[TIME_FIELD] as number,
    field(entity, field) {
      const o = entity === 'event' ? ev : rows[entities.indexOf(entity)];
      return (o?.[field] ?? undefined) as Value;
    },
    hfield: () => { throw new Untranslatable('history fields'); },
    agg: () => { throw new Untranslatable('aggregates'); },
    pred: (name) => evaluate(pack.predicates.get(name)!.body, env),
    listHas: () => { throw new Untranslatable('external lists'); },
  };
  return env;
}

function leaf(ref: { fact: string; path?: string }, operator: string, value: unknown): NestedCondition {
  return { fact: ref.fact, ...(ref.path !== undefined ? { path: ref.path } : {}), operator, value } as NestedCondition;
}

function all(xs: readonly Cond[]): Cond {
  const flat: NestedCondition[] = [];
  for (const x of xs) {
    if (x === true) continue;
    if (x === false) return false;
    if ('all' in x && Object.keys(x).length === 1) flat.push(...(x as { all: NestedCondition[] }).all);
    else flat.push(x);
  }
  return flat.length === 0 ? true : flat.length === 1 ? flat[0]! : { all: flat };
}

function any(xs: readonly Cond[]): Cond {
  const flat: NestedCondition[] = [];
  for (const x of xs) {
    if (x === false) continue;
    if (x === true) return true;
    if ('any' in x && Object.keys(x).length === 1) flat.push(...(x as { any: NestedCondition[] }).any);
    else flat.push(x);
  }
  return flat.length === 0 ? false : flat.length === 1 ? flat[0]! : { any: flat };
}

/** json-rules-engine wants all/any/not/condition at the top. */
function top(c: Cond, what: string): TopLevelCondition {
  // `{ all: [] }` is true in json-rules-engine, and so is `{ any: [] }`: there is no false.
  if (c === false) throw new Untranslatable(`${what} can never be true`);
  if (c === true) return { all: [] };
  return 'all' in c || 'any' in c || 'not' in c || 'condition' in c ? (c as TopLevelCondition) : { all: [c] };
}

function countLeaves(c: Cond): number {
  if (typeof c === 'boolean') return 0;
  if ('all' in c) return (c.all as Cond[]).reduce((s: number, x) => s + countLeaves(x), 0);
  if ('any' in c) return (c.any as Cond[]).reduce((s: number, x) => s + countLeaves(x), 0);
  if ('not' in c) return countLeaves(c.not as Cond);
  return 1;
}

class Translator {
  /** Named conditions referred to: `pred:T` / `pred:F`. */
  readonly conditions = new Set<string>();
  /** Dynamic fact id → the expression it computes. */
  readonly derived = new Map<string, IR>();
  private readonly derivedIds = new Map<string, string>();
  readonly entities: readonly string[];

  constructor(private readonly pack: CheckedPack) {
    this.entities = [...pack.schema.entities.keys()];
  }

  tru(e: IR): Cond { return this.test(e, true); }
  fal(e: IR): Cond { return this.test(e, false); }

  private ref(e: IR): Ref {
    switch (e.k) {
      case 'lit': return { lit: e.value };
      case 'now': return { fact: 'event', path: TIME_FIELD };
      case 'field': return { fact: e.entity, path: e.field };
      case 'agg': case 'hfield': throw new Untranslatable(`${printIR(e)}: aggregates need a feature store`);
      default: {
        const key = printIR(e);
        let id = this.derivedIds.get(key);
        if (!id) {
          id = `x${this.derivedIds.size}:${key}`;
          this.derivedIds.set(key, id);
          this.derived.set(id, e);
        }
        return { fact: id };
      }
    }
  }

  /** Conditions, all true exactly when `e` is not missing. */
  private present(e: IR): Cond {
    const r = this.ref(e);
    if ('lit' in r) return r.lit !== undefined;
    if (e.k === 'now') return true;
    if (e.k === 'field' && e.entity === 'event' && this.pack.schema.event.fields.get(e.field)?.required) return true;
    return leaf(r, 'present', true);
  }

  private test(e: IR, want: boolean): Cond {
    switch (e.k) {
      case 'lit': return e.value === want;
      case 'not': return this.test(e.x, !want);
      case 'and': case 'or': {
        const parts = e.xs.map((x) => this.test(x, want));
        return (e.k === 'and') === want ? all(parts) : any(parts);
      }
      case 'isMissing': {
        const r = this.ref(e.x);
        const missing = want !== e.negated;
        if ('lit' in r) return (r.lit === undefined) === missing;
        return leaf(r, missing ? 'missing' : 'present', true);
      }
      case 'cmp': return this.cmp(e.op, e.l, e.r, want);
      case 'between': {
        // `x between lo and hi` is `x >= lo and x <= hi` in three-valued logic.
        return want
          ? all([this.cmp('>=', e.x, e.lo, true), this.cmp('<=', e.x, e.hi, true)])
          : any([this.cmp('>=', e.x, e.lo, false), this.cmp('<=', e.x, e.hi, false)]);
      }
      case 'in': return this.in(e, want);
      case 'pred': {
        const name = `${e.name}:${want ? 'T' : 'F'}`;
        this.conditions.add(name);
        return { condition: name } as NestedCondition;
      }
      case 'call':
        if (e.fn === 'starts_with' && e.args[1]!.k === 'lit' && typeof e.args[1]!.value === 'string') {
          const x = this.ref(e.args[0]!);
          if ('lit' in x) break;
          const found = leaf(x, 'startsWith', e.args[1]!.value);
          return want ? found : all([this.present(e.args[0]!), { not: found } as NestedCondition]);
        }
        break;
      case 'field': {
        const r = this.ref(e) as { fact: string; path: string };
        return leaf(r, 'equal', want);
      }
      default: break;
    }
    // Any other bool value (`??`, a function): a dynamic fact, compared with true or false.
    return leaf(this.ref(e) as { fact: string }, 'equal', want);
  }

  private cmp(op0: keyof typeof NEGATED, l0: IR, r0: IR, want: boolean): Cond {
    let op = want ? op0 : NEGATED[op0];
    let l = this.ref(l0);
    let r = this.ref(r0);
    let [lx, rx] = [l0, r0];
    if ('lit' in l && 'lit' in r) throw new Untranslatable('a comparison of two constants');
    if ('lit' in l) { [l, r, lx, rx, op] = [r, l, rx, lx, MIRRORED[op]]; }
    const fact = l as { fact: string; path?: string };
    const ordering = op !== '==' && op !== '!=';
    // json-rules-engine's ordering operators accept numbers only (anything
    // parseFloat reads); zhiyu also orders strings: compute those as a fact.
    if (ordering && !NUMERIC.has(lx.type.t)) {
      const c: IR = { k: 'cmp', op, l: lx, r: rx, type: { t: 'bool' }, span: lx.span };
      return leaf(this.ref(c) as { fact: string }, 'equal', true);
    }
    const value = 'lit' in r ? r.lit : { fact: r.fact, ...(r.path !== undefined ? { path: r.path } : {}) };
    // A missing left side fails `equal` with a present constant and every
    // ordering operator (parseFloat(null) is NaN); everything else is guarded.
    const impliedLeft = 'lit' in r ? r.lit !== undefined && (ordering || op === '==') : false;
    const guards = [...(impliedLeft ? [] : [this.present(lx)]), ...('lit' in r ? [] : [this.present(rx)])];
    if ('lit' in r && r.lit === undefined) return false;
    return all([...guards, leaf(fact, OPERATOR[op], value)]);
  }

  private in(e: Extract<IR, { k: 'in' }>, want: boolean): Cond {
    const member = want !== e.negated;
    const set = e.set;
    let values: readonly Value[] | undefined;
    if (set.kind === 'values') values = set.values;
    else if (set.kind === 'items' && set.xs.every((x) => x.k === 'lit')) values = set.xs.map((x) => (x as { value: Value }).value);
    if (!values) {
      if (set.kind === 'external') throw new Untranslatable(`${printIR(e)}: external lists need a feature store`);
      // A computed set: the whole membership test as a dynamic fact.
      return leaf(this.ref(e) as { fact: string }, 'equal', want);
    }
    const x = this.ref(e.x);
    if ('lit' in x) throw new Untranslatable('membership of a constant');
    const defined = values.filter((v) => v !== undefined);
    // A missing member makes "not found" missing, as in zhiyu's lists.
    if (!member && defined.length < values.length) return false;
    // `in` on an array with no null is false for a missing value; `notIn` is not.
    return member ? leaf(x, 'in', defined) : all([this.present(e.x), leaf(x, 'notIn', defined)]);
  }
}
