// Calls into a language worker, one promise per request. The worker starts
// on the first call (after the page's first paint), and each call brings it
// the pack's files that changed since it last saw them: on a keystroke, the
// one file typed in, not the whole pack.
import type { FileSync, RequestName, Requests, ResponseMessage } from './protocol.ts';

declare const LANGUAGE_WORKER_URL: string;

/** A file of the pack as the page has it: its version says when to send it again. */
export interface PackFile { readonly path: string; readonly version: number; text(): string }

export class LanguageWorker {
  private worker: Worker | undefined;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private sent = new Map<string, number>();
  /** Requests sent and not answered yet. */
  inFlight = 0;

  constructor(readonly name: string) {}

  private start(): Worker {
    const w = new Worker(LANGUAGE_WORKER_URL, { type: 'module', name: `zhiyu ${this.name}` });
    w.onmessage = (e: MessageEvent<ResponseMessage>) => {
      const p = this.pending.get(e.data.id);
      if (!p) return;
      this.pending.delete(e.data.id);
      this.inFlight--;
      if (e.data.ok) p.resolve(e.data.body);
      else p.reject(new Error(e.data.error));
    };
    w.onerror = (e) => console.error(`language worker (${this.name}):`, e.message);
    return w;
  }

  /** What the worker lacks of `files`: the texts changed since the last call, and the file list. */
  sync(files: readonly PackFile[]): FileSync {
    const changed = files.filter((f) => this.sent.get(f.path) !== f.version).map((f) => ({ path: f.path, text: f.text() }));
    this.sent = new Map(files.map((f) => [f.path, f.version]));
    return { changed, order: files.map((f) => f.path) };
  }

  call<K extends RequestName>(type: K, body: Requests[K]['req']): Promise<Requests[K]['res']> {
    this.worker ??= this.start();
    const id = this.next++;
    this.inFlight++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker!.postMessage({ id, type, body });
    });
  }
}
