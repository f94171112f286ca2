// node --import tsx bench/pg-ab.ts --hold [--db-events N]          (a loaded server, kept until SIGTERM)
// node --import tsx bench/pg-ab.ts --against /tmp/base [--instances 3] [--connections 15] [--rounds 4] [--seconds 8] [--log]
//
// Old and new `zhiyu serve` over one PostgreSQL server, alternated: each round
// starts the instances of one tree, drives them with one wrk (a thread per
// instance, as bench/store-pg.ts's sweep), then the other tree's, the order
// swapped every round. CPU per decision of the serve processes and of the
// server (from /proc), throughput and p99; the ratios new ÷ old per round
// and their median. On a machine shared with other jobs only these ratios
// mean something. `--hold` starts and loads the server once (as
// bench/store-pg.ts does) and writes where it is to .data/pg-ab.json for
// the runs that follow; without it a run loads its own. `--log`: both
// sides serve with the decision log (`serve --log`).
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPack } from '../cli/pack-files.ts';
import { compile } from '../compiler/index.ts';
import { writeBundle } from '../runtime/bundle.ts';
import { PostgresStore } from '../runtime/store/postgres/store.ts';
import { importFilePg } from '../runtime/store/postgres/ingest.ts';
import { pgServer } from '../spec/pg-server.ts';
import { fmt, median } from './measure.ts';
import { parseOptions } from './options.ts';
import { processCpu } from './pg-cpu.ts';
import { csvFiles, startServe, stopServe } from './store-pg.ts';
import { END, generate, START, stream, type Generated } from './store-data.ts';
import { spreadScript, wrk } from './proc-usage.ts';

const here = dirname(fileURLToPath(import.meta.url));
const DATA = join(here, '.data');
const STATE = join(DATA, 'pg-ab.json');

interface State { readonly url: string; readonly postmaster: number; readonly bundle: string; readonly script: string }

function die(msg: string): never {
  console.error(`pg-ab: ${msg}`);
  process.exit(1);
}

async function load(seed: number, n: number): Promise<State> {
  const files = readPack([join(here, 'packs', 'store3')]);
  const c = compile(files);
  if (!c.ok) die('store3 does not compile');
  let generated: Generated | undefined;
  const g = () => (generated ??= generate(seed, n));
  const csv = csvFiles(seed, n, g, console.log);
  const server = await pgServer();
  const url = await server.database('pg_ab');
  const store = await PostgresStore.open(url, { create: true });
  await store.migrate(c.checked!.schema);
  await store.partitionsFor(START, END);
  await importFilePg(store, c.checked!.schema, csv.customers, { into: 'customer' });
  await importFilePg(store, c.checked!.schema, csv.events, { into: 'events' });
  await store.ensureIndexes([c.checked!]);
  await store.pool.query('ANALYZE');
  const dataDir = String((await store.pool.query('SHOW data_directory')).rows[0].data_directory);
  await store.close();
  const bundle = join(DATA, 'pg-ab.zyb');
  writeFileSync(bundle, writeBundle(c, files));
  const bodies = stream(g(), seed, 500).map((e) => JSON.stringify(e));
  const script = join(DATA, 'pg-ab.lua');
  writeFileSync(script, `local bodies = {${bodies.map((b) => JSON.stringify(b)).join(',\n')}}\nlocal i = 0\nwrk.method = "POST"\nwrk.headers["content-type"] = "application/json"\nrequest = function()\n  i = i % #bodies + 1\n  return wrk.format(nil, nil, nil, bodies[i])\nend\n`);
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return { url, postmaster, bundle, script };
}


interface Side { readonly label: string; readonly cli: string; readonly env: Record<string, string>; readonly url: string; readonly args: readonly string[]; readonly bundle: string }

/** store3 compiled by `tree`'s own compiler: a bundle is tied to the runtime API of the zhiyu that made it. */
function bundleOf(tree: string, out: string): string {
  const c = spawnSync(process.execPath, [join(tree, 'cli', 'bin.js'), 'compile', join(here, 'packs', 'store3'), '-o', out], { cwd: tree, encoding: 'utf8' });
  if (c.status !== 0) die(`${tree}'s compile failed: ${c.stderr}`);
  return out;
}
interface Reading { rps: number; p99: number; serve: number; server: number; failed: number }

async function measure(st: State, side: Side, instances: number, connections: number, seconds: number): Promise<Reading> {
  const served: { url: string; child: ChildProcess }[] = await Promise.all(Array.from({ length: instances }, () => startServe(side.bundle, side.url, side.cli, side.env, side.args)));
  try {
    const script = instances > 1 ? spreadScript(st.script, served.map((s) => s.url)) : st.script;
    await wrk(served[0]!.url, 2, script, connections, instances); // warm-up: plans, the JIT, the pools
    const serveCpu = () => served.reduce((a, s) => a + (processCpu(s.child.pid!) ?? NaN), 0);
    const s0 = serveCpu(), g0 = processCpu(st.postmaster) ?? NaN;
    const r = await wrk(served[0]!.url, seconds, script, connections, instances);
    const s1 = serveCpu(), g1 = processCpu(st.postmaster) ?? NaN;
    return { rps: r.rps, p99: r.p99, failed: r.failed, serve: ((s1 - s0) * 1000) / r.requests, server: ((g1 - g0) * 1000) / r.requests };
  } finally {
    await Promise.all(served.map((s) => stopServe(s.child)));
  }
}

const { flag, option } = parseOptions(process.argv.slice(2), die);
const text = (name: string): string | undefined => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : undefined; };
const envOf = (s: string | undefined): Record<string, string> => Object.fromEntries((s ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));

if (flag('hold')) {
  const st = await load(option('seed', 20260301), option('db-events', 1_000_000));
  writeFileSync(STATE, JSON.stringify(st));
  console.log(`pg-ab: ${st.url} (postmaster ${st.postmaster}) held; state in ${STATE}`);
  process.on('SIGTERM', () => process.exit(0));
  setInterval(() => undefined, 1 << 30);
} else {
  const st: State = existsSync(STATE) && !flag('fresh') ? JSON.parse(readFileSync(STATE, 'utf8')) as State : await load(option('seed', 20260301), option('db-events', 200_000));
  const against = text('against');
  const self = join(here, '..', 'cli', 'bin.js');
  const args = flag('log') ? ['--log'] : [];
  const oldTree = against ?? join(here, '..');
  const a: Side = { label: 'old', cli: join(oldTree, 'cli', 'bin.js'), env: envOf(text('env-old')), url: text('url-old') ?? st.url, args, bundle: bundleOf(oldTree, join(DATA, 'pg-ab-old.zyb')) };
  const b: Side = { label: 'new', cli: self, env: envOf(text('env-new')), url: text('url-new') ?? st.url, args, bundle: bundleOf(join(here, '..'), join(DATA, 'pg-ab-new.zyb')) };
  const instances = option('instances', 3), connections = option('connections', 15), rounds = option('rounds', 4), seconds = option('seconds', 8);
  console.log(`pg-ab: ${instances} instance(s)${args.length ? ' with --log' : ''}, ${connections} connections, ${rounds} rounds × ${seconds} s; old ${a.cli} ${JSON.stringify(a.env)} ${a.url}, new ${b.cli} ${JSON.stringify(b.env)} ${b.url}`);
  console.log(`${'round'.padEnd(6)}${'side'.padEnd(5)}${'dec/s'.padStart(8)}${'p99 ms'.padStart(9)}${'serve ms'.padStart(10)}${'server ms'.padStart(11)}${'failed'.padStart(8)}${'load'.padStart(6)}`);
  const ratios = { rps: [] as number[], p99: [] as number[], serve: [] as number[], server: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    const got = new Map<string, Reading>();
    for (const side of i % 2 ? [b, a] : [a, b]) {
      const r = await measure(st, side, instances, connections, seconds);
      got.set(side.label, r);
      console.log(`${String(i + 1).padEnd(6)}${side.label.padEnd(5)}${fmt(r.rps).padStart(8)}${fmt(r.p99, 2).padStart(9)}${fmt(r.serve, 3).padStart(10)}${fmt(r.server, 3).padStart(11)}${String(r.failed).padStart(8)}${loadavg()[0]!.toFixed(1).padStart(6)}`);
    }
    const o = got.get('old')!, n = got.get('new')!;
    for (const k of ['rps', 'p99', 'serve', 'server'] as const) ratios[k].push(n[k] / o[k]);
  }
  console.log(`new ÷ old, median of rounds (range): ${(['rps', 'p99', 'serve', 'server'] as const).map((k) => `${k} ${fmt(median(ratios[k]), 3)} (${fmt(Math.min(...ratios[k]), 2)}–${fmt(Math.max(...ratios[k]), 2)})`).join(', ')}`);
  process.exit(0);
}
