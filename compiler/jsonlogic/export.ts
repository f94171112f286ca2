// DSL → JSON Logic: one JSON Logic rule per rule of a checked pack, true
// exactly when zhiyu fires the rule, or a report of why it cannot be.
//
// The data the exported rules read (see spec/JSONLOGIC.md):
//   event.FIELD     the event, as zhiyu validates it (timestamps in epoch ms, money in fen)
//   ENTITY.FIELD    the entity row found by the event's key (left out when there is none)
//   agg.NAME        each aggregate, computed beforehand (null when missing)
//   list.NAME       each external list's members as of the decision time
//
// Missing values: a zhiyu condition is three-valued (true, false, missing) and
// a rule fires only when it is true. Each expression is translated twice —
// `tru(e)` is truthy exactly when e is true, `fal(e)` exactly when e is false
// — with explicit `!= null` guards where a value may be missing, so `not`
// stays exact. Arithmetic that zhiyu makes missing (division by zero, a result
// beyond ±1.8e308) is guarded by a finiteness test, since JSON Logic gives
// Infinity or NaN there.
import { TIME_FIELD } from '../check/context.ts';
import type { AggregateSpec, CheckedPack, CheckedRule, IR, Value } from '../ir.ts';
import { printIR } from '../print.ts';
import { typeName } from '../types.ts';

export type JsonLogic = unknown;

export interface ExportedVariable {
  /** The aggregate's text as written in the pack, or the list's name. */
  readonly aggregate?: string;
  readonly list?: string;
  readonly type: string;
}

export interface ExportedPack {
  readonly pack: string;
  readonly version?: string;
  /** Rule id → JSON Logic, truthy exactly when zhiyu fires the rule. */
  readonly rules: Record<string, JsonLogic>;
  /** What each exported rule does when it fires. */
  readonly actions: Record<string, { readonly then?: string; readonly score: number; readonly reason?: string }>;
  /** Precomputed values the rules read besides the event and entity rows. */
  readonly variables: Record<string, ExportedVariable>;
}

export interface ExportProblem {
  readonly rule: string;
  /** The part of the condition, as `zhiyu dump --stage checked` prints it. */
  readonly part: string;
  readonly reason: string;
}

export interface ExportResult {
  readonly document: ExportedPack;
  /** Rules exported, in pack order. */
  readonly exported: readonly string[];
  /** Why the other rules were not exported; a rule is exported whole or not at all. */
  readonly problems: readonly ExportProblem[];
}

/** Largest finite double: `{"<=": [-MAX, x, MAX]}` is JSON Logic for "x is a finite number". */
const MAX = Number.MAX_VALUE;

export function exportJsonLogic(pack: CheckedPack): ExportResult {
  const names = aggregateNames(pack.aggregates);
  const variables: Record<string, ExportedVariable> = {};
  const rules: Record<string, JsonLogic> = {};
  const actions: ExportedPack['actions'] = {};
  const exported: string[] = [];
  const problems: ExportProblem[] = [];
  for (const rule of pack.rules) {
    if (!rule.enabled) {
      problems.push({ rule: rule.id, part: 'disabled', reason: 'the rule is disabled: zhiyu never evaluates it, so there is nothing to export' });
      continue;
    }
    const t = new Translator(pack, rule, names);
    const logic = t.rule();
    if (t.problems.length) {
      problems.push(...t.problems);
      continue;
    }
    rules[rule.id] = logic;
    actions[rule.id] = { ...(rule.outcome ? { then: rule.outcome } : {}), score: rule.score, ...(rule.reason ? { reason: rule.reason } : {}) };
    for (const [k, v] of t.variables) variables[k] = v;
    exported.push(rule.id);
  }
  const document: ExportedPack = { pack: pack.name, ...(pack.version ? { version: pack.version } : {}), rules, actions, variables };
  return { document, exported, problems };
}

/**
 * `agg.NAME` for each aggregate: its text with operators spelled out and
 * everything but letters, digits and `_` turned into `_` (a dot would split
 * the var path); a repeat gets `_2`, `_3`…
 */
export function aggregateNames(aggs: readonly AggregateSpec[]): ReadonlyMap<number, string> {
  const out = new Map<number, string>();
  const used = new Set<string>();
  for (const a of aggs) {
    const base = a.text
      .replace(/==/g, ' eq ').replace(/!=/g, ' ne ').replace(/>=/g, ' ge ').replace(/<=/g, ' le ').replace(/>/g, ' gt ').replace(/</g, ' lt ')
      .replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'aggregate';
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    out.set(a.id, name);
  }
  return out;
}

/** Not exportable: recorded, and a placeholder returned so that every problem in a rule is found. */
const PLACEHOLDER = null;

const TIME_FUNCTIONS = new Set(['hour', 'minute', 'weekday', 'day', 'month', 'year', 'date', 'years_since', 'months_since']);

class Translator {
  readonly problems: ExportProblem[] = [];
  readonly variables = new Map<string, ExportedVariable>();

  constructor(private readonly pack: CheckedPack, private readonly r: CheckedRule, private readonly aggNames: ReadonlyMap<number, string>) {}

  rule(): JsonLogic {
    const now = this.now();
    const guards: JsonLogic[] = [];
    if (this.r.effectiveFrom !== undefined) guards.push({ '>=': [now, this.r.effectiveFrom] });
    if (this.r.effectiveUntil !== undefined) guards.push({ '<': [now, this.r.effectiveUntil] });
    return and([...guards, this.tru(this.r.condition)]);
  }

  private problem(e: IR, reason: string): JsonLogic {
    const part = printIR(e);
    // One part is visited more than once (its presence, its value): report it once.
    if (!this.problems.some((p) => p.part === part && p.reason === reason)) this.problems.push({ rule: this.r.id, part, reason });
    return PLACEHOLDER;
  }

  private now(): JsonLogic {
    return { var: `event.${TIME_FIELD}` };
  }

  // ---------- presence: guards that are all truthy exactly when the value is not missing ----------

  private present(e: IR): JsonLogic[] {
    switch (e.k) {
      case 'lit': return e.value === undefined ? [false] : [];
      case 'now': return [];
      case 'field': {
        const info = e.entity === 'event' ? this.pack.schema.event.fields.get(e.field) : undefined;
        return e.entity === 'event' && (info?.required || e.field === TIME_FIELD) ? [] : [{ '!=': [this.val(e), null] }];
      }
      case 'agg': return [{ '!=': [this.val(e), null] }];
      case 'neg': return this.present(e.x);
      case 'arith': return [...this.present(e.l), ...this.present(e.r), { '<=': [-MAX, this.val(e), MAX] }];
      case 'coalesce': return [or([and(this.present(e.l)), and(this.present(e.r))])];
      case 'call': return e.args.flatMap((a) => this.present(a));
      case 'shared': case 'local': return this.present(e.x);
      case 'isMissing': return [];
      case 'quant': if (e.q === 'count') return [this.problem(e, '`count of` has no JSON Logic equivalent')]; break;
      case 'hfield': return [this.problem(e, 'a history field outside an aggregate')];
    }
    return [or([this.tru(e), this.fal(e)])]; // a condition: present when true or false
  }

  // ---------- values (given that they are present) ----------

  private val(e: IR): JsonLogic {
    switch (e.k) {
      case 'lit': return literal(e.value);
      case 'now': return this.now();
      case 'field': return { var: `${e.entity}.${e.field}` };
      case 'agg': return { var: this.aggVar(e.id) };
      case 'neg': return { '-': [this.val(e.x)] };
      case 'arith': return { [e.op]: [this.val(e.l), this.val(e.r)] };
      case 'coalesce': return { if: [and(this.present(e.l)), this.val(e.l), this.val(e.r)] };
      case 'call': return this.call(e);
      case 'shared': case 'local': return this.val(e.x);
      case 'hfield': return this.problem(e, 'a history field outside an aggregate');
      case 'quant': if (e.q === 'count') return this.problem(e, '`count of` has no JSON Logic equivalent'); return this.tru(e);
      default: return this.tru(e); // a condition's value: true when true, false when false
    }
  }

  private aggVar(id: number): string {
    const spec = this.pack.aggregates[id]!;
    const name = `agg.${this.aggNames.get(id)!}`;
    this.variables.set(name, { aggregate: spec.text, type: typeName(spec.type) });
    return name;
  }

  private call(e: Extract<IR, { k: 'call' }>): JsonLogic {
    const a = e.args;
    const arg = (i: number) => this.val(a[i]!);
    if (TIME_FUNCTIONS.has(e.fn)) return this.problem(e, `${e.fn}() reads the local time (Asia/Shanghai); JSON Logic has no date or time operator`);
    switch (e.fn) {
      case 'age': return { '-': [this.now(), arg(0)] };
      case 'days': return { '/': [arg(0), 86_400_000] };
      case 'hours': return { '/': [arg(0), 3_600_000] };
      case 'minutes': return { '/': [arg(0), 60_000] };
      case 'abs': return { if: [{ '<': [arg(0), 0] }, { '-': [arg(0)] }, arg(0)] };
      case 'min': case 'max': return { [e.fn]: [arg(0), arg(1)] };
      case 'contains':
        // json-logic-js's `in` finds nothing in "" (`!b`), while "".includes("") is true.
        return or([{ in: [arg(1), arg(0)] }, { '===': [arg(1), ''] }]);
      case 'starts_with': case 'ends_with': {
        const p = a[1]!;
        if (p.k !== 'lit' || typeof p.value !== 'string') return this.problem(e, `${e.fn}() is exported only with a constant ${e.fn === 'starts_with' ? 'prefix' : 'suffix'}`);
        if (p.value === '') return true;
        // substr counts UTF-16 units, as startsWith and endsWith do.
        return { '===': [{ substr: e.fn === 'starts_with' ? [arg(0), 0, p.value.length] : [arg(0), -p.value.length] }, p.value] };
      }
      case 'len': {
        const x = a[0]!;
        if (x.k === 'field' && x.type.t === 'set') return { var: `${x.entity}.${x.field}.length` };
        if (x.type.t === 'string' || x.type.t === 'enum') return this.problem(e, 'len() counts characters; JSON Logic can only count UTF-16 units (var "….length"), which differ for characters beyond U+FFFF');
        return this.problem(e, 'JSON Logic takes a length only of a value read with var');
      }
      case 'matches': return this.problem(e, 'JSON Logic has no regular expressions');
      case 'working_days': return this.problem(e, 'working_days() needs the holiday calendar and local dates; JSON Logic has neither');
      case 'lower': case 'upper': case 'trim': return this.problem(e, `JSON Logic has no ${e.fn === 'trim' ? 'trimming' : 'case-changing'} operator`);
      case 'round': case 'floor': case 'ceil': return this.problem(e, 'JSON Logic has no rounding operator');
      default: return this.problem(e, `${e.fn}() has no JSON Logic equivalent`);
    }
  }

  // ---------- conditions ----------

  /** Truthy exactly when the condition is true (not false, not missing). */
  tru(e: IR): JsonLogic {
    return this.test(e, true);
  }
  /** Truthy exactly when the condition is false. */
  fal(e: IR): JsonLogic {
    return this.test(e, false);
  }

  private test(e: IR, want: boolean): JsonLogic {
    switch (e.k) {
      case 'lit': return e.value === want;
      case 'not': return this.test(e.x, !want);
      case 'and': case 'or': {
        const parts = e.xs.map((x) => this.test(x, want));
        return (e.k === 'and') === want ? and(parts) : or(parts);
      }
      case 'isMissing': {
        const present = and(this.present(e.x));
        return e.negated === want ? present : not(present);
      }
      case 'cmp': {
        const op = want ? e.op : NEGATED[e.op];
        return and([...this.present(e.l), ...this.present(e.r), { [STRICT[op]]: [this.val(e.l), this.val(e.r)] }]);
      }
      case 'between': {
        // zhiyu's between is `x >= lo and x <= hi`, in three-valued logic: false as soon as one side is false.
        const ge: IR = { k: 'cmp', op: '>=', l: e.x, r: e.lo, type: e.type, span: e.span };
        const le: IR = { k: 'cmp', op: '<=', l: e.x, r: e.hi, type: e.type, span: e.span };
        return want ? and([this.tru(ge), this.tru(le)]) : or([this.fal(ge), this.fal(le)]);
      }
      case 'in': return this.in(e, want);
      case 'pred': return this.test(this.pack.predicates.get(e.name)!.body, want);
      case 'shared': case 'local': return this.test(e.x, want);
      case 'quant': {
        // `any of [a, b] in S` is `a in S or b in S` (`all of`: and), in three-valued logic as in zhiyu.
        if (e.items.kind !== 'items' || e.q === 'count') return this.problem(e, `\`${e.q} of\` a set has no JSON Logic equivalent`);
        const ins = e.items.xs.map((x): IR => ({ k: 'in', type: e.type, negated: e.negated, x, set: e.set, span: e.span }));
        return this.test({ k: e.q === 'any' ? 'or' : 'and', type: e.type, xs: ins, span: e.span }, want);
      }
      default:
        // A bool value: a field, an aggregate, a function, `??`.
        return and([...this.present(e), { '===': [this.val(e), want] }]);
    }
  }

  private in(e: Extract<IR, { k: 'in' }>, want: boolean): JsonLogic {
    const member = want !== e.negated; // asking "is a member"
    const x = this.val(e.x);
    const guards = this.present(e.x);
    const set = e.set;
    switch (set.kind) {
      case 'values': {
        const defined = set.values.filter((v) => v !== undefined);
        const found = defined.length ? { in: [x, defined.map(literal)] } : false;
        // A missing member makes "not found" missing (zhiyu's lists are tri-state).
        if (!member && defined.length < set.values.length) return false;
        return and([...guards, member ? found : not(found)]);
      }
      case 'external': {
        const name = `list.${set.list}`;
        const info = this.pack.lists.get(set.list);
        this.variables.set(name, { list: set.list, type: `list of ${info ? typeName(info.element) : 'values'}` });
        const found = { in: [x, { var: name }] };
        return and([...guards, member ? found : not(found)]);
      }
      case 'expr': {
        const found = { in: [x, this.val(set.x)] };
        return and([...guards, ...this.present(set.x), member ? found : not(found)]);
      }
      case 'items': {
        // Found: equal to a present item. Not found: every item present and different.
        if (member) return and([...guards, or(set.xs.map((i) => and([...this.present(i), { '===': [x, this.val(i)] }])))]);
        return and([...guards, ...set.xs.flatMap((i) => [...this.present(i), { '!==': [x, this.val(i)] }])]);
      }
    }
  }
}

const NEGATED = { '==': '!=', '!=': '==', '<': '>=', '<=': '>', '>': '<=', '>=': '<' } as const;
/** zhiyu compares values of one type: equality is JavaScript's ===. */
const STRICT = { '==': '===', '!=': '!==', '<': '<', '<=': '<=', '>': '>', '>=': '>=' } as const;

function literal(v: Value): JsonLogic {
  if (v === undefined) return null;
  return Array.isArray(v) ? v.map((x) => literal(x as Value)) : v;
}

function and(xs: readonly JsonLogic[]): JsonLogic {
  const flat: JsonLogic[] = [];
  for (const x of xs) {
    if (x === true) continue;
    if (x === false) return false;
    if (isOp(x, 'and')) flat.push(...(x as { and: JsonLogic[] }).and);
    else flat.push(x);
  }
  const kept = flat.filter((x) => !impliedGuard(x, flat));
  return kept.length === 0 ? true : kept.length === 1 ? kept[0] : { and: kept };
}

/**
 * `{"!=": [V, null]}` is implied by `{"===": [V, L]}` with a literal L that is
 * not null, or by `{"in": [V, [members, none null]]}`: readability only.
 */
function impliedGuard(g: JsonLogic, all: readonly JsonLogic[]): boolean {
  if (!isOp(g, '!=')) return false;
  const [v, n] = (g as { '!=': JsonLogic[] })['!='];
  if (n !== null || !isOp(v, 'var')) return false;
  const same = (x: JsonLogic) => JSON.stringify(x) === JSON.stringify(v);
  const scalar = (x: JsonLogic) => x !== null && typeof x !== 'object';
  return all.some((x) => {
    if (isOp(x, '===')) {
      const [a, b] = (x as { '===': JsonLogic[] })['==='];
      return (same(a) && scalar(b)) || (same(b) && scalar(a));
    }
    if (isOp(x, 'in')) {
      const [a, list] = (x as { in: JsonLogic[] }).in;
      return same(a) && Array.isArray(list) && list.every(scalar);
    }
    return false;
  });
}

function or(xs: readonly JsonLogic[]): JsonLogic {
  const flat: JsonLogic[] = [];
  for (const x of xs) {
    if (x === false) continue;
    if (x === true) return true;
    if (isOp(x, 'or')) flat.push(...(x as { or: JsonLogic[] }).or);
    else flat.push(x);
  }
  return flat.length === 0 ? false : flat.length === 1 ? flat[0] : { or: flat };
}

function not(x: JsonLogic): JsonLogic {
  if (x === true || x === false) return !x;
  return isOp(x, '!') ? { '!!': (x as { '!': JsonLogic })['!'] } : { '!': x };
}

function isOp(x: JsonLogic, op: string): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && Object.keys(x).length === 1 && op in x;
}
