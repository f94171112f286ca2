// Timing several evaluators of the same events in one process, for the
// in-memory benchmarks (fraud40, flat40): each is warmed up over the data,
// then tinybench times every one in several passes in a rotated order, and
// each pass's figures are divided by the first job's (the baseline) of the
// same pass, so that the load of a shared machine cancels out of the ratios.
import { Bench } from 'tinybench';
import { fmt, median } from './measure.ts';

/** What every timed call returns: enough to keep the work from being optimized away. */
export interface Scored { readonly fired: { readonly length: number }; readonly score: number }

export interface RaceJob<E, R extends Scored = Scored> {
  readonly name: string;
  /** Events per tinybench call. */
  readonly batch: number;
  readonly run?: (e: E) => R;
  readonly runAsync?: (e: E) => Promise<R>;
}

export interface RaceRow {
  readonly name: string;
  readonly ns: number;
  /** ÷ the first job in the same pass, median over passes. */
  readonly ratio: number;
  readonly lo: number;
  readonly hi: number;
  readonly async: boolean;
}

export interface RaceOptions {
  readonly passes: number;
  readonly taskMs: number;
  readonly warmupMs: number;
  readonly die: (msg: string) => never;
}

export interface RaceResult {
  readonly rows: readonly RaceRow[];
  /** ns per decision of each job in each pass. */
  readonly perPass: readonly (readonly number[])[];
  /** Median over passes of job a's time ÷ job b's in the same pass. */
  readonly ratio: (a: number, b: number) => number;
}

export async function race<E, R extends Scored>(jobs: readonly RaceJob<E, R>[], events: readonly E[], o: RaceOptions): Promise<RaceResult> {
  let sink = 0;
  const tasks = jobs.map((job) => {
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

  const perPass: number[][] = jobs.map(() => []);
  const ratioPass: number[][] = jobs.map(() => []);
  for (let pass = 0; pass < o.passes; pass++) {
    const bench = new Bench({ time: o.taskMs, iterations: 10, warmupTime: Math.min(200, o.taskMs / 4), warmupIterations: 5, throws: true });
    // Rotate the order every pass so that no evaluator always runs first or last.
    const order = jobs.map((_, i) => (i + pass) % jobs.length);
    for (const i of order) bench.add(jobs[i]!.name, tasks[i]!, { async: !!jobs[i]!.runAsync });
    await bench.run();
    const ns = jobs.map((job) => {
      const r = bench.getTask(job.name)?.result;
      if (!r || !('latency' in r)) o.die(`task ${job.name} has no result`);
      return (r.latency.p50 * 1e6) / job.batch;
    });
    ns.forEach((v, i) => { perPass[i]!.push(v); ratioPass[i]!.push(v / ns[0]!); });
    console.log(`  pass ${pass + 1}/${o.passes}: ${ns.map((v) => fmt(v)).join(' / ')} ns`);
  }
  const rows: RaceRow[] = jobs.map((job, i) => ({
    name: job.name, ns: median(perPass[i]!), ratio: median(ratioPass[i]!), lo: Math.min(...ratioPass[i]!), hi: Math.max(...ratioPass[i]!), async: !!job.runAsync,
  }));
  const w = Math.max(...rows.map((r) => r.name.length));
  console.log(`\nns per decision: median over ${o.passes} passes of each pass's median; ratio = this ÷ ${jobs[0]!.name} in the same pass\n`);
  console.log(`  ${'evaluator'.padEnd(w)}  ${'ns/decision'.padStart(11)}  ${'× baseline'.padStart(14)}  ${'(range over passes)'.padStart(19)}`);
  console.log(`  ${'-'.repeat(w)}  ${'-'.repeat(11)}  ${'-'.repeat(14)}  ${'-'.repeat(19)}`);
  for (const r of rows) console.log(`  ${r.name.padEnd(w)}  ${fmt(r.ns).padStart(11)}  ${`${fmt(r.ratio, 2)}×`.padStart(14)}  ${`${fmt(r.lo, 2)}–${fmt(r.hi, 2)}`.padStart(19)}`);
  console.log(`  (sink ${sink % 1000})`);
  const ratio = (a: number, b: number) => median(perPass[a]!.map((v, p) => v / perPass[b]![p]!));
  return { rows, perPass, ratio };
}

/** A target line: `text → MET (1.07×)`. */
export function ratioTarget(text: string, value: number, limit: number): { met: boolean; text: string } {
  const met = value <= limit;
  return { met, text: `${text} → ${met ? 'MET' : 'NOT MET'} (${fmt(value, 2)}×)` };
}
