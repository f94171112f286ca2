// npm run bench [-- --quick] [-- --only fraud40,flat40,scale,store,service,workers,cli,jsonlogic,backtest,postgres] [-- --sparse] [-- --postgres]
//                [-- --events N] [-- --seed S] [-- --passes N] [-- --time MS]
// npm run bench -- --store [--quick] …   the SQLite store part alone (bench/store.ts and its options)
// npm run bench -- --editor [--quick]     the rule editor in real Chromium (bench/editor.ts), alone
//
// Every benchmark of zhiyu, in one process, one part after the other, each
// printing its own tables; then a summary of every target, met or not:
//   fraud40    bench/fraud40.ts    the 40-rule pack, features in memory: hand-written
//                                  JS, zhiyu compiled and interpreted, json-logic-js,
//                                  json-rules-engine (identical outputs first)
//   flat40     bench/flat40.ts    the same rules over one flat record, the time given
//                                  beside it (`{ at }`): hand-written JS against decideRaw,
//                                  decide and decideOutcome
//   scale      bench/scale.ts      generated packs of 100, 1,000 and 10,000 rules:
//                                  compile time per stage, heap, ns per decision
//   store      bench/store.ts      decisions over the SQLite feature store against
//                                  the bare SQL, and file imports
//   service    bench/service.ts    the HTTP decision service: throughput, hot swap, fuzz
//   workers    bench/workers.ts   zhiyu serve --workers 1 and 2 under wrk (its own process):
//                                  throughput, CPU per decision, hot reloads, summed metrics
//   cli        bench/cli-start.ts  the `zhiyu` command's start: its install-time build against
//                                  the sources through tsx, alternating
//   jsonlogic  bench/jsonlogic.ts  zhiyu's JSON Logic front end against json-logic-js
//   backtest   bench/backtest.ts   (when present) replaying history through a pack
//   postgres   bench/store-pg.ts   decisions over the PostgreSQL store (embedded server)
//                                  against the bare SQL; 1 and 3 serve processes under wrk.
//                                  Not in the default run (it loads 1M events into a server
//                                  of its own): --postgres adds it, --only postgres runs it alone
// Any failed check aborts with BENCHMARK ABORTED and exit code 1.
// `--quick` runs everything on smaller data with shorter timings (under a
// minute); its numbers are for a quick look, the full run's go in README.md.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runFraud40Bench } from './fraud40.ts';
import { environment, fmt } from './measure.ts';
import { parseOptions } from './options.ts';

const argv = process.argv.slice(2);
const { flag, option } = parseOptions(argv, die);
const QUICK = flag('quick');
const SEED = option('seed', 20260301);
const here = dirname(fileURLToPath(import.meta.url));

function die(msg: string): never {
  console.error(`\n\x1b[31m✗ BENCHMARK ABORTED: ${msg}\x1b[0m\n`);
  process.exit(1);
}

if (flag('editor')) {
  await (await import('./editor.ts')).runEditorBench(argv);
  process.exit(0);
}

if (flag('store')) {
  await (await import('./store.ts')).runStoreBench(argv);
  process.exit(0);
}

const PARTS = ['fraud40', 'flat40', 'scale', 'store', 'service', 'workers', 'cli', 'jsonlogic', 'backtest', 'postgres'] as const;
type Part = (typeof PARTS)[number];
const onlyAt = argv.indexOf('--only');
const only = onlyAt >= 0 ? new Set((argv[onlyAt + 1] ?? '').split(',')) : undefined;
if (only) for (const p of only) if (!PARTS.includes(p as Part)) die(`--only: unknown part ${p} (parts: ${PARTS.join(', ')})`);
const skip = new Set<string>(flag('no-store') ? ['store'] : []);
const wanted = (p: Part) => (only ? only.has(p) : p !== 'postgres' || flag('postgres')) && !skip.has(p);

interface Target { readonly part: string; readonly met: boolean | null; readonly text: string }
const targets: Target[] = [];
const timings: [string, number][] = [];
const t0 = performance.now();
async function part(name: Part, run: () => Promise<void>): Promise<void> {
  if (!wanted(name)) return;
  const t = performance.now();
  await run();
  timings.push([name, (performance.now() - t) / 1000]);
}

console.log(`zhiyu benchmarks (${QUICK ? 'quick: smaller data and shorter timings, not the figures the targets are stated for' : 'full run'})`);
console.log(environment().join('\n'));

/** fraud40's and flat40's data size and timing (--events, --passes, --time). */
const inMemory = (sparse: boolean) => ({
  quick: QUICK, sparse, seed: SEED,
  events: option('events', QUICK ? 4_000 : 10_000),
  passes: option('passes', QUICK ? 2 : 5),
  taskMs: option('time', QUICK ? 250 : 2_000),
  warmupMs: QUICK ? 300 : 1_500,
  die,
});

await part('fraud40', async () => {
  const r = await runFraud40Bench(inMemory(flag('sparse')));
  for (const t of r.targets) targets.push({ part: 'fraud40', ...t });
});

await part('flat40', async () => {
  const { runFlat40Bench } = await import('./flat40.ts');
  const r = await runFlat40Bench(inMemory(false));
  for (const t of r.targets) targets.push({ part: 'flat40', ...t });
});

await part('scale', async () => {
  const { runScaleBench } = await import('./scale.ts');
  const r = await runScaleBench({ quick: QUICK, seed: SEED, passes: QUICK ? 2 : 5, taskMs: QUICK ? 250 : 1_500, die });
  targets.push({ part: 'scale', ...r.compileTarget }, { part: 'scale', ...r.growthTarget });
});

await part('store', async () => {
  const r = await (await import('./store.ts')).runStoreBench(argv);
  for (const t of r.targets) targets.push({ part: 'store', met: r.quick ? null : t.met, text: t.text });
});

await part('service', async () => {
  const r = await (await import('./service.ts')).runServiceBench({ quick: QUICK, ...(QUICK ? { levelMs: 600, fuzz: 600 } : {}) });
  if (!r.passed) die('the service benchmark failed (see above)');
  const c16 = r.levels.find((l) => l.concurrency === 16);
  targets.push({
    part: 'service', met: r.swap.failed === 0 && r.fuzz.all4xx,
    text: `hot swap under load and malformed requests → ${r.passed ? 'PASS' : 'FAIL'} (${r.swap.ok}/${r.swap.reloads} reloads, ${fmt(r.swap.decides)} decides during them, none failed; ` +
      `${fmt(r.fuzz.requests)} malformed requests all 4xx); ${fmt(c16?.rps ?? NaN)} requests/s at concurrency 16, p99 ${fmt(c16?.p99 ?? NaN, 2)} ms`,
  });
});

await part('workers', async () => {
  const { runWorkersBench } = await import('./workers.ts');
  const r = await runWorkersBench({ quick: QUICK });
  for (const t of r.targets) targets.push({ part: 'workers', met: QUICK && t.met !== null ? null : t.met, text: t.text });
});

await part('cli', async () => {
  const r = await (await import('./cli-start.ts')).runCliStartBench({ quick: QUICK });
  targets.push({ part: 'cli', met: null, text: `zhiyu check rules/demo as installed ÷ through tsx: ${fmt(r.ratio, 2)}× (${fmt(r.built)} vs ${fmt(r.source)} ms; no target)` });
});

await part('jsonlogic', async () => {
  const { runJsonLogicBench } = await import('./jsonlogic.ts');
  const r = await runJsonLogicBench({
    quick: QUICK, sparse: flag('sparse'), events: QUICK ? 1_000 : 2_000, seed: SEED,
    passes: QUICK ? 2 : 5, taskMs: QUICK ? 200 : 1_500, warmupMs: QUICK ? 200 : 1_000,
  });
  for (const t of r.targets) targets.push({ part: 'jsonlogic', ...t });
});

// The backtest benchmark is another engineer's (bench/backtest.ts, runBacktestBench);
// it joins the report whenever the file is there.
await part('backtest', async () => {
  if (!existsSync(join(here, 'backtest.ts'))) {
    console.log('\n(backtest: bench/backtest.ts is not there yet; skipped)');
    return;
  }
  const { runBacktestBench } = await import('./backtest.ts');
  const r = await runBacktestBench({ quick: QUICK, seed: SEED, ...(QUICK ? { workers: [1] } : {}), log: (line: string) => console.log(line) });
  if (!r.identical) die('the backtest runs disagree (see above)');
  const best = Math.min(...r.rows.filter((x) => !x.baseline).map((x) => x.seconds));
  targets.push({
    part: 'backtest', met: r.met,
    text: `backtest of ${fmt(r.events)} events under ${r.targetSeconds} s → ${r.met === null ? 'not judged (quick run)' : r.met ? 'MET' : 'NOT MET'} (${fmt(best, 1)} s; ${fmt(r.events / best)} events/s)`,
  });
});

await part('postgres', async () => {
  const r = await (await import('./store-pg.ts')).runPgBench(argv);
  for (const t of r.targets) targets.push({ part: 'postgres', met: r.quick ? null : t.met, text: t.text });
});

// ---------- summary ----------
console.log(`\n${'='.repeat(100)}\nsummary of targets${QUICK ? ' (quick run: small data, short timings; store and backtest targets are judged on full runs only)' : ''}\n`);
for (const t of targets) {
  const mark = t.met === null ? '·' : t.met ? '✓' : '✗';
  console.log(`  ${mark} [${t.part}] ${t.text}`);
}
console.log(`\ntime per part: ${timings.map(([n, s]) => `${n} ${fmt(s, 1)} s`).join(', ')}; total ${fmt((performance.now() - t0) / 1000, 1)} s`);
