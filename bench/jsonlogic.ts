// node --import tsx bench/jsonlogic.ts [--quick] [--sparse] [--events N] [--seed S] [--passes N] [--time MS]
//
// JSON Logic: zhiyu's compiled rules (compiler/jsonlogic) against json-logic-js
// 2.0.5's `apply`, in one process, on two workloads:
//   classic   the 277 cases of the official suite (classic/tests.json): each
//             rule on its own data, one after the other
//   fraud40   a 40-rule fraud and consumer-protection pack
//             (spec/jsonlogic/fraud40.json) on seeded events
//             (spec/jsonlogic/fraud40-data.ts): every rule on every event
// First every result is compared (deep-equal, -0 and NaN included) with
// json-logic-js's, and for the classic suite with the expected result; any
// difference aborts the run. Then tinybench times each task in several
// passes, in a rotated order; the ratio is json-logic-js's time ÷ zhiyu's,
// measured in the same pass. Target: at least 20×.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Bench } from 'tinybench';
import { compileJsonLogic, compileJsonLogicPack, truthy } from '../compiler/jsonlogic/index.ts';
import { FRAUD40_RULES, fraud40Data } from '../spec/jsonlogic/fraud40-data.ts';
import { jsonLogic } from '../spec/jsonlogic/oracle.ts';
import { environment } from './measure.ts';
import { parseOptions, type EvalBenchOptions } from './options.ts';

export type JsonLogicOptions = EvalBenchOptions;

export interface JsonLogicReport {
  readonly rows: readonly { readonly name: string; readonly ns: number; readonly ratio: number; readonly baseline: boolean }[];
  readonly targets: readonly { readonly met: boolean; readonly text: string }[];
}

const TARGET = 20;

function die(msg: string): never {
  console.error(`\n\x1b[31m✗ BENCHMARK ABORTED: ${msg}\x1b[0m\n`);
  process.exit(1);
}

export async function runJsonLogicBench(o: JsonLogicOptions): Promise<JsonLogicReport> {
  const { quick: QUICK, events: N_EVENTS, seed: SEED, passes: PASSES, taskMs: TASK_MS, warmupMs: WARMUP_MS } = o;
  const SHAPES = o.sparse ? 'sparse' : 'service';
  const t0 = performance.now();
  console.log('\nzhiyu benchmark: JSON Logic, compiled by zhiyu vs json-logic-js 2.0.5 apply()');
  console.log(`  mode     ${QUICK ? 'quick' : 'full'}: ${PASSES} passes × ${TASK_MS} ms per task; fraud40 on ${N_EVENTS} events, seed ${SEED}, ${SHAPES} shapes`);

  const jl = (rule: unknown, data: unknown): unknown => jsonLogic.apply(rule, data);

  // ---------- classic suite: compile and check ----------
  const CLASSIC = join(import.meta.dirname, '..', '..', 'shared', 'conformance', 'jsonlogic', 'classic', 'tests.json');
  const classic = (JSON.parse(readFileSync(CLASSIC, 'utf8')) as unknown[])
    .filter((t): t is [unknown, unknown, unknown] => Array.isArray(t));
  if (classic.length !== 277) die(`expected 277 classic cases, found ${classic.length}`);
  const classicFns = classic.map(([rule]) => compileJsonLogic(rule));
  classic.forEach(([rule, data, expected], i) => {
    const got = classicFns[i]!.apply(data);
    if (!isDeepStrictEqual(got, expected)) die(`classic case ${i} ${JSON.stringify(rule)}: zhiyu gives ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
    if (!isDeepStrictEqual(jl(rule, data), got)) die(`classic case ${i} ${JSON.stringify(rule)}: json-logic-js disagrees with zhiyu`);
  });
  const folded = classicFns.filter((c) => c.ast.kind === 'value').length;
  console.log(`  classic  277 cases agree with the expected results and with json-logic-js; ${folded} rules fold to a constant`);

  // ---------- fraud40: compile and check ----------
  const ids = Object.keys(FRAUD40_RULES);
  if (ids.length !== 40) die(`expected 40 rules in fraud40.json, found ${ids.length}`);
  const rules = ids.map((id) => FRAUD40_RULES[id]);
  const ruleFns = rules.map((r) => compileJsonLogic(r).apply);
  const pack = compileJsonLogicPack(FRAUD40_RULES);
  const events = fraud40Data(N_EVENTS, SEED, SHAPES);
  const fires = ids.map(() => 0);
  let checksum = 0x811c9dc5;
  events.forEach((e, k) => {
    const packed = pack.apply(e);
    rules.forEach((rule, i) => {
      const want = jl(rule, e);
      const one = ruleFns[i]!(e);
      if (!isDeepStrictEqual(one, want)) die(`fraud40 ${ids[i]} on event ${k}: zhiyu gives ${JSON.stringify(one)}, json-logic-js ${JSON.stringify(want)}`);
      if (!isDeepStrictEqual(packed[i], want)) die(`fraud40 pack, ${ids[i]} on event ${k}: zhiyu gives ${JSON.stringify(packed[i])}, json-logic-js ${JSON.stringify(want)}`);
      if (truthy(want)) {
        fires[i]!++;
        checksum = Math.imul(checksum ^ (k * 64 + i), 0x01000193) >>> 0;
      }
    });
  });
  const never = ids.filter((_, i) => fires[i] === 0);
  if (never.length) die(`rules that never fire on the generated events: ${never.join(', ')}`);
  const firing = events.filter((e) => rules.some((r) => truthy(jl(r, e)))).length;
  console.log(`  fraud40  40 rules × ${N_EVENTS} events agree with json-logic-js (rule by rule and as a pack); checksum ${checksum.toString(16).padStart(8, '0')}; every rule fires; ${(100 * firing / N_EVENTS).toFixed(0)}% of events fire at least one`);

  // ---------- tasks ----------
  interface Job { readonly name: string; readonly group: 'classic' | 'fraud40'; readonly baseline: boolean; readonly batch: number; readonly unit: string; readonly run: () => number }

  let sink = 0;
  // The classic loops: the same plain arrays on both sides, results stored (not inspected).
  const classicRules = classic.map(([rule]) => rule);
  const classicData = classic.map(([, data]) => data);
  const classicApply = classicFns.map((c) => c.apply);
  const results: unknown[] = new Array(classic.length);
  /** `batch` consecutive events per call, wrapping around the data set. */
  function overEvents(batch: number, decide: (e: unknown) => number): () => number {
    let at = 0;
    return () => {
      let acc = 0;
      for (let k = 0; k < batch; k++) {
        acc += decide(events[at]!);
        if (++at === events.length) at = 0;
      }
      return acc;
    };
  }
  const EVENT_BATCH = 50;
  const JOBS: Job[] = [
    { name: 'classic: json-logic-js apply', group: 'classic', baseline: true, batch: classic.length, unit: 'case', run: () => {
      for (let i = 0; i < classicRules.length; i++) results[i] = jsonLogic.apply(classicRules[i], classicData[i]);
      return results.length;
    } },
    { name: 'classic: zhiyu compiled', group: 'classic', baseline: false, batch: classic.length, unit: 'case', run: () => {
      for (let i = 0; i < classicApply.length; i++) results[i] = classicApply[i]!(classicData[i]);
      return results.length;
    } },
    { name: 'fraud40: json-logic-js apply', group: 'fraud40', baseline: true, batch: EVENT_BATCH, unit: 'event', run: overEvents(EVENT_BATCH, (e) => {
      let n = 0;
      for (const r of rules) if (truthy(jl(r, e))) n++;
      return n;
    }) },
    { name: 'fraud40: zhiyu, one closure per rule', group: 'fraud40', baseline: false, batch: EVENT_BATCH, unit: 'event', run: overEvents(EVENT_BATCH, (e) => {
      let n = 0;
      for (const f of ruleFns) if (truthy(f(e))) n++;
      return n;
    }) },
    { name: 'fraud40: zhiyu, pack in one closure', group: 'fraud40', baseline: false, batch: EVENT_BATCH, unit: 'event', run: overEvents(EVENT_BATCH, (e) => {
      let n = 0;
      for (const x of pack.apply(e)) if (truthy(x)) n++;
      return n;
    }) },
  ];

  // Warm-up: every task for a while, so the JIT has seen every shape before timing.
  const warmUntil = performance.now() + WARMUP_MS;
  do for (const j of JOBS) sink += j.run(); while (performance.now() < warmUntil);

  const perPass: number[][] = JOBS.map(() => []);
  const ratioPass: number[][] = JOBS.map(() => []);
  for (let pass = 0; pass < PASSES; pass++) {
    const bench = new Bench({ time: TASK_MS, iterations: 10, warmupTime: Math.min(200, TASK_MS / 4), warmupIterations: 5, throws: true });
    const order = JOBS.map((_, i) => (i + pass) % JOBS.length);
    for (const i of order) bench.add(JOBS[i]!.name, () => { sink += JOBS[i]!.run(); }, { async: false });
    await bench.run();
    const ns = JOBS.map((job) => {
      const r = bench.getTask(job.name)?.result;
      if (!r || !('latency' in r)) die(`task ${job.name} has no result`);
      return (r.latency.p50 * 1e6) / job.batch;
    });
    JOBS.forEach((job, i) => {
      const base = JOBS.findIndex((b) => b.baseline && b.group === job.group);
      perPass[i]!.push(ns[i]!);
      ratioPass[i]!.push(ns[base]! / ns[i]!);
    });
    process.stdout.write(`  pass ${pass + 1}/${PASSES}: ${ns.map((v) => v.toFixed(0)).join(' / ')} ns\n`);
  }

  const median = (xs: readonly number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  const rows = JOBS.map((job, i) => ({ job, ns: median(perPass[i]!), ratio: median(ratioPass[i]!), lo: Math.min(...ratioPass[i]!), hi: Math.max(...ratioPass[i]!) }));
  const w = Math.max(...rows.map((r) => r.job.name.length));
  console.log(`\nns per case (classic) or per event, all 40 rules (fraud40): median over ${PASSES} passes; × = json-logic-js ÷ this, in the same pass\n`);
  console.log(`  ${'task'.padEnd(w)}  ${'ns/op'.padStart(9)}  ${'× faster'.padStart(9)}  ${'(range)'.padStart(13)}`);
  console.log(`  ${'-'.repeat(w)}  ${'-'.repeat(9)}  ${'-'.repeat(9)}  ${'-'.repeat(13)}`);
  for (const r of rows) {
    const ratio = r.job.baseline ? '1.00×' : `${fmt(r.ratio, 1)}×`;
    const range = r.job.baseline ? '' : `${fmt(r.lo, 1)}–${fmt(r.hi, 1)}`;
    console.log(`  ${r.job.name.padEnd(w)}  ${fmt(r.ns).padStart(9)}  ${ratio.padStart(9)}  ${range.padStart(13)}`);
  }
  const targets = ['classic: zhiyu compiled', 'fraud40: zhiyu, one closure per rule', 'fraud40: zhiyu, pack in one closure'].map((name) => {
    const r = rows.find((x) => x.job.name === name)!;
    return { met: r.ratio >= TARGET, text: `JSON Logic front end ≥ ${TARGET}× faster than json-logic-js, ${name} → ${r.ratio >= TARGET ? 'MET' : 'NOT MET'} (${fmt(r.ratio, 1)}×)` };
  });
  console.log('');
  for (const t of targets) console.log(`target: ${t.text}`);
  console.log(`sink ${sink % 1000}; total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { rows: rows.map((r) => ({ name: r.job.name, ns: r.ns, ratio: r.ratio, baseline: r.job.baseline })), targets };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { flag, option } = parseOptions(process.argv.slice(2), die);
  const quick = flag('quick');
  console.log(environment().join('\n'));
  await runJsonLogicBench({
    quick, sparse: flag('sparse'), events: option('events', 2_000), seed: option('seed', 20260301),
    passes: option('passes', quick ? 3 : 7), taskMs: option('time', quick ? 500 : 2000), warmupMs: quick ? 300 : 1500,
  });
}
