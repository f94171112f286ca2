// The 40-rule pack (bench/packs/fraud40) over seeded events (bench/events.ts),
// features in memory, decided in one process by:
//   hand-written     bench/handwritten.ts: the baseline, the limit
//   decideRaw        zhiyu compiled, fired rules and score only (the hot path)
//   decide           zhiyu compiled, the full explained decision
//   decideOutcome    zhiyu compiled, decideRaw and the outcome (no messages)
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
import { readPack } from '../cli/pack-files.ts';
import { compile, renderDiagnostic } from '../compiler/index.ts';
import { interpret, load, MemoryProvider, runTests, type FeatureProvider } from '../runtime/index.ts';
import { jsonLogic } from '../spec/jsonlogic/oracle.ts';
import { generate, shapeCount, type Row } from './events.ts';
import { decideHandwritten, RULE_IDS } from './handwritten.ts';
import { fraud40JsonLogic } from './json-logic-pack.ts';
import { Checksum, fmt } from './measure.ts';
import { race, ratioTarget, type RaceJob, type RaceRow } from './race.ts';
import { buildRulesEngine } from './rules-engine.ts';
import type { EvalRunOptions, Target } from './options.ts';

const here = dirname(fileURLToPath(import.meta.url));
const PACK_DIR = join(here, 'packs', 'fraud40');

export type Fraud40Options = EvalRunOptions;

export interface Fraud40Report {
  readonly rows: readonly RaceRow[];
  readonly checksum: string;
  readonly targets: readonly Target[];
}

/** Fired rules as indices (or, from the explained decision, as objects with an id) and the score. */
type Result = { readonly fired: readonly (number | { readonly id: string })[]; readonly score: number };
type Indexed = { readonly fired: readonly number[]; readonly score: number };
type Job = RaceJob<Row, Result>;

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
  // Each compiled job decides on an engine of its own (its own generated closures, so its own type feedback),
  // as one embedder calling one of them would. The pack's tests run on one more: their customer rows come in many
  // shapes, and the engine that decides them reads rows slower ever after (1.07–1.11× on the explained engine, which
  // ran them until the thirteenth round; explain-r13 in HISTORY.md).
  const fresh = () => load({ pack: compiled.optimized!, code: compiled.code! });
  const engine = fresh();
  const explained = fresh();
  const outcome = fresh();
  const withMemory = fresh();
  const ruleIds = checked.rules.map((r) => r.id);
  if (ruleIds.length !== 40) die(`expected 40 rules, the pack has ${ruleIds.length}`);
  ruleIds.forEach((id, i) => { if (RULE_IDS[i] !== id) die(`rule #${i} is ${id} in the pack but ${RULE_IDS[i]} in handwritten.ts`); });
  const failedTests = runTests(checked, (e, p) => fresh().decide(e, p)).filter((t) => !t.passed);
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
    { name: 'zhiyu compiled decide (explained)', batch: 500, run: (e) => explained.decide(e, provider) },
    { name: 'zhiyu compiled decideOutcome', batch: 1000, run: (e) => outcome.decideOutcome(e, provider) },
    { name: 'zhiyu interpreter', batch: 50, run: (e) => interpret(checked, e, provider).decision },
    { name: 'decideRaw + MemoryProvider', batch: 1000, run: (e) => withMemory.decideRaw(e, memoryProvider) },
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
    if (outcome !== (raw[4] as unknown as { outcome: string }).outcome) die(`decide and the interpreter give different outcomes on event #${i}`);
    if (outcome !== (raw[3] as unknown as { outcome: string }).outcome) die(`decide and decideOutcome give different outcomes on event #${i}`);
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
  const { rows, ratio } = await race(JOBS, events, { passes: o.passes, taskMs: o.taskMs, warmupMs: o.warmupMs, die });
  const raw = rows[1]!;
  const vsJl = ratio(6, 1);
  const vsRe = ratio(7, 1);
  const targets = [
    ratioTarget('zhiyu compiled decideRaw within 1.2× of hand-written', raw.ratio, 1.2),
    ratioTarget('explained decide() within 1.5× of decideRaw', ratio(2, 1), 1.5),
    { met: vsJl >= 100, text: `zhiyu compiled ≥ 100× faster than json-logic-js → ${vsJl >= 100 ? 'MET' : 'NOT MET'} (${fmt(vsJl)}×)` },
    { met: vsRe >= 1000, text: `zhiyu compiled ≥ 1,000× faster than json-rules-engine → ${vsRe >= 1000 ? 'MET' : 'NOT MET'} (${fmt(vsRe)}×, each of its decisions awaited)` },
  ];
  console.log('');
  for (const t of targets) console.log(`target: ${t.text}`);
  console.log(`checksum ${hexes[0]} matched`);
  return { rows, checksum: hexes[0]!, targets };
}
