// npm run bench [-- --quick] [-- --sparse] [-- --events N] [-- --seed S] [-- --passes N] [-- --time MS]
// npm run bench -- --store [--quick]   only the SQLite store part (bench/store.ts); --no-store skips it
//
// One process, four evaluators of the same 40-rule pack (bench/packs/fraud40)
// over the same seeded events (bench/events.ts):
//   hand-written   bench/handwritten.ts, the baseline
//   decideRaw      zhiyu compiled, fired rules and score only (the hot path)
//   decide         zhiyu compiled, the full explained decision
//   interpreter    zhiyu reference interpreter (with its trace)
// First every event is decided by all of them and the results must agree
// exactly (per event, and as a checksum); any difference aborts the run.
// Then tinybench times each one; the table gives ns per decision and the
// ratio to the hand-written baseline measured in the same pass.
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { readPack } from '../cli/pack-files.ts';
import { compile, renderDiagnostic } from '../compiler/index.ts';
import { interpret, load, MemoryProvider, runTests, type FeatureProvider } from '../runtime/index.ts';
import { R } from '../runtime/helpers.ts';
import { generate, shapeCount, type Row } from './events.ts';
import { decideHandwritten, RULE_IDS } from './handwritten.ts';
import { parseOptions } from './options.ts';

// ---------- options ----------
const argv = process.argv.slice(2);
const { flag, option } = parseOptions(argv, die);
const QUICK = flag('quick');
const SHAPES = flag('sparse') ? 'sparse' : 'service';
const N_EVENTS = option('events', 10_000);
const SEED = option('seed', 20260301);
/** Measured passes; each pass times every task once, in a rotated order. */
const PASSES = option('passes', QUICK ? 3 : 7);
/** Time budget per task per pass (ms). */
const TASK_MS = option('time', QUICK ? 600 : 2500);
const WARMUP_MS = QUICK ? 300 : 1500;
// The SQLite store benchmark (bench/store.ts) runs after this one, or alone with --store.
if (flag('store')) { await (await import('./store.ts')).runStoreBench(argv); process.exit(0); }

function die(msg: string): never {
  console.error(`\n\x1b[31m✗ BENCHMARK ABORTED: ${msg}\x1b[0m\n`);
  process.exit(1);
}

const here = dirname(fileURLToPath(import.meta.url));
const PACK_DIR = join(here, 'packs', 'fraud40');
const t0 = performance.now();

// ---------- environment ----------
console.log('zhiyu benchmark: fraud40 (40 rules, features in memory)');
console.log(`  date     ${new Date().toISOString()}`);
console.log(`  node     ${process.version} (${process.platform}/${process.arch}, V8 ${process.versions.v8})`);
console.log(`  cpu      ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`);
console.log(`  load     ${loadavg().map((x) => x.toFixed(2)).join(' ')} (1/5/15 min)`);
console.log(`  mode     ${QUICK ? 'quick' : 'full'}: ${N_EVENTS} events, seed ${SEED}, ${PASSES} passes × ${TASK_MS} ms per task`);

// ---------- compile ----------
const compiled = compile(readPack([PACK_DIR]));
if (!compiled.ok || !compiled.checked || !compiled.optimized || !compiled.code) {
  for (const d of compiled.diagnostics) console.error(renderDiagnostic(d, compiled.files));
  die('the pack does not compile');
}
const checked = compiled.checked;
const engine = load({ pack: compiled.optimized, code: compiled.code });
const ruleIds = checked.rules.map((r) => r.id);
if (ruleIds.length !== 40) die(`expected 40 rules, the pack has ${ruleIds.length}`);
ruleIds.forEach((id, i) => { if (RULE_IDS[i] !== id) die(`rule #${i} is ${id} in the pack but ${RULE_IDS[i]} in handwritten.ts`); });
const failedTests = runTests(checked, (e, p) => engine.decide(e, p)).filter((t) => !t.passed);
if (failedTests.length) die(`the pack's own tests fail: ${failedTests.map((t) => t.name).join('; ')}`);
console.log(`  pack     ${checked.rules.length} rules, ${checked.predicates.size} predicates, ${checked.tests.length} in-language test cases pass`);

// ---------- data ----------
const data = generate({ seed: SEED, events: N_EVENTS, shapes: SHAPES });
const events = data.events;
const customers = data.customers;
console.log(`  data     ${events.length} events (${shapeCount(events)} distinct key sets, '${SHAPES}' serialization), ${customers.size} customers`);

/** The lean in-memory provider: one Map lookup per entity, as the hand-written code does. */
const provider: FeatureProvider = {
  entity: (name, key) => (name === 'customer' ? customers.get(key as string) : undefined),
  aggregate: () => { throw new Error('fraud40 has no aggregates'); },
  listHas: () => { throw new Error('fraud40 has no external lists'); },
};
/** The shipped MemoryProvider, for one extra row. */
const memoryProvider = new MemoryProvider({ entities: { customer: customers } });
const hand = (e: Row) => decideHandwritten(e, customers.get(e['customer_id'] as string));

// ---------- correctness ----------
/** FNV-1a over (event index, fired ids, score) for every event. */
class Checksum {
  private h = 0x811c9dc5;
  add(n: number): void {
    // Scores and ids are small integers; fold them in as 32-bit words.
    let x = n | 0;
    for (let i = 0; i < 4; i++) {
      this.h = Math.imul(this.h ^ (x & 0xff), 0x01000193) >>> 0;
      x >>>= 8;
    }
  }
  event(i: number, fired: readonly number[], score: number): void {
    this.add(i);
    this.add(fired.length);
    for (const f of fired) this.add(f);
    this.add(score);
  }
  get hex(): string { return this.h.toString(16).padStart(8, '0'); }
}

const sums = { hand: new Checksum(), raw: new Checksum(), decide: new Checksum(), interp: new Checksum(), rawMem: new Checksum() };
const firedCount = new Array<number>(40).fill(0);
const outcomes = new Map<string, number>();
let firedEvents = 0;
const mismatches: string[] = [];
const idIndex = new Map(ruleIds.map((id, i) => [id, i]));
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

for (let i = 0; i < events.length; i++) {
  const e = events[i]!;
  let h, raw, rawMem, full, interp;
  try {
    h = hand(e);
    raw = engine.decideRaw(e, provider);
    rawMem = engine.decideRaw(e, memoryProvider);
    full = engine.decide(e, provider);
    interp = interpret(checked, e, provider).decision;
  } catch (err) {
    die(`event #${i} could not be decided: ${(err as Error).message}\n${JSON.stringify(e)}`);
  }
  const rawFired = sorted(raw.fired);
  const rawMemFired = sorted(rawMem.fired);
  const fullFired = full.fired.map((f) => idIndex.get(f.id)!);
  const interpFired = interp.fired.map((f) => idIndex.get(f.id)!);
  sums.hand.event(i, h.fired, h.score);
  sums.raw.event(i, rawFired, raw.score);
  sums.rawMem.event(i, rawMemFired, rawMem.score);
  sums.decide.event(i, fullFired, full.score);
  sums.interp.event(i, interpFired, interp.score);
  const ok = same(h.fired, rawFired) && same(h.fired, rawMemFired) && same(h.fired, fullFired) && same(h.fired, interpFired)
    && h.score === raw.score && h.score === rawMem.score && h.score === full.score && h.score === interp.score
    && full.outcome === interp.outcome;
  if (!ok && mismatches.length < 5) {
    const ids = (xs: readonly number[]) => xs.map((x) => ruleIds[x]).join(',') || '-';
    mismatches.push(`event #${i} ${JSON.stringify(e)}\n    customer ${JSON.stringify(customers.get(e['customer_id'] as string))}\n` +
      `    hand-written ${ids(h.fired)} score ${h.score}\n    decideRaw    ${ids(rawFired)} score ${raw.score}\n` +
      `    decide       ${ids(fullFired)} score ${full.score} outcome ${full.outcome}\n` +
      `    interpreter  ${ids(interpFired)} score ${interp.score} outcome ${interp.outcome}`);
  }
  if (!ok && mismatches.length >= 5) break;
  for (const f of h.fired) firedCount[f]!++;
  if (h.fired.length) firedEvents++;
  outcomes.set(full.outcome, (outcomes.get(full.outcome) ?? 0) + 1);
}
if (mismatches.length) {
  console.error(mismatches.join('\n\n'));
  die('the evaluators disagree (first differences above)');
}
const checksums = Object.entries(sums).map(([k, s]) => `${k}=${s.hex}`);
if (new Set(Object.values(sums).map((s) => s.hex)).size !== 1) die(`checksums differ: ${checksums.join(' ')}`);
console.log(`\ncorrectness: all ${events.length} events identical across hand-written, decideRaw, decide and interpreter`);
console.log(`  checksum ${sums.hand.hex} (fired ids + score per event, FNV-1a), matched by all evaluators`);
console.log(`  ${firedEvents} events (${(100 * firedEvents / events.length).toFixed(1)}%) fire at least one rule; outcomes: ` +
  [...outcomes].sort((a, b) => b[1] - a[1]).map(([o, n]) => `${o} ${(100 * n / events.length).toFixed(1)}%`).join(', '));
const never = ruleIds.filter((_, i) => firedCount[i] === 0);
if (never.length) die(`rules that never fire on the generated events (the data should exercise every rule): ${never.join(', ')}`);
console.log(`  every rule fires at least once (least: ${Math.min(...firedCount)}, most: ${Math.max(...firedCount)} events)`);

// ---------- timing ----------
let sink = 0;
interface Job { readonly name: string; readonly batch: number; readonly run: (e: Row) => { fired: readonly unknown[]; score: number } }
const JOBS: readonly Job[] = [
  { name: 'hand-written (baseline)', batch: 1000, run: hand },
  { name: 'zhiyu compiled decideRaw', batch: 1000, run: (e) => engine.decideRaw(e, provider) },
  { name: 'zhiyu compiled decide (explained)', batch: 500, run: (e) => engine.decide(e, provider) },
  { name: 'zhiyu interpreter', batch: 100, run: (e) => interpret(checked, e, provider).decision },
  { name: 'decideRaw + MemoryProvider', batch: 1000, run: (e) => engine.decideRaw(e, memoryProvider) },
];

// Breakdown of decideRaw into its two generated functions, instantiated the way
// runtime/engine.ts does it: load() validates and copies the event into slots,
// decide() runs the rules (and fetches the customer row). Diagnostic only:
// skipped if the generated factory stops exposing these two functions.
interface Factory { load?: (src: object) => object; decide?: (ev: object, P: FeatureProvider) => { fired: number[]; score: number } }
const gen = new Function('K', 'R', compiled.code.source)(compiled.code.constants, R) as Factory;
const BREAKDOWN: readonly Job[] = gen.load && gen.decide ? (() => {
  const { load: loadEv, decide: decideEv } = gen as Required<Factory>;
  const loaded = events.map((e) => loadEv(e));
  let at = 0;
  const none = { fired: [], score: 0 };
  return [
    { name: '  of which load() (validate + copy event)', batch: 1000, run: (e: Row) => { loadEv(e); return none; } },
    { name: '  of which decide() on a loaded event', batch: 1000, run: () => { const r = decideEv(loaded[at]!, provider); if (++at === loaded.length) at = 0; return r; } },
  ];
})() : [];
const ALL_JOBS = [...JOBS, ...BREAKDOWN];

/** One task call decides `batch` consecutive events, wrapping around the data set. */
function taskFor(job: Job): () => void {
  let at = 0;
  const n = events.length;
  return () => {
    let acc = 0;
    for (let k = 0; k < job.batch; k++) {
      const r = job.run(events[at]!);
      acc += r.fired.length + r.score;
      if (++at === n) at = 0;
    }
    sink += acc;
  };
}

const tasks = ALL_JOBS.map(taskFor);
// Warm-up: every evaluator over the whole data set a few times, so the JIT has
// seen every event shape before anything is measured.
const warmUntil = performance.now() + WARMUP_MS;
do {
  for (const job of ALL_JOBS) for (const e of events) { const r = job.run(e); sink += r.fired.length; }
} while (performance.now() < warmUntil);

const perPass: number[][] = ALL_JOBS.map(() => []); // ns/decision
const ratioPass: number[][] = ALL_JOBS.map(() => []);
for (let pass = 0; pass < PASSES; pass++) {
  const bench = new Bench({ time: TASK_MS, iterations: 10, warmupTime: Math.min(200, TASK_MS / 4), warmupIterations: 5, throws: true });
  // Rotate the order every pass so no evaluator always runs first or last.
  const order = ALL_JOBS.map((_, i) => (i + pass) % ALL_JOBS.length);
  for (const i of order) bench.add(ALL_JOBS[i]!.name, tasks[i]!, { async: false });
  await bench.run();
  const ns = ALL_JOBS.map((job) => {
    const t = bench.getTask(job.name);
    const r = t?.result;
    if (!r || !('latency' in r)) die(`task ${job.name} has no result`);
    return (r.latency.p50 * 1e6) / job.batch;
  });
  ns.forEach((v, i) => { perPass[i]!.push(v); ratioPass[i]!.push(v / ns[0]!); });
  process.stdout.write(`  pass ${pass + 1}/${PASSES}: ${ns.map((v) => v.toFixed(0)).join(' / ')} ns\n`);
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const rows = ALL_JOBS.map((job, i) => ({
  name: job.name,
  ns: median(perPass[i]!),
  ratio: median(ratioPass[i]!),
  lo: Math.min(...ratioPass[i]!),
  hi: Math.max(...ratioPass[i]!),
}));
const w = Math.max(...rows.map((r) => r.name.length));
console.log(`\nns per decision: median over ${PASSES} passes of each pass's median; ratio = this ÷ hand-written in the same pass\n`);
console.log(`  ${'evaluator'.padEnd(w)}  ${'ns/decision'.padStart(11)}  ${'× hand-written'.padStart(14)}  ${'(range over passes)'.padStart(19)}`);
console.log(`  ${'-'.repeat(w)}  ${'-'.repeat(11)}  ${'-'.repeat(14)}  ${'-'.repeat(19)}`);
for (const [i, r] of rows.entries()) {
  if (i === JOBS.length && BREAKDOWN.length) console.log(`  ${'breakdown of decideRaw (generated functions called directly):'}`);
  console.log(`  ${r.name.padEnd(w)}  ${fmt(r.ns).padStart(11)}  ${`${fmt(r.ratio, 2)}×`.padStart(14)}  ${`${fmt(r.lo, 2)}–${fmt(r.hi, 2)}`.padStart(19)}`);
}
if (BREAKDOWN.length) console.log('\n  (the two breakdown rows are not additive: decide() on pre-loaded events skips one allocation per decision and reads events loaded long ago)');
const raw = rows[1]!;
const TARGET = 1.3;
console.log(`\ntarget: compiled decideRaw within ${TARGET}× of hand-written → ${raw.ratio <= TARGET ? 'MET' : 'NOT MET'} (${fmt(raw.ratio, 2)}×)`);
console.log(`checksum ${sums.hand.hex} matched; sink ${sink % 1000}; total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
if (!flag('no-store')) await (await import('./store.ts')).runStoreBench(argv);
