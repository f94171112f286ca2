// Seeded draws for the benchmark generators (events, generated packs): the
// same seed gives the same data on every machine.
export class Gen {
  constructor(private readonly r: () => number) {}
  u(): number { return this.r(); }
  chance(p: number): boolean { return this.r() < p; }
  int(lo: number, hi: number): number { return lo + Math.floor(this.r() * (hi - lo + 1)); }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.r() * xs.length)]!; }
  weighted<T>(xs: readonly (readonly [T, number])[]): T {
    const total = xs.reduce((s, [, w]) => s + w, 0);
    let x = this.r() * total;
    for (const [v, w] of xs) { if ((x -= w) < 0) return v; }
    return xs[xs.length - 1]![0];
  }
  /** Log-normal around `median`, clamped. */
  lognormal(median: number, sigma: number, lo: number, hi: number): number {
    const u1 = Math.max(this.r(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * this.r());
    return Math.min(hi, Math.max(lo, median * Math.exp(sigma * z)));
  }
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
  /** An index drawn with the given weights (one draw). */
  weightedIndex(weights: readonly number[]): number {
    const total = weights.reduce((s, w) => s + w, 0);
    let x = this.r() * total;
    for (let i = 0; i < weights.length; i++) if ((x -= weights[i]!) < 0) return i;
    return weights.length - 1;
  }
  /** Distinct members drawn from `n` candidates. */
  sample<T>(n: number, k: number, f: (i: number) => T): T[] {
    const seen = new Set<number>();
    while (seen.size < Math.min(k, n)) seen.add(this.int(0, n - 1));
    return [...seen].map(f);
  }
}
