// The thread Try it runs on (see try-thread.ts): opens the feature store
// read-only once, then answers one request at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { isStackOverflow } from '../../compiler/limits.ts';
import { HttpError } from '../../runtime/server.ts';
import { openStore, type DB } from '../../runtime/store/sqlite/schema.ts';
import { tryIt } from './try-it.ts';

export interface TryRequest { readonly id: number; readonly body: Record<string, unknown> }
export interface TryReply { readonly id: number; readonly status: number; readonly body: unknown }

const port = parentPort!;
const { dbPath } = workerData as { dbPath?: string };
let store: DB | undefined;

port.on('message', (m: TryRequest) => {
  let reply: TryReply;
  try {
    if (dbPath && !store) store = openStore(dbPath, { readonly: true });
    reply = { id: m.id, status: 200, body: tryIt(m.body, store) };
  } catch (e) {
    const err = e instanceof HttpError ? e
      : isStackOverflow(e) ? new HttpError(422, { code: 'ZY1005', message: 'the pack is nested too deeply to compile' })
        : new HttpError(500, { code: 'ZY9000', message: `internal error: ${(e as Error).message}` });
    reply = { id: m.id, status: err.status, body: err.body };
  }
  port.postMessage(reply);
});
