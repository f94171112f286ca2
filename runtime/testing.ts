// Running a pack's own tests (`test "…"` blocks): each case becomes an event,
// an in-memory provider and a clock; the decision is compared with what the
// test expects. A failing test says why: the case is run again on the
// reference interpreter, and for every rule the failure is about (expected
// to fire and did not, or the reverse; the rules behind a wrong outcome) each
// part of its condition is listed with its truth and the values it read —
// what Try it paints over the source, as text.
import type { CheckedPack, CheckedRule, IR, SourceFile, Span, TestCase, TestExpect, Value } from '../compiler/index.ts';
import { showValue } from '../compiler/display.ts';
import { InputError } from '../compiler/input.ts';
import { Spans } from '../compiler/lint/spans.ts';
import { children } from '../compiler/optimize/fold.ts';
import { printIR } from '../compiler/print.ts';
import { positionOf } from '../compiler/source.ts';
import { leafLabel, type Decision } from './decision.ts';
import { interpret, type RuleTrace } from './interpreter.ts';
import { MemoryProvider, type FeatureProvider } from './provider.ts';

export type Decider = (event: unknown, provider: FeatureProvider) => Decision;

/** One part of a rule's condition in one decision: its truth and what it read. */
export interface ConditionPart {
  readonly text: string;
  /** `true`, `false` or `missing`. */
  readonly truth: 'true' | 'false' | 'missing';
  /** The features, aggregates, `let`s and computed values the part read, as written. */
  readonly values: readonly { readonly what: string; readonly value: string }[];
}

/** Why a rule the failure is about did (not) fire on this case. */
export interface RuleExplanation {
  readonly rule: string;
  /** `fired`, `did not fire`, or why it was not evaluated (disabled, not in force). */
  readonly state: string;
  /** `file:line` of the rule, when the source is known. */
  readonly location?: string;
  readonly parts: readonly ConditionPart[];
}

export interface TestResult {
  readonly name: string;
  readonly passed: boolean;
  readonly failures: readonly string[];
  /** For a failed test: the rules its failures are about, condition by condition. */
  readonly explanations: readonly RuleExplanation[];
  readonly span: Span;
  readonly decision?: Decision;
}

export interface RunOptions {
  /** The pack's files: conditions are shown as written. Without them, in canonical form. */
  readonly files?: readonly SourceFile[];
}

export function providerFor(pack: CheckedPack, t: TestCase): MemoryProvider {
  const entities: Record<string, Map<Value, object>> = Object.create(null);
  for (const [name, row] of Object.entries(t.entities)) {
    const key = t.event[pack.schema.entities.get(name)!.key];
    entities[name] = new Map([[key, row]]);
  }
  return new MemoryProvider({ entities, history: t.history, lists: t.lists, calendar: t.calendar });
}

const RANK_WORDS: Record<string, string> = { '==': '', '!=': 'not ', '<': 'below ', '<=': 'at most ', '>': 'above ', '>=': 'at least ' };

export function runTest(pack: CheckedPack, t: TestCase, decide: Decider, opts: RunOptions = {}): TestResult {
  const event = () => Object.assign(Object.create(null), t.event);
  let decision: Decision;
  try {
    decision = decide(event(), providerFor(pack, t));
  } catch (e) {
    const msg = e instanceof InputError ? `${e.code}: ${e.message}` : String(e);
    return { name: t.name, passed: false, failures: [`the decision failed: ${msg}`], explanations: [], span: t.span };
  }
  const seen = t.expect.filter((e): e is Extract<TestExpect, { kind: 'seen' }> => e.kind === 'seen');
  // The reference interpreter, once, when something needs it: the values `expect seen` asks about, and the trace of a failure.
  let traced: ReturnType<typeof interpret> | undefined;
  const trace = () => (traced ??= interpret(pack, event(), providerFor(pack, t), { probe: seen.map((e) => e.what) }));

  const failures: string[] = [];
  const involved = new Map<string, string>();
  /** Rules that would have given a missing outcome: shown when no other expectation names a rule. */
  const wouldGive: { id: string; why: string }[] = [];
  const involve = (id: string, why: string) => { if (!involved.has(id)) involved.set(id, why); };
  const fired = new Set(decision.fired.map((f) => f.id));
  const rank = (o: string | undefined) => (o === undefined ? Infinity : pack.outcomes.indexOf(o));
  const firedList = fired.size ? ` (fired: ${[...fired].join(', ')})` : ' (no rule fired)';
  for (const e of t.expect) {
    switch (e.kind) {
      case 'outcome': {
        if (decision.outcome === e.outcome) break;
        const got = rank(decision.outcome);
        const want = rank(e.outcome);
        const threshold = pack.thresholds.filter((x) => decision.score >= x.at && rank(x.outcome) === got).map((x) => x.at)[0];
        failures.push(`expected outcome ${e.outcome}, got ${decision.outcome}${firedList}${threshold !== undefined && !pack.rules.some((r) => fired.has(r.id) && r.outcome === decision.outcome) ? `; score ${decision.score} reaches \`threshold ${decision.outcome} at ${threshold}\`` : ''}`);
        if (got < want) {
          for (const r of pack.rules) if (fired.has(r.id) && rank(r.outcome) < want) involve(r.id, `fired and asks for ${r.outcome}`);
        } else {
          for (const r of pack.rules) if (r.outcome === e.outcome && !fired.has(r.id)) wouldGive.push({ id: r.id, why: `would give ${e.outcome}` });
          const below = pack.thresholds.find((x) => x.outcome === e.outcome);
          if (below) failures.push(`score ${decision.score} is below \`threshold ${below.outcome} at ${below.at}\``);
        }
        break;
      }
      case 'score': {
        const ok = compare(e.op, decision.score, e.points);
        if (ok) break;
        const parts = decision.fired.filter((f) => f.score).map((f) => `${f.id} ${f.score > 0 ? '+' : ''}${f.score}`);
        failures.push(`expected score ${RANK_WORDS[e.op]}${e.points}, got ${decision.score}${parts.length ? ` (${parts.join(', ')})` : ' (no fired rule has a score)'}`);
        break;
      }
      case 'fired':
        for (const id of e.rules) {
          if (fired.has(id) !== e.negated) continue;
          failures.push(e.negated ? `expected ${id} not to fire, but it fired` : `expected ${id} to fire, but it did not`);
          involve(id, e.negated ? 'expected not to fire' : 'expected to fire');
        }
        break;
      case 'reason': {
        const with_ = decision.fired.filter((f) => f.reason === e.code);
        if ((with_.length > 0) !== e.negated) break;
        if (e.negated) {
          failures.push(`expected no fired rule with reason ${e.code}, but ${with_.map((f) => f.id).join(', ')} fired`);
          with_.forEach((f) => involve(f.id, `fired with reason ${e.code}`));
        } else {
          const reasons = [...new Set(decision.fired.flatMap((f) => (f.reason ? [f.reason] : [])))];
          failures.push(`expected a fired rule with reason ${e.code}; ${reasons.length ? `the reasons were ${reasons.join(', ')}` : fired.size ? 'the fired rules have no other reason' : 'no rule fired'}`);
          pack.rules.filter((r) => r.reason === e.code).slice(0, 3).forEach((r) => involve(r.id, `has reason ${e.code}`));
        }
        break;
      }
      case 'message': {
        const texts = decision.fired.flatMap((f) => (e.lang ? [f.message[e.lang]] : [f.message.zh, f.message.en]).filter((m): m is string => m !== undefined).map((m) => ({ id: f.id, m })));
        if (texts.some((x) => (e.contains ? x.m.includes(e.text) : x.m === e.text))) break;
        const lang = e.lang === 'zh' ? 'Chinese ' : e.lang === 'en' ? 'English ' : '';
        failures.push(`expected a fired rule's ${lang}message ${e.contains ? 'containing' : 'to be'} ${JSON.stringify(e.text)}; ${texts.length ? `the messages were ${texts.map((x) => `${x.id}: ${JSON.stringify(x.m)}`).join('; ')}` : fired.size ? 'the fired rules have no message' : 'no rule fired'}`);
        break;
      }
      case 'note': {
        const has = (decision.notes ?? []).some((n) => n.id === e.rule);
        if (has !== e.negated) break;
        failures.push(e.negated ? `expected no note from ${e.rule}, but the decision has one` : `expected a note from ${e.rule}${fired.has(e.rule) ? ', but it fired (a rule that fires has no note)' : ', but its note condition was not true'}`);
        involve(e.rule, e.negated ? 'noted' : 'expected to note');
        break;
      }
      case 'seen': {
        const i = seen.indexOf(e);
        const got = trace().probed?.[i];
        if (equal(got, e.value)) break;
        failures.push(`expected ${label(pack, e.what, opts.files)} = ${showValue(e.what.type, e.value)}, but it was ${showValue(e.what.type, got)}`);
        break;
      }
    }
  }
  const passed = failures.length === 0;
  if (!passed && involved.size === 0 && wouldGive.length) {
    // The three that came closest: the most parts of their condition true.
    const closeness = (id: string) => {
      const rt = trace().trace.find((x) => x.id === id);
      const r = pack.rules.find((x) => x.id === id)!;
      if (!rt?.active) return -1;
      const keys = new Set(rt.steps.filter((s) => s.value === true).map((s) => `${s.span.file}:${s.span.start}:${s.kind}`));
      return topParts(r.condition).filter((p) => keys.has(`${p.span.file}:${p.span.start}:${p.k}`)).length / topParts(r.condition).length;
    };
    const ranked = wouldGive.map((w, i) => ({ ...w, i, c: closeness(w.id) })).sort((a, b) => b.c - a.c || a.i - b.i);
    for (const w of ranked.slice(0, 3)) involve(w.id, w.why);
  }
  let explanations: RuleExplanation[] = [];
  if (!passed && involved.size) {
    try {
      explanations = explain(pack, trace().trace, involved, opts.files);
    } catch { /* the explanation is a help; the failure stands without it */ }
  }
  return { name: t.name, passed, failures, explanations, span: t.span, decision };
}

export function runTests(pack: CheckedPack, decide: Decider, opts: RunOptions = {}): TestResult[] {
  return pack.tests.map((t) => runTest(pack, t, decide, opts));
}

function compare(op: string, a: number, b: number): boolean {
  switch (op) {
    case '!=': return a !== b;
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
    default: return a === b;
  }
}

/** Values compare exactly; sets as members; numbers with a little room for the last bits of a float. */
function equal(a: Value, b: Value): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  return a === b;
}

// ---------------------------------------------------------------- explanations

function explain(pack: CheckedPack, trace: readonly RuleTrace[], involved: ReadonlyMap<string, string>, files?: readonly SourceFile[]): RuleExplanation[] {
  const spans = files ? new Spans(files) : undefined;
  const out: RuleExplanation[] = [];
  for (const [id, why] of involved) {
    const rule = pack.rules.find((r) => r.id === id);
    const rt = trace.find((x) => x.id === id);
    if (!rule || !rt) continue;
    const f = files?.[rule.span.file];
    const location = f ? `${f.path}:${positionOf(f, rule.span.start).line}` : undefined;
    if (!rt.active) {
      out.push({ rule: id, state: `${inactive(rule, rt)} (${why})`, ...(location ? { location } : {}), parts: [] });
      continue;
    }
    const values = new Map<string, Value>();
    for (const s of rt.steps) {
      const k = `${s.span.file}:${s.span.start}:${s.kind}`;
      if (!values.has(k)) values.set(k, s.value);
    }
    const valueOf = (e: IR): Value => values.get(`${e.span.file}:${e.span.start}:${e.k}`);
    const parts = topParts(rule.condition).map((p): ConditionPart => {
      const v = valueOf(p);
      return {
        text: exprText(pack, p, spans, files),
        truth: v === true ? 'true' : v === false ? 'false' : 'missing',
        values: unique(readsOf(p).filter((x) => x !== p).map((x) => ({ what: exprText(pack, x, spans, files), value: showValue(x.type, valueOf(x)) }))),
      };
    });
    out.push({ rule: id, state: `${rt.fired ? 'fired' : 'did not fire'} (${why})`, ...(location ? { location } : {}), parts });
  }
  return out;
}

function unique(vs: { what: string; value: string }[]): { what: string; value: string }[] {
  const seen = new Set<string>();
  return vs.filter((v) => { const k = `${v.what}\u0000${v.value}`; if (seen.has(k)) return false; seen.add(k); return true; });
}

function inactive(r: CheckedRule, rt: RuleTrace): string {
  if (!r.enabled) return 'is disabled';
  void rt;
  const from = r.effectiveFrom !== undefined ? ` from ${showValue({ t: 'timestamp' }, r.effectiveFrom)}` : '';
  const until = r.effectiveUntil !== undefined ? ` until ${showValue({ t: 'timestamp' }, r.effectiveUntil)}` : '';
  return `is not in force at the decision time (effective${from}${until})`;
}

/** The parts shown for a condition: its `and`ed (or `or`ed) operands, or the condition itself. */
function topParts(c: IR): IR[] {
  return c.k === 'and' || c.k === 'or' ? [...c.xs] : [c];
}

/** What a part read, once each, in order: features, aggregates, predicates, `let`s and computed values (`hour(now)`). */
function readsOf(e: IR): IR[] {
  const out: IR[] = [];
  const keys = new Set<string>();
  const walk = (x: IR): void => {
    const leaf = x.k === 'field' || x.k === 'agg' || x.k === 'pred' || x.k === 'local' || (x.k === 'call' && x.type.t !== 'bool');
    if (leaf) {
      const k = `${x.span.file}:${x.span.start}:${x.k}`;
      if (!keys.has(k)) { keys.add(k); out.push(x); }
      if (x.k !== 'call') return;
    }
    if (x.k !== 'shared') children(x).forEach(walk);
  };
  walk(e);
  return out;
}

function exprText(pack: CheckedPack, e: IR, spans: Spans | undefined, files: readonly SourceFile[] | undefined): string {
  const s = spans?.of(e);
  const raw = s && files?.[s.file]?.text.slice(s.start, s.end);
  const text = raw ? raw.replace(/\s+/g, ' ').trim() : leafLabel(pack, e);
  return text.length > 90 ? `${text.slice(0, 89)}…` : text;
}

function label(pack: CheckedPack, e: IR, files?: readonly SourceFile[]): string {
  return `\`${exprText(pack, e, files ? new Spans(files) : undefined, files) || printIR(e)}\``;
}

/** A failed test's reasons and explanations as indented lines, for the terminal, JUnit and the editor. */
export function failureLines(r: TestResult): string[] {
  const lines = [...r.failures];
  for (const x of r.explanations) {
    lines.push(`${x.rule} ${x.state}${x.location ? ` — ${x.location}` : ''}${x.parts.length ? ':' : ''}`);
    const width = Math.min(60, Math.max(...x.parts.map((p) => p.text.length), 0));
    for (const p of x.parts) {
      const reads = p.values.map((v) => `${v.what} = ${v.value}`).join(', ');
      lines.push(`  ${p.truth.padEnd(7)} ${reads ? `${p.text.padEnd(width)}   ${reads}` : p.text}`);
    }
  }
  return lines;
}
