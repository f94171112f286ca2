// Deciding one chunk of stored events, each as of its own time, and adding
// up what happened. The same code runs in the calling thread and in workers.
//
// As of its own time means: an event's windows count only events stored
// before it (zy_seq smaller: SqliteProvider.before) that occurred in the
// window ending at its time; list entries count only if added by then and not
// yet expired. A later event, or a late-arriving one stored after it, is
// never seen. Entity profiles are the one exception: the store keeps only
// their latest state, so a backtest reads that (the report says so).
import type { GeneratedCode } from '../../compiler/codegen.ts';
import { InputError } from '../../compiler/input.ts';
import type { CheckedPack, Value } from '../../compiler/ir.ts';
import { packFromJson, packToJson, type PackJson } from '../../compiler/serialize.ts';
import { SHANGHAI_OFFSET } from '../../compiler/semantics.ts';
import type { Type } from '../../compiler/types.ts';
import { Engine, type Program } from '../engine.ts';
import type { AggregateQuery, FeatureProvider } from '../provider.ts';
import { SqliteProvider } from '../store/provider.ts';
import type { DB } from '../store/schema.ts';
import { decode } from '../store/sql.ts';
import { FRAUD, Labels, NOT_FRAUD, type LabelClass } from './labels.ts';
import { applyOverlay, chunkQuery, type Bounds, type Chunk, type StorePlan } from './store-plan.ts';
import { emptyTally, intersect, type Counters, type SideTally, type Tally } from './tally.ts';

const DAY = 86_400_000;

export interface ReplaySetup {
  readonly candidate: Program;
  readonly baseline?: Program;
  readonly plan: Pick<StorePlan, 'overlay' | 'columns'>;
  readonly bounds: Bounds;
  readonly amountField: string | null;
  readonly customerField: string | null;
  readonly labelsAsOf: number | null;
  readonly examples: number;
}

/** A setup as it crosses to a worker: packs as JSON (their Maps become lists). */
export type WireSetup = Omit<ReplaySetup, 'candidate' | 'baseline'> & {
  readonly candidate: WireProgram;
  readonly baseline?: WireProgram;
};
interface WireProgram { readonly pack: PackJson; readonly code: GeneratedCode }

const wireProgram = (p: Program): WireProgram => ({ pack: packToJson(p.pack), code: p.code });
const fromWireProgram = (p: WireProgram): Program => ({ pack: packFromJson(p.pack), code: p.code });

export function toWire(s: ReplaySetup): WireSetup {
  const { candidate, baseline, ...rest } = s;
  return { ...rest, candidate: wireProgram(candidate), ...(baseline ? { baseline: wireProgram(baseline) } : {}) };
}

export function fromWire(s: WireSetup): ReplaySetup {
  const { candidate, baseline, ...rest } = s;
  return { ...rest, candidate: fromWireProgram(candidate), ...(baseline ? { baseline: fromWireProgram(baseline) } : {}) };
}

/** The outcome names a pack can give; a pack without outcomes gives `none`, as decide() does. */
export const outcomeNames = (pack: CheckedPack): readonly string[] => (pack.outcomes.length ? pack.outcomes : ['none']);

const ENTITY_CACHE = 200_000;

/**
 * The store as of one event: windows and lists through SqliteProvider.before,
 * entity rows from a cache. The store keeps only an entity's latest row, the
 * same for every event of the replay, so each is read from SQLite once.
 */
class ReplayProvider implements FeatureProvider {
  private view: SqliteProvider;
  private readonly rows = new Map<string, Map<Value, object | undefined>>();

  constructor(private readonly base: SqliteProvider) {
    this.view = base;
  }

  /** This provider, as of the event stored as `seq`. */
  at(seq: number): this {
    this.view = this.base.before(seq);
    return this;
  }

  entity(entity: string, key: Value): object | undefined {
    let rows = this.rows.get(entity);
    if (!rows) this.rows.set(entity, rows = new Map());
    if (rows.has(key)) return rows.get(key);
    if (rows.size >= ENTITY_CACHE) rows.clear();
    const row = this.base.entity(entity, key);
    rows.set(key, row);
    return row;
  }

  aggregate(q: AggregateQuery): Value { return this.view.aggregate(q); }
  listHas(list: string, value: Value, now: number): boolean { return this.view.listHas(list, value, now); }
  calendar(fromDate: string, toDate: string): ReadonlyMap<string, boolean> { return this.view.calendar(fromDate, toDate); }
  read<T>(fn: () => T): T { return this.view.read(fn); }
}

/** One pack's engine over the store, and how to read its event from a row. */
class Side {
  readonly engine: Engine;
  readonly provider: ReplayProvider;
  readonly outcomes: readonly string[];
  readonly defaultOutcome: number;
  private readonly ranks: Int32Array;
  private readonly thresholds: { rank: number; at: number }[];
  private readonly fields: { at: number; name: string; type: Type }[];

  constructor(db: DB, program: Program, columns: readonly string[]) {
    const pack = program.pack;
    this.engine = new Engine(program);
    this.provider = new ReplayProvider(new SqliteProvider(db, pack));
    this.outcomes = outcomeNames(pack);
    this.defaultOutcome = this.outcomes.length - 1;
    const rank = (o: string | undefined) => (o === undefined ? -1 : pack.outcomes.indexOf(o));
    this.ranks = Int32Array.from(pack.rules.map((r) => rank(r.outcome)));
    this.thresholds = pack.thresholds.map((t) => ({ rank: rank(t.outcome), at: t.at }));
    // Row layout: zy_seq, then the plan's columns.
    this.fields = [...pack.schema.event.fields.values()].filter((f) => columns.includes(f.name))
      .map((f) => ({ at: columns.indexOf(f.name) + 1, name: f.name, type: f.type }));
  }

  /** The stored row as the event a decision receives (decoded by this pack's types). */
  event(row: readonly unknown[]): Record<string, Value> {
    const out: Record<string, Value> = Object.create(null);
    for (const f of this.fields) {
      const v = row[f.at];
      if (v !== null && v !== undefined) out[f.name] = decode(f.type, v);
    }
    return out;
  }

  /** The winning outcome's index, by the same precedence as decide(). */
  outcome(fired: readonly number[], score: number): number {
    let best = this.defaultOutcome;
    for (const i of fired) { const k = this.ranks[i]!; if (k >= 0 && k < best) best = k; }
    for (const t of this.thresholds) if (score >= t.at && t.rank >= 0 && t.rank < best) best = t.rank;
    return best;
  }
}

export class ChunkRunner {
  private readonly candidate: Side;
  private readonly baseline?: Side;
  private readonly labels: Labels;
  private readonly timeAt = 1;
  private readonly amountAt: number;
  private readonly customerAt: number;
  private readonly removeOverlay: () => void;

  constructor(private readonly db: DB, private readonly setup: ReplaySetup) {
    this.removeOverlay = applyOverlay(db, setup.plan);
    const cols = setup.plan.columns;
    this.candidate = new Side(db, setup.candidate, cols);
    if (setup.baseline) this.baseline = new Side(db, setup.baseline, cols);
    this.labels = new Labels(db, setup.labelsAsOf);
    this.amountAt = setup.amountField ? cols.indexOf(setup.amountField) + 1 : 0;
    this.customerAt = setup.customerField ? cols.indexOf(setup.customerField) + 1 : 0;
  }

  /** Drops the TEMP views this runner made (the connection may be the caller's own). */
  close(): void {
    this.removeOverlay();
  }

  /** Decides the chunk's events in replay order; `progress` is told every 1,000 events. */
  run(chunk: Chunk, progress?: (events: number) => void): Tally {
    const { candidate: C, baseline: B, setup } = this;
    const K = setup.examples;
    const t = emptyTally(C.engine.pack.rules.length, C.outcomes.length, B?.outcomes.length);
    const goodC = new Set<string>();
    const goodB = new Set<string>();
    const query = chunkQuery(this.db, setup.plan.columns, chunk);
    let sinceReport = 0;
    // One read transaction for the whole chunk: one snapshot, and no
    // BEGIN/COMMIT per decision (the provider sees it is inside one). A
    // caller's in-memory connection may already be inside one.
    const own = !this.db.inTransaction;
    if (own) this.db.exec('BEGIN');
    const rows = query(setup.bounds);
    try {
      for (const row of rows) {
        t.total++;
        if (++sinceReport === 1000) { progress?.(sinceReport); sinceReport = 0; }
        const seq = row[0] as number;
        const time = row[this.timeAt] as number;
        let fired: readonly number[];
        let score: number;
        try {
          ({ fired, score } = C.engine.decideRaw(C.event(row), C.provider.at(seq)));
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          const reason = `${e.code} ${e.field}`;
          const have = t.skipped[reason];
          if (have) have.events++; else t.skipped[reason] = { events: 1, example: seq, message: e.message };
          continue;
        }
        const customer = this.customerAt ? row[this.customerAt] : undefined;
        const label = this.labels.of(seq, customer);
        const amountValue = this.amountAt ? row[this.amountAt] : 0;
        const amount = typeof amountValue === 'number' ? amountValue : 0;
        const isFraud = label === FRAUD;
        t.decided++;
        if (t.first === null) t.first = time;
        t.last = time;
        if (isFraud) { t.fraud++; t.fraudMoney += amount; } else if (label === NOT_FRAUD) t.notFraud++;
        const dayKey = String(Math.floor((time + SHANGHAI_OFFSET) / DAY));
        const day = t.days[dayKey] ??= { events: 0, hits: new Array<number>(t.rules.events.length).fill(0), outcomes: new Array<number>(C.outcomes.length).fill(0) };
        day.events++;
        for (const i of fired) {
          count(t.rules, i, label, amount);
          day.hits[i]!++;
          if (fired.length === 1) t.rules.unique[i]!++;
          const ex = t.rules.examples[i]!;
          if (ex.length < K) ex.push(seq);
          const byLabel = (isFraud ? t.rules.fraudExamples : t.rules.goodExamples)[i]!;
          if (byLabel.length < K) byLabel.push(seq);
          t.rules.coveredBy[i] = intersect(t.rules.coveredBy[i]!, fired.filter((j) => j !== i));
        }
        const oc = C.outcome(fired, score);
        day.outcomes[oc]!++;
        side(t.candidate, oc, C.defaultOutcome, label, amount, customer, goodC);
        if (!B || !t.baseline) continue;
        let ob = -1;
        try {
          const r = B.engine.decideRaw(B.event(row), B.provider.at(seq));
          ob = B.outcome(r.fired, r.score);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
        }
        if (ob >= 0) side(t.baseline, ob, B.defaultOutcome, label, amount, customer, goodB);
        const from = ob >= 0 ? B.outcomes[ob]! : NOT_DECIDED;
        const to = C.outcomes[oc]!;
        if (from === to) continue;
        const key = JSON.stringify([from, to]);
        const tr = t.baseline.transitions[key] ??= { events: 0, fraud: 0, fraudMoney: 0, goodMoney: 0, examples: [] };
        tr.events++;
        if (isFraud) { tr.fraud++; tr.fraudMoney += amount; } else tr.goodMoney += amount;
        if (tr.examples.length < K) tr.examples.push(seq);
      }
    } finally {
      rows.return?.();
      if (own && this.db.inTransaction) this.db.exec('COMMIT');
    }
    if (sinceReport) progress?.(sinceReport);
    t.candidate.goodCustomers = [...goodC].sort();
    if (t.baseline) t.baseline.goodCustomers = [...goodB].sort();
    return t;
  }
}

/** The baseline's outcome for an event it cannot decide (another schema, say). */
export const NOT_DECIDED = '(not decided)';

function count(c: Counters, i: number, label: LabelClass, amount: number): void {
  c.events[i]!++;
  if (label === FRAUD) { c.fraud[i]!++; c.fraudMoney[i]! += amount; } else {
    c.goodMoney[i]! += amount;
    if (label === NOT_FRAUD) c.labelledGood[i]!++;
  }
}

function side(s: SideTally, outcome: number, defaultOutcome: number, label: LabelClass, amount: number, customer: unknown, good: Set<string>): void {
  count(s.outcomes, outcome, label, amount);
  if (outcome !== defaultOutcome && label !== FRAUD && customer !== undefined && customer !== null) good.add(String(customer));
}
