// Deciding over a store that answers asynchronously (PostgreSQL), with the
// compiled pack unchanged: the pack's code is synchronous and reads through
// a FeatureProvider. A decision runs against a provider that answers from
// what this decision has fetched so far; a read it lacks stops the run
// (NeedRead), is fetched, and the decision runs again from the start. A run
// has no side effects and reads the same answers in the same order, so the
// last run (the one that lacks nothing) is the decision, and it read exactly
// what a synchronous store would have been asked: features stay lazy and
// memoized as in SQLite; a decision costs one round trip per read it
// reaches, and re-runs that take microseconds each. A read the backend has
// in hand already (fetched ahead with the snapshot) is answered in the run
// that asks for it, with no stop.
//
// All fetches of one decision go through one Reads session, which the
// backend keeps on one consistent view of the store (PostgreSQL: one
// REPEATABLE READ, READ ONLY transaction).
import type { Value } from '../../compiler/ir.ts';
import type { AggregateQuery, FeatureProvider } from '../provider.ts';

/** One read a decision needs, as the backend fetches it. */
export type Read =
  | { readonly k: 'entity'; readonly entity: string; readonly key: Value }
  | { readonly k: 'aggregate'; readonly q: AggregateQuery }
  | { readonly k: 'list'; readonly list: string; readonly value: Value; readonly now: number }
  | { readonly k: 'calendar'; readonly from: string; readonly to: string };

/** Thrown by a Prefetched provider at a read it has not got; never escapes resolve(). */
export class NeedRead {
  constructor(readonly read: Read, readonly key: string) {}
}

/** The reads of one decision, on one consistent view of the store. */
export interface Reads {
  fetch(r: Read): Promise<unknown>;
  /**
   * The answer to `r` when the backend holds what it needs already (fetched ahead), so the run need not stop for it;
   * undefined otherwise. The same answer fetch(r) would give.
   */
  ready?(r: Read): { readonly value: unknown } | undefined;
  /** The last event (zy_seq) this view counts in its history. */
  readonly sequence: number;
  /** The time entity rows are read as of; undefined: the current rows. */
  readonly asOfTime?: number | undefined;
}

const keyOf = (r: Read): string => {
  switch (r.k) {
    case 'entity': return JSON.stringify(['e', r.entity, r.key]);
    case 'aggregate': return JSON.stringify(['a', r.q.spec.id, r.q.key, r.q.now]);
    case 'list': return JSON.stringify(['l', r.list, r.value, r.now]);
    case 'calendar': return JSON.stringify(['c', r.from, r.to]);
  }
};

/** Answers from what was fetched; throws NeedRead for anything else. */
export class Prefetched implements FeatureProvider {
  readonly got = new Map<string, unknown>();
  constructor(private readonly reads: Reads) {}
  get asOfTime(): number | undefined { return this.reads.asOfTime; }
  sequence(): number { return this.reads.sequence; }
  private answer(r: Read): unknown {
    const key = keyOf(r);
    if (this.got.has(key)) return this.got.get(key);
    const now = this.reads.ready?.(r);
    if (!now) throw new NeedRead(r, key);
    this.got.set(key, now.value);
    return now.value;
  }
  entity(entity: string, key: Value): object | null | undefined { return this.answer({ k: 'entity', entity, key }) as object | undefined; }
  aggregate(q: AggregateQuery): Value { return this.answer({ k: 'aggregate', q }) as Value; }
  listHas(list: string, value: Value, now: number): boolean { return this.answer({ k: 'list', list, value, now }) as boolean; }
  calendar(from: string, to: string): ReadonlyMap<string, boolean> { return this.answer({ k: 'calendar', from, to }) as ReadonlyMap<string, boolean>; }
}

/** A store whose decisions are resolved asynchronously (see above). */
export interface AsyncSource {
  /**
   * Runs `decide` until it lacks no read; each run gets a provider over the same view and the reads fetched so far.
   * `event`, the event decided, lets the backend fetch the reads it expects up front (never changing the answer).
   */
  resolve<T>(decide: (p: FeatureProvider) => T, event?: unknown): Promise<T>;
}

export const isAsyncSource = (p: unknown): p is AsyncSource => typeof (p as AsyncSource | undefined)?.resolve === 'function';

/** At most this many runs: a pack's reads are finite; more means a read that never settles. */
const MAX_RUNS = 10_000;

/** The loop behind AsyncSource.resolve, over one session's reads. */
export async function resolveWith<T>(reads: Reads, decide: (p: FeatureProvider) => T): Promise<T> {
  const p = new Prefetched(reads);
  for (let run = 0; run < MAX_RUNS; run++) {
    try {
      return decide(p);
    } catch (e) {
      if (!(e instanceof NeedRead)) throw e;
      p.got.set(e.key, await reads.fetch(e.read));
    }
  }
  throw new Error('a decision kept asking for new reads');
}
