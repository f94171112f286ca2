// A decision's transaction on its pooled connection (provider.ts): the
// opening message, the COMMIT sent late (in the next decision's opening, or
// alone once the tasks queued now have run), and the socket corked so that the
// statements of one moment leave in one write.
import type pg from 'pg';

const socketOf = (c: pg.PoolClient) => (c as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;

/** Runs `send` with the connection's socket corked: the statements it sends leave in one write. */
export function corked<T>(c: pg.PoolClient, send: () => T): T {
  const stream = socketOf(c);
  stream?.cork?.();
  try { return send(); } finally { stream?.uncork?.(); }
}

/** Connections whose socket stays corked until the tasks queued now have run (sendThisTurn). */
const flushing = new WeakSet<pg.PoolClient>();

/**
 * Runs `send` (a self-contained decision's statements) with the socket corked until the tasks queued now have run,
 * so the decisions of one moment leave in one write; the transaction's COMMIT goes in the opening message of the next
 * decision to take the connection, or else ends that write. One flush per connection and turn, however many decisions.
 */
export function sendThisTurn(c: pg.PoolClient, send: () => void, inTransaction: boolean): void {
  if (!flushing.has(c)) {
    const stream = socketOf(c);
    stream?.cork?.();
    flushing.add(c);
    setImmediate(() => {
      flushing.delete(c);
      if (uncommitted.delete(c)) c.query('COMMIT').catch(() => undefined);
      stream?.uncork?.();
    });
  }
  try { send(); } finally { if (inTransaction) uncommitted.add(c); }
}

/** How far history goes, prepared once per connection so the opening message is planned once too. */
const PREPARE_SEQ = 'PREPARE zy_last_seq AS SELECT last_seq FROM zy_event_seq';
const prepared = new WeakSet<pg.PoolClient>();

/** Connections whose last decision's transaction is still open (its COMMIT not sent yet). */
const uncommitted = new WeakSet<pg.PoolClient>();

/** Sends the COMMIT of a decision still holding its transaction open on `c`, if one is (a statement after it must not run in its snapshot). */
export function commitDue(c: pg.PoolClient): Promise<unknown> | undefined {
  return uncommitted.delete(c) ? c.query('COMMIT') : undefined;
}

/** A decision's opening message: its predecessor's COMMIT when still due, BEGIN, and the snapshot's last event. */
function opening(c: pg.PoolClient): string {
  const commit = uncommitted.delete(c) ? 'COMMIT; ' : '';
  return `${commit}BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; EXECUTE zy_last_seq`;
}

/** Sends the opening message (and the sequence read's PREPARE on a new connection); resolves to the snapshot's last event. */
export function begin(c: pg.PoolClient): Promise<number> {
  const prepare = prepared.has(c) ? undefined : c.query(PREPARE_SEQ).then(() => { prepared.add(c); });
  const opened = (c.query(opening(c)) as unknown as Promise<pg.QueryResult[]>).then((r) => Number(r[r.length - 1]!.rows[0]?.last_seq ?? 0));
  // Awaited through `last`; when the PREPARE fails, the opening fails too and nothing else waits for it.
  opened.catch(() => undefined);
  const last = prepare ? prepare.then(() => opened) : opened;
  last.catch(() => undefined);
  return last;
}

/**
 * Ends a decision's read-only transaction without waiting on it: a decision that takes the connection in the tasks
 * queued now sends the COMMIT in its own opening message; otherwise it goes alone (inside a corked send, scheduled
 * ahead of the uncork, so it leaves in the same write).
 */
export function commitLater(c: pg.PoolClient): void {
  uncommitted.add(c);
  setImmediate(() => { commitDue(c)?.catch(() => undefined); });
}
