// Issue 15, defects 5 and 11. About 300 nested parentheses crashed every
// CLI command with a stack trace (the JSON Logic reference scan parsed
// outside compile()'s guard), made the editor's /api/events answer 500 and
// kept `serve` from starting. A 100,000-rule pack took 50 s and 2.7 GB to
// compile, a 5 MB one-line file 28 s and 2.4 GB. Now nesting, file and pack
// size and the number of rules have documented limits, each with its own
// diagnostic, reported everywhere the same way.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, referencedJsonLogicFiles } from '../compiler/index.ts';
import { format } from '../compiler/format.ts';
import { MAX_FILE_CHARS, MAX_NESTING, MAX_PACK_CHARS, MAX_RULES } from '../compiler/limits.ts';
import { positionOf } from '../compiler/source.ts';
import { startEditor } from '../editor/server/app.ts';
import { openStore } from '../runtime/store/sqlite/index.ts';
import { cli, spawnCli } from './cli-run.ts';

const HEAD = 'pack deep\noutcomes block > allow\nevent { n: integer, f: bool }\n';
const parens = (k: number) => `${'('.repeat(k)}event.f${')'.repeat(k)}`;
const DEEP = `${HEAD}predicate p = jsonlogic "p.json"\nrule R when ${parens(300)} then block\n`;
const dir = mkdtempSync(join(tmpdir(), 'zhiyu-limits-'));
const demo = join(import.meta.dirname, '..', 'rules', 'demo');
const root = join(dir, 'rules');
const deepPack = join(root, 'deep');
test.before(() => {
  cpSync(demo, join(root, 'demo'), { recursive: true });
  mkdirSync(deepPack, { recursive: true });
  writeFileSync(join(deepPack, 'pack.zy'), DEEP);
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

const codeAt = (r: ReturnType<typeof compile>, code: string) => {
  const d = r.diagnostics.find((x) => x.code === code);
  if (!d) return undefined;
  const p = positionOf(r.files[d.span.file]!, d.span.start);
  return `${p.line}:${p.column}`;
};

test('#15.5 nesting past the limit is ZY1005 at the bracket that goes too deep: compile, format and the JSON Logic scan', () => {
  const r = compile([{ path: 'deep/pack.zy', text: DEEP }]);
  assert.is(r.ok, false);
  assert.is(codeAt(r, 'ZY1005'), `5:${13 + MAX_NESTING}`);
  assert.not.throws(() => referencedJsonLogicFiles([{ path: 'deep/pack.zy', text: DEEP }]));
  const f = format(DEEP);
  assert.ok('diagnostics' in f && f.diagnostics.some((d) => d.code === 'ZY1005'));
  // At the limit it still compiles.
  assert.ok(compile([{ path: 'ok.zy', text: `${HEAD}rule R when ${parens(MAX_NESTING)} then block\n` }]).ok);
  // Chains too long for the stack are ZY1005 as well, from every entry point.
  const chain = `${HEAD}rule R when ${Array(10_000).fill('event.n').join(' + ')} > 1 then block\n`;
  assert.ok(compile([{ path: 'c.zy', text: chain }]).diagnostics.some((d) => d.code === 'ZY1005'));
  const fc = format(chain);
  assert.ok('diagnostics' in fc && fc.diagnostics.some((d) => d.code === 'ZY1005'));
});

test('#15.5 every CLI command reports ZY1005 for a deeply nested pack, without a stack trace', async () => {
  for (const args of [['check', deepPack], ['test', deepPack], ['fmt', '--check', deepPack], ['dump', deepPack], ['compile', deepPack, '-o', join(dir, 'd.zyb')], ['eval', deepPack, '--event', '{"type":"x"}']]) {
    const r = await cli(...args);
    assert.is(r.code, 1, `${args[0]}: ${r.out}${r.err}`);
    assert.match(r.out + r.err, /ZY1005/, args[0]);
    assert.not.match(r.out + r.err, /internal error|\n\s+at /, args[0]);
  }
});

test('#15.5 the editor starts next to a deeply nested pack; /api/events and Try it answer ZY1005, not 500', async () => {
  const db = join(dir, 'demo.db');
  assert.is((await cli('db', 'seed', '--demo', db, '--customers', '60')).code, 0);
  const store = openStore(db);
  const editor = await startEditor({ root, store, port: 0 });
  try {
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${editor.url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return { status: res.status, json: await res.json() as { error?: { code: string } } };
    };
    const events = await call('GET', '/api/events?pack=deep');
    assert.equal([events.status, events.json.error?.code], [422, 'ZY1005']);
    const tryIt = await call('POST', '/api/try', { files: [{ path: 'deep/pack.zy', text: DEEP }], event: { type: 'x' } });
    assert.equal([tryIt.status, tryIt.json.error?.code], [422, 'ZY1005']);
    assert.is((await call('GET', '/api/events?pack=demo')).status, 200);
  } finally { await editor.close(); store.close(); }
  // Serving the deep pack itself is refused with its code, not a crash.
  const r = await spawnCli(['serve', root, '--pack', 'deep', '--port', '0']);
  assert.is(r.code, 2);
  assert.match(r.err, /ZY1005/);
  assert.not.match(r.err, /\n\s+at /);
});

test('#15.11 a file or a pack over the size limit is ZY1007 before anything is parsed', () => {
  const big = `${HEAD}# ${'x'.repeat(MAX_FILE_CHARS)}\n`;
  const r = compile([{ path: 'big.zy', text: big }]);
  assert.equal(r.diagnostics.map((d) => d.code), ['ZY1007']);
  assert.match(r.diagnostics[0]!.message, /at most 1,048,576/);
  const quarter = `# ${'y'.repeat(MAX_PACK_CHARS / 4 - 10)}\n`;
  const pack = compile([{ path: 'h.zy', text: HEAD }, ...[1, 2, 3, 4, 5].map((i) => ({ path: `f${i}.zy`, text: quarter }))]);
  assert.equal(pack.diagnostics.map((d) => d.code), ['ZY1007']);
  const f = format(big);
  assert.ok('diagnostics' in f && f.diagnostics[0]!.code === 'ZY1007');
});

test('#15.11 a pack with more rules than the limit is ZY2011 on the first rule past it', () => {
  const rule = (i: number) => `rule R${i} when event.n > ${i} then block\n`;
  const files = [{ path: 'h.zy', text: HEAD }];
  for (let f = 0; f * 5000 <= MAX_RULES; f++) files.push({ path: `r${f}.zy`, text: Array.from({ length: 5000 }, (_, i) => rule(f * 5000 + i)).join('') });
  const r = compile(files);
  assert.is(r.ok, false);
  const d = r.diagnostics.find((x) => x.code === 'ZY2011');
  assert.ok(d, r.diagnostics.slice(0, 3).map((x) => x.code).join());
  assert.is(r.files[d!.span.file]!.text.slice(d!.span.start, d!.span.start + `rule R${MAX_RULES}`.length + 1), `rule R${MAX_RULES} `);
});

test('#15.11 the decision API keeps answering while Try it compiles a large pack (Try it runs on its own thread)', async () => {
  const editor = await startEditor({ root: join(dir, 'rules'), port: 0, pack: 'demo' });
  try {
    const big = `${HEAD}${Array.from({ length: 6000 }, (_, i) => `rule R${i} when event.n > ${i} and event.f then block\n`).join('')}`;
    let finished = false;
    const tried = fetch(`${editor.url}/api/try`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ files: [{ path: 'deep/pack.zy', text: big }], event: { type: 'x', n: 7000, f: true, occurred_at: '2026-03-01T10:00' } }) })
      .then(async (r) => { finished = true; return { status: r.status, json: await r.json() as { decision?: { fired: unknown[] } } }; });
    // Decide one event after another until Try it answers; on one thread they would wait for its compile.
    let answered = 0;
    while (!finished) {
      const d = await fetch(`${editor.url}/v1/decide`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"login","customer_id":"c1","occurred_at":"2026-03-01T10:00"}' });
      assert.is(d.status, 200);
      await d.text();
      answered++;
    }
    const t = await tried;
    assert.is(t.status, 200, JSON.stringify(t.json).slice(0, 300));
    assert.is(t.json.decision!.fired.length, 6000);
    assert.ok(answered >= 20, `only ${answered} decisions were answered while Try it compiled`);
  } finally { await editor.close(); }
});

test.run();
