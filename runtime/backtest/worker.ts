// A backtest worker: opens the store read-only, builds the engines once, then
// decides the chunks the calling thread hands it, one at a time, and sends
// each chunk's tally back.
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../store/sqlite/schema.ts';
import { ChunkRunner, fromWire, type WireSetup } from './replay.ts';
import type { Chunk } from './store-plan.ts';

export type ToWorker = { type: 'chunk'; chunk: Chunk } | { type: 'stop' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; events: number }
  | { type: 'done'; index: number; tally: import('./tally.ts').Tally }
  | { type: 'error'; message: string; code?: string; stack?: string };

const port = parentPort!;
const { path, setup } = workerData as { path: string; setup: WireSetup };
const send = (m: FromWorker) => port.postMessage(m);

try {
  const db = openStore(path, { readonly: true });
  const runner = new ChunkRunner(db, fromWire(setup));
  port.on('message', (m: ToWorker) => {
    if (m.type === 'stop') { db.close(); port.close(); return; }
    try {
      const tally = runner.run(m.chunk, (events) => send({ type: 'progress', events }));
      send({ type: 'done', index: m.chunk.index, tally });
    } catch (e) {
      send(failure(e));
    }
  });
  send({ type: 'ready' });
} catch (e) {
  send(failure(e));
}

function failure(e: unknown): FromWorker {
  const err = e as Error & { code?: unknown };
  return { type: 'error', message: err.message, ...(typeof err.code === 'string' ? { code: err.code } : {}), ...(err.stack ? { stack: err.stack } : {}) };
}
