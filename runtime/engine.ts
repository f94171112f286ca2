// Running compiled code: the generated factory is instantiated once per load
// with its constants and the helper object, then decides events.
import type { CheckedPack, Value } from '../compiler/ir.ts';
import { decisionTime, InputError } from '../compiler/input.ts';
import type { GeneratedCode } from '../compiler/codegen.ts';
import { Explainer, type Decision, type FiredRule } from './decision.ts';
import { BundleError } from './bundle-error.ts';
import { R } from './helpers.ts';
import type { FiredIndexes, OutcomeDecision, RawDecision } from './outcome.ts';
import { EMPTY_PROVIDER, type FeatureProvider } from './provider.ts';
import type { DecideOptions, TimeOption } from './interpreter.ts';
import { unknownFields, validateRecord } from './validate.ts';

type Values = readonly (readonly Value[])[];

/**
 * How an explained decision is made from what decide() found: the fired rules
 * (ascending), the score, each fired rule's entry of the explained decision
 * (compiler/codegen-explain.ts, made by the generated explain() from the
 * fields decide() read), and for notes the memo of entity rows and
 * aggregates read, the event, the provider and the time.
 */
type Finish = (fired: FiredIndexes, score: number, entries: FiredRule[], M: object, src: object, P: FeatureProvider, at: number | undefined) => Decision;

/** The generated code's functions; `at` is the decision time when the caller gave one (checked), else undefined. */
interface Generated {
  /** Without `finish`, `{ fired, score }` alone; with it, what `finish` makes of the explained decision's parts. */
  decide(src: object, P: FeatureProvider, at: number | undefined): RawDecision;
  decide(src: object, P: FeatureProvider, at: number | undefined, finish: Finish): Decision;
  explain: unknown;
  /** Only in packs with `note` clauses. */
  notes?(src: object, P: FeatureProvider, M: object, fired: readonly number[], at: number | undefined): number[];
  noteValues?(noted: readonly number[], src: object, P: FeatureProvider, M: object, at: number | undefined): Values;
}

export interface Program {
  /** The optimized pack the code was generated from. */
  readonly pack: CheckedPack;
  readonly code: GeneratedCode;
}

let loads = 0;

/**
 * The factory's source for one load: the generated source with a comment
 * naming the load. V8 caches `new Function` by its text: two loads of the
 * same text got the same compiled functions, and a second engine on the same
 * pack (each benchmark job has its own; a swap to an equal pack; the pack's
 * tests on an engine of their own) decided 1.1–1.2× slower than the first,
 * its explained decisions about 1.2× (most likely because the closures of
 * one cached function share one feedback cell, and V8 then stops
 * specializing them to one closure's constants). A text of its own per load
 * costs a parse per load.
 */
export function loadSource(code: GeneratedCode): string {
  return `${code.source}\n// load ${++loads}`;
}

function instantiate(program: Program): Generated {
  // The source is built from the AST by codegen.ts; rule text reaches it only escaped.
  let g: Generated | undefined;
  try {
    const factory = new Function('K', 'R', loadSource(program.code)) as (k: readonly unknown[], r: typeof R) => Generated;
    g = factory(program.code.constants, R);
  } catch (e) {
    throw new BundleError('ZY8004', `the compiled code does not load (${(e as Error).name ?? 'error'})`);
  }
  if (typeof g?.decide !== 'function' || typeof g.explain !== 'function') throw new BundleError('ZY8004', 'the compiled code does not define decide() and explain()');
  return g;
}

/** A loaded pack: its code and what its decisions show, swapped together. */
interface Loaded {
  readonly pack: CheckedPack;
  readonly g: Generated;
  readonly explainer: Explainer;
  /** Given to the generated decide() by an explained decision: it returns the decision. */
  readonly finish: Finish;
}

/** The time option, checked; undefined when the event's own `occurred_at` is the time. */
const timeOf = (opts: TimeOption | undefined): number | undefined => (opts === undefined || opts.at === undefined ? undefined : decisionTime(opts.at));

export class Engine {
  private current: Loaded;

  constructor(program: Program) {
    this.current = loaded(program);
  }

  get pack(): CheckedPack {
    return this.current.pack;
  }

  /**
   * Replaces the pack in one assignment. Decisions are synchronous, so one in
   * flight finishes on the old pack; a program that fails to load throws here
   * and the old pack keeps serving.
   */
  swap(program: Program): void {
    this.current = loaded(program);
  }

  /**
   * The explained decision: outcome, score, and for every fired rule its
   * reason, message and the values it saw. `opts.at` gives the event's time
   * (then its `occurred_at` is not read); `opts.strict` refuses fields the
   * schema does not declare.
   */
  decide(event: unknown, provider: FeatureProvider = EMPTY_PROVIDER, opts?: DecideOptions): Decision {
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      throw new InputError('ZY4003', 'event', 'event should be an object');
    }
    const at = timeOf(opts);
    const c = this.current;
    if (opts?.strict) {
      unknownFields(c.pack.schema.event, event, 'event');
      validateRecord(c.pack.schema.event, event, 'event', undefined, at);
    }
    return provider.read ? provider.read(() => c.g.decide(event, provider, at, c.finish)) : c.g.decide(event, provider, at, c.finish);
  }

  /**
   * Only which rules fired (indexes into `pack.rules`, ascending) and the
   * score: the hot path, for backtests and callers that need no explanation.
   */
  decideRaw(event: object, provider: FeatureProvider = EMPTY_PROVIDER, opts?: TimeOption): RawDecision {
    const g = this.current.g;
    const at = timeOf(opts);
    return provider.read ? provider.read(() => g.decide(event, provider, at)) : g.decide(event, provider, at);
  }

  /** decideRaw() and the outcome, by the pack's precedence and thresholds: no messages, no values. */
  decideOutcome(event: object, provider: FeatureProvider = EMPTY_PROVIDER, opts?: TimeOption): OutcomeDecision {
    const c = this.current;
    const at = timeOf(opts);
    const r = provider.read ? provider.read(() => c.g.decide(event, provider, at)) : c.g.decide(event, provider, at);
    return { fired: r.fired, score: r.score, outcome: c.explainer.precedence.outcome(r.fired, r.score) };
  }
}

function loaded(program: Program): Loaded {
  const g = instantiate(program);
  const explainer = new Explainer(program.pack);
  return { pack: program.pack, g, explainer, finish: finisher(g, explainer) };
}

/** The explained decision from decide()'s parts; with notes, the rules that explain not deciding are found first. */
function finisher(g: Generated, explainer: Explainer): Finish {
  const { notes, noteValues } = g;
  if (!notes) return (fired, score, entries) => explainer.assemble(fired, score, entries);
  return (fired, score, entries, M, src, P, at) => {
    const rules = notes(src, P, M, fired, at);
    const noted = rules.length ? { rules, values: noteValues!(rules, src, P, M, at) } : undefined;
    return explainer.assemble(fired, score, entries, noted);
  };
}

export function load(program: Program): Engine {
  return new Engine(program);
}
