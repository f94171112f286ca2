// node --import tsx bench/pg-together-ab.ts [--rounds 10] [--events 4000] [--batch 8] [--explain]   (after bench/pg-ab.ts --hold)
//
// The server's CPU for a decision's one statement (together.ts), two ways in
// one process on the held server: every window a part of its own, and the
// windows of one key sharing a scan (partsOf). store3's reads for each
// stream event, as the provider would send them, on two pipelined
// connections of their own (generic plans, as the decision pool plans them),
// `batch` in flight; the backends' CPU from /proc/<pid>/schedstat, the ways
// alternated every 200 statements; the ratios shared ÷ separate per round and
// their median. The answers of both ways are compared first. `--explain`: EXPLAIN (ANALYZE,
// BUFFERS) of both for one event.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { readPack } from '../cli/pack-files.ts';
import { compile } from '../compiler/index.ts';
import { load } from '../runtime/engine.ts';
import { PostgresStore } from '../runtime/store/postgres/store.ts';
import { pending, type Ahead, type Run } from '../runtime/store/postgres/statements.ts';
import { sendTogether, togetherStmt, type Together } from '../runtime/store/postgres/together.ts';
import { fmt, median } from './measure.ts';
import { parseOptions } from './options.ts';
import { generate, stream } from './store-data.ts';

const here = dirname(fileURLToPath(import.meta.url));
const die = (m: string): never => { console.error(`pg-together-ab: ${m}`); process.exit(1); };
const { flag, option } = parseOptions(process.argv.slice(2), die);
const st = JSON.parse(readFileSync(join(here, '.data', 'pg-ab.json'), 'utf8')) as { url: string };
const c = compile(readPack([join(here, 'packs', 'store3')]));
if (!c.ok) die('store3 does not compile');
const store = await PostgresStore.open(st.url);
const provider = store.provider(c.checked!);
const events = stream(generate(20260301, 200_000), 20260301, option('events', 4000));
const batch = option('batch', 8), rounds = option('rounds', 10);

// The provider learns the reads of each event type from one decision; then its own prefetch collects them per event.
type Internals = { prefetch(run: Run, hint: unknown): void; collector(memo: Map<string, unknown>, ahead: Ahead[]): Run };
const internals = provider as unknown as Internals;
const engine = load({ pack: c.optimized!, code: c.code! });
for (const e of events.slice(0, 200)) await provider.resolve((p) => engine.decide(e, p), e);
const readsOf = (e: Record<string, unknown>): Ahead[] => {
  const ahead: Ahead[] = [];
  internals.prefetch(internals.collector(new Map(), ahead), { event: e, type: String(e['type']), now: Date.parse(String(e['occurred_at'])) || Number(e['occurred_at']) });
  return ahead;
};
const sets = events.map(readsOf);
if (sets.some((s) => s.length !== 4)) die(`expected store3's 4 reads per event, got ${[...new Set(sets.map((s) => s.length))].join(', ')}`);
const ways = {
  separate: (a: Ahead[]) => togetherStmt(a, a.map((_, i) => i)),
  shared: (a: Ahead[]) => togetherStmt(a),
};
const statements = new Map<string, Together>();
const stmtOf = (way: keyof typeof ways, a: Ahead[]) => {
  const probe = ways[way](a);
  const got = statements.get(probe.s.name);
  if (got) return got;
  statements.set(probe.s.name, probe);
  return probe;
};
const connect = async () => {
  const client = new pg.Client({ connectionString: st.url, pipeline: true } as pg.ClientConfig);
  await client.connect();
  await client.query('SET plan_cache_mode = force_generic_plan');
  const pid = Number((await client.query('SELECT pg_backend_pid() AS p')).rows[0].p);
  return { client, pid };
};
// Nanoseconds on a CPU (schedstat: finer than /proc's stat ticks), as milliseconds.
const backendCpu = (pid: number) => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
const fresh = (a: Ahead[]): Ahead[] => a.map((x) => ({ s: x.s, values: x.values, r: pending() }));
const conns = { separate: await connect(), shared: await connect() };
const runSome = async (way: keyof typeof ways, some: Ahead[][]): Promise<string[]> => {
  const out: string[] = [];
  const { client } = conns[way];
  for (let k = 0; k < some.length; k += batch) {
    const got = await Promise.all(some.slice(k, k + batch).map(async (a) => {
      const reads = fresh(a);
      const last = await sendTogether(client as unknown as pg.PoolClient, stmtOf(way, reads), reads);
      const rows = await Promise.all(reads.map((r) => r.r.promise));
      return JSON.stringify([last, ...rows.map((r) => r.map((x) => Object.values(x)))]);
    }));
    out.push(...got);
  }
  return out;
};
const runAll = (way: keyof typeof ways) => runSome(way, sets);
const [x, y] = [await runAll('separate'), await runAll('shared')];
for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) die(`event ${i}: separate ${x[i]}, shared ${y[i]}`);
console.log(`pg-together-ab: ${sets.length} one-statements answer alike both ways; ${rounds} rounds, ${batch} in flight`);
if (flag('explain')) {
  for (const way of ['separate', 'shared'] as const) {
    const reads = sets[7]!;
    const t = stmtOf(way, reads);
    const { client } = conns[way];
    // Values as togetherStmt binds them: read them back from what sendTogether would send.
    const sent: unknown[] = [];
    const fake = { query: (q: { values: unknown[] }) => { sent.push(...q.values); } } as unknown as pg.PoolClient;
    void sendTogether(fake, t, fresh(reads)).catch(() => undefined);
    const plan = await client.query({ text: `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE ${t.s.name}(${sent.map((v) => (typeof v === 'number' ? String(v) : `'${String(v)}'`)).join(', ')})` });
    console.log(`--- ${way}\n${t.s.text}\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
  }
}
const ratios: number[] = [];
// The ways alternate every CHUNK statements (the order rotated), so the host's drift falls on all alike.
const CHUNK = 200;
const names = ['separate', 'shared'] as const;
for (let r = 0; r < rounds; r++) {
  const got: Record<string, number> = { separate: 0, shared: 0 };
  for (let k = 0; k < sets.length; k += CHUNK) {
    const some = sets.slice(k, k + CHUNK);
    for (let w = 0; w < names.length; w++) {
      const way = names[(w + k / CHUNK + r) % names.length]!;
      const g0 = backendCpu(conns[way].pid);
      await runSome(way, some);
      got[way]! += backendCpu(conns[way].pid) - g0;
    }
  }
  for (const w of names) got[w] = got[w]! / sets.length;
  ratios.push(got['shared']! / got['separate']!);
  console.log(`round ${r + 1}: server ms per statement, separate ${fmt(got['separate']!, 4)}, shared ${fmt(got['shared']!, 4)}`);
}
console.log(`shared ÷ separate, median (range): server ${fmt(median(ratios), 3)} (${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)})`);
await Promise.all([...Object.values(conns).map((x) => x.client.end()), store.close()]);
process.exit(0);
