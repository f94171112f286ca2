// A decision's one statement (together.ts) runs on each pooled connection
// thousands of times a second, its result columns the same every time, and
// it gives one row. pg's Query asks the server to describe the portal at
// every execution (the server builds a RowDescription, the client parses it
// and looks up a parser per column), serializes Bind, Execute and Sync as
// three buffers, and turns the row into a Result. OneRowQuery asks once per
// connection and statement: later executions write Bind, Execute and Sync as
// one buffer (the Bind's head kept from the first), and parse the one
// DataRow straight into its values with the parsers kept from the first
// answer. It stays a pg Query, so the client queues it, answers it in its
// pipeline, and hands it errors as any other (the same pg errors as before).
// The values bound are the text pg would bind (its prepareValue, for the
// strings, numbers and nulls a decision's reads bind); any other value, a
// statement not yet prepared on the connection, or one whose last execution
// failed (its description may be stale: a migration can change `SELECT *`),
// goes pg's whole way, described.
import pg from 'pg';

type Parser = (text: string) => unknown;

/** A statement's result on one connection: its columns' names and parsers, and the head of its Bind message. */
interface Described { readonly names: readonly string[]; readonly parsers: readonly Parser[]; readonly head: Buffer }

/** What this file uses of pg's Query and Result beyond their declared types (pg is pinned in package.json). */
interface QueryInternals {
  name: string;
  values: unknown[];
  binary: boolean;
  callback: (err: Error | null) => void;
  _canceledDueToError: Error | false;
  _result: { _parsers: readonly Parser[] | undefined };
  hasBeenParsed(con: Connection): boolean;
  prepare(con: Connection): void;
  handleRowDescription(msg: { fields: readonly pg.FieldDef[] }): void;
  handleError(err: Error, con: Connection): void;
}

interface Connection { _send(b: Buffer): boolean }

/** Per connection (pg's Connection, one per socket), the statements described on it. */
const described = new WeakMap<object, Map<string, Described>>();

/** A value bound as pg binds it without its mapper: text for a string or number, null for null. */
const plain = (v: unknown): boolean => typeof v === 'string' || typeof v === 'number' || v === null || v === undefined;

/** Bind's type byte, its length (filled per execution), the unnamed portal, the statement's name, and "every parameter is text". */
function headOf(name: string): Buffer {
  const n = Buffer.byteLength(name);
  const b = Buffer.alloc(1 + 4 + 1 + n + 1 + 2);
  b[0] = 0x42; // 'B'
  b.write(name, 6, 'utf8');
  return b;
}

/** Bind's last field (every result column as text), then Execute of the unnamed portal (all rows) and Sync. */
const TAIL = Buffer.from([0, 0, 0x45, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0x53, 0, 0, 0, 4]);

/** Bind (from its head), Execute and Sync for `values`, in one buffer. */
function bindExecuteSync(head: Buffer, values: readonly unknown[]): Buffer {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: room enough, the buffer cut to what was written.
  let room = head.length + 2 + TAIL.length;
  for (const v of values) room += 4 + (typeof v === 'string' ? v.length * 3 : v === null || v === undefined ? 0 : 24);
  const b = Buffer.allocUnsafe(room);
  head.copy(b, 0);
  let o = head.length;
  b.writeInt16BE(values.length, o);
  o += 2;
  for (const v of values) {
    if (v === null || v === undefined) { b.writeInt32BE(-1, o); o += 4; continue; }
    const n = b.write(typeof v === 'string' ? v : String(v), o + 4, 'utf8');
    b.writeInt32BE(n, o);
    o += 4 + n;
  }
  // Bind's length counts itself and its last field (TAIL's first two bytes), not its type byte.
  b.writeInt32BE(o + 2 - 1, 1);
  TAIL.copy(b, o);
  return b.subarray(0, o + TAIL.length);
}

/** How a OneRowQuery ends: its row's values and the columns' names, or the error pg gave. */
export type OneRowDone = (err: Error | null, row?: readonly unknown[], names?: readonly string[]) => void;

const base = pg.Query.prototype as unknown as QueryInternals;

export class OneRowQuery extends pg.Query {
  /** The connection this query asked for the description on (set when it did). */
  private describing: Connection | undefined;
  private names: readonly string[] | undefined;
  private parsers: readonly Parser[] | undefined;
  private row: unknown[] | undefined;

  constructor(name: string, text: string, values: unknown[], done: OneRowDone) {
    // The text alone: pg copies a config object's every property descriptor.
    super(text);
    const self = this as unknown as QueryInternals;
    self.name = name;
    self.values = values;
    self.callback = (err) => {
      if (err) done(err);
      else if (!this.row) done(new Error(`the statement ${name} gave no row`));
      else done(null, this.row, this.names);
    };
  }

  prepare(con: Connection): void {
    const self = this as unknown as QueryInternals;
    const known = described.get(con)?.get(self.name);
    if (!known || self.binary || !self.hasBeenParsed(con) || !self.values.every(plain)) {
      this.describing = con;
      base.prepare.call(this, con);
      return;
    }
    this.names = known.names;
    this.parsers = known.parsers;
    con._send(bindExecuteSync(known.head, self.values));
  }

  handleRowDescription(msg: { fields: readonly pg.FieldDef[] }): void {
    base.handleRowDescription.call(this, msg);
    const self = this as unknown as QueryInternals;
    this.names = msg.fields.map((f) => f.name);
    this.parsers = self._result._parsers;
    const con = this.describing;
    if (!con || !this.parsers || msg.fields.some((f) => (f.format as unknown) === 'binary')) return;
    let m = described.get(con);
    if (!m) described.set(con, m = new Map());
    m.set(self.name, { names: this.names, parsers: [...this.parsers], head: headOf(self.name) });
  }

  handleDataRow(msg: { fields: readonly (string | null)[] }): void {
    const self = this as unknown as QueryInternals;
    if (self._canceledDueToError) return;
    const f = msg.fields, p = this.parsers!;
    const row = new Array<unknown>(f.length);
    try {
      for (let i = 0; i < f.length; i++) { const v = f[i]; row[i] = v === null || v === undefined ? null : p[i]!(v); }
    } catch (err) {
      self._canceledDueToError = err as Error;
      return;
    }
    this.row = row;
  }

  handleCommandComplete(): void { /* one statement, one result: no command tag to keep */ }

  handleReadyForQuery(con: Connection): void {
    const self = this as unknown as QueryInternals;
    if (self._canceledDueToError) { this.handleError(self._canceledDueToError, con); return; }
    try { self.callback(null); } catch (err) { process.nextTick(() => { throw err; }); }
  }

  handleError(err: Error, con: Connection): void {
    described.get(con)?.delete((this as unknown as QueryInternals).name);
    base.handleError.call(this, err, con);
  }
}
