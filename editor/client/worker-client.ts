// Calls into the language worker; one promise per request.
import type { RequestName, Requests, ResponseMessage } from './protocol.ts';

export class LanguageWorker {
  private readonly worker = new Worker(new URL('./language-worker.js', import.meta.url), { type: 'module' });
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor() {
    this.worker.onmessage = (e: MessageEvent<ResponseMessage>) => {
      const p = this.pending.get(e.data.id);
      if (!p) return;
      this.pending.delete(e.data.id);
      if (e.data.ok) p.resolve(e.data.body);
      else p.reject(new Error(e.data.error));
    };
    this.worker.onerror = (e) => console.error('language worker:', e.message);
  }

  call<K extends RequestName>(type: K, body: Requests[K]['req']): Promise<Requests[K]['res']> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, type, body });
    });
  }
}
