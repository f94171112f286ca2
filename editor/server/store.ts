// The feature store as the editor's panels read it: a SQLite file or a
// PostgreSQL server. The event search and the backtest's event lists run the
// same statements on both (events.ts) through each backend's event-row
// reads. A PostgreSQL that cannot be reached is a 503 with ZY7010, as the
// decision API answers; the pool reconnects by itself.
import { HttpError } from '../../runtime/server.ts';
import { StoreError } from '../../runtime/store/errors.ts';
import type { StoreRows } from '../../runtime/store/event-rows.ts';
import { postgresRows } from '../../runtime/store/postgres/event-rows.ts';
import { PostgresStore } from '../../runtime/store/postgres/store.ts';
import { sqliteRows } from '../../runtime/store/sqlite/event-rows.ts';
import type { DB } from '../../runtime/store/sqlite/schema.ts';

export type EditorStore = DB | PostgresStore;
export type { StoreRows };

export const storeRows = (store: EditorStore): StoreRows => (store instanceof PostgresStore ? postgresRows(store) : sqliteRows(store));

/** The store's name as the editor shows it (a URL without its password). */
export function storeName(store: EditorStore): string {
  return store instanceof PostgresStore ? store.where : store.name;
}

/** A store error as the answer to a request: 503 when the store cannot be reached (it may come back), else 422. */
export function storeHttpError(e: unknown): HttpError | undefined {
  if (!(e instanceof StoreError)) return undefined;
  return new HttpError(e.code === 'ZY7010' ? 503 : 422, { code: e.code, message: e.message });
}
