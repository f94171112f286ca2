// One way in for everything that takes `--db`: a SQLite file or a
// postgres:// URL. What differs by backend stays in its own folder (sqlite/,
// postgres/); the compiled pack only ever sees a FeatureProvider.
import type { CheckedPack } from '../../compiler/ir.ts';
import type { AuditTrail } from '../audit.ts';
import type { BundleHistory } from '../history.ts';
import type { FeatureProvider } from '../provider.ts';
import type { LogEntry, LoggedDecision } from './decision-log.ts';
import { DecisionLog } from './sqlite/log.ts';
import { SqliteProvider } from './sqlite/provider.ts';
import type { AsyncSource } from './resolve.ts';
import { openStore as openSqlite, type DB, type OpenOptions } from './sqlite/schema.ts';
import { isPostgresUrl } from './postgres/connect.ts';
import { PostgresStore } from './postgres/store.ts';

export { isPostgresUrl };

export type AnyStore =
  | { readonly kind: 'sqlite'; readonly db: DB; readonly where: string }
  | { readonly kind: 'postgres'; readonly pg: PostgresStore; readonly where: string };

/**
 * The library's way in: a file opens the SQLite store (as before, at once);
 * a postgres:// URL connects to a PostgreSQL one (a promise).
 */
export function openStore(url: `postgres://${string}` | `postgresql://${string}`, opts?: OpenOptions): Promise<PostgresStore>;
export function openStore(path: string, opts?: OpenOptions): DB;
export function openStore(ref: string, opts: OpenOptions = {}): DB | Promise<PostgresStore> {
  return isPostgresUrl(ref) ? PostgresStore.open(ref, opts.create ? { create: true } : {}) : openSqlite(ref, opts);
}

/** Opens `ref` (a file or a postgres:// URL); `create` sets up an empty store. */
export async function openAnyStore(ref: string, opts: OpenOptions = {}): Promise<AnyStore> {
  if (isPostgresUrl(ref)) {
    const pg = await PostgresStore.open(ref, { ...(opts.create ? { create: true } : {}), applicationName: 'zhiyu' });
    return { kind: 'postgres', pg, where: pg.where };
  }
  return { kind: 'sqlite', db: openSqlite(ref, opts), where: ref };
}

export function providerOf(s: AnyStore, pack: CheckedPack): SqliteProvider | (AsyncSource & { asOf(time: number, beforeSeq?: number): AsyncSource }) {
  return s.kind === 'sqlite' ? new SqliteProvider(s.db, pack) : s.pg.provider(pack);
}

/** The decision log of a store, the same records in either backend. */
export interface AnyLog {
  append(e: LogEntry): Promise<number>;
  get(id: number): Promise<LoggedDecision>;
  ids(): Promise<number[]>;
  close(): void;
  /** The bundle history and the audit trail of the services (the log file's tables in SQLite; zy_bundles and zy_audit on PostgreSQL). */
  readonly history: BundleHistory;
  readonly audit: AuditTrail;
  /** The SQLite log itself (shadow report and eval --labelled read it directly). */
  readonly sqlite?: DecisionLog;
}

export function logOf(s: AnyStore, opts: { write?: boolean } = {}): AnyLog {
  if (s.kind === 'postgres') {
    const log = s.pg.log();
    return { append: (e) => log.append(e), get: (id) => log.get(id), ids: () => log.ids(), close: () => undefined, history: s.pg.history(), audit: s.pg.audit() };
  }
  const log = DecisionLog.open(s.db, opts);
  return { append: async (e) => log.append(e), get: async (id) => log.get(id), ids: async () => log.ids(), close: () => log.close(), history: log.history, audit: log.audit, sqlite: log };
}

export async function closeAnyStore(s: AnyStore): Promise<void> {
  if (s.kind === 'sqlite') s.db.close();
  else await s.pg.close();
}

/** Decides with a provider of either kind: directly on SQLite, resolved over PostgreSQL. */
export function decideOn<T>(p: FeatureProvider | AsyncSource, decide: (p: FeatureProvider) => T): Promise<T> {
  return 'resolve' in p && typeof p.resolve === 'function' ? (p as AsyncSource).resolve(decide) : Promise.resolve(decide(p as FeatureProvider));
}
