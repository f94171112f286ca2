// Stage 4 of JSON Logic (codegen.ts): the functions the generator writes, with
// their temporaries and the data paths each reads more than once, and which
// paths a rule reads (known when compiling, or computed while running).
import type { JlNode } from './ast.ts';
import { literalValue, scopeKids, staticKeys } from './analyze.ts';

/** Where the current scope's data lives. */
export type Scope =
  | { readonly kind: 'plain'; readonly data: string }
  /** A reduce body: {current, accumulator} is built only if the body needs the whole object. */
  | { readonly kind: 'reduce'; readonly cur: string; readonly acc: string; readonly data?: string };

/**
 * One generated function: its temporaries, and the data paths it reads more
 * than once, each kept in a local (`m3`) filled on first use. Data does not
 * change while a rule runs, so a path read twice gives the same value twice.
 */
export class Fn {
  temps = 0;
  readonly uses = new Map<string, number>();
  readonly memos = new Map<string, string>();
  temp(): string {
    return `t${this.temps++}`;
  }
  /** The memo local of a path prefix read more than once, else undefined. */
  memo(keys: readonly string[]): string | undefined {
    const k = JSON.stringify(keys);
    if ((this.uses.get(k) ?? 0) < 2) return undefined;
    let m = this.memos.get(k);
    if (!m) this.memos.set(k, (m = `m${this.memos.size}`));
    return m;
  }
  tempDecl(): string[] {
    return this.temps ? [`let ${Array.from({ length: this.temps }, (_, i) => `t${i}`).join(', ')};`] : [];
  }
  memoDecl(): string[] {
    return this.memos.size ? [`let ${[...this.memos.values()].map((m) => `${m} = U`).join(', ')};`] : [];
  }
}

/** Counts, for one function, how often each path prefix is read in its own scope (bodies of iterators are other functions). */
export function countPaths(n: JlNode, f: Fn, scope: Scope): void {
  const count = (keys: readonly string[]) => {
    const from = scope.kind === 'reduce' && !scope.data ? 2 : 1; // a reduce local needs no memo
    for (let i = from; i <= keys.length; i++) {
      const k = JSON.stringify(keys.slice(0, i));
      f.uses.set(k, (f.uses.get(k) ?? 0) + 1);
    }
  };
  const visit = (x: JlNode): void => {
    if (x.kind === 'op' && x.op === 'var') {
      const keys = staticPath(x.args[0]);
      if (keys && keys.length) count(keys);
    }
    if (x.kind === 'op' && (x.op === 'missing' || x.op === 'missing_some')) {
      const opts = x.args[1];
      const keys = x.op === 'missing' ? staticKeys(x) : opts?.kind === 'array' ? opts.items.flatMap((i) => (i.kind === 'value' && i.value !== undefined ? [i.value] : [])) : [];
      for (const k of keys ?? []) {
        const keys = staticPath({ kind: 'value', value: k, path: '' });
        if (keys && keys.length) count(keys);
      }
    }
    scopeKids(x).forEach(visit);
  };
  visit(n);
}

/**
 * The keys of a `var` whose path is known when compiling: `[]` for the whole
 * data, `undefined` when the path is computed while running.
 */
export function staticPath(path: JlNode | undefined): string[] | undefined {
  if (!path) return [];
  const lit = literalValue(path);
  if (!lit) return undefined;
  const a = lit.value;
  if (a === undefined || a === null || a === '') return [];
  return String(a).split('.');
}

/** Whether a reduce body reads its data object whole, not just `current…` and `accumulator…` paths. */
export function needsWholeData(n: JlNode): boolean {
  if (n.kind === 'array') return n.items.some(needsWholeData);
  if (n.kind !== 'op') return false;
  if (n.op === 'missing' || n.op === 'missing_some') return true;
  if (n.op === 'var') {
    const keys = staticPath(n.args[0]);
    if (!keys || keys.length === 0) return true;
  }
  const own = n.op === 'reduce' ? n.args.filter((_, i) => i !== 1)
    : ['map', 'filter', 'all', 'some', 'none'].includes(n.op) ? n.args.slice(0, 1) : n.args;
  return own.some(needsWholeData);
}
