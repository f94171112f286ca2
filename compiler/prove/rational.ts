// Exact rational numbers on BigInt, for the prover's linear arithmetic: no
// rounding can make an infeasible system look feasible, or the reverse.
export class Rat {
  private constructor(readonly n: bigint, readonly d: bigint) {}

  static of(n: bigint, d = 1n): Rat {
    if (d === 0n) throw new Error('zero denominator');
    if (d < 0n) { n = -n; d = -d; }
    const g = gcd(n < 0n ? -n : n, d);
    return g > 1n ? new Rat(n / g, d / g) : new Rat(n, d);
  }

  /** The exact value of a finite double (0.7 is 3152519739159347/4503599627370496). */
  static num(x: number): Rat {
    if (!Number.isFinite(x)) throw new Error(`not a finite number: ${x}`);
    if (Number.isInteger(x)) return new Rat(BigInt(x), 1n);
    let d = 1n;
    let v = x;
    // Doubling is exact until the value is whole (at most 1074 times).
    while (!Number.isInteger(v)) { v *= 2; d *= 2n; }
    return Rat.of(BigInt(v), d);
  }

  static readonly ZERO = new Rat(0n, 1n);
  static readonly ONE = new Rat(1n, 1n);

  add(o: Rat): Rat { return Rat.of(this.n * o.d + o.n * this.d, this.d * o.d); }
  sub(o: Rat): Rat { return Rat.of(this.n * o.d - o.n * this.d, this.d * o.d); }
  mul(o: Rat): Rat { return Rat.of(this.n * o.n, this.d * o.d); }
  div(o: Rat): Rat { return Rat.of(this.n * o.d, this.d * o.n); }
  neg(): Rat { return new Rat(-this.n, this.d); }
  abs(): Rat { return this.n < 0n ? this.neg() : this; }
  sign(): number { return this.n > 0n ? 1 : this.n < 0n ? -1 : 0; }
  cmp(o: Rat): number { const x = this.n * o.d - o.n * this.d; return x > 0n ? 1 : x < 0n ? -1 : 0; }
  eq(o: Rat): boolean { return this.n === o.n && this.d === o.d; }
  isInt(): boolean { return this.d === 1n; }
  /** The largest whole number not above. */
  floor(): bigint { const q = this.n / this.d; return this.n < 0n && q * this.d !== this.n ? q - 1n : q; }
  ceil(): bigint { return -this.neg().floor(); }
  toNumber(): number { return Number(this.n) / Number(this.d); }
  toString(): string { return this.d === 1n ? String(this.n) : `${this.n}/${this.d}`; }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}
