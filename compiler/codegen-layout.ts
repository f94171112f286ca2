// The dispatch plan (optimize/dispatch.ts) laid out as generated functions:
// what fits in one function (`inlineRules` rule occurrences: V8 optimizes only
// functions of moderate size) stays inline, the rest moves into functions of
// its own, and a switch too large for one function becomes bins of cases,
// each a function found through a case table (codegen-cases.ts). Every part carries what is known
// where it runs (the values switched on), so that rules can be specialized.
import type { IR, Value } from './ir.ts';
import { planSize, type DispatchNode } from './optimize/dispatch.ts';
import { keyOf, type Known } from './optimize/specialize.ts';

/** The dispatch plan as it is emitted: parts too large for one function become calls. */
export type Emit =
  | { readonly kind: 'rules'; readonly rules: readonly number[]; readonly known: KnownAt }
  | { readonly kind: 'switch'; readonly field: string; readonly always: Emit; readonly cases: readonly (readonly [Value, Emit])[] }
  /** Rules behind a guard: run `body` only when `test` is true. */
  | { readonly kind: 'guard'; readonly test: IR; readonly body: Emit; readonly at: KnownAt }
  /** A switch too large for one function: each bin of cases is a function, found through a case table. */
  | { readonly kind: 'bins'; readonly field: string; readonly always: Emit; readonly bins: readonly { readonly values: readonly Value[]; readonly fn: GroupFn }[] }
  | { readonly kind: 'seq'; readonly parts: readonly Emit[] }
  | { readonly kind: 'call'; readonly fn: GroupFn };
export interface KnownAt { readonly known: Known; readonly key: string }
export interface GroupFn { readonly name: string; readonly body: Emit; readonly at: KnownAt; params?: readonly string[] }

export const NOTHING_KNOWN: KnownAt = { known: new Map(), key: keyOf(new Map()) };

export function knowing(at: KnownAt, field: string, value: Value): KnownAt {
  const known = new Map(at.known).set(field, value);
  return { known, key: keyOf(known) };
}

export class Layout {
  private groupCount = 0;

  constructor(private readonly inlineRules: number) {}

  /**
   * A part of the plan as the body of one generated function: what fits in
   * `inlineRules` rule occurrences stays inline, the rest moves into
   * functions of its own.
   */
  prepare(n: DispatchNode, at: KnownAt): Emit {
    return this.fit(n, at, { left: this.inlineRules });
  }

  private fit(n: DispatchNode, at: KnownAt, budget: { left: number }): Emit {
    const size = planSize(n);
    if (size <= budget.left) {
      budget.left -= size;
      return this.inline(n, at);
    }
    if (n.kind === 'rules') {
      const parts: Emit[] = [];
      for (let i = 0; i < n.rules.length; i += this.inlineRules) {
        parts.push({ kind: 'call', fn: this.groupFn({ kind: 'rules', rules: n.rules.slice(i, i + this.inlineRules), known: at }, at) });
      }
      return { kind: 'seq', parts };
    }
    if (n.kind === 'guards') {
      // The guards stay here; a group that does not fit moves out whole.
      return {
        kind: 'seq',
        parts: [
          this.fit({ kind: 'rules', rules: n.rest }, at, budget),
          ...n.groups.map((g): Emit => ({ kind: 'guard', test: g.test, at, body: this.fit(g.then, at, budget) })),
        ],
      };
    }
    const always = this.fit(n.always, at, budget);
    // Cases in bins of at most `inlineRules` occurrences, in plan order; a larger case is a bin alone.
    const bins: (readonly [Value, DispatchNode])[][] = [];
    let bin: (readonly [Value, DispatchNode])[] = [];
    let filled = 0;
    for (const c of n.cases) {
      const s = planSize(c[1]);
      if (bin.length && filled + s > this.inlineRules) { bins.push(bin); bin = []; filled = 0; }
      bin.push(c);
      filled += s;
    }
    if (bin.length) bins.push(bin);
    return {
      kind: 'bins',
      field: n.field,
      always,
      bins: bins.map((b) => {
        if (b.length === 1) {
          const [v, c] = b[0]!;
          const k = knowing(at, n.field, v);
          return { values: [v], fn: this.groupFn(this.prepare(c, k), k) };
        }
        const body: Emit = { kind: 'switch', field: n.field, always: { kind: 'rules', rules: [], known: at }, cases: b.map(([v, c]) => [v, this.inline(c, knowing(at, n.field, v))] as const) };
        return { values: b.map(([v]) => v), fn: this.groupFn(body, at) };
      }),
    };
  }

  private inline(n: DispatchNode, at: KnownAt): Emit {
    if (n.kind === 'rules') return { kind: 'rules', rules: n.rules, known: at };
    if (n.kind === 'guards') {
      return {
        kind: 'seq',
        parts: [{ kind: 'rules', rules: n.rest, known: at }, ...n.groups.map((g): Emit => ({ kind: 'guard', test: g.test, at, body: this.inline(g.then, at) }))],
      };
    }
    return {
      kind: 'switch',
      field: n.field,
      always: this.inline(n.always, at),
      cases: [...n.cases].map(([v, c]) => [v, this.inline(c, knowing(at, n.field, v))] as const),
    };
  }

  private groupFn(body: Emit, at: KnownAt): GroupFn {
    return { name: `g${this.groupCount++}`, body, at };
  }
}
