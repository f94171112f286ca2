// The decision log in SQLite (its records, and the recording and replaying
// providers, are the same in both backends: decision-log.ts).
//
// The log is a SQLite file of its own beside the store (demo.db →
// demo.decisions.db). An import holds the store's write lock for as long as
// one file takes; with the log elsewhere, decisions and their log records
// keep flowing meanwhile, and the import stays one transaction. The same
// file keeps what the service writes about itself: the bundle history and
// the audit trail (control.ts; tables and versions in log-schema.ts).
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { armAndShadow, type LogEntry, type LoggedDecision, type Snapshot } from '../decision-log.ts';
import { StoreError } from '../errors.ts';
import type { DB } from './schema.ts';
import { migrateLog } from './log-schema.ts';
import { SqliteAuditTrail, SqliteBundleHistory } from './control.ts';

/** Where the decision log of a store file lives. */
export function logPathFor(storePath: string): string {
  if (storePath === ':memory:' || storePath === '') return ':memory:';
  return /\.db$/i.test(storePath) ? storePath.replace(/\.db$/i, '.decisions.db') : `${storePath}.decisions.db`;
}

const legacyTable = (db: DB): boolean => db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'zy_decisions'`).get() !== undefined;

export class DecisionLog {
  private insert?: Database.Statement;
  private readonly select: Database.Statement;
  /** Every bundle the service ran, by hash. */
  readonly history: SqliteBundleHistory;
  /** The hash-chained audit trail of activations. */
  readonly audit: SqliteAuditTrail;

  private constructor(private readonly db: DB, private readonly owned: boolean, private readonly writable = false) {
    this.select = db.prepare(`SELECT * FROM zy_decisions WHERE id = ?`);
    this.history = new SqliteBundleHistory(db);
    this.audit = new SqliteAuditTrail(db);
  }

  /** Where the log lives (":memory:" for an empty or in-memory one). */
  get path(): string {
    return this.db.name;
  }

  /**
   * The log of a store (`write`: to append to it; it is created when missing).
   * A store of version 1 kept its log inside the store file: those records are
   * moved to the log file, with their ids, the first time the log is opened
   * for writing (they named the pack by its source hash, so that is what they keep).
   */
  static open(store: DB, opts: { write?: boolean } = {}): DecisionLog {
    const path = logPathFor(store.name);
    const legacy = legacyTable(store);
    if (!opts.write && path !== ':memory:' && !existsSync(path)) {
      // Nothing logged yet: read the old in-store log, or an empty one.
      if (legacy) return new DecisionLog(store, false);
      const empty = new Database(':memory:');
      migrateLog(empty, ':memory:');
      return new DecisionLog(empty, true);
    }
    let db: DB;
    try {
      db = new Database(path, { readonly: !opts.write, fileMustExist: !opts.write });
      db.pragma('busy_timeout = 5000');
      if (opts.write) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      }
    } catch (e) {
      throw new StoreError('ZY7002', `the decision log ${path} cannot be ${opts.write ? 'written' : 'read'}: ${(e as Error).message}`);
    }
    if (opts.write) {
      try { migrateLog(db, path); } catch (e) {
        db.close();
        if (e instanceof StoreError) throw e;
        throw new StoreError('ZY7002', `the decision log ${path} cannot be written: ${(e as Error).message}`);
      }
    }
    const log = new DecisionLog(db, true, !!opts.write);
    if (opts.write && legacy) log.adopt(store);
    return log;
  }

  private adopt(store: DB): void {
    const rows = store.prepare('SELECT * FROM zy_decisions').all() as Record<string, unknown>[];
    const put = this.db.prepare(`INSERT OR IGNORE INTO zy_decisions (id, logged_at, event_time, bundle_hash, source_hash, pack, version, history_seq, input, snapshot, outcome, score, fired)
      VALUES (@id, @logged_at, @event_time, NULL, @bundle_hash, @pack, @version, NULL, @input, @snapshot, @outcome, @score, @fired)`);
    this.db.transaction(() => { for (const r of rows) put.run(r); })();
    if (!store.readonly) {
      try { store.exec('DROP TABLE zy_decisions'); } catch { /* busy: moved again (ignored as duplicates) next time */ }
    }
  }

  /** One INSERT, so a record is either whole or absent. */
  append(e: LogEntry): number {
    if (!this.writable) throw new StoreError('ZY7002', 'the decision log was opened for reading; open it with { write: true } to append');
    const d = e.decision;
    let r: { lastInsertRowid: number | bigint };
    try {
      this.insert ??= this.db.prepare(`INSERT INTO zy_decisions (logged_at, event_time, bundle_hash, source_hash, pack, version, history_seq, input, snapshot, outcome, score, fired,
          arm, shadow_bundle_hash, shadow_outcome, shadow_score, shadow_fired, shadow_error)
        VALUES (@loggedAt, @eventTime, @bundleHash, @sourceHash, @pack, @version, @historySeq, @input, @snapshot, @outcome, @score, @fired,
          @arm, @shadowHash, @shadowOutcome, @shadowScore, @shadowFired, @shadowError)`);
      const sh = e.shadow;
      r = this.insert.run({
        loggedAt: Date.now(), eventTime: e.eventTime, bundleHash: e.bundleHash, sourceHash: e.sourceHash, pack: d.pack, version: d.version ?? null,
        historySeq: e.snapshot.historySeq ?? null, input: JSON.stringify(e.input),
        snapshot: JSON.stringify(e.snapshot, (_k, v) => (v === undefined ? null : v)),
        outcome: d.outcome, score: d.score, fired: JSON.stringify(d.fired.map((f) => f.id)),
        arm: e.arm ?? null, shadowHash: sh?.bundleHash ?? null, shadowOutcome: sh?.outcome ?? null, shadowScore: sh?.score ?? null,
        shadowFired: sh?.fired ? JSON.stringify(sh.fired) : null, shadowError: sh?.error ?? null,
      });
    } catch (err) {
      if (/readonly|read-only/i.test((err as Error).message)) throw new StoreError('ZY7002', `the decision log cannot be written: ${(err as Error).message}`);
      throw err;
    }
    return Number(r.lastInsertRowid);
  }

  get(id: number): LoggedDecision {
    const r = this.select.get(id) as Record<string, unknown> | undefined;
    if (!r) throw new StoreError('ZY7008', `no decision ${id} in the log`);
    // An old in-store record named the pack by its source hash in bundle_hash.
    const legacy = !('source_hash' in r);
    const str = (k: string) => (typeof r[k] === 'string' && r[k] ? { [k === 'bundle_hash' ? 'bundleHash' : 'sourceHash']: r[k] as string } : {});
    return {
      id: r['id'] as number, loggedAt: r['logged_at'] as number, eventTime: r['event_time'] as number,
      ...(legacy ? { sourceHash: r['bundle_hash'] as string } : { ...str('bundle_hash'), ...str('source_hash') }),
      pack: r['pack'] as string, ...(r['version'] ? { version: r['version'] as string } : {}),
      input: JSON.parse(r['input'] as string), snapshot: JSON.parse(r['snapshot'] as string) as Snapshot,
      outcome: r['outcome'] as string, score: r['score'] as number, fired: JSON.parse(r['fired'] as string) as string[],
      ...armAndShadow(r),
    };
  }

  /**
   * The logged decisions a shadow candidate decided beside (`candidate`: its
   * bundle hash; default every one), oldest first, within [from, to) by event
   * time when given.
   */
  *shadowed(o: { candidate?: string; from?: number; to?: number } = {}): Generator<LoggedDecision> {
    if (!this.hasColumn('shadow_bundle_hash')) return;
    const rows = this.db.prepare(`SELECT id FROM zy_decisions WHERE shadow_bundle_hash IS NOT NULL
      AND (@candidate IS NULL OR shadow_bundle_hash = @candidate) AND (@from IS NULL OR event_time >= @from) AND (@to IS NULL OR event_time < @to) ORDER BY id`)
      .pluck().all({ candidate: o.candidate ?? null, from: o.from ?? null, to: o.to ?? null }) as number[];
    for (const id of rows) yield this.get(id);
  }

  /** The shadow candidates in the log: bundle hash, the live bundles they ran beside, and how many decisions, newest last. */
  shadowCandidates(): { candidate: string; live: string[]; decisions: number; first: number; last: number }[] {
    if (!this.hasColumn('shadow_bundle_hash')) return [];
    return (this.db.prepare(`SELECT shadow_bundle_hash AS candidate, json_group_array(DISTINCT bundle_hash) AS live, count(*) AS decisions, min(id) AS first, max(id) AS last
      FROM zy_decisions WHERE shadow_bundle_hash IS NOT NULL GROUP BY shadow_bundle_hash ORDER BY max(id)`).all() as Record<string, unknown>[])
      .map((r) => ({ candidate: r['candidate'] as string, live: (JSON.parse(r['live'] as string) as (string | null)[]).filter((x): x is string => !!x), decisions: r['decisions'] as number, first: r['first'] as number, last: r['last'] as number }));
  }

  private hasColumn(name: string): boolean {
    return (this.db.prepare(`PRAGMA table_info(zy_decisions)`).all() as { name: string }[]).some((c) => c.name === name);
  }

  /** One pack's decisions on events in [from, to), in event order: what the outcomes report counts (no snapshots). */
  between(pack: string, from: number, to: number): { eventTime: number; input: unknown; outcome: string; fired: string[] }[] {
    const rows = this.db.prepare('SELECT event_time, input, outcome, fired FROM zy_decisions WHERE pack = ? AND event_time >= ? AND event_time < ? ORDER BY event_time, id')
      .all(pack, from, to) as { event_time: number; input: string; outcome: string; fired: string }[];
    return rows.map((r) => ({ eventTime: r.event_time, input: JSON.parse(r.input), outcome: r.outcome, fired: JSON.parse(r.fired) as string[] }));
  }

  /** Ids of the logged decisions, oldest first. */
  ids(): number[] {
    return this.db.prepare('SELECT id FROM zy_decisions ORDER BY id').pluck().all() as number[];
  }

  close(): void {
    if (this.owned) this.db.close();
  }
}
