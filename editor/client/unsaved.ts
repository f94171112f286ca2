// Where unsaved text waits for a reload: IndexedDB once typing pauses (its
// writes do not hold up the page), and localStorage when the page goes away
// (the one write that must finish before it does). Reading takes the newer.
const DB = 'zhiyu';
const STORE = 'unsaved';
const PREFIX = 'zhiyu.unsaved:';

export interface Kept { readonly text: string; readonly baseHash: string; readonly at: number }

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
}

export class UnsavedStore {
  /** Writes so far, of either kind (the browser tests count them). */
  writes = 0;
  private readonly db: Promise<IDBDatabase | undefined>;

  constructor() {
    this.db = new Promise<IDBDatabase | undefined>((resolve) => {
      try {
        const open = indexedDB.open(DB, 1);
        open.onupgradeneeded = () => open.result.createObjectStore(STORE);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => resolve(undefined);
      } catch { resolve(undefined); }
    });
  }

  async get(path: string): Promise<Kept | undefined> {
    const db = await this.db;
    const idb = db ? await request(db.transaction(STORE).objectStore(STORE).get(path) as IDBRequest<Kept | undefined>).catch(() => undefined) : undefined;
    const local = parse(localStorage.getItem(PREFIX + path));
    return [idb, local].filter(valid).sort((a, b) => b.at - a.at)[0];
  }

  /** Kept without holding up the page. */
  async put(path: string, kept: Omit<Kept, 'at'>): Promise<void> {
    this.writes++;
    const db = await this.db;
    if (!db) { this.putNow(path, kept); return; }
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put({ ...kept, at: Date.now() }, path);
    localStorage.removeItem(PREFIX + path);
  }

  /** Kept before this call returns (the page is going away). */
  putNow(path: string, kept: Omit<Kept, 'at'>): void {
    this.writes++;
    try { localStorage.setItem(PREFIX + path, JSON.stringify({ ...kept, at: Date.now() })); } catch { /* full: the IndexedDB copy stays */ }
  }

  remove(path: string): void {
    localStorage.removeItem(PREFIX + path);
    void this.db.then((db) => { db?.transaction(STORE, 'readwrite').objectStore(STORE).delete(path); });
  }
}

function parse(text: string | null): Kept | undefined {
  try { return JSON.parse(text ?? 'null') ?? undefined; } catch { return undefined; }
}

const valid = (k: Kept | undefined): k is Kept => !!k && typeof k.text === 'string' && typeof k.baseHash === 'string' && typeof k.at === 'number';
