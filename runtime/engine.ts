// Running compiled code: the generated factory is instantiated once per load
// with its constants and the helper object, then decides events.
import type { CheckedPack } from '../compiler/ir.ts';
import { InputError } from '../compiler/input.ts';
import type { GeneratedCode } from '../compiler/codegen.ts';
import { assemble, type Decision } from './decision.ts';
import { BundleError } from './bundle-error.ts';
import { R } from './helpers.ts';
import { EMPTY_PROVIDER, type FeatureProvider } from './provider.ts';
import type { DecideOptions } from './interpreter.ts';
import { unknownFields, validateRecord } from './validate.ts';

interface Generated {
  decide(src: object, P: FeatureProvider): { fired: number[]; score: number; memo: object };
  explain(i: number, src: object, P: FeatureProvider, M: object): unknown[];
  /** Only in packs with `note` clauses. */
  notes?(src: object, P: FeatureProvider, M: object, fired: readonly number[]): number[];
  noteValues?(i: number, src: object, P: FeatureProvider, M: object): unknown[];
}

export interface Program {
  /** The optimized pack the code was generated from. */
  readonly pack: CheckedPack;
  readonly code: GeneratedCode;
}

function instantiate(program: Program): Generated {
  // The source is built from the AST by codegen.ts; rule text reaches it only escaped.
  let g: Generated | undefined;
  try {
    const factory = new Function('K', 'R', program.code.source) as (k: readonly unknown[], r: typeof R) => Generated;
    g = factory(program.code.constants, R);
  } catch (e) {
    throw new BundleError('ZY8004', `the compiled code does not load (${(e as Error).name ?? 'error'})`);
  }
  if (typeof g?.decide !== 'function' || typeof g.explain !== 'function') throw new BundleError('ZY8004', 'the compiled code does not define decide() and explain()');
  return g;
}

export class Engine {
  private current: { readonly pack: CheckedPack; readonly g: Generated };

  constructor(program: Program) {
    this.current = { pack: program.pack, g: instantiate(program) };
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
    const next = { pack: program.pack, g: instantiate(program) };
    this.current = next;
  }

  decide(event: unknown, provider: FeatureProvider = EMPTY_PROVIDER, opts: DecideOptions = {}): Decision {
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      throw new InputError('ZY4003', 'event', 'event should be an object');
    }
    const { pack, g } = this.current;
    if (opts.strict) {
      unknownFields(pack.schema.event, event, 'event');
      validateRecord(pack.schema.event, event, 'event');
    }
    const run = () => {
      const r = g.decide(event, provider);
      const noted = g.notes ? { rules: g.notes(event, provider, r.memo, r.fired), values: (i: number) => g.noteValues!(i, event, provider, r.memo) as never } : undefined;
      return assemble(pack, r.fired, r.score, (i) => g.explain(i, event, provider, r.memo) as never, noted);
    };
    return provider.read ? provider.read(run) : run();
  }

  /** Only which rules fired and the score: the hot path, for benchmarks and backtests. */
  decideRaw(event: object, provider: FeatureProvider = EMPTY_PROVIDER): { fired: number[]; score: number } {
    const { g } = this.current;
    return provider.read ? provider.read(() => g.decide(event, provider)) : g.decide(event, provider);
  }
}

export function load(program: Program): Engine {
  return new Engine(program);
}
