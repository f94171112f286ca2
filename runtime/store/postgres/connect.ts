// Connecting to PostgreSQL: one bounded pool per process, numbers read as
// JavaScript numbers, and every way the server can be unreachable turned
// into one coded error (ZY7010) that the service answers with 503. The pool
// replaces broken connections by itself, so a server that comes back is used
// again with no restart.
import pg from 'pg';
import { StoreError } from '../errors.ts';

export const isPostgresUrl = (s: string): boolean => /^postgres(ql)?:\/\//i.test(s);

/** The URL with its password hidden, for messages and logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

export interface PoolOptions {
  /** Connections at most (default 8): requests beyond them wait for one, up to `acquireTimeoutMs`. */
  readonly max?: number;
  /** How long a request waits for a connection, or for the server to accept one (default 2000 ms). */
  readonly acquireTimeoutMs?: number;
  /** A statement running longer than this is cancelled (default 10000 ms; 0: never). */
  readonly statementTimeoutMs?: number;
  readonly applicationName?: string;
  /** Send a connection's queries without waiting for each answer (decisions: their reads go out together). COPY cannot run on such a pool. */
  readonly pipeline?: boolean;
  /**
   * Plan each prepared statement once per connection (plan_cache_mode=force_generic_plan). Decisions run the same few
   * statements with new values: a custom plan each time cost more server CPU than the reads themselves, planning over
   * every monthly partition; the generic plan prunes the months when it runs. Only for statements written so their
   * generic plan is right (provider.ts).
   */
  readonly genericPlans?: boolean;
  /**
   * Every transaction of a connection read-only (default_transaction_read_only=on): decisions' connections, so no
   * statement a decision sends can write, whatever it is. The log, imports and the owner's commands use other pools.
   */
  readonly readOnly?: boolean;
}

// bigint (count, zy_seq, times, money) and numeric (sums of bigint) as numbers:
// every value zhiyu stores is a safe integer, and a sum is correctly rounded, as in SQLite.
const INT8 = 20;
const NUMERIC = 1700;
// One parser function for both, not a new closure per column of every result (pg asks for each result's parsers).
const asNumber = (v: string) => (v === null ? null : Number(v));
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC ? asNumber : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export function createPool(url: string, opts: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 8,
    connectionTimeoutMillis: opts.acquireTimeoutMs ?? 2000,
    idleTimeoutMillis: 30_000,
    statement_timeout: opts.statementTimeoutMs ?? 10_000,
    application_name: opts.applicationName ?? 'zhiyu',
    types,
    // A connection idle in the pool that the server drops must not take the process down.
    keepAlive: true,
    ...(opts.pipeline ? { pipeline: true } : {}),
  });
  // A SET on each new connection rather than the startup packet's options, which poolers such as PgBouncer refuse. It is
  // queued ahead of the connection's first statement; if the server refuses it, the connection is closed rather than
  // used without it (a decision's connection must not be writable).
  const sets = [...(opts.genericPlans ? ['SET plan_cache_mode = force_generic_plan'] : []), ...(opts.readOnly ? ['SET default_transaction_read_only = on'] : [])];
  if (sets.length) {
    pool.on('connect', (c) => {
      c.query(sets.join('; ')).catch(() => { (c as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream?.destroy?.(); });
    });
  }
  pool.on('error', () => { /* an idle connection broke: the pool drops it and opens another when needed */ });
  return pool;
}

/** Inside a transaction: no statement timeout for it (imports, copies, index builds run as long as they need). */
export const NO_TIMEOUT = 'SET LOCAL statement_timeout = 0';

/** SQLSTATE classes that mean the server (not the statement) is the problem. */
const UNAVAILABLE = /^(08|53|57P0[1-4]|57014|58)/;
const NETWORK = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|EPIPE|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)|Connection closed|not queryable/i;

/** Whether an error says the server cannot be reached or is going away (rather than that a statement is wrong). */
export function isUnavailable(e: unknown): boolean {
  if (e instanceof StoreError) return e.code === 'ZY7010';
  const err = e as { code?: unknown; message?: unknown };
  if (typeof err?.code === 'string' && UNAVAILABLE.test(err.code)) return true;
  return typeof err?.message === 'string' && NETWORK.test(err.message) || (typeof err?.code === 'string' && NETWORK.test(err.code));
}

/** The error as the caller should see it: ZY7010 when the server is unavailable, else as it was. */
export function storeFailure(e: unknown, where: string): unknown {
  if (e instanceof StoreError) return e;
  if (isUnavailable(e)) {
    const err = e as { code?: string; message?: string };
    const why = err.code === '57014' ? 'a statement took too long and was cancelled' : (err.message ?? String(e));
    return new StoreError('ZY7010', `the feature store (${where}) is unavailable: ${why}`);
  }
  return e;
}

/** Runs `fn` on one connection of the pool; a connection that failed is closed rather than reused. */
export async function withClient<T>(pool: pg.Pool, where: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try { client = await pool.connect(); } catch (e) { throw storeFailure(e, where); }
  try {
    const r = await fn(client);
    client.release();
    return r;
  } catch (e) {
    client.release(isUnavailable(e) ? (e as Error) : undefined);
    throw storeFailure(e, where);
  }
}

/** BEGIN … COMMIT on one connection; ROLLBACK on any error. */
export function inTransaction<T>(pool: pg.Pool, where: string, fn: (c: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  return withClient(pool, where, async (c) => {
    await c.query(begin);
    try {
      const r = await fn(c);
      await c.query('COMMIT');
      return r;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  });
}
