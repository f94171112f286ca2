// The feature store as the editor's panels read it: a SQLite file or a
// PostgreSQL server. The event search and the backtest's event lists run the
// same statements on both (events.ts) through each backend's event-row
// reads. A PostgreSQL that cannot be reached is a 503 with ZY7010, as the
// decision API answers; the pool reconnects by itself.
import type { CheckedPack } from '../../compiler/ir.ts';
import { HttpError } from '../../runtime/server.ts';
import { StoreError } from '../../runtime/store/errors.ts';
import type { StoreRows } from '../../runtime/store/event-rows.ts';
import { postgresRows } from '../../runtime/store/postgres/event-rows.ts';
import { PostgresStore } from '../../runtime/store/postgres/store.ts';
import { withClient } from '../../runtime/store/postgres/connect.ts';
import { wantedIndexes } from '../../runtime/store/postgres/schema.ts';
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

/** Something the editor can work around but an operator should fix: shown in the editor's status bar and printed in the server log. */
export interface StoreWarning { readonly code: 'ZY7012'; readonly message: string; readonly indexes: readonly string[] }

/** Why PostgreSQL refused to create an index: a role that does not own the tables (42501), a read replica or a read-only role (25006). */
const NOT_ALLOWED = new Set(['42501', '25006']);

/** The packs as saved now: a key that changes whenever their files do, and the packs compiled (asked only when the key changed). */
export interface SavedPacks { key(): string; packs(): readonly CheckedPack[] }

/** The key of a workspace listing (its packs' files and their hashes): SavedPacks.key of what it lists. */
export const savedKey = (listing: unknown): string => JSON.stringify(listing);

/**
 * The covering indexes the saved packs' windows need, created where missing,
 * as a service does: at start and again after an edit that changes them. A
 * role that may not create them (the least-privilege service role, or any
 * role on a read replica) gets a ZY7012 warning naming them and the command
 * the owner runs to create them; the editor serves on, reading without them
 * (each window then scans its months). Returns what to warn of now: while a
 * warning stands the missing indexes are read again each time, so it goes
 * once the owner has created them. Calls run one at a time; a caller that has
 * just listed the workspace passes that listing's key (SavedPacks.key) rather
 * than have it read again.
 */
export async function pgIndexWarnings(pg: PostgresStore, saved: SavedPacks, dir: string): Promise<(savedKey?: string) => Promise<StoreWarning[]>> {
  let key: string | undefined;
  let packs: readonly CheckedPack[] = [];
  let why = '';
  let last: StoreWarning | undefined;
  const read = async (): Promise<StoreWarning | undefined> => {
    const missing = (await withClient(pg.pool, pg.where, (c) => wantedIndexes(c, packs))).map((w) => w.name);
    if (missing.length === 0) return undefined;
    return {
      code: 'ZY7012', indexes: missing,
      message: `${pg.where} lacks ${missing.length} index${missing.length === 1 ? '' : 'es'} the packs' windows need (${missing.join(', ')}), and this role may not create them (${why}); `
        + `Try it reads those windows without them, more slowly; the store's owner creates them with: zhiyu db index postgres://<owner>@<primary>/<database> ${dir}`,
    };
  };
  const ensure = async (): Promise<StoreWarning | undefined> => {
    try {
      await pg.ensureIndexes(packs);
      return undefined;
    } catch (e) {
      if (!NOT_ALLOWED.has(String((e as { code?: unknown }).code))) throw e;
      why = (e as Error).message;
      return read();
    }
  };
  const current = async (savedKey?: string): Promise<StoreWarning[]> => {
    const now = savedKey ?? saved.key();
    try {
      if (now !== key) {
        packs = saved.packs();
        last = await ensure();
        key = now;
      } else if (last) last = await read();
    } catch (e) {
      // At start any other refusal is the caller's to report; later, a store that cannot be reached just now
      // keeps the last word (the workspace route stays up in an outage) and the next call tries again.
      if (key === undefined) throw e;
    }
    return last ? [last] : [];
  };
  let queue: Promise<unknown> = current();
  await queue;
  return (savedKey) => {
    const next = queue.then(() => current(savedKey), () => current(savedKey));
    queue = next.catch(() => undefined);
    return next;
  };
}
