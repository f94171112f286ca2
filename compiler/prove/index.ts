// The prover's entry: each invariant of a pack is proved for every input,
// refuted by a concrete input the evaluator confirms, or left undecided with
// the reason. A proof is the search finding no case at all in which the
// condition holds and a conclusion fails (translate.ts states the language's
// semantics as formulas, theory.ts only ever says "impossible" when it is);
// a refutation is an input built from a case (model.ts) on which the pack
// really decides against the invariant. Anything in between is "unknown".
import { diag, type Diagnostic } from '../diagnostics.ts';
import type { CheckedInvariant, CheckedPack, InvariantConclusion, Value } from '../ir.ts';
import { formatValue } from '../display.ts';
import { TIME_FIELD } from '../check/context.ts';
import { queries, satisfies } from './goal.ts';

export { satisfies };
import { decideInputs, realize, type Inputs } from './model.ts';
import { splitSolutions, TooLarge } from './search.ts';
import { Theory } from './theory.ts';
import type { Lit } from './formula.ts';
import { packFields } from './fields.ts';
import { Terms } from './terms.ts';
import { Translator } from './translate.ts';

export interface ProofOptions {
  /** Most cases one part of a query may have. */
  readonly cap?: number;
  /** Most consistency checks per query. */
  readonly budget?: number;
  /** Cases tried for a counterexample before giving up on a query. */
  readonly attempts?: number;
}

export interface Counterexample extends Inputs {
  /** The conclusion the input breaks. */
  readonly conclusion: InvariantConclusion;
  readonly outcome: string;
  readonly fired: readonly string[];
  /** Earlier events that give the window results (built by the runtime: runtime/counterexample.ts). */
  readonly history?: HistoryWitness;
}

/** A counterexample's window results as earlier events, and what the pack decides reading them. */
export interface HistoryWitness {
  /** The events, oldest first, each with only the fields its window needs. */
  readonly rows: readonly Record<string, Value>[];
  /** Window results no events were built for, and why: the counterexample gives them as values. */
  readonly unbuilt: readonly { readonly id: number; readonly why: string }[];
  /** Every window built, and the pack, reading them from the rows, still breaks the invariant. */
  readonly reproduced: boolean;
  readonly outcome: string;
  readonly fired: readonly string[];
  /** The same decided by the compiled pack over a SQLite store holding the rows, when that was tried. */
  readonly store?: { readonly outcome: string; readonly fired: readonly string[]; readonly broken: boolean };
}

export type Verdict =
  | { readonly k: 'proved'; readonly checks: number }
  | { readonly k: 'refuted'; readonly example: Counterexample }
  | { readonly k: 'unknown'; readonly why: string };

export interface InvariantResult {
  readonly invariant: CheckedInvariant;
  readonly verdict: Verdict;
}

/** Days to move `now` by when a case's dates have to come out right: up to about three months either way. */
const SHIFTS = [0, ...Array.from({ length: 90 }, (_, i) => [i + 1, -(i + 1)]).flat()];

const litTermIds = (l: Lit): number[] => (l.k === 'p' || l.k === 'eq' ? [l.t] : l.k === 'teq' ? [l.a, l.b] : [...l.e.terms.keys()]);

const DEFAULTS = { cap: 4096, budget: 200_000, attempts: 12 };

/** Proves every invariant of a pack. */
export function proveInvariants(pack: CheckedPack, opts: ProofOptions = {}): InvariantResult[] {
  const invariants = pack.invariants ?? [];
  if (!invariants.length) return [];
  const o = { ...DEFAULTS, ...opts };
  const terms = new Terms();
  const tr = new Translator(pack, terms, packFields(pack, terms));
  const theory = new Theory(terms);
  return invariants.map((inv) => ({ invariant: inv, verdict: proveOne(pack, inv, tr, terms, theory, o) }));
}

function proveOne(pack: CheckedPack, inv: CheckedInvariant, tr: Translator, terms: Terms, theory: Theory, o: typeof DEFAULTS): Verdict {
  const start = theory.checks;
  let unknown: string | undefined;
  for (const q of queries(inv, pack, tr, terms)) {
    let tried = 0;
    let seen: readonly Lit[] = [];
    try {
      for (const lits of splitSolutions(q.parts, theory, o)) {
        seen = lits;
        const breaks = (y: Inputs) => { const e = decideInputs(pack, inv, y); return e.condition === true && !satisfies(pack, q.conclusion, e.outcome, new Set(e.fired)); };
        // Functions of dates the case fixes (working days, weekdays) come out right on some days, not others: try nearby days.
        const dated = lits.some((l) => l.k !== 'p' && litTermIds(l).some((t) => terms.get(t).origin.k === 'fn'));
        let x: Inputs | undefined;
        for (const shift of dated ? SHIFTS : [0]) {
          const y = realize(pack, terms, lits, shift);
          if (y && breaks(y)) { x = y; break; }
        }
        if (x) {
          const small = minimize(pack, x, breaks);
          const e = decideInputs(pack, inv, small);
          return { k: 'refuted', example: { ...small, conclusion: q.conclusion, outcome: e.outcome, fired: e.fired } };
        }
        if (++tried >= o.attempts) break;
      }
    } catch (e) {
      if (!(e instanceof TooLarge)) throw e;
      unknown ??= `too many cases to search (${e.message}); split the condition or the rules it depends on`;
      continue;
    }
    if (tried > 0) {
      const used = new Set(seen.flatMap(litTermIds));
      const opaque = [...new Set(terms.list.filter((t) => used.has(t.id) && (t.origin.k === 'opaque' || t.origin.k === 'fn')).map((t) => t.label))];
      unknown ??= `the prover found cases it cannot rule out for \`${conclusionText(q.conclusion)}\` but could build no input from them that breaks it`
        + (opaque.length ? `; it treats ${opaque.slice(0, 4).map((l) => `\`${l}\``).join(', ')}${opaque.length > 4 ? ' …' : ''} as unknowns` : '');
    }
  }
  return unknown ? { k: 'unknown', why: unknown } : { k: 'proved', checks: theory.checks - start };
}

/** The counterexample with every value it does not need left out (missing), one at a time. */
function minimize(pack: CheckedPack, x: Inputs, breaks: (y: Inputs) => boolean): Inputs {
  let cur: Inputs = x;
  for (const id of [...x.aggregates.keys()]) {
    const aggregates = new Map(cur.aggregates);
    aggregates.delete(id);
    const y = { ...cur, aggregates };
    if (breaks(y)) cur = y;
  }
  for (const [name, row] of Object.entries(x.entities)) {
    for (const f of Object.keys(row)) {
      const { [f]: _, ...rest } = cur.entities[name]!;
      const y = { ...cur, entities: { ...cur.entities, [name]: rest } };
      if (breaks(y)) cur = y;
    }
  }
  for (const f of Object.keys(x.event)) {
    if (f === TIME_FIELD || pack.schema.event.fields.get(f)?.required) continue;
    const { [f]: _, ...event } = cur.event;
    const y = { ...cur, event };
    if (breaks(y)) cur = y;
  }
  return cur;
}

export function conclusionText(c: InvariantConclusion): string {
  if (c.kind === 'fired') return `${c.negated ? 'not ' : ''}fired ${c.rule}`;
  return `outcome ${c.op === 'atLeast' ? 'at least ' : c.op === 'atMost' ? 'at most ' : ''}${c.outcome}`;
}

/** A counterexample as lines: the event, the entity rows, the window results, what the pack decided. */
export function describeCounterexample(pack: CheckedPack, x: Counterexample): string[] {
  const show = (type: Parameters<typeof formatValue>[0] | undefined, v: Value) => (v === undefined ? 'missing' : type ? formatValue(type, v) : JSON.stringify(v));
  const fields = (name: string, row: Record<string, Value>, info: { fields: ReadonlyMap<string, { type: Parameters<typeof formatValue>[0] }> }) =>
    `${name} { ${Object.entries(row).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${show(info.fields.get(k)?.type, v)}`).join(', ')} }`;
  const lines = [fields('event', x.event, pack.schema.event)];
  for (const [name, row] of Object.entries(x.entities)) if (Object.values(row).some((v) => v !== undefined)) lines.push(fields(name, row, pack.schema.entities.get(name)!));
  const unbuilt = new Map(x.history?.unbuilt.map((u) => [u.id, u.why]));
  for (const [id, v] of x.aggregates) {
    const why = unbuilt.get(id);
    const from = !x.history ? '' : why ? ` (given as a value: no history built, ${why})` : ' (from the history)';
    lines.push(`${pack.aggregates[id]!.text} = ${show(pack.aggregates[id]!.type, v)}${from}`);
  }
  if (x.history?.rows.length) lines.push(`history: ${x.history.rows.length} earlier event${x.history.rows.length === 1 ? '' : 's'}`);
  lines.push(`decides ${x.outcome}${x.fired.length ? ` (fired ${x.fired.join(', ')})` : ' (no rule fired)'}, not \`${conclusionText(x.conclusion)}\``);
  return lines;
}

/** The results as diagnostics on each invariant: refuted is an error, undecided a warning. */
export function proofDiagnostics(pack: CheckedPack, results: readonly InvariantResult[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const r of results) {
    const v = r.verdict;
    const title = r.invariant.title;
    if (v.k === 'refuted') {
      out.push(diag('ZY5101', v.example.conclusion.span, `invariant "${title}" does not hold: ${describeCounterexample(pack, v.example).join('; ')}`,
        'fix the rules, or the invariant if it asks for more than the regulation'));
    } else if (v.k === 'unknown') {
      out.push(diag('ZY5102', r.invariant.span, `invariant "${title}" could not be decided: ${v.why}`));
    }
  }
  return out;
}
