// The 40-rule pack (bench/packs/fraud40) over seeded events (bench/events.ts),
// features in memory, decided in one process by:
//   hand-written     bench/handwritten.ts: the baseline, the limit
//   decideRaw        zhiyu compiled, fired rules and score only (the hot path)
//   decide           zhiyu compiled, the full explained decision
//   interpreter      zhiyu's reference interpreter (with its trace)
//   MemoryProvider   decideRaw with the shipped provider instead of one Map.get
//   json-logic-js    the same 40 rules as JSON Logic (bench/json-logic-pack.ts), `apply` per rule
//   json-rules-engine the same 40 rules translated (bench/rules-engine.ts); async:
//                    every decision awaits `engine.run`, as a caller would
// First every event is decided by all of them and the results must agree
// exactly (fired rules and score per event, and as a checksum); any
// difference aborts the run. Then tinybench times each one in several passes,
// in a rotated order; the table gives ns per decision and the ratio to the
// hand-written code timed in the same pass.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { readPack } from '../cli/pack-files.ts';
import { compile, renderDiagnostic } from '../compiler/index.ts';
import { interpret, load, MemoryProvider, runTests, type FeatureProvider } from '../runtime/index.ts';
import { jsonLogic } from '../spec/jsonlogic/oracle.ts';
import { generate, shapeCount, type Row } from './events.ts';
import { decideHandwritten, RULE_IDS } from './handwritten.ts';
import { fraud40JsonLogic } from './json-logic-pack.ts';
import { Checksum, fmt, median } from './measure.ts';
import { buildRulesEngine } from './rules-engine.ts';
import type { EvalBenchOptions } from './options.ts';

const here = dirname(fileURLToPath(import.meta.url));
const PACK_DIR = join(here, 'packs', 'fraud40');

export interface Fraud40Options extends EvalBenchOptions {
  readonly die: (msg: string) => never;
}

export interface Fraud40Row {
  readonly name: string;
  readonly ns: number;
  /** ÷ hand-written in the same pass, median over passes. */
  readonly ratio: number;
  readonly lo: number;
  readonly hi: number;
  readonly async: boolean;
}

export interface Fraud40Report {
  readonly rows: readonly Fraud40Row[];
  readonly checksum: string;
  readonly targets: readonly { readonly met: boolean; readonly text: string }[];
}

/** Fired rules as indices (or, from the explained decision, as objects with an id) and the score. */
type Result = { readonly fired: readonly (number | { readonly id: string })[]; readonly score: number };
type Indexed = { readonly fired: readonly number[]; readonly score: number };
interface Job {
  readonly name: string;
  /** Events per tinybench call. */
  readonly batch: number;
  readonly run?: (e: Row) => Result;
  readonly runAsync?: (e: Row) => Promise<Result>;
}

export async function runFraud40Bench(o: Fraud40Options): Promise<Fraud40Report> {
  const die: (msg: string) => never = o.die;
  console.log(`\nzhiyu benchmark: fraud40 (40 rules, features in memory) against the alternatives`);
  console.log(`  mode     ${o.quick ? 'quick' : 'full'}: ${fmt(o.events)} events, seed ${o.seed}, ${o.passes} passes × ${o.taskMs} ms per task`);

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
  const jl = fraud40JsonLogic(checked);
  const re = buildRulesEngine(checked);
  console.log(`  pack     ${checked.rules.length} rules, ${checked.predicates.size} predicates, ${checked.tests.length} in-language test cases pass`);
  console.log(`  JSON Logic: ${jl.exported} rules from zhiyu's exporter, ${jl.byHand.length} by hand (${jl.byHand.join(', ')}: no time or rounding operator)`);
  console.log(`  json-rules-engine: ${re.stats.rules} rules, ${re.stats.namedConditions} named conditions (the predicates), ` +
    `${re.stats.dynamicFacts} dynamic facts (arithmetic and functions), ${re.stats.leaves} leaf conditions; custom operators present, missing, startsWith`);

  // ---------- data ----------
  const data = generate({ seed: o.seed, events: o.events, shapes: o.sparse ? 'sparse' : 'service' });
  const events = data.events;
  const customers = data.customers;
  console.log(`  data     ${fmt(events.length)} events (${shapeCount(events)} distinct key sets, '${o.sparse ? 'sparse' : 'service'}' serialization), ${fmt(customers.size)} customers`);

  /** The lean in-memory provider: one Map lookup per entity, as the hand-written code does. */
  const provider: FeatureProvider = {
    entity: (name, key) => (name === 'customer' ? customers.get(key as string) : undefined),
    aggregate: () => { throw new Error('fraud40 has no aggregates'); },
    listHas: () => { throw new Error('fraud40 has no external lists'); },
  };
  const memoryProvider = new MemoryProvider({ entities: { customer: customers } });
  const customerOf = (e: Row) => customers.get(e['customer_id'] as string);
  const hand = (e: Row) => decideHandwritten(e, customerOf(e));
  const idIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const scores = checked.rules.map((r) => r.score);
  const jlRules = jl.rules;
  const jsonLogicDecide = (e: Row): Indexed => {
    const c = customerOf(e);
    const facts = c === undefined ? { event: e } : { event: e, customer: c };
    const fired: number[] = [];
    let score = 0;
    for (let i = 0; i < jlRules.length; i++) {
      if (jsonLogic.truthy(jsonLogic.apply(jlRules[i], facts))) { fired.push(i); score += scores[i]!; }
    }
    return { fired, score };
  };
  const rulesEngineDecide = (e: Row) => re.decide(e, { customer: customerOf(e) });

  const JOBS: readonly Job[] = [
    { name: 'hand-written (baseline)', batch: 1000, run: hand },
    { name: 'zhiyu compiled decideRaw', batch: 1000, run: (e) => engine.decideRaw(e, provider) },
    { name: 'zhiyu compiled decide (explained)', batch: 500, run: (e) => engine.decide(e, provider) },
    { name: 'zhiyu interpreter', batch: 50, run: (e) => interpret(checked, e, provider).decision },
    { name: 'decideRaw + MemoryProvider', batch: 1000, run: (e) => engine.decideRaw(e, memoryProvider) },
    { name: 'json-logic-js 2.0.5 (apply per rule)', batch: 20, run: jsonLogicDecide },
    { name: 'json-rules-engine 7.3.1 (await run)', batch: 4, runAsync: rulesEngineDecide },
  ];

  // ---------- correctness ----------
  const sums = JOBS.map(() => new Checksum());
  const firedCount = new Array<number>(40).fill(0);
  const outcomes = new Map<string, number>();
  let firedEvents = 0;
  const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
  const asIndices = (r: Result): number[] => sorted(r.fired.map((f) => (typeof f === 'number' ? f : idIndex.get(f.id)!)));
  const tCheck = performance.now();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const results: Indexed[] = [];
    const raw: Result[] = [];
    try {
      for (const job of JOBS) {
        const r = job.run ? job.run(e) : await job.runAsync!(e);
        raw.push(r);
        results.push({ fired: asIndices(r), score: r.score });
      }
    } catch (err) {
      die(`event #${i} could not be decided: ${(err as Error).message}\n${JSON.stringify(e)}`);
    }
    const want = results[0]!;
    results.forEach((r, k) => {
      sums[k]!.event(i, r.fired, r.score);
      if (r.score !== want.score || r.fired.join() !== want.fired.join()) {
        const ids = (xs: readonly number[]) => xs.map((x) => ruleIds[x]).join(',') || '-';
        die(`${JOBS[k]!.name} disagrees with the hand-written code on event #${i}: ${ids(r.fired)} score ${r.score}, hand-written ${ids(want.fired)} score ${want.score}\n` +
          `  event ${JSON.stringify(e)}\n  customer ${JSON.stringify(customerOf(e))}`);
      }
    });
    const outcome = (raw[2] as unknown as { outcome: string }).outcome;
    if (outcome !== (raw[3] as unknown as { outcome: string }).outcome) die(`decide and the interpreter give different outcomes on event #${i}`);
    for (const f of want.fired) firedCount[f]!++;
    if (want.fired.length) firedEvents++;
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  const hexes = sums.map((s) => s.hex);
  if (new Set(hexes).size !== 1) die(`checksums differ: ${JOBS.map((j, k) => `${j.name}=${hexes[k]}`).join(' ')}`);
  console.log(`\ncorrectness: all ${fmt(events.length)} events decided identically by all ${JOBS.length} evaluators (fired rules and score) [${fmt((performance.now() - tCheck) / 1000, 1)} s]`);
  console.log(`  checksum ${hexes[0]} (fired ids + score per event, FNV-1a), matched by every evaluator`);
  console.log(`  ${fmt(firedEvents)} events (${fmt(100 * firedEvents / events.length, 1)}%) fire at least one rule; outcomes: ` +
    [...outcomes].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${fmt(100 * n / events.length, 1)}%`).join(', '));
  const never = ruleIds.filter((_, i) => firedCount[i] === 0);
  // The full run's 10,000 events exercise every rule; a quick run's fewer events may miss the rarest.
  if (never.length && !o.quick) die(`rules that never fire on the generated events (the data should exercise every rule): ${never.join(', ')}`);
  if (never.length) console.log(`  ${never.length} rule(s) never fire on these ${fmt(events.length)} events (${never.join(', ')}); the full run's 10,000 exercise every rule`);
  else console.log(`  every rule fires at least once (least: ${Math.min(...firedCount)}, most: ${Math.max(...firedCount)} events)`);

  // ---------- timing ----------
  let sink = 0;
  const tasks = JOBS.map((job) => {
    let at = 0;
    const n = events.length;
    if (job.runAsync) {
      const run = job.runAsync;
      return async () => {
        for (let k = 0; k < job.batch; k++) {
          const r = await run(events[at]!);
          sink += r.fired.length;
          if (++at === n) at = 0;
        }
      };
    }
    const run = job.run!;
    return () => {
      let acc = 0;
      for (let k = 0; k < job.batch; k++) {
        const r = run(events[at]!);
        acc += r.fired.length + r.score;
        if (++at === n) at = 0;
      }
      sink += acc;
    };
  });
  // Warm-up: every evaluator for a while over the data, so the JIT has seen every event shape.
  const warmUntil = performance.now() + o.warmupMs;
  do for (const t of tasks) for (let k = 0; k < 20; k++) await t(); while (performance.now() < warmUntil);

  const perPass: number[][] = JOBS.map(() => []);
  const ratioPass: number[][] = JOBS.map(() => []);
  for (let pass = 0; pass < o.passes; pass++) {
    const bench = new Bench({ time: o.taskMs, iterations: 10, warmupTime: Math.min(200, o.taskMs / 4), warmupIterations: 5, throws: true });
    // Rotate the order every pass so that no evaluator always runs first or last.
    const order = JOBS.map((_, i) => (i + pass) % JOBS.length);
    for (const i of order) bench.add(JOBS[i]!.name, tasks[i]!, { async: !!JOBS[i]!.runAsync });
    await bench.run();
    const ns = JOBS.map((job) => {
      const r = bench.getTask(job.name)?.result;
      if (!r || !('latency' in r)) die(`task ${job.name} has no result`);
      return (r.latency.p50 * 1e6) / job.batch;
    });
    ns.forEach((v, i) => { perPass[i]!.push(v); ratioPass[i]!.push(v / ns[0]!); });
    console.log(`  pass ${pass + 1}/${o.passes}: ${ns.map((v) => fmt(v)).join(' / ')} ns`);
  }
  const rows: Fraud40Row[] = JOBS.map((job, i) => ({
    name: job.name, ns: median(perPass[i]!), ratio: median(ratioPass[i]!), lo: Math.min(...ratioPass[i]!), hi: Math.max(...ratioPass[i]!), async: !!job.runAsync,
  }));
  const w = Math.max(...rows.map((r) => r.name.length));
  console.log(`\nns per decision: median over ${o.passes} passes of each pass's median; ratio = this ÷ hand-written in the same pass\n`);
  console.log(`  ${'evaluator'.padEnd(w)}  ${'ns/decision'.padStart(11)}  ${'× hand-written'.padStart(14)}  ${'(range over passes)'.padStart(19)}`);
  console.log(`  ${'-'.repeat(w)}  ${'-'.repeat(11)}  ${'-'.repeat(14)}  ${'-'.repeat(19)}`);
  for (const r of rows) console.log(`  ${r.name.padEnd(w)}  ${fmt(r.ns).padStart(11)}  ${`${fmt(r.ratio, 2)}×`.padStart(14)}  ${`${fmt(r.lo, 2)}–${fmt(r.hi, 2)}`.padStart(19)}`);

  const raw = rows[1]!;
  const faster = (k: number) => median(perPass[k]!.map((v, p) => v / perPass[1]![p]!));
  const vsJl = faster(5);
  const vsRe = faster(6);
  const targets = [
    { met: raw.ratio <= 1.3, text: `zhiyu compiled decideRaw within 1.3× of hand-written → ${raw.ratio <= 1.3 ? 'MET' : 'NOT MET'} (${fmt(raw.ratio, 2)}×)` },
    { met: vsJl >= 100, text: `zhiyu compiled ≥ 100× faster than json-logic-js → ${vsJl >= 100 ? 'MET' : 'NOT MET'} (${fmt(vsJl)}×)` },
    { met: vsRe >= 1000, text: `zhiyu compiled ≥ 1,000× faster than json-rules-engine → ${vsRe >= 1000 ? 'MET' : 'NOT MET'} (${fmt(vsRe)}×, each of its decisions awaited)` },
  ];
  console.log('');
  for (const t of targets) console.log(`target: ${t.text}`);
  console.log(`checksum ${hexes[0]} matched; sink ${sink % 1000}`);
  return { rows, checksum: hexes[0]!, targets };
}
