// The one interface through which decisions read stored features: entity
// rows, history aggregates, lists and the working-day calendar. Tests use the
// in-memory provider below; a feature store (runtime/store: SQLite) is a
// StoreProvider, which also says as of when it is read.
import type { AggregateSpec, Value } from '../compiler/ir.ts';
import { aggregateOver } from './aggregate.ts';

/** A prior event as stored: field name → value. */
export type HistoryEvent = Readonly<Record<string, unknown>>;

export interface AggregateQuery {
  readonly spec: AggregateSpec;
  /** The decision time: the current event's own `occurred_at`. */
  readonly now: number;
  /** The current event's value of `spec.by` (never missing here). */
  readonly key: Value;
  /** The `where` filter as a function, for providers that scan events themselves. */
  readonly filter?: (h: HistoryEvent) => boolean;
  /** The current event, when the aggregate includes it and it passes the filter. */
  readonly current?: HistoryEvent;
  /** sequence(): each step's filter, in order. */
  readonly steps?: readonly ((h: HistoryEvent) => boolean)[];
}

export interface FeatureProvider {
  entity(entity: string, key: Value): object | null | undefined;
  aggregate(q: AggregateQuery): Value;
  /** Membership as of `now`, the decision time (entries added later or expired do not count). */
  listHas(list: string, value: Value, now: number): boolean;
  /** Runs one decision's reads together (a read transaction in SQLite). */
  read?<T>(fn: () => T): T;
  /** Holidays (false) and make-up working days (true) between two local dates, inclusive. */
  calendar?(fromDate: string, toDate: string): ReadonlyMap<string, boolean>;
}

/** One version of an entity row: true from `validFrom` (null: since an unknown time) until `validTo` (null: still current). */
export interface EntityVersion {
  readonly validFrom: number | null;
  readonly validTo: number | null;
  readonly row: object;
}

/**
 * What a decision may read from a feature store, and as of when. The store
 * itself answers as it is now (a live decision): the current version of each
 * entity row, every stored event, lists as of the decision time. `asOf` is the
 * store as it stood at a moment (backtests, replays, `eval --at`): entity rows
 * valid then, history bounded by a sequence number. A backend (SQLite today)
 * implements this; the compiled pack never knows which one it reads.
 */
export interface StoreProvider extends FeatureProvider {
  /** Entity rows as they stood at `time`; only events stored before `beforeSeq` (default: all) are history. */
  asOf(time: number, beforeSeq?: number): StoreProvider;
  /** Every stored version of one entity row, oldest first (a version with an unknown start first). */
  entityVersions(entity: string, key: Value): readonly EntityVersion[];
  /** The sequence number of the last event a decision here counts in its history. */
  sequence(): number;
  read<T>(fn: () => T): T;
  calendar(fromDate: string, toDate: string): ReadonlyMap<string, boolean>;
}

export interface MemoryData {
  /** entity name → key → row */
  readonly entities?: Readonly<Record<string, ReadonlyMap<Value, object> | Readonly<Record<string, object>>>>;
  readonly history?: readonly HistoryEvent[];
  readonly lists?: Readonly<Record<string, readonly Value[]>>;
  /** "YYYY-MM-DD" → working day or not, for dates that differ from Monday–Friday. */
  readonly calendar?: Readonly<Record<string, boolean>>;
}

/** Everything in memory; aggregates by scanning the history (the reference for any store). */
export class MemoryProvider implements FeatureProvider {
  private readonly entities = new Map<string, Map<Value, object>>();
  private readonly lists = new Map<string, Set<Value>>();
  private readonly history: readonly HistoryEvent[];
  private readonly days: ReadonlyMap<string, boolean>;

  constructor(data: MemoryData = {}) {
    for (const [name, rows] of Object.entries(data.entities ?? {})) {
      this.entities.set(name, rows instanceof Map ? new Map(rows) : new Map(Object.entries(rows)));
    }
    for (const [name, values] of Object.entries(data.lists ?? {})) this.lists.set(name, new Set(values));
    this.history = data.history ?? [];
    this.days = new Map(Object.entries(data.calendar ?? {}));
  }

  calendar(fromDate: string, toDate: string): ReadonlyMap<string, boolean> {
    return new Map([...this.days].filter(([d]) => d >= fromDate && d <= toDate));
  }

  entity(entity: string, key: Value): object | undefined {
    return this.entities.get(entity)?.get(key);
  }

  aggregate(q: AggregateQuery): Value {
    return aggregateOver(this.history, q);
  }

  listHas(list: string, value: Value): boolean {
    return this.lists.get(list)?.has(value) ?? false;
  }
}

export const EMPTY_PROVIDER: FeatureProvider = new MemoryProvider();
