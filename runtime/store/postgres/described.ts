// A decision's one statement (provider.ts, togetherStmt) runs on each pooled
// connection thousands of times a second, its result columns the same every
// time. pg's Query asks the server to describe the portal at every execution:
// the server builds a RowDescription and sends it back, and the client parses
// it into field objects and looks up a type parser per column, before the one
// row. DescribedOnce asks once per connection and statement: later executions
// send Bind, Execute and Sync only, and read the row with the columns and
// parsers kept from the first answer. The values bound are the same text
// pg would bind (its prepareValue, for the strings, numbers and nulls a
// decision's reads bind); any other value, a statement not yet prepared on the
// connection, or one whose last execution failed (its description may be
// stale: a migration can change `SELECT *`), goes pg's whole way, described.
import pg from 'pg';

/** The columns of a statement's result on one connection, and their parsers. */
interface Described { readonly fields: readonly pg.FieldDef[]; readonly parsers: readonly unknown[] }

/** What this file uses of pg's Query and Result beyond their declared types (pg is pinned in package.json). */
interface QueryInternals {
  name: string;
  values: unknown[];
  _result: { fields: readonly pg.FieldDef[]; _parsers: readonly unknown[] | undefined };
  _accumulateRows: boolean;
  hasBeenParsed(con: Connection): boolean;
  prepare(con: Connection): void;
  handleRowDescription(msg: { fields: readonly pg.FieldDef[] }): void;
  handleError(err: Error, con: Connection): void;
}

interface Connection {
  bind(o: { portal: string; statement: string; values: readonly (string | null)[]; binary: boolean }): void;
  execute(o: { portal: string }): void;
  sync(): void;
}

/** Per connection (pg's Connection, one per socket), the statements described on it. */
const described = new WeakMap<object, Map<string, Described>>();

/** A value bound as pg binds it without its mapper: text for a string or number, null for null. */
const plain = (v: unknown): boolean => typeof v === 'string' || typeof v === 'number' || v === null || v === undefined;
const asText = (v: unknown): string | null => (v === null || v === undefined ? null : typeof v === 'string' ? v : String(v));

const base = pg.Query.prototype as unknown as QueryInternals;

export class DescribedOnce extends pg.Query {
  /** The connection this query described its statement on (set when it asked for the description). */
  private describing: Connection | undefined;

  prepare(con: Connection): void {
    const self = this as unknown as QueryInternals;
    const known = described.get(con)?.get(self.name);
    if (!known || !self.hasBeenParsed(con) || !self.values.every(plain)) {
      this.describing = con;
      base.prepare.call(this, con);
      return;
    }
    con.bind({ portal: '', statement: self.name, values: self.values.map(asText), binary: false });
    self._result.fields = known.fields;
    self._result._parsers = known.parsers;
    self._accumulateRows = true;
    con.execute({ portal: '' });
    con.sync();
  }

  handleRowDescription(msg: { fields: readonly pg.FieldDef[] }): void {
    base.handleRowDescription.call(this, msg);
    const con = this.describing;
    const self = this as unknown as QueryInternals;
    if (!con || !self._result._parsers) return;
    let m = described.get(con);
    if (!m) described.set(con, m = new Map());
    m.set(self.name, { fields: msg.fields, parsers: [...self._result._parsers] });
  }

  handleError(err: Error, con: Connection): void {
    described.get(con)?.delete((this as unknown as QueryInternals).name);
    base.handleError.call(this, err, con);
  }
}
