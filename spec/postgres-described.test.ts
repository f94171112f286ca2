// A decision's one statement is described once per connection (described.ts):
// later executions are written as one Bind/Execute/Sync buffer and get their
// row without a RowDescription, parsed with the columns and parsers kept from
// the first. Its rows equal pg's own Query's
// for the same statement and values (numbers, text, booleans, nulls, missing
// rows), a value pg would map (a boolean, an object) binds as pg binds it,
// and an execution that fails makes the next one ask again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { OneRowQuery } from '../runtime/store/postgres/described.ts';
import { pgServer } from './pg-server.ts';

const TEXT = `SELECT (SELECT count(*) FROM t) AS n, p0.* FROM (VALUES (1)) z
  LEFT JOIN (SELECT true AS "zy:row", x.* FROM (SELECT k, v, big, flag, j FROM t WHERE k = $1 AND ($2::text IS NULL OR v <> $2)) x LIMIT 1) p0 ON true`;

type Run = (values: unknown[]) => Promise<{ rows: unknown[][]; names: string[] }>;

function runner(c: pg.Client, described: boolean): Run {
  return (values) => new Promise((resolve, reject) => {
    if (described) {
      c.query(new OneRowQuery('described_one', TEXT, values, (err, row, names) => (err ? reject(err) : resolve({ rows: [row as unknown[]], names: [...names!] }))));
      return;
    }
    const config = { name: 'plain_one', text: TEXT, values, rowMode: 'array' } as pg.QueryArrayConfig;
    c.query(config, ((err: Error | undefined | null, r: pg.QueryResult) => (err ? reject(err) : resolve({ rows: r.rows as unknown[][], names: r.fields.map((f) => f.name) }))) as never);
  });
}

test('described once per connection: the same rows as pg\'s Query, one RowDescription', async () => {
  const url = await (await pgServer()).database('described_once');
  const c = new pg.Client({ connectionString: url, pipeline: true } as pg.ClientConfig);
  await c.connect();
  try {
    await c.query(`CREATE TABLE t (k text PRIMARY KEY, v text, big bigint, flag boolean, j jsonb)`);
    await c.query(`INSERT INTO t VALUES ('a', 'x', 9007199254740991, true, '{"a": [1, "é"]}'), ('b', NULL, NULL, false, NULL), ('c', 'y''"\\', -5, NULL, '[]')`);
    let descriptions = 0;
    (c as unknown as { connection: { on(e: string, f: () => void): void } }).connection.on('rowDescription', () => { descriptions++; });
    const plain = runner(c, false), described = runner(c, true);
    // Text of several bytes a character (the buffer is sized before it is written), and long text.
    const cases: unknown[][] = [['a', null], ['b', null], ['c', null], ['missing', null], ['a', 'x'], ['c', 'z'], ['a', undefined], [1, null],
      ['é', null], ['a', 'é😀\u{10FFFF}'], ['x'.repeat(70_000), null], ['', ''], [2.5e-300, -0]];
    const before = descriptions;
    // Alone first: executions sent before the first description is in ask for it too.
    await described(cases[0]!);
    let plainDescriptions = 0;
    for (const values of [...cases, ...cases]) {
      const d0 = descriptions;
      const want = await plain(values);
      plainDescriptions += descriptions - d0;
      // Sent together, as decisions sharing a connection are.
      const [a, b] = await Promise.all([described(values), described(values)]);
      assert.equal(a, want, JSON.stringify(values));
      assert.equal(b, want, JSON.stringify(values));
    }
    assert.is(plainDescriptions, cases.length * 2, 'pg\'s Query is described at every execution');
    assert.is(descriptions - before - plainDescriptions, 1, 'the statement is described once on the connection');
  } finally {
    await c.end();
  }
});

test('a value pg maps binds as pg binds it; a failed execution makes the next one described again', async () => {
  const url = await (await pgServer()).database('described_again');
  const c = new pg.Client({ connectionString: url, pipeline: true } as pg.ClientConfig);
  await c.connect();
  try {
    await c.query(`CREATE TABLE t (k text PRIMARY KEY, v text, big bigint, flag boolean, j jsonb)`);
    await c.query(`INSERT INTO t VALUES ('true', 'x', 1, true, NULL), ('{"a":1}', 'y', 2, false, NULL)`);
    let descriptions = 0;
    (c as unknown as { connection: { on(e: string, f: () => void): void } }).connection.on('rowDescription', () => { descriptions++; });
    const plain = runner(c, false), described = runner(c, true);
    await described(['true', null]);
    for (const values of [[true, null], [{ a: 1 }, null], [['a'], null]]) assert.equal(await described(values), await plain(values), JSON.stringify(values));
    // A parameter the server refuses (text that is no text: a NUL byte) fails that execution alone.
    const d0 = descriptions;
    await described(['true', null]);
    assert.is(descriptions, d0, 'described once');
    let failed = false;
    await described(['\u0000', null]).catch(() => { failed = true; });
    assert.ok(failed, 'the server refused the value');
    const again = await described(['true', null]);
    assert.equal(again, await plain(['true', null]));
    assert.is(descriptions - d0, 2, 'described again after the failure (and pg\'s Query once)');
  } finally {
    await c.end();
  }
});

test.run();
