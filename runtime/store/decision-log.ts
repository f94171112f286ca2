// The records of the decision log, whichever the store keeps them in
// (sqlite/log.ts, postgres/log.ts). A decision made through a recording
// provider keeps exactly what it read from the store (entity rows, aggregate
// values, list lookups, calendar days, the last event its history could
// count); replaying answers from that snapshot, so a logged decision can be
// re-evaluated and explained later without the database as it was.
import type { Value } from '../../compiler/ir.ts';
import type { Decision } from '../decision.ts';
import type { AggregateQuery, FeatureProvider, StoreProvider } from '../provider.ts';

export interface Snapshot {
  readonly entities: [entity: string, key: Value, row: object | null][];
  readonly aggregates: [aggregate: string, key: Value, now: number, value: Value][];
  readonly lists: [list: string, value: Value, now: number, member: boolean][];
  /** Calendar lookups: the dates asked about and the holidays and make-up days found between them. */
  readonly calendar?: [fromDate: string, toDate: string, days: [date: string, working: boolean][]][];
  /** The last stored event (zy_seq) the decision's windows could count. */
  historySeq?: number;
  /** Entity rows were read as they stood at this time; absent: the current rows (a live decision). */
  asOf?: number;
}

/** Passes every call through and remembers what came back. Never changes an answer. */
export class RecordingProvider implements FeatureProvider {
  readonly snapshot: Snapshot = { entities: [], aggregates: [], lists: [], calendar: [] };
  constructor(private readonly inner: FeatureProvider) {
    const at = (inner as { asOfTime?: number }).asOfTime;
    if (at !== undefined) this.snapshot.asOf = at;
  }
  entity(entity: string, key: Value): object | null | undefined {
    const row = this.inner.entity(entity, key) ?? null;
    this.snapshot.entities.push([entity, key, row]);
    return row;
  }
  aggregate(q: AggregateQuery): Value {
    const v = this.inner.aggregate(q);
    this.snapshot.aggregates.push([q.spec.text, q.key, q.now, v]);
    return v;
  }
  listHas(list: string, value: Value, now: number): boolean {
    const m = this.inner.listHas(list, value, now);
    this.snapshot.lists.push([list, value, now, m]);
    return m;
  }
  calendar(fromDate: string, toDate: string): ReadonlyMap<string, boolean> {
    const days = this.inner.calendar?.(fromDate, toDate) ?? new Map<string, boolean>();
    this.snapshot.calendar!.push([fromDate, toDate, [...days]]);
    return days;
  }
  /** The inner provider's read transaction; the history bound is taken inside it. */
  read<T>(fn: () => T): T {
    const run = () => {
      const seq = (this.inner as Partial<StoreProvider>).sequence?.();
      if (seq !== undefined) this.snapshot.historySeq = seq;
      return fn();
    };
    return this.inner.read ? this.inner.read(run) : run();
  }
}

/** Answers only from a snapshot; a question it cannot answer is recorded as a gap. */
export class SnapshotProvider implements FeatureProvider {
  readonly gaps: string[] = [];
  constructor(private readonly s: Snapshot) {}
  entity(entity: string, key: Value): object | null {
    const hit = this.s.entities.find(([e, k]) => e === entity && k === key);
    if (!hit) { this.gaps.push(`entity ${entity} ${JSON.stringify(key)}`); return null; }
    return hit[2];
  }
  aggregate(q: AggregateQuery): Value {
    const hit = this.s.aggregates.find(([a, k, n]) => a === q.spec.text && k === q.key && n === q.now);
    if (!hit) { this.gaps.push(q.spec.text); return undefined; }
    return hit[3] ?? undefined;
  }
  listHas(list: string, value: Value, now: number): boolean {
    const hit = this.s.lists.find(([l, v, n]) => l === list && v === value && n === now);
    if (!hit) { this.gaps.push(`list ${list} ${JSON.stringify(value)}`); return false; }
    return hit[3];
  }
  calendar(fromDate: string, toDate: string): ReadonlyMap<string, boolean> {
    const hit = this.s.calendar?.find(([f, t]) => f === fromDate && t === toDate);
    if (!hit) { this.gaps.push(`calendar ${fromDate}..${toDate}`); return new Map(); }
    return new Map(hit[2]);
  }
}

export interface LoggedDecision {
  readonly id: number;
  readonly loggedAt: number;
  readonly eventTime: number;
  /** The hash of the bundle that decided, as /healthz and /v1/decide report it; absent when a pack compiled from source decided (eval). */
  readonly bundleHash?: string;
  /** The content hash of the pack's sources (runtime/pack-hash.ts), whatever the path they were read from. */
  readonly sourceHash?: string;
  readonly pack: string;
  readonly version?: string;
  readonly input: unknown;
  readonly snapshot: Snapshot;
  readonly outcome: string;
  readonly score: number;
  readonly fired: string[];
  /** Which bundle of the service decided: the live one or the canary (absent: logged before arms, or by eval). */
  readonly arm?: Arm;
  /** The shadow candidate's decision of the same request, beside the one that answered it. */
  readonly shadow?: ShadowResult;
}

export type Arm = 'live' | 'canary';

/** A shadow candidate's decision: what it would have answered, or the error it failed with (which failed nothing). */
export interface ShadowResult {
  readonly bundleHash: string;
  readonly outcome?: string;
  readonly score?: number;
  readonly fired?: readonly string[];
  readonly error?: string;
}

export interface LogEntry {
  readonly bundleHash: string | null;
  readonly sourceHash: string;
  readonly input: unknown;
  readonly eventTime: number;
  readonly snapshot: Snapshot;
  readonly decision: Decision;
  readonly arm?: Arm;
  readonly shadow?: ShadowResult;
}

export function armAndShadow(r: Record<string, unknown>): { arm?: Arm; shadow?: ShadowResult } {
  const arm = r['arm'] === 'live' || r['arm'] === 'canary' ? { arm: r['arm'] as Arm } : {};
  const hash = r['shadow_bundle_hash'];
  if (typeof hash !== 'string') return arm;
  const shadow: ShadowResult = {
    bundleHash: hash,
    ...(typeof r['shadow_outcome'] === 'string' ? { outcome: r['shadow_outcome'] } : {}),
    ...(typeof r['shadow_score'] === 'number' ? { score: r['shadow_score'] } : {}),
    ...(typeof r['shadow_fired'] === 'string' ? { fired: JSON.parse(r['shadow_fired']) as string[] } : {}),
    ...(typeof r['shadow_error'] === 'string' ? { error: r['shadow_error'] } : {}),
  };
  return { ...arm, shadow };
}
