// How cost grows with the pack: generated packs of 100, 1,000 and 10,000 rules
// (bench/scale-pack.ts) next to the 40-rule fraud40 pack, in one process.
// For each pack:
// The generated packs are compiled with a sample of earlier traffic (2,000
// events of another seed: DispatchOptions.traffic), which picks the guards of
// the dispatch plan by how often they skip their rules; fraud40 without, and
// the fresh-process compile (the compile target) is the default one, without.
//   compile   each stage timed (parse → check → optimize → codegen, then
//             load: `new Function` and instantiation), in this process under
//             tsx, and the whole compile again in a fresh `node` process from
//             an esbuild bundle, as the library ships (dist/index.js is built
//             the same way); heap retained by the loaded engine
//   correct   on every generated event the indexed code gives the same fired
//             rules and score as the same pack generated without indexing
//             (every rule tested in order), and on a sample the full decision
//             equals the reference interpreter's
//   evaluate  decideRaw, ns per decision, median over passes, and the ratio
//             to fraud40's decideRaw timed in the same pass; how many rule
//             conditions a decision tests (from the dispatch plan); and the
//             same events each decided REPEAT times in a row, so that the code,
//             data and branches it meets are warm: how much of a large pack's
//             cost is fetching code no recent decision ran
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { build } from 'esbuild';
import { readPack } from '../cli/pack-files.ts';
import { generate } from '../compiler/codegen.ts';
import { evaluate, type Env } from '../compiler/evaluate.ts';
import type { CheckedPack, Value } from '../compiler/ir.ts';
import { planDispatch, type DispatchNode } from '../compiler/optimize/dispatch.ts';
import { interpret, load, type Engine, type FeatureProvider } from '../runtime/index.ts';
import { compilePhases, type Phases } from './compile-phases.ts';
import { generate as fraud40Events } from './events.ts';
import { Checksum, collectGarbage, fmt, median, retainedHeap } from './measure.ts';
import { scaleEvents, scalePackFiles, scaleProvider, scaleTraffic, type Row } from './scale-pack.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** How many times in a row the "hot" timing decides each event. */
const REPEAT = 16;
const DATA = join(here, '.data');

export interface ScaleOptions {
  readonly quick: boolean;
  readonly seed: number;
  readonly passes: number;
  readonly taskMs: number;
  readonly sizes?: readonly number[];
  readonly die: (msg: string) => never;
}

export interface ScaleRow {
  readonly name: string;
  readonly rules: number;
  readonly sourceKb: number;
  readonly ms: Phases;
  /** The whole compile in a fresh process from the esbuild bundle, ms. */
  readonly shipped?: Phases;
  readonly heapMb: number;
  readonly codeKb: number;
  readonly functions: number;
  readonly tested: number;
  /** Rules tested with the plan made without traffic. */
  readonly unguided?: number;
  readonly ns: number;
  readonly ratio: number;
  /** ns per decision when each event is decided REPEAT times in a row. */
  readonly hotNs: number;
}

export interface ScaleReport {
  readonly rows: readonly ScaleRow[];
  readonly compileTarget: { readonly met: boolean; readonly text: string };
  readonly growthTarget: { readonly met: boolean; readonly text: string };
}

/** The event's own values (null as missing) and the pack's predicates, for evaluating a guard. */
function rowEnv(e: Row, pack: CheckedPack): Env {
  const none = () => undefined;
  const env: Env = {
    now: e['occurred_at'] as number, field: (_entity, f) => (e[f] ?? undefined) as Value, hfield: none, agg: none, listHas: () => false,
    pred: (name) => { const body = pack.predicates.get(name)?.body; return body ? evaluate(body, env) : undefined; },
  };
  return env;
}

/** Rule conditions a decision tests: the plan followed with the event's values. */
function tested(n: DispatchNode, e: Row, pack: CheckedPack): number {
  if (n.kind === 'rules') return n.rules.length;
  // A guard is one test; its rules are tested when it passes.
  if (n.kind === 'guards') return n.rest.length + n.groups.reduce((s, g) => s + 1 + (evaluate(g.test, rowEnv(e, pack)) === true ? tested(g.then, e, pack) : 0), 0);
  const c = n.cases.get(e[n.field] as never);
  return tested(n.always, e, pack) + (c ? tested(c, e, pack) : 0);
}

interface Subject {
  readonly name: string;
  readonly rules: number;
  readonly sourceKb: number;
  readonly ms: Phases;
  readonly shipped?: Phases;
  readonly heapMb: number;
  readonly engine: Engine;
  readonly codeKb: number;
  readonly functions: number;
  readonly tested: number;
  readonly unguided?: number;
  readonly events: readonly Row[];
  readonly provider: FeatureProvider;
  readonly batch: number;
}

/** Builds the standalone compile timer once per run (esbuild, no tsx: as dist/index.js is built). */
async function bundle(): Promise<string> {
  mkdirSync(DATA, { recursive: true });
  const out = join(DATA, 'compile-phases.mjs');
  await build({ entryPoints: [join(here, 'compile-phases.ts')], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
  return out;
}

export async function runScaleBench(o: ScaleOptions): Promise<ScaleReport> {
  const sizes = o.sizes ?? [100, 1_000, 10_000];
  const nEvents = o.quick ? 4_000 : 10_000;
  const log = (s: string) => console.log(`  ${s}`);
  console.log(`\nzhiyu benchmark: cost against pack size (generated packs of ${sizes.map((s) => fmt(s)).join(', ')} rules; fraud40 as the baseline)`);
  const script = await bundle();
  const subjects: Subject[] = [];
  // The compile as shipped, in a fresh process. A quick run times only the
  // largest pack that way, on the other core while this process works.
  const shippedSizes = o.quick ? [Math.max(...sizes)] : sizes;
  const shippedRuns = new Map<number, Promise<Phases>>();
  if (o.quick) for (const size of shippedSizes) shippedRuns.set(size, shippedCompile(script, size, o.seed));

  // ---------- fraud40, the baseline ----------
  {
    const files = readPack([join(here, 'packs', 'fraud40')]);
    const data = fraud40Events({ seed: o.seed, events: nEvents });
    const h0 = retainedHeap();
    let c: ReturnType<typeof compilePhases> | undefined = compilePhases(files);
    const { engine, ms, checked, code } = c;
    const { optimized } = c;
    const plan = planDispatch(optimized);
    c = undefined;
    const provider = scaleProvider(data.customers);
    for (const e of data.events) engine.decideRaw(e, provider);
    const heapMb = (retainedHeap() - h0) / 2 ** 20;
    if (checked.rules.length !== 40) o.die('fraud40 should have 40 rules');
    subjects.push({
      name: 'fraud40 (baseline)', rules: 40, sourceKb: files.reduce((s, f) => s + f.text.length, 0) / 1024, ms, heapMb, engine,
      codeKb: code.source.length / 1024, functions: functionsIn(code.source),
      tested: data.events.reduce((s, e) => s + tested(plan, e, optimized), 0) / data.events.length,
      events: data.events, provider, batch: 1000,
    });
  }

  // ---------- the generated packs ----------
  for (const size of sizes) {
    const files = scalePackFiles(size, o.seed);
    const chars = files.reduce((n, f) => n + f.text.length, 0);
    const { events, customers } = scaleEvents(size, nEvents, o.seed);
    const provider = scaleProvider(customers);
    // Guards chosen on a sample of earlier traffic (another seed), as a deployment would from its decision log.
    const traffic = scaleTraffic(size, o.seed);
    const h0 = retainedHeap();
    let c: ReturnType<typeof compilePhases> | undefined = compilePhases(files, { dispatch: { traffic } });
    const { engine, ms, checked, optimized, code } = c;
    c = undefined;
    for (const e of events) engine.decideRaw(e, provider);
    // What stays: the engine (optimized pack, generated code and its bytecode, constants) and the checked pack.
    const heapMb = (retainedHeap() - h0) / 2 ** 20;
    const plan = planDispatch(optimized, { traffic });
    const unguided = planDispatch(optimized);

    // Correctness: indexed == every rule in order, on every event; == the interpreter on a sample.
    const flat = load({ pack: optimized, code: generate(optimized, { index: false }) });
    const a = new Checksum();
    const b = new Checksum();
    let fired = 0;
    events.forEach((e, i) => {
      const x = engine.decideRaw(e, provider);
      const y = flat.decideRaw(e, provider);
      a.event(i, x.fired, x.score);
      b.event(i, y.fired, y.score);
      fired += x.fired.length;
      if (x.score !== y.score || x.fired.join() !== y.fired.join()) o.die(`scale${size}: event #${i}: indexed code fires ${x.fired.join(',')} (score ${x.score}), every rule in order ${y.fired.join(',')} (score ${y.score})`);
    });
    const sample = Math.max(10, Math.min(events.length, Math.round((o.quick ? 40_000 : 200_000) / size)));
    for (let i = 0; i < sample; i++) {
      const e = events[(i * 7919) % events.length]!;
      const x = JSON.stringify(engine.decide(e, provider));
      const y = JSON.stringify(interpret(checked, e, provider).decision);
      if (x !== y) o.die(`scale${size}: event ${JSON.stringify(e)}: compiled ${x}, interpreter ${y}`);
    }
    if (!o.quick) shippedRuns.set(size, shippedCompile(script, size, o.seed));
    const shipped = await shippedRuns.get(size);
    const testedMean = events.reduce((s, e) => s + tested(plan, e, optimized), 0) / events.length;
    const unguidedMean = events.reduce((s, e) => s + tested(unguided, e, optimized), 0) / events.length;
    log(`scale${size}: ${fmt(size)} rules; checksum ${a.hex} = unindexed ${b.hex} on ${fmt(events.length)} events (${fmt(fired / events.length, 2)} rules fire per event); ` +
      `${sample} decisions equal the interpreter's; tests ${fmt(testedMean, 1)} rules per decision (${fmt(unguidedMean, 1)} with the plan made without traffic)`);
    subjects.push({
      name: `scale${size}`, rules: size, sourceKb: chars / 1024, ms, shipped, heapMb, engine,
      codeKb: code.source.length / 1024, functions: functionsIn(code.source), tested: testedMean, unguided: unguidedMean,
      events, provider, batch: size >= 10_000 ? 200 : 1000,
    });
  }
  collectGarbage();

  // ---------- timing ----------
  let sink = 0;
  const hotTasks = subjects.map((s) => {
    let at = 0;
    return () => {
      for (let k = 0; k < s.batch; k += REPEAT) {
        const e = s.events[at]!;
        for (let j = 0; j < REPEAT; j++) sink += s.engine.decideRaw(e, s.provider).fired.length;
        if (++at === s.events.length) at = 0;
      }
    };
  });
  const tasks = subjects.map((s) => {
    let at = 0;
    return () => {
      for (let k = 0; k < s.batch; k++) {
        sink += s.engine.decideRaw(s.events[at]!, s.provider).fired.length;
        if (++at === s.events.length) at = 0;
      }
    };
  });
  // Warm-up: a large pack's code is spread over many functions, each run only
  // by the events that reach it; run every event several times, so that V8
  // has optimized them as it would under steady traffic.
  for (const [i, s] of subjects.entries()) {
    const rounds = Math.ceil((o.quick ? 8 : 20) * s.events.length / s.batch);
    for (let k = 0; k < rounds; k++) tasks[i]!();
  }
  const perPass: number[][] = subjects.map(() => []);
  const ratioPass: number[][] = subjects.map(() => []);
  const hotPass: number[][] = subjects.map(() => []);
  for (let pass = 0; pass < o.passes; pass++) {
    const bench = new Bench({ time: o.taskMs, iterations: 10, warmupTime: Math.min(200, o.taskMs / 4), warmupIterations: 5, throws: true });
    const order = subjects.map((_, i) => (i + pass) % subjects.length);
    for (const i of order) bench.add(subjects[i]!.name, tasks[i]!, { async: false });
    for (const i of order) bench.add(`${subjects[i]!.name} hot`, hotTasks[i]!, { async: false });
    await bench.run();
    const nsOf = (name: string, batch: number) => {
      const r = bench.getTask(name)?.result;
      if (!r || !('latency' in r)) o.die(`task ${name} has no result`);
      return (r.latency.p50 * 1e6) / batch;
    };
    const ns = subjects.map((s) => nsOf(s.name, s.batch));
    const hot = subjects.map((s) => nsOf(`${s.name} hot`, Math.ceil(s.batch / REPEAT) * REPEAT));
    ns.forEach((v, i) => { perPass[i]!.push(v); ratioPass[i]!.push(v / ns[0]!); hotPass[i]!.push(hot[i]!); });
    log(`pass ${pass + 1}/${o.passes}: ${ns.map((v) => fmt(v)).join(' / ')} ns; each event ${REPEAT}× in a row: ${hot.map((v) => fmt(v)).join(' / ')} ns`);
  }
  const rows: ScaleRow[] = subjects.map((s, i) => ({
    name: s.name, rules: s.rules, sourceKb: s.sourceKb, ms: s.ms, ...(s.shipped !== undefined ? { shipped: s.shipped } : {}),
    heapMb: s.heapMb, codeKb: s.codeKb, functions: s.functions, tested: s.tested, ...(s.unguided !== undefined ? { unguided: s.unguided } : {}),
    ns: median(perPass[i]!), ratio: median(ratioPass[i]!), hotNs: median(hotPass[i]!),
  }));
  printTables(rows);

  const biggest = rows[rows.length - 1]!;
  const smallest = rows[1]!;
  const shipped = biggest.shipped;
  const compileMet = (shipped?.total ?? Infinity) < 2000;
  const growth = biggest.ns / smallest.ns;
  const hotGrowth = biggest.hotNs / smallest.hotNs;
  const ruleGrowth = biggest.rules / smallest.rules;
  const report: ScaleReport = {
    rows,
    compileTarget: {
      met: compileMet,
      text: `${fmt(biggest.rules)} rules compile in < 2 s → ${compileMet ? 'MET' : 'NOT MET'} (${fmt((shipped?.total ?? NaN) / 1000, 2)} s as shipped, in a fresh process: ` +
        `parse ${fmt((shipped?.parse ?? NaN) / 1000, 2)}, check ${fmt((shipped?.check ?? NaN) / 1000, 2)}, optimize ${fmt((shipped?.optimize ?? NaN) / 1000, 2)}, ` +
        `codegen ${fmt((shipped?.codegen ?? NaN) / 1000, 2)}, load ${fmt((shipped?.load ?? NaN) / 1000, 2)} s; ${fmt(biggest.ms.total / 1000, 2)} s under tsx in this process)`,
    },
    growthTarget: {
      met: growth <= ruleGrowth / 10,
      text: `evaluation grows much slower than the rules (at most a tenth as fast) → ${growth <= ruleGrowth / 10 ? 'MET' : 'NOT MET'} ` +
        `(${fmt(ruleGrowth)}× the rules, ${fmt(growth, 1)}× the ns per decision; ${fmt(biggest.tested, 0)} of ${fmt(biggest.rules)} rules tested per decision, ` +
        `${fmt(biggest.tested / smallest.tested, 1)}× as many (plans guided by a traffic sample; without it ${fmt(biggest.unguided ?? NaN, 0)} rules, ` +
        `${fmt((biggest.unguided ?? NaN) / (smallest.unguided ?? NaN), 1)}× as many); ${fmt(hotGrowth, 1)}× the ns with each event decided ${REPEAT}× in a row)`,
    },
  };
  console.log(`\ntarget: ${report.compileTarget.text}`);
  console.log(`target: ${report.growthTarget.text}`);
  console.log(`sink ${sink % 1000}`);
  return report;
}

function functionsIn(source: string): number {
  return (source.match(/^function /gm) ?? []).length;
}

async function shippedCompile(script: string, size: number, seed: number): Promise<Phases> {
  // A loaded machine may take minutes; an empty answer says what the child printed on stderr.
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [script, String(size), String(seed)], { encoding: 'utf8', timeout: 600_000, maxBuffer: 16 * 2 ** 20 });
  if (!stdout.trim()) throw new Error(`the fresh compile of ${size} rules printed nothing; its stderr: ${stderr.trim().slice(0, 2000) || '(empty)'}`);
  return (JSON.parse(stdout) as { ms: Phases }).ms;
}

function printTables(rows: readonly ScaleRow[]): void {
  const w = Math.max(...rows.map((r) => r.name.length));
  const ms = (n: number) => fmt(n, n < 10 ? 1 : 0);
  console.log('\ncompile (ms; in this process under tsx, stage by stage; "shipped": the whole compile in a fresh node process from the esbuild bundle)\n');
  const head = ['rules', 'source KB', 'parse', 'check', 'optimize', 'codegen', 'load', 'total', 'shipped', 'heap MB', 'code KB', 'functions'];
  console.log(`  ${'pack'.padEnd(w)}  ${head.map((h) => h.padStart(9)).join(' ')}`);
  for (const r of rows) {
    const cells = [fmt(r.rules), fmt(r.sourceKb), ms(r.ms.parse), ms(r.ms.check), ms(r.ms.optimize), ms(r.ms.codegen), ms(r.ms.load), ms(r.ms.total),
      r.shipped === undefined ? '' : ms(r.shipped.total), fmt(r.heapMb, 1), fmt(r.codeKb), fmt(r.functions)];
    console.log(`  ${r.name.padEnd(w)}  ${cells.map((c) => c.padStart(9)).join(' ')}`);
  }
  console.log('\nevaluation (decideRaw, features in memory; ratio to fraud40 in the same pass)\n');
  console.log(`  ${'pack'.padEnd(w)}  ${['rules', 'tested/decision', 'no traffic', 'ns/decision', '× fraud40', `ns, ${REPEAT}× in a row`].map((h) => h.padStart(15)).join(' ')}`);
  for (const r of rows) {
    console.log(`  ${r.name.padEnd(w)}  ${[fmt(r.rules), fmt(r.tested, 1), r.unguided === undefined ? '' : fmt(r.unguided, 1), fmt(r.ns), `${fmt(r.ratio, 2)}×`, fmt(r.hotNs)].map((c) => c.padStart(15)).join(' ')}`);
  }
}
