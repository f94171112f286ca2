// Deciding one chunk of stored events, each as of its own time, and adding
// up what happened. The same code runs in the calling thread and in workers.
//
// As of its own time means: an event's windows count only events stored
// before it (zy_seq smaller: SqliteProvider.asOf) that occurred in the window
// ending at its time; list entries count only if added by then and not yet
// expired; entity profiles are the version in force at its time. A later
// event, a late-arriving one stored after it, or a later profile change is
// never seen. A profile version stored before zhiyu kept versions has no
// known start: it is read as it is now, and the report counts those reads.
import type { GeneratedCode } from '../../compiler/codegen.ts';
import { InputError } from '../../compiler/input.ts';
import type { Value } from '../../compiler/ir.ts';
import { packFromJson, packToJson, type PackJson } from '../../compiler/serialize.ts';
import type { Type } from '../../compiler/types.ts';
import { Engine, type Program } from '../engine.ts';
import { Precedence } from '../outcome.ts';
import type { AggregateQuery, EntityVersion, FeatureProvider } from '../provider.ts';
import { SqliteProvider } from '../store/sqlite/provider.ts';
import type { DB } from '../store/sqlite/schema.ts';
import { decode } from '../store/tables.ts';
import { Labels } from './labels.ts';
import { Accumulator } from './accumulate.ts';
import { applyOverlay, chunkQuery, type Bounds, type Chunk, type StorePlan } from './store-plan.ts';
import type { Tally } from './tally.ts';

export interface ReplaySetup {
  readonly candidate: Program;
  readonly baseline?: Program;
  readonly plan: Pick<StorePlan, 'overlay' | 'columns'>;
  readonly bounds: Bounds;
  readonly amountField: string | null;
  readonly customerField: string | null;
  readonly labelsAsOf: number | null;
  /** The label kinds that measure the candidate. */
  readonly labelKinds: readonly string[];
  /** The event types the baseline decides (null: every event it accepts). */
  readonly baselineTypes: readonly string[] | null;
  readonly examples: number;
  /** Keep each event's outcome and fired rules. */
  readonly keepDecisions: boolean;
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

export { outcomeNames } from '../outcome.ts';

const ENTITY_CACHE = 200_000;

type ProfileCount = { reads: number; asOfEvent: number; notYet: number; undated: number };

/**
 * The store as of one event: windows and lists through SqliteProvider.asOf,
 * entity rows from a cache of each key's versions (read from SQLite once),
 * the version in force at the event's time.
 */
class ReplayProvider implements FeatureProvider {
  private view: SqliteProvider;
  private time = 0;
  private readonly versions = new Map<string, Map<Value, readonly EntityVersion[]>>();
  /** entity → how reads were answered, for the report. */
  counts: Record<string, ProfileCount> = {};

  constructor(private readonly base: SqliteProvider) {
    this.view = base;
  }

  /** This provider, as of the event stored as `seq` at `time`. */
  at(seq: number, time: number): this {
    this.view = this.base.asOf(time, seq);
    this.time = time;
    return this;
  }

  entity(entity: string, key: Value): object | undefined {
    let byKey = this.versions.get(entity);
    if (!byKey) this.versions.set(entity, byKey = new Map());
    let vs = byKey.get(key);
    if (!vs) {
      if (byKey.size >= ENTITY_CACHE) byKey.clear();
      vs = this.base.entityVersions(entity, key);
      byKey.set(key, vs);
    }
    const c = this.counts[entity] ??= { reads: 0, asOfEvent: 0, notYet: 0, undated: 0 };
    c.reads++;
    const t = this.time;
    // The dated version in force at t, else one with an unknown start that had not ended by t.
    let undated: EntityVersion | undefined;
    for (let i = vs.length - 1; i >= 0; i--) {
      const v = vs[i]!;
      if (v.validTo !== null && v.validTo <= t) continue;
      if (v.validFrom === null) { undated ??= v; continue; }
      if (v.validFrom <= t) { c.asOfEvent++; return v.row; }
    }
    if (undated) { c.undated++; return undated.row; }
    c.notYet++;
    return undefined;
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
  readonly ruleIds: readonly string[];
  private readonly precedence: Precedence;
  private readonly fields: { at: number; name: string; type: Type }[];

  constructor(db: DB, program: Program, columns: readonly string[]) {
    const pack = program.pack;
    this.engine = new Engine(program);
    this.provider = new ReplayProvider(new SqliteProvider(db, pack));
    this.precedence = new Precedence(pack);
    this.outcomes = this.precedence.names;
    this.defaultOutcome = this.precedence.fallback;
    this.ruleIds = pack.rules.map((r) => r.id);
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
    return this.precedence.rank(fired, score);
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
    this.labels = new Labels(db, setup.labelsAsOf, setup.labelKinds);
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
    const acc = new Accumulator(C.engine.pack.rules.length, C, B, setup.examples, setup.keepDecisions);
    C.provider.counts = acc.tally.profiles;
    const query = chunkQuery(this.db, setup.plan.columns, chunk, setup.bounds);
    const baselineTypes = setup.baselineTypes ? new Set(setup.baselineTypes) : undefined;
    const typeAt = setup.plan.columns.indexOf('type') + 1;
    let sinceReport = 0;
    // One read transaction for the whole chunk: one snapshot, and no
    // BEGIN/COMMIT per decision (the provider sees it is inside one). A
    // caller's in-memory connection may already be inside one.
    const own = !this.db.inTransaction;
    if (own) this.db.exec('BEGIN');
    const rows = query(setup.bounds);
    try {
      for (const row of rows) {
        if (++sinceReport === 1000) { progress?.(sinceReport); sinceReport = 0; }
        const seq = row[0] as number;
        const time = row[this.timeAt] as number;
        let fired: readonly number[];
        let score: number;
        try {
          ({ fired, score } = C.engine.decideRaw(C.event(row), C.provider.at(seq, time)));
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          acc.skip(`${e.code} ${e.field}`, seq, e.message);
          continue;
        }
        const customer = this.customerAt ? row[this.customerAt] : undefined;
        const amountValue = this.amountAt ? row[this.amountAt] : 0;
        let ob: number | undefined;
        if (B) {
          ob = -1;
          // The baseline decides only the types it is for.
          if (!baselineTypes || (typeAt > 0 && baselineTypes.has(row[typeAt] as string))) {
            try {
              const r = B.engine.decideRaw(B.event(row), B.provider.at(seq, time));
              ob = B.outcome(r.fired, r.score);
            } catch (e) {
              if (!(e instanceof InputError)) throw e;
            }
          }
        }
        acc.add(seq, time, fired, C.outcome(fired, score), score, this.labels.of(seq, customer), typeof amountValue === 'number' ? amountValue : 0, customer, ob);
      }
    } finally {
      rows.return?.();
      if (own && this.db.inTransaction) this.db.exec('COMMIT');
    }
    if (sinceReport) progress?.(sinceReport);
    return acc.finish();
  }
}

export { NOT_DECIDED } from './accumulate.ts';
