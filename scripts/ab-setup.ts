// What the same-process A/B scripts on fraud40 and flat40 share
// (scripts/decide-ab.ts, scripts/explain-ab.ts): an old checkout's compiler and
// runtime beside this one's, the benches' events and one-Map provider, each
// pack's sources, and the figures' median and quartiles.
import { join } from 'node:path';
import * as NEW from '../compiler/index.ts';
import type * as NEWRT from '../runtime/index.ts';
import { readPack } from '../cli/pack-files.ts';
import { flat40Source } from '../bench/flat40.ts';
import { generate } from '../bench/events.ts';

export function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

export const quartiles = (xs: number[]): [number, number, number] => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]!;
  return [q(0.25), q(0.5), q(0.75)];
};

/** The old checkout's compiler and runtime, loaded from its sources beside this one's. */
export async function oldTree(dir: string): Promise<{ OLD: typeof NEW; OLDRT: typeof NEWRT }> {
  return {
    OLD: await import(join(dir, 'compiler/index.ts')) as typeof NEW,
    OLDRT: await import(join(dir, 'runtime/index.ts')) as typeof NEWRT,
  };
}

/** The benches' 10,000 events and their customers, and the lean provider bench/fraud40.ts decides with. */
export function benchData() {
  const data = generate({ seed: 20260301, events: 10_000, shapes: 'service' });
  const customers = data.customers;
  const provider: NEWRT.FeatureProvider = {
    entity: (name, key) => (name === 'customer' ? customers.get(key as string) : undefined),
    aggregate: () => { throw new Error('no aggregates'); },
    listHas: () => { throw new Error('no external lists'); },
  };
  return { data, customers, provider };
}

export const packSource = (pack: string) => (pack === 'flat40' ? flat40Source() : readPack([join(import.meta.dirname, '..', 'bench', 'packs', 'fraud40')]));

/**
 * A run's common start: the old tree (process.argv[2]), --rounds and --pack, the benches' data, and a
 * function giving each pack the old and new compile results (undefined, after saying so, when one fails).
 */
export async function abStart(script: string, defaultRounds: number) {
  const old = process.argv[2];
  if (!old || old.startsWith('--')) {
    console.error(`usage: node --import tsx scripts/${script} OLD_DIR [--rounds N] [--pack flat40|fraud40]`);
    return undefined;
  }
  const { OLD, OLDRT } = await oldTree(old);
  const only = arg('--pack', '');
  const packs = ['fraud40', 'flat40'].filter((p) => !only || only === p);
  const compiled = (pack: string) => {
    const files = packSource(pack);
    const a = OLD.compile(files);
    const b = NEW.compile(files);
    if (!a.ok || !b.ok || !a.optimized || !b.optimized || !a.code || !b.code) { console.error(`${pack} does not compile`); return undefined; }
    return { a: { pack: a.optimized, code: a.code }, b: { pack: b.optimized, code: b.code }, checked: b.checked! };
  };
  return { OLDRT, rounds: Number(arg('--rounds', String(defaultRounds))), packs, compiled, ...benchData() };
}

export type Job<I> = readonly [string, (x: I) => { fired: { length: number }; score: number }];

export const fmt = ([lo, mid, hi]: [number, number, number]) => `${mid.toFixed(3)} (${lo.toFixed(3)}–${hi.toFixed(3)})`;

/**
 * Times `passes` passes of every job over `items` per round, the jobs in an order rotated each round, after
 * 20 warm-up rounds, as CPU time of this process (a busy machine steals wall time, not CPU time).
 * ratio(p, q): job p ÷ job q, median and quartiles of the rounds' ratios; ns(i): job i's median per decision.
 */
export function timeRotated<I>(jobs: readonly Job<I>[], items: readonly I[], rounds: number, passes: number) {
  let sink = 0;
  const pass = (f: Job<I>[1]): number => {
    const t = process.cpuUsage();
    for (let k = 0; k < passes; k++) for (let i = 0; i < items.length; i++) { const r = f(items[i]!); sink += r.fired.length + r.score; }
    const d = process.cpuUsage(t);
    return d.user + d.system;
  };
  for (let w = 0; w < 20; w++) for (const [, f] of jobs) pass(f);
  const times: number[][] = jobs.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < jobs.length; j++) {
      const i = (j + round) % jobs.length;
      times[i]!.push(pass(jobs[i]![1]));
    }
  }
  if (sink === 0.5) console.log('');
  return {
    ratio: (p: number, q: number) => quartiles(times[p]!.map((t, k) => t / times[q]![k]!)),
    ns: (i: number) => ((quartiles(times[i]!)[1] * 1000) / (passes * items.length)).toFixed(0),
  };
}
