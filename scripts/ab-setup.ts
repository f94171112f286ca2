// What the same-process A/B scripts on fraud40 and flat40 share
// (scripts/decide-ab.ts, scripts/explain-ab.ts): an old checkout's compiler and
// runtime beside this one's, the benches' events and one-Map provider, each
// pack's sources, and the figures' median and quartiles.
import { join } from 'node:path';
import type * as NEW from '../compiler/index.ts';
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
