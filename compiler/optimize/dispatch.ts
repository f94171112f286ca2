// Analysis for rule indexing. Most rules start by testing the event type, and
// many then narrow to a product, a merchant category or a channel, always with
// `==` or `in`. For each rule we work out which values of each event field it
// can possibly fire for; the plan is a tree of switches: on the field that
// sorts the most rules, then, inside each case, on the field that sorts the
// most of the rules left, and so on. A decision runs the rules that ignore the
// field, then follows one case; it never tests the rules of the other cases.
//
// Only equality with a literal sorts a rule (`event.f == "x"`, `event.f in
// [...]`, through predicates and `and`/`or`); a rule that allows many values
// of a field (a 50-member list) is left unsorted on it, so that it is not
// copied into every case.
//
// The rules left at the end of a branch are grouped, when several need the
// same kind of test to fire, under one guard: `event.amount >= ¥500` for
// rules that need amount ≥ ¥500, ≥ ¥2,000… (the guard is the weakest),
// `event.device_id in device_blacklist` for rules that all need it, or any
// other condition part several rules share that reads only the event (a
// predicate such as `new_device`, `event.is_emulator`, `not event.in_call`).
// A guard that fails skips its whole group: every rule in it has a condition
// part that is false or missing, so none could fire. A group is grouped again
// on the needs its rules share besides the guard's, so a decision walks a
// small tree of guards instead of a long list of rules.
//
// Given a sample of traffic (`traffic`: events like those the pack will
// decide), guards are chosen by the rule tests they skip on it, each case of
// a switch judged on its own events: a rule joins the group whose guard is
// false most often, not the one most rules share (`event.amount >= ¥500`
// skips little when most amounts are larger). A rule may then also be
// guarded by the presence of an optional field it cannot fire without (a
// field most event types never carry), and groups of two are worth a guard
// that is mostly false, and a threshold group is cut into steps by its rules'
// bounds where a step skips more than its guard costs (stairs.ts). Without
// traffic the plan is as described above.
import { TIME_FIELD } from '../check/context.ts';
import { evaluate, type Env } from '../evaluate.ts';
import { FUNCTIONS } from '../functions.ts';
import { coerce } from '../input.ts';
import type { CheckedPack, IR, Value } from '../ir.ts';
import { stairs, steps } from './stairs.ts';

export type DispatchNode =
  /** Test these rules (indexes, ascending) one by one. */
  | { readonly kind: 'rules'; readonly rules: readonly number[] }
  /** Test `rest` one by one, and each group's node only when its guard is true. */
  | { readonly kind: 'guards'; readonly rest: readonly number[]; readonly groups: readonly { readonly test: IR; readonly then: DispatchNode }[] }
  /**
   * Run `always` (the rules that can fire whatever `field` holds), then the
   * node of the field's value, if any.
   */
  | { readonly kind: 'switch'; readonly field: string; readonly always: DispatchNode; readonly cases: ReadonlyMap<Value, DispatchNode> };

export interface DispatchOptions {
  /** A field must sort at least this many of a node's rules to switch on it. */
  readonly minRules?: number;
  /** A rule allowing more values of a field than this is not sorted on it. */
  readonly maxFanout?: number;
  readonly maxDepth?: number;
  /** Rules that must share a guard before it is worth testing (0: no guards). */
  readonly minGuard?: number;
  /**
   * Events like those the pack will decide (as `decide()` takes them), for
   * choosing guards by how often they would skip their rules on this
   * traffic, instead of by how many rules share them. Only the plan's speed
   * depends on them, never a decision.
   */
  readonly traffic?: readonly Readonly<Record<string, unknown>>[];
}

/** field → the values it may hold for the rule to fire; `null`: the rule can never fire. */
type Constraints = ReadonlyMap<string, ReadonlySet<Value>> | null;
const NONE: Constraints = new Map();

const SORTABLE = new Set(['enum', 'string', 'integer', 'bool']);

class Analysis {
  private readonly preds = new Map<string, Constraints>();
  /** `field == value` constraints, one per pair: constraints are never changed once made, and most rules test the same few. */
  private readonly singles = new Map<string, Map<Value, Constraints>>();
  constructor(private readonly pack: CheckedPack) {}

  private sortable(e: IR): string | undefined {
    if (e.k !== 'field' || e.entity !== 'event') return undefined;
    const t = this.pack.schema.event.fields.get(e.field)?.type.t;
    return t && SORTABLE.has(t) ? e.field : undefined;
  }

  private single(f: string, v: Value): Constraints {
    let byValue = this.singles.get(f);
    if (!byValue) this.singles.set(f, (byValue = new Map()));
    let c = byValue.get(v);
    if (!c) byValue.set(v, (c = new Map([[f, new Set([v])]])));
    return c;
  }

  of(e: IR): Constraints {
    switch (e.k) {
      case 'lit': return e.value === true ? NONE : null;
      case 'cmp': {
        if (e.op !== '==') return NONE;
        const lit = e.r.k === 'lit' ? e.r : e.l.k === 'lit' ? e.l : undefined;
        if (lit === undefined) return NONE;
        const f = this.sortable(lit === e.r ? e.l : e.r);
        const v = lit.value;
        if (f === undefined) return NONE;
        // `== missing` is never true; arrays (sets) are not switched on.
        if (v === undefined) return null;
        return typeof v === 'object' ? NONE : this.single(f, v);
      }
      case 'in': {
        const f = e.negated || e.set.kind !== 'values' ? undefined : this.sortable(e.x);
        if (f === undefined) return NONE;
        const values = (e.set as { values: readonly Value[] }).values.filter((v) => v !== undefined && typeof v !== 'object');
        return values.length === 0 ? null : new Map([[f, new Set(values)]]);
      }
      case 'pred': {
        if (!this.preds.has(e.name)) {
          const body = this.pack.predicates.get(e.name)?.body;
          this.preds.set(e.name, body ? this.of(body) : NONE);
        }
        return this.preds.get(e.name)!;
      }
      case 'shared': case 'local': return this.of(e.x);
      case 'and': {
        // The first operand's constraints are used as they are until another adds to them.
        let acc: ReadonlyMap<string, ReadonlySet<Value>> | undefined;
        let own: Map<string, ReadonlySet<Value>> | undefined;
        for (const x of e.xs) {
          const c = this.of(x);
          if (c === null) return null;
          if (acc === undefined) { if (c.size) acc = c; continue; }
          for (const [f, vs] of c) {
            const prev = acc.get(f);
            let next = vs;
            if (prev) {
              const both = new Set([...prev].filter((v) => vs.has(v)));
              if (both.size === 0) return null;
              next = both;
            }
            if (own === undefined) acc = own = new Map(acc);
            own.set(f, next);
          }
        }
        return acc ?? NONE;
      }
      case 'or': {
        const cs = e.xs.map((x) => this.of(x)).filter((c): c is NonNullable<Constraints> => c !== null);
        if (cs.length === 0) return null;
        const out = new Map<string, ReadonlySet<Value>>();
        for (const f of cs[0]!.keys()) {
          if (!cs.every((c) => c.has(f))) continue;
          out.set(f, new Set(cs.flatMap((c) => [...c.get(f)!])));
        }
        return out.size ? out : NONE;
      }
      default: return NONE;
    }
  }
}

export function planDispatch(pack: CheckedPack, opts: DispatchOptions = {}): DispatchNode {
  const minRules = opts.minRules ?? 4;
  const maxFanout = opts.maxFanout ?? 8;
  const maxDepth = opts.maxDepth ?? 6;
  const analysis = new Analysis(pack);
  const enabled = pack.rules.filter((r) => r.enabled);
  // By rule index; and, for counting, the fields each rule is sortable on (few values), by their
  // declaration number: ties go to the field declared first, so the plan does not depend on rule order.
  const cons: Constraints[] = [];
  const sortable: number[][] = [];
  // Beside `sortable`, the values each of those fields may hold (worked out once, not in every switch).
  const sortableValues: ReadonlySet<Value>[][] = [];
  const fieldNames = [...pack.schema.event.fields.keys()];
  const fieldNo = new Map(fieldNames.map((f, i) => [f, i]));
  for (const r of enabled) {
    const c = analysis.of(r.condition);
    cons[r.index] = c;
    const on: number[] = [];
    const values: ReadonlySet<Value>[] = [];
    if (c) for (const [f, vs] of c) if (vs.size <= maxFanout) { on.push(fieldNo.get(f)!); values.push(vs); }
    sortable[r.index] = on;
    sortableValues[r.index] = values;
  }
  const sortedOn = (i: number, f: number): ReadonlySet<Value> | undefined => {
    const on = sortable[i]!;
    for (let j = 0; j < on.length; j++) if (on[j] === f) return sortableValues[i]![j];
    return undefined;
  };

  const traffic = opts.traffic && opts.traffic.length >= MIN_SAMPLE ? sampleOf(pack, opts.traffic) : undefined;
  // Measured pass rates make small groups worth their guard only where it skips them.
  const minGuard = opts.minGuard ?? (traffic ? 2 : 4);
  const guards = new Guards(pack, traffic !== undefined);
  const plan = (rules: readonly number[], excluded: ReadonlySet<string>, depth: number, sample = traffic): DispatchNode => {
    // Each loop over the rules is a function of its own, with nothing after the loop: with code after
    // it, V8 compiled the function on-stack while the first (largest) call was still in the loop, before
    // that code had ever run, and each later call that reached it threw the compiled code away
    // ("insufficient type feedback"), up to hundreds of times a compile.
    // How many rules each field sorts.
    const counted = (): number[] => {
      const counts: number[] = new Array<number>(fieldNames.length).fill(0);
      for (let k = 0; k < rules.length; k++) {
        const on = sortable[rules[k]!]!;
        for (let j = 0; j < on.length; j++) counts[on[j]!]! += 1;
      }
      return counts;
    };
    // The field that sorts the most rules (of equals, the first declared), or -1 if none sorts enough.
    const bestField = (): number => {
      const counts = counted();
      let at = -1;
      let best = 0;
      for (let f = 0; f < counts.length; f++) {
        if (counts[f]! > best && !excluded.has(fieldNames[f]!)) { at = f; best = counts[f]!; }
      }
      return best < minRules ? -1 : at;
    };
    // The rules sorted on the field: those that do not test it, and those that may fire for each value.
    const sortOn = (fieldAt: number, always: number[], cases: Map<Value, number[]>): void => {
      for (let k = 0; k < rules.length; k++) {
        const i = rules[k]!;
        // A rule that can never fire is in no case.
        if (cons[i] === null) continue;
        const vs = sortedOn(i, fieldAt);
        if (!vs) { always.push(i); continue; }
        for (const v of vs) {
          const list = cases.get(v);
          if (list) list.push(i);
          else cases.set(v, [i]);
        }
      }
    };
    // Grouped under guards only where no switch sorts the rules further (grouping is not free).
    const leaf = (): DispatchNode => (minGuard > 0 ? guards.group(rules, minGuard, excluded, sample) : { kind: 'rules', rules });
    if (depth >= maxDepth || rules.length < minRules) return leaf();
    const fieldAt = bestField();
    if (fieldAt < 0) return leaf();
    const field = fieldNames[fieldAt]!;
    const always: number[] = [];
    const cases = new Map<Value, number[]>();
    sortOn(fieldAt, always, cases);
    const next = new Set(excluded).add(field);
    // Each case's events; a case too rare in the sample keeps the sample it is in.
    const sampled = new Map<Value, TrafficEvent[]>();
    for (const e of sample ?? []) {
      const v = e.values.get(field);
      if (!cases.has(v)) continue;
      let list = sampled.get(v);
      if (!list) sampled.set(v, (list = []));
      list.push(e);
    }
    const sub = (v: Value) => { const s = sampled.get(v); return s && s.length >= MIN_SAMPLE ? s : sample; };
    return {
      kind: 'switch',
      field,
      always: plan(always, next, depth + 1, sample),
      cases: new Map([...cases].map(([v, list]) => [v, plan(list, next, depth + 1, sub(v))])),
    };
  };
  return plan(enabled.map((r) => r.index), new Set(), 0);
}

const NUMERIC = new Set(['integer', 'money', 'number', 'duration', 'timestamp']);
const FLIP = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as const;

/** A condition part a rule needs to fire, in a form several rules can share. */
interface Need {
  readonly key: string;
  /** The event fields tested. */
  readonly on: readonly string[];
  /** For thresholds: the field, the direction and this rule's bound. */
  readonly field?: Extract<IR, { k: 'field' }>;
  readonly up?: boolean;
  readonly bound?: number;
  /** For memberships: the test itself (every rule of the group has the same). */
  readonly test?: IR;
}

class Guards {
  private readonly needs = new Map<number, readonly Need[]>();
  /** Pass rates measured on a sample, by guard. */
  private readonly rates = new WeakMap<readonly TrafficEvent[], Map<string, number>>();
  constructor(private readonly pack: CheckedPack, private readonly measured: boolean) {}

  /**
   * The parts of `e` that must be true for `e` to be true: `and` operands,
   * through predicates; each with what to test for it (`as`: the predicate or
   * shared value it is the whole of, whose value a decision keeps once computed).
   */
  private parts(e: IR, out: { e: IR; as: IR }[], seen: Set<string>, as?: IR): void {
    if (e.k === 'shared' || e.k === 'local') return this.parts(e.x, out, seen, as ?? (e.k === 'shared' ? e : undefined));
    if (e.k === 'and') { for (const x of e.xs) this.parts(x, out, seen); return; }
    if (e.k === 'pred' && !seen.has(e.name)) {
      seen.add(e.name);
      const b = this.pack.predicates.get(e.name)?.body;
      if (b) this.parts(b, out, seen, as ?? e);
      return;
    }
    out.push({ e, as: as ?? e });
  }

  private readonly eventOnlyPreds = new Map<string, readonly string[] | null>();

  /**
   * Does `e` read only the event, its time and constants (adding the fields to
   * `on`)? Only such a part may be tested before its rules are: it cannot
   * load an entity, ask for an aggregate or a list kept outside the pack, nor
   * fail where the rule would not have looked.
   */
  private eventOnly(e: IR, on: Set<string>): boolean {
    switch (e.k) {
      case 'lit': case 'now': return true;
      case 'field': if (e.entity !== 'event') return false; on.add(e.field); return true;
      case 'pred': {
        let fields = this.eventOnlyPreds.get(e.name);
        if (fields === undefined) {
          this.eventOnlyPreds.set(e.name, null); // a predicate cannot use itself; the checker refuses cycles
          const body = this.pack.predicates.get(e.name)?.body;
          const own = new Set<string>();
          fields = body && this.eventOnly(body, own) ? [...own] : null;
          this.eventOnlyPreds.set(e.name, fields);
        }
        fields?.forEach((f) => on.add(f));
        return fields !== null;
      }
      case 'shared': case 'neg': case 'not': case 'isMissing': return this.eventOnly(e.x, on);
      case 'arith': case 'cmp': case 'coalesce': return this.eventOnly(e.l, on) && this.eventOnly(e.r, on);
      case 'and': case 'or': return e.xs.every((x) => this.eventOnly(x, on));
      case 'between': return this.eventOnly(e.x, on) && this.eventOnly(e.lo, on) && this.eventOnly(e.hi, on);
      case 'in': return e.set.kind === 'values' && this.eventOnly(e.x, on);
      case 'call': return !e.holidays && !FUNCTIONS.get(e.fn)?.usesCalendar && e.args.every((x) => this.eventOnly(x, on));
      default: return false;
    }
  }

  private numericField(e: IR): Extract<IR, { k: 'field' }> | undefined {
    return e.k === 'field' && e.entity === 'event' && NUMERIC.has(e.type.t) ? e : undefined;
  }

  private needsOf(i: number): readonly Need[] {
    let ns = this.needs.get(i);
    if (ns) return ns;
    const parts: { e: IR; as: IR }[] = [];
    this.parts(this.pack.rules[i]!.condition, parts, new Set());
    const out: Need[] = [];
    const threshold = (f: Extract<IR, { k: 'field' }> | undefined, op: string, v: Value) => {
      if (!f || typeof v !== 'number') return;
      const up = op === '>' || op === '>=';
      out.push({ key: `${f.field} ${up ? '>=' : '<='}`, on: [f.field], field: f, up, bound: v });
    };
    for (const { e, as } of parts) {
      const before = out.length;
      if (e.k === 'cmp' && e.op !== '==' && e.op !== '!=') {
        if (e.r.k === 'lit') threshold(this.numericField(e.l), e.op, e.r.value);
        else if (e.l.k === 'lit') threshold(this.numericField(e.r), FLIP[e.op], e.l.value);
      } else if (e.k === 'between' && e.lo.k === 'lit' && e.hi.k === 'lit') {
        threshold(this.numericField(e.x), '>=', e.lo.value);
        threshold(this.numericField(e.x), '<=', e.hi.value);
      } else if (e.k === 'in' && !e.negated && e.set.kind === 'values' && e.x.k === 'field' && e.x.entity === 'event') {
        out.push({ key: `${e.x.field} in ${JSON.stringify(e.set.values)}`, on: [e.x.field], test: e });
      }
      if (out.length > before) continue;
      // Any other part that reads only the event guards as itself (the same text, the same test).
      const on = new Set<string>();
      if (this.eventOnly(as, on)) out.push(partNeed(as, [...on]));
    }
    if (this.measured) {
      // An optional field the rule cannot fire without: a guard on its presence skips the rule on events that lack it.
      const fields = new Map<string, Extract<IR, { k: 'field' }>>();
      for (const { e } of parts) this.strict(e, fields, false);
      for (const [f, x] of fields) {
        if (this.pack.schema.event.fields.get(f)?.required) continue;
        out.push({ key: `has ${f}`, on: [f], test: { k: 'isMissing', negated: true, x, type: { t: 'bool' }, span: x.span } });
      }
    }
    this.needs.set(i, (ns = out));
    return ns;
  }

  /**
   * Adds the event fields whose absence makes `e` missing (`value`), or at
   * least not true: comparisons, memberships, arithmetic and calls are
   * missing when an operand is (compiler/evaluate.ts); an `and` is not true
   * when any operand is not, an `or` when every operand is not.
   */
  private strict(e: IR, out: Map<string, Extract<IR, { k: 'field' }>>, value: boolean): void {
    switch (e.k) {
      case 'field': if (e.entity === 'event') out.set(e.field, e); return;
      case 'neg': case 'not': case 'shared': case 'local': return this.strict(e.x, out, value);
      case 'pred': { const b = this.pack.predicates.get(e.name)?.body; if (b) this.strict(b, out, value); return; }
      case 'arith': case 'cmp': this.strict(e.l, out, true); this.strict(e.r, out, true); return;
      case 'between': case 'in': return this.strict(e.x, out, true);
      case 'call': for (const a of e.args) this.strict(a, out, true); return;
      case 'and': if (!value) for (const x of e.xs) this.strict(x, out, false); return;
      case 'or': {
        if (value) return;
        const each = e.xs.map((x) => { const m = new Map<string, Extract<IR, { k: 'field' }>>(); this.strict(x, m, false); return m; });
        for (const [f, x] of each[0] ?? []) if (each.every((m) => m.has(f))) out.set(f, x);
        return;
      }
      default: return;
    }
  }

  /**
   * A threshold need's group cut into steps by its rules' bounds
   * (optimize/stairs.ts), with what it gains on the sample; undefined for any
   * other need.
   */
  private steps(key: string, rules: readonly number[], sample: readonly TrafficEvent[]) {
    const first = this.needsOf(rules[0]!).find((n) => n.key === key)!;
    if (!first.field) return undefined;
    const f = first.field;
    const up = first.up!;
    const test = (bound: number): IR => ({ k: 'cmp', op: up ? '>=' : '<=', l: f, r: { k: 'lit', type: f.type, value: bound, span: f.span }, type: { t: 'bool' }, span: f.span });
    // A rule needing the field past two bounds (`>= ¥5,000 and large_amount`) needs it past the stricter.
    const pick = up ? Math.max : Math.min;
    const bounds = new Map(rules.map((i) => [i, pick(...this.needsOf(i).filter((n) => n.key === key).map((n) => n.bound!))]));
    const bound = (i: number) => bounds.get(i)!;
    return { st: steps({ rules, up, bound, rate: (b) => this.passRate(test(b), `${key} ${b}`, sample) }), bound, test };
  }

  /** How often `test` is true on `sample` (`key` names the test). */
  private passRate(test: IR, key: string, sample: readonly TrafficEvent[]): number {
    let rates = this.rates.get(sample);
    if (!rates) this.rates.set(sample, (rates = new Map()));
    let r = rates.get(key);
    if (r === undefined) {
      let n = 0;
      for (const e of sample) if (e.holds(test)) n++;
      rates.set(key, (r = n / sample.length));
    }
    return r;
  }

  /**
   * Groups `rules` under guards, and each group again; fields already switched
   * on (`known`) are settled and never guard, nor do the needs of the guards
   * around (`used`).
   */
  group(rules: readonly number[], min: number, known: ReadonlySet<string>, sample?: readonly TrafficEvent[], used: ReadonlySet<string> = new Set()): Extract<DispatchNode, { kind: 'rules' | 'guards' }> {
    if (rules.length < 2 * min) return { kind: 'rules', rules };
    const byKey = new Map<string, number[]>();
    for (const i of rules) for (const n of this.needsOf(i)) {
      // Settled fields first: most parts a case's rules share test the fields switched on, and their keys are never made.
      if (n.on.some((f) => known.has(f)) || used.has(n.key)) continue;
      let list = byKey.get(n.key);
      if (!list) byKey.set(n.key, (list = []));
      if (list[list.length - 1] !== i) list.push(i);
    }
    const taken = new Set<number>();
    const groups: { test: IR; then: DispatchNode }[] = [];
    const testOf = (key: string, free: readonly number[]): { test: IR; id: string } => {
      const needs = free.map((i) => this.needsOf(i).find((n) => n.key === key)!);
      const first = needs[0]!;
      if (first.test) return { test: first.test, id: key };
      const bound = first.up ? Math.min(...needs.map((n) => n.bound!)) : Math.max(...needs.map((n) => n.bound!));
      const f = first.field!;
      const lit: IR = { k: 'lit', type: f.type, value: bound, span: f.span };
      return { test: { k: 'cmp', op: first.up ? '>=' : '<=', l: f, r: lit, type: { t: 'bool' }, span: f.span }, id: `${key} ${bound}` };
    };
    const take = (key: string, free: number[], test: IR, cut?: ReturnType<Guards['steps']>) => {
      free.forEach((i) => taken.add(i));
      const inner = new Set(used).add(key);
      const plan = (rs: readonly number[]) => this.group(rs, min, known, sample, inner);
      groups.push({ test, then: (cut && stairs(cut.st, cut.bound, cut.test, plan)) || plan(free) });
    };
    if (sample) {
      // The guard that skips the most rule tests on the sample first, while one skips more than it costs.
      // Each need's candidate is worked out again only when one of its rules joined a group.
      type Candidate = { key: string; free: number[]; test: IR; gain: number; cut?: ReturnType<Guards['steps']> };
      const candidates = new Map<string, Candidate | null>();
      for (;;) {
        let best: Candidate | undefined;
        for (const [key, list] of byKey) {
          let c = candidates.get(key);
          if (c === undefined) {
            const free = list.filter((i) => !taken.has(i));
            c = null;
            if (free.length >= min) {
              // A threshold's rules in steps skip more than behind its weakest bound alone.
              const cut = this.steps(key, free, sample);
              // The group is the rules from the first step up (weakest bound first), guarded at the first step's bound.
              const from = cut && cut.st.order.slice(cut.st.cuts[0]);
              if (cut && from!.length >= min) c = { key, free: [...from!].sort((a, b) => a - b), test: cut.test(cut.bound(from![0]!)), gain: cut.st.gain, cut };
              else if (!cut) {
                const { test, id } = testOf(key, free);
                c = { key, free, test, gain: free.length * (1 - this.passRate(test, id, sample)) - 1 };
              }
            }
            candidates.set(key, c);
          }
          if (c && (c.gain > (best?.gain ?? 0) || (best && c.gain === best.gain && key < best.key))) best = c;
        }
        if (!best) break;
        for (const i of best.free) for (const n of this.needsOf(i)) candidates.delete(n.key);
        take(best.key, best.free, best.test, best.cut);
      }
    } else {
      // The most shared needs first; each rule joins one group.
      for (const [key, list] of [...byKey].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))) {
        const free = list.filter((i) => !taken.has(i));
        if (free.length < min) continue;
        take(key, free, testOf(key, free).test);
      }
    }
    if (!groups.length) return { kind: 'rules', rules };
    return { kind: 'guards', rest: rules.filter((i) => !taken.has(i)), groups };
  }
}

/** Rule occurrences in a plan (a rule sorted into several cases counts in each). */
export function planSize(n: DispatchNode): number {
  if (n.kind === 'rules') return n.rules.length;
  if (n.kind === 'guards') return n.rest.length + n.groups.reduce((s, g) => s + planSize(g.then), 0);
  let s = planSize(n.always);
  for (const c of n.cases.values()) s += planSize(c);
  return s;
}

/**
 * The need of a part that guards as itself, keyed by its text, which is only
 * made when a group asks for it (most parts test a field switched on).
 */
function partNeed(test: IR, on: readonly string[]): Need {
  let key: string | undefined;
  return { get key() { return (key ??= `= ${shape(test)}`); }, on, test };
}

/** A part's text for comparing parts: its structure, without spans and types. */
function shape(e: IR): string {
  // The same text as below for the commonest part, a predicate (its node is { k, type, name, span }).
  if (e.k === 'pred') return `{"k":"pred","name":${JSON.stringify(e.name)}}`;
  return JSON.stringify(e, (k, v) => (k === 'span' || k === 'type' ? undefined : v));
}

/** Fewer sample events than this say nothing about a pass rate. */
const MIN_SAMPLE = 30;
/** At most this many sample events are used (evenly spaced). */
const MAX_SAMPLE = 500;

/** A sample event's checked values, and whether a guard holds on it (by the reference semantics). */
interface TrafficEvent {
  readonly values: ReadonlyMap<string, Value>;
  holds(test: IR): boolean;
}

function sampleOf(pack: CheckedPack, traffic: readonly Readonly<Record<string, unknown>>[]): TrafficEvent[] {
  const step = Math.max(1, traffic.length / MAX_SAMPLE);
  const out: TrafficEvent[] = [];
  for (let i = 0; i < traffic.length && out.length < MAX_SAMPLE; i = Math.floor((out.length) * step)) {
    const raw = traffic[i]!;
    // Checked as decide() checks them; a value it would refuse counts as missing.
    const values = new Map<string, Value>();
    for (const f of pack.schema.event.fields.values()) {
      try { values.set(f.name, coerce(f.type, Object.hasOwn(raw, f.name) ? raw[f.name] : undefined, `event.${f.name}`)); } catch { /* missing */ }
    }
    const at = values.get(TIME_FIELD);
    // Guards read only the event, its time and constants: nothing else is asked for.
    const env: Env = {
      now: typeof at === 'number' ? at : NaN,
      field: (_entity, f) => values.get(f),
      hfield: () => undefined, agg: () => undefined, listHas: () => false,
      pred: (name) => { const b = pack.predicates.get(name)?.body; return b ? evaluate(b, env) : undefined; },
    };
    out.push({
      values,
      holds(test) {
        try { return evaluate(test, env) === true; } catch { return false; }
      },
    });
  }
  return out;
}
