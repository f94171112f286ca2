// The reference interpreter: walks the checked (unoptimized) pack with the
// semantics of compiler/evaluate.ts and records a trace — every rule, whether
// it was active and fired, and the value of each condition it evaluated.
import { evaluate, type Env } from '../compiler/evaluate.ts';
import { decisionTime, historyValue, InputError } from '../compiler/input.ts';
import type { CheckedPack, IR, Value } from '../compiler/ir.ts';
import { TIME_FIELD } from '../compiler/check/context.ts';
import type { Span } from '../compiler/source.ts';
import { explainerFor, type Decision } from './decision.ts';
import { runAggregate } from './helpers.ts';
import { EMPTY_PROVIDER, type FeatureProvider, type HistoryEvent } from './provider.ts';
import { unknownFields, validateRecord, type Checked } from './validate.ts';

export interface TraceStep {
  readonly span: Span;
  readonly kind: IR['k'];
  readonly type: IR['type'];
  readonly value: Value;
}

export interface RuleTrace {
  readonly id: string;
  /** False when disabled or outside its effective dates; then nothing was evaluated. */
  readonly active: boolean;
  readonly fired: boolean;
  /** The condition's value: true, false or undefined (missing). */
  readonly value: Value;
  readonly steps: readonly TraceStep[];
}

export interface Traced {
  readonly decision: Decision;
  readonly trace: readonly RuleTrace[];
  /** The values of `DecideOptions.probe`, as the decision saw them. */
  readonly probed?: readonly Value[];
}

/** The decision time, when the caller gives it rather than the event's `occurred_at`. */
export interface TimeOption {
  /**
   * The event's time — what rules, windows and effective dates see as
   * `event.occurred_at` — as epoch milliseconds, an ISO 8601 string or a
   * Date. When given, the event's own `occurred_at` is not read, so an event
   * without one needs no copy to add it.
   */
  readonly at?: number | string | Date;
}

export interface DecideOptions extends TimeOption {
  /** Reject event fields that the schema does not declare. */
  readonly strict?: boolean;
  /** Expressions (features, aggregates, predicates, `let`s) whose values to report with the decision (`expect seen`). */
  readonly probe?: readonly IR[];
}

export function interpret(pack: CheckedPack, event: unknown, provider: FeatureProvider = EMPTY_PROVIDER, opts: DecideOptions = {}): Traced {
  return provider.read ? provider.read(() => interpretNow(pack, event, provider, opts)) : interpretNow(pack, event, provider, opts);
}

function interpretNow(pack: CheckedPack, event: unknown, provider: FeatureProvider, opts: DecideOptions): Traced {
  const schema = pack.schema;
  // The same policy and order as compiled code: the event is an object, the
  // time given is valid; the fields the pack reads are checked on every
  // decision; strict mode checks every field and rejects unknown ones.
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new InputError('ZY4003', 'event', 'event should be an object');
  const at = opts.at === undefined ? undefined : decisionTime(opts.at);
  if (opts.strict) {
    unknownFields(schema.event, event, 'event');
    validateRecord(schema.event, event, 'event', undefined, at);
  }
  const ev = validateRecord(schema.event, event, 'event', pack.eventFields, at);
  const now = ev[TIME_FIELD] as number;
  const rows = new Map<string, Checked | null>();
  const aggs = new Map<number, Value>();
  const preds = new Map<string, Value>();
  const locals = new Map<number, Value>();
  let steps: TraceStep[] | undefined;

  const env = (history?: HistoryEvent): Env => ({
    now,
    field(entity, field) {
      if (entity === 'event') return ev[field];
      let row = rows.get(entity);
      if (row === undefined) {
        const info = schema.entities.get(entity)!;
        const key = ev[info.key];
        const raw = key === undefined ? undefined : provider.entity(entity, key);
        row = raw === undefined || raw === null ? null : validateRecord(info, raw, entity);
        rows.set(entity, row);
      }
      return row === null ? undefined : row[field];
    },
    hfield: (field) => (history ? historyValue(history, field, schema.event.fields.get(field)!.type) : undefined),
    agg(id) {
      if (!aggs.has(id)) {
        const spec = pack.aggregates[id]!;
        const filter = spec.filter ? (h: HistoryEvent) => evaluate(spec.filter!, env(h)) === true : undefined;
        const steps = spec.steps?.map((step) => (h: HistoryEvent) => evaluate(step, env(h)) === true);
        const current = spec.includeCurrent ? (ev as HistoryEvent) : undefined;
        aggs.set(id, runAggregate(provider, spec, now, spec.by === undefined ? undefined : ev[spec.by], filter, current, steps));
      }
      return aggs.get(id);
    },
    pred(name) {
      if (!preds.has(name)) preds.set(name, evaluate(pack.predicates.get(name)!.body, env()));
      return preds.get(name);
    },
    // A `let` is computed once per decision, where it is first used (so the trace shows its parts once).
    local(e) {
      if (!locals.has(e.slot)) locals.set(e.slot, evaluate(e.x, env()));
      return locals.get(e.slot);
    },
    listHas: (list, v) => provider.listHas(list, v, now),
    calendar: provider.calendar ? (a, b) => provider.calendar!(a, b) : undefined,
    trace: (e, v) => steps?.push({ span: e.span, kind: e.k, type: e.type, value: v }),
  });

  const top = env();
  const trace: RuleTrace[] = [];
  const fired: number[] = [];
  let score = 0;
  for (const r of pack.rules) {
    const active = r.enabled && (r.effectiveFrom === undefined || now >= r.effectiveFrom) && (r.effectiveUntil === undefined || now < r.effectiveUntil);
    if (!active) { trace.push({ id: r.id, active, fired: false, value: undefined, steps: [] }); continue; }
    steps = [];
    const value = evaluate(r.condition, top);
    trace.push({ id: r.id, active, fired: value === true, value, steps });
    steps = undefined;
    if (value === true) { fired.push(r.index); score += r.score; }
  }
  const quiet = { ...env(), trace: undefined } as Env;
  const values = (i: number): Value[] => {
    const r = pack.rules[i]!;
    const exprs = [...r.leaves, ...[...(r.message.zh ?? []), ...(r.message.en ?? [])].flatMap((p) => (p.expr ? [p.expr] : []))];
    return exprs.map((x) => evaluate(x, quiet));
  };
  // Notes: of the rules in force that did not fire, those whose note condition is true.
  const noted = trace.flatMap((rt, i) => {
    const note = pack.rules[i]!.note;
    return note && rt.active && !rt.fired && evaluate(note.condition, quiet) === true ? [i] : [];
  });
  const noteValues = (i: number): Value[] => {
    const m = pack.rules[i]!.note!.message;
    return [...(m.zh ?? []), ...(m.en ?? [])].flatMap((p) => (p.expr ? [evaluate(p.expr, quiet)] : []));
  };
  const probed = opts.probe?.map((x) => evaluate(x, quiet));
  const decision = explainerFor(pack).decision(fired, score, fired.map(values), { rules: noted, values: noted.map(noteValues) });
  return { decision, trace, ...(probed ? { probed } : {}) };
}
