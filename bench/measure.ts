// Small helpers the benchmarks share: medians, number formatting, a checksum
// over decisions, and a real garbage collection for heap measurements.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import os from 'node:os';

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** FNV-1a over (event index, fired ids, score) for every event. */
export class Checksum {
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

let gcFn: (() => void) | undefined;
/**
 * A full collection, so that heap deltas count what is retained and not the
 * garbage of the moment. `npm run bench` runs without --expose-gc; V8 lets a
 * running process turn the flag on and hands `gc` to new contexts.
 */
export function collectGarbage(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
}

/** Heap in use after a full collection, in bytes. */
export function retainedHeap(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** The lines every benchmark report starts with. */
export function environment(): string[] {
  const { cpus, loadavg, totalmem } = os;
  return [
    `  date     ${new Date().toISOString()}`,
    `  node     ${process.version} (${process.platform}/${process.arch}, V8 ${process.versions.v8})`,
    `  cpu      ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}, ${fmt(totalmem() / 2 ** 30)} GiB`,
    `  load     ${loadavg().map((x) => x.toFixed(2)).join(' ')} (1/5/15 min)`,
  ];
}
