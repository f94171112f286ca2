// The thread Try it runs on (see try-thread.ts): opens the feature store
// once (a SQLite file read-only, or a pool of its own on a PostgreSQL
// server; a server that cannot be reached is tried again at the next
// request), then answers one request at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { isStackOverflow } from '../../compiler/limits.ts';
import { HttpError } from '../../runtime/server.ts';
import { openStore } from '../../runtime/store/sqlite/schema.ts';
import { isPostgresUrl } from '../../runtime/store/postgres/connect.ts';
import { PostgresStore } from '../../runtime/store/postgres/store.ts';
import { tryIt } from './try-it.ts';
import { storeHttpError, type EditorStore } from './store.ts';

export interface TryRequest { readonly id: number; readonly body: Record<string, unknown> }
export interface TryReply { readonly id: number; readonly status: number; readonly body: unknown }

const port = parentPort!;
const { dbPath } = workerData as { dbPath?: string };
let store: EditorStore | undefined;
let queue: Promise<void> = Promise.resolve();

async function open(ref: string): Promise<EditorStore> {
  return isPostgresUrl(ref) ? PostgresStore.open(ref, { max: 2, applicationName: 'zhiyu-editor' }) : openStore(ref, { readonly: true });
}

async function answer(m: TryRequest): Promise<TryReply> {
  try {
    if (dbPath && !store) store = await open(dbPath);
    return { id: m.id, status: 200, body: await tryIt(m.body, store) };
  } catch (e) {
    const err = e instanceof HttpError ? e
      : storeHttpError(e) ?? (isStackOverflow(e) ? new HttpError(422, { code: 'ZY1005', message: 'the pack is nested too deeply to compile' })
        : new HttpError(500, { code: 'ZY9000', message: `internal error: ${(e as Error).message}` }));
    return { id: m.id, status: err.status, body: err.body };
  }
}

port.on('message', (m: TryRequest) => {
  queue = queue.then(async () => { port.postMessage(await answer(m)); });
});
