// The decision log. A decision made through a recording provider keeps
// exactly the stored features it read (entity rows, aggregate values, list
// lookups); replaying answers from that snapshot, so a logged decision can be
// re-evaluated and explained later without the database as it was.
import type { Value } from '../../compiler/ir.ts';
import type { Decision } from '../decision.ts';
import type { AggregateQuery, FeatureProvider } from '../provider.ts';
import { StoreError } from './errors.ts';
import type { DB } from './schema.ts';

export interface Snapshot {
  readonly entities: [entity: string, key: Value, row: object | null][];
  readonly aggregates: [aggregate: string, key: Value, now: number, value: Value][];
  readonly lists: [list: string, value: Value, now: number, member: boolean][];
}

/** Passes every call through and remembers what came back. */
export class RecordingProvider implements FeatureProvider {
  readonly snapshot: Snapshot = { entities: [], aggregates: [], lists: [] };
  constructor(private readonly inner: FeatureProvider) {}
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
}

export interface LoggedDecision {
  readonly id: number;
  readonly loggedAt: number;
  readonly bundleHash: string;
  readonly pack: string;
  readonly version?: string;
  readonly input: unknown;
  readonly snapshot: Snapshot;
  readonly outcome: string;
  readonly score: number;
  readonly fired: string[];
}

export class DecisionLog {
  private readonly insert;
  private readonly select;
  constructor(private readonly db: DB) {
    this.insert = db.prepare(`INSERT INTO zy_decisions (logged_at, event_time, bundle_hash, pack, version, input, snapshot, outcome, score, fired)
      VALUES (@loggedAt, @eventTime, @bundleHash, @pack, @version, @input, @snapshot, @outcome, @score, @fired)`);
    this.select = db.prepare('SELECT * FROM zy_decisions WHERE id = ?');
  }

  /** One INSERT, so a record is either whole or absent. */
  append(bundleHash: string, input: unknown, eventTime: number, snapshot: Snapshot, d: Decision): number {
    let r: { lastInsertRowid: number | bigint };
    try {
      r = this.insert.run({
      loggedAt: Date.now(), eventTime, bundleHash, pack: d.pack, version: d.version ?? null,
      input: JSON.stringify(input), snapshot: JSON.stringify(snapshot, (_k, v) => (v === undefined ? null : v)),
      outcome: d.outcome, score: d.score, fired: JSON.stringify(d.fired.map((f) => f.id)),
      });
    } catch (e) {
      if (/readonly/i.test((e as Error).message)) throw new StoreError('ZY7002', `the decision log cannot be written: ${(e as Error).message}`);
      throw e;
    }
    return Number(r.lastInsertRowid);
  }

  get(id: number): LoggedDecision {
    const r = this.select.get(id) as Record<string, unknown> | undefined;
    if (!r) throw new StoreError('ZY7008', `no decision ${id} in the log`);
    return {
      id: r['id'] as number, loggedAt: r['logged_at'] as number, bundleHash: r['bundle_hash'] as string,
      pack: r['pack'] as string, ...(r['version'] ? { version: r['version'] as string } : {}),
      input: JSON.parse(r['input'] as string), snapshot: JSON.parse(r['snapshot'] as string) as Snapshot,
      outcome: r['outcome'] as string, score: r['score'] as number, fired: JSON.parse(r['fired'] as string) as string[],
    };
  }
}
