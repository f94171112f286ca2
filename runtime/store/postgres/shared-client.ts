// The connection a store's self-contained decisions share (provider.ts,
// closed()). Such a decision writes its statements and gives its connection
// back at once, so the decisions of one moment already went to one pipelined
// connection; taking it from the pool and giving it back per decision cost
// pg-pool's bookkeeping each time (a promise, a release closure, listeners, an
// idle timer set and cleared). This keeps one connection of the decision pool
// checked out instead, for as long as it works. Decisions held open (their
// transaction waits for a read) take other connections of the pool, so it is
// kept only when the pool has room for at least one more (max > 1).
import type pg from 'pg';

export class SharedClient {
  private client: pg.PoolClient | undefined;
  private taking: Promise<pg.PoolClient> | undefined;
  private closed = false;

  constructor(private readonly pool: pg.Pool) {}

  /** Whether decisions share a connection at all (the pool must keep one for decisions held open). */
  get enabled(): boolean {
    return !this.closed && ((this.pool as unknown as { options?: { max?: number } }).options?.max ?? 10) > 1;
  }

  /** The shared connection now, if one is checked out. */
  get now(): pg.PoolClient | undefined { return this.client; }

  /** The shared connection, taken from the pool when there is none (first use, or the last one broke). */
  take(): Promise<pg.PoolClient> {
    return this.taking ??= this.pool.connect().then((c) => {
      this.taking = undefined;
      if (this.closed) { c.release(); throw new Error('Connection closed: the store is closing'); }
      this.client = c;
      // A connection that breaks is dropped (and closed); the next decision takes another.
      const drop = (e?: Error) => this.drop(c, e ?? new Error('Connection terminated'));
      c.on('error', drop);
      c.on('end', () => drop());
      return c;
    }, (e: unknown) => { this.taking = undefined; throw e; });
  }

  /** `c` failed in a way that says the server or the connection is gone: closed, not reused. */
  drop(c: pg.PoolClient, e: Error): void {
    if (this.client !== c) return;
    this.client = undefined;
    c.release(e);
  }

  /** Gives the connection back to the pool (before it ends: a checked-out connection would keep pool.end() waiting). */
  close(): void {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    c?.release();
  }
}
