// Running a pack's own tests (`test "…"` blocks): each case becomes an event,
// an in-memory provider and a clock; the decision is compared with what the
// test expects.
import { TIME_FIELD } from '../compiler/check/context.ts';
import type { CheckedPack, Span, TestCase, Value } from '../compiler/index.ts';
import { InputError } from '../compiler/input.ts';
import type { Decision } from './decision.ts';
import { MemoryProvider, type FeatureProvider } from './provider.ts';

export type Decider = (event: unknown, provider: FeatureProvider) => Decision;

export interface TestResult {
  readonly name: string;
  readonly passed: boolean;
  readonly failures: readonly string[];
  readonly span: Span;
  readonly decision?: Decision;
}

export function providerFor(pack: CheckedPack, t: TestCase): MemoryProvider {
  const entities: Record<string, Map<Value, object>> = Object.create(null);
  for (const [name, row] of Object.entries(t.entities)) {
    const key = t.event[pack.schema.entities.get(name)!.key];
    entities[name] = new Map([[key, row]]);
  }
  return new MemoryProvider({ entities, history: t.history, lists: t.lists, calendar: t.calendar });
}

export function runTest(pack: CheckedPack, t: TestCase, decide: Decider): TestResult {
  let decision: Decision;
  try {
    decision = decide(Object.assign(Object.create(null), t.event), providerFor(pack, t));
  } catch (e) {
    const msg = e instanceof InputError ? `${e.code}: ${e.message}` : String(e);
    return { name: t.name, passed: false, failures: [`the decision failed: ${msg}`], span: t.span };
  }
  const failures: string[] = [];
  const fired = new Set(decision.fired.map((f) => f.id));
  for (const e of t.expect) {
    switch (e.kind) {
      case 'outcome':
        if (decision.outcome !== e.outcome) failures.push(`expected outcome ${e.outcome}, got ${decision.outcome}${fired.size ? ` (fired: ${[...fired].join(', ')})` : ' (no rule fired)'}`);
        break;
      case 'score':
        if (decision.score !== e.points) failures.push(`expected score ${e.points}, got ${decision.score}`);
        break;
      case 'fired':
        for (const id of e.rules) {
          if (fired.has(id) === e.negated) failures.push(e.negated ? `expected ${id} not to fire, but it fired` : `expected ${id} to fire, but it did not`);
        }
        break;
    }
  }
  return { name: t.name, passed: failures.length === 0, failures, span: t.span, decision };
}

export function runTests(pack: CheckedPack, decide: Decider): TestResult[] {
  return pack.tests.map((t) => runTest(pack, t, decide));
}
