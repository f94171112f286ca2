// Try it off the thread that serves decisions. Compiling an edited pack of
// 20,000 rules takes seconds; on the main thread it stalled the editor and
// the decision API next to it for as long. One worker thread (started once
// the page has painted its first file, or by the first Try it; restarted if
// it dies) takes the requests in turn; the main thread only passes messages.
import { Worker } from 'node:worker_threads';
import { HttpError } from '../../runtime/server.ts';
import type { TryReply, TryRequest } from './try-worker.ts';

const ENTRY = new URL('./try-boot.js', import.meta.url);

export class TryThread {
  private worker: Worker | undefined;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  /** `dbPath`: the feature store, a SQLite file (opened read-only by the thread) or a postgres:// URL (the thread keeps a small pool of its own). */
  constructor(private readonly dbPath: string | undefined) {}

  run(body: Record<string, unknown>): Promise<unknown> {
    const w = this.worker ?? this.start();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, body } satisfies TryRequest);
    });
  }

  /**
   * Starts the thread ahead of the first Run: loading the compiler into a new
   * thread takes seconds on a busy machine (the page asks once it is painted).
   */
  warm(): void {
    if (!this.worker) this.start();
  }

  get running(): boolean {
    return this.worker !== undefined;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.failAll('the editor is shutting down');
    if (w) await w.terminate();
  }

  private start(): Worker {
    // No inherited --import flags: the entry registers the TypeScript loader itself.
    const w = new Worker(ENTRY, { workerData: { dbPath: this.dbPath }, execArgv: [] });
    w.unref();
    w.on('message', (m: TryReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.status === 200) p.resolve(m.body);
      else p.reject(new HttpError(m.status, m.body as Record<string, unknown>));
    });
    const died = (why: string) => {
      if (this.worker === w) this.worker = undefined;
      this.failAll(why);
    };
    w.on('error', (e) => died(`Try it failed: ${e.message}`));
    w.on('exit', (code) => died(`Try it stopped (exit code ${code})`));
    this.worker = w;
    return w;
  }

  private failAll(why: string): void {
    for (const p of this.pending.values()) p.reject(new HttpError(500, { code: 'ZY9000', message: why }));
    this.pending.clear();
  }
}
