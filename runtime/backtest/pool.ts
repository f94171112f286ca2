// Running chunks on worker threads. Each worker opens the store read-only and
// takes the next chunk when it finishes one, so a slow chunk does not hold
// the others up; tallies come back keyed by chunk index and are merged in
// that order, whatever order they finished in.
import { Worker } from 'node:worker_threads';
import { StoreError, type StoreCode } from '../store/errors.ts';
import { BacktestError } from './errors.ts';
import type { WireSetup } from './replay.ts';
import type { Chunk } from './store-plan.ts';
import type { Tally } from './tally.ts';
import type { FromWorker, ToWorker } from './worker.ts';

const ENTRY = new URL('./worker-boot.js', import.meta.url);

export function runInWorkers(
  path: string, setup: WireSetup, chunks: readonly Chunk[], workers: number,
  onEvents: (n: number) => void, signal?: AbortSignal,
): Promise<Tally[]> {
  return new Promise((resolve, reject) => {
    const tallies: Tally[] = new Array(chunks.length);
    let next = 0;
    let finished = 0;
    let settled = false;
    const pool: Worker[] = [];
    const stopAll = () => { for (const w of pool) void w.terminate(); };
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      stopAll();
      reject(e);
    };
    const onAbort = () => fail(new BacktestError('ZY7505', 'the backtest was cancelled'));
    if (signal?.aborted) { onAbort(); return; }
    signal?.addEventListener('abort', onAbort, { once: true });
    const give = (w: Worker) => {
      const m: ToWorker = next < chunks.length ? { type: 'chunk', chunk: chunks[next++]! } : { type: 'stop' };
      w.postMessage(m);
    };
    const count = Math.max(1, Math.min(workers, chunks.length));
    for (let i = 0; i < count; i++) {
      // No inherited --import flags: the entry registers the TypeScript loader itself.
      const w = new Worker(ENTRY, { workerData: { path, setup }, execArgv: [] });
      pool.push(w);
      w.on('message', (m: FromWorker) => {
        if (settled) return;
        switch (m.type) {
          case 'ready': give(w); break;
          case 'progress': onEvents(m.events); break;
          case 'done':
            tallies[m.index] = m.tally;
            if (++finished === chunks.length) {
              settled = true;
              signal?.removeEventListener('abort', onAbort);
              for (const x of pool) x.postMessage({ type: 'stop' } satisfies ToWorker);
              resolve(tallies);
            } else give(w);
            break;
          case 'error': {
            // A store error in a worker (the file vanished, say) keeps its own code.
            const err = m.code && /^ZY70\d\d$/.test(m.code) ? new StoreError(m.code as StoreCode, m.message) : new BacktestError('ZY7504', `a backtest worker failed: ${m.message}`);
            if (m.stack) err.stack = m.stack;
            fail(err);
            break;
          }
        }
      });
      w.on('error', (e) => fail(new BacktestError('ZY7504', `a backtest worker failed: ${e.message}`)));
      w.on('exit', (code) => { if (code !== 0 && !settled) fail(new BacktestError('ZY7504', `a backtest worker stopped with exit code ${code}`)); });
    }
  });
}
