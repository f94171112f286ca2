// A counterexample written as a test of the language (spec/LANGUAGE.md §12):
// the clock, the event, the entity rows and the history, expecting what the
// invariant asks for. Pasted into the pack it fails until the rules are
// fixed (its expectation, and `zhiyu test` checking every invariant on every
// test case, ZY5103), then keeps the fix.
import { TIME_FIELD } from '../check/context.ts';
import { formatMoney } from '../display.ts';
import type { CheckedPack, FieldInfo, InvariantConclusion, Value } from '../ir.ts';
import { SHANGHAI_OFFSET } from '../semantics.ts';
import type { Type } from '../types.ts';
import type { Counterexample } from './index.ts';

const UNITS = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const;

/** A duration literal: the largest unit that says it exactly (`90m`, `36h`, `1500ms`). */
function durationLit(ms: number): string {
  const abs = Math.abs(ms);
  const [unit, size] = UNITS.find(([, s]) => abs % s === 0) ?? UNITS[4];
  return `${abs / size}${unit}`;
}

/** `@2026-03-02T22:30+08:00` (seconds and milliseconds only when there are any). */
export function timestampLit(t: number): string {
  const iso = new Date(t + SHANGHAI_OFFSET).toISOString().slice(0, 23).replace(/\.000$/, '').replace(/:00$/, '');
  return `@${iso}+08:00`;
}

/** A value as test data: times relative to the clock (`now - 5m`), amounts in yuan, `missing`. */
export function literal(type: Type, v: Value, now: number): string {
  if (v === undefined) return 'missing';
  switch (type.t) {
    case 'money': return (v as number) < 0 ? `-${formatMoney(-(v as number))}` : formatMoney(v as number);
    case 'duration': return (v as number) < 0 ? `-${durationLit(v as number)}` : durationLit(v as number);
    case 'timestamp': {
      const d = (v as number) - now;
      return d === 0 ? 'now' : Number.isInteger(d) ? `now ${d < 0 ? '-' : '+'} ${durationLit(d)}` : timestampLit(v as number);
    }
    case 'string': case 'enum': return JSON.stringify(v);
    case 'set': case 'list': return `[${(v as readonly Value[]).map((x) => literal(type.element, x, now)).join(', ')}]`;
    default: return String(v);
  }
}

function record(row: Record<string, Value>, fields: ReadonlyMap<string, FieldInfo>, now: number, skip?: string): string {
  const parts = Object.entries(row).filter(([k, v]) => v !== undefined && k !== skip && fields.has(k)).map(([k, v]) => `${k}: ${literal(fields.get(k)!.type, v, now)}`);
  return `{ ${parts.join(', ')} }`;
}

function expectation(c: InvariantConclusion): string {
  if (c.kind === 'fired') return `expect ${c.negated ? 'not ' : ''}fired ${c.rule}`;
  const asked = c.op === 'is' ? '' : `# the invariant asks for outcome ${c.op === 'atLeast' ? 'at least' : 'at most'} ${c.outcome}\n  `;
  return `${asked}expect ${c.outcome}`;
}

/** The counterexample as a test named after the invariant, with its history when one was built. */
export function counterexampleTest(pack: CheckedPack, title: string, x: Counterexample): string {
  const now = x.event[TIME_FIELD] as number;
  const lines = [`test ${JSON.stringify(`counterexample: ${title}`)}`, `  at ${timestampLit(now)}`];
  lines.push(`  given event ${record(x.event, pack.schema.event.fields, now, TIME_FIELD)}`);
  for (const [name, row] of Object.entries(x.entities)) {
    if (Object.values(row).some((v) => v !== undefined)) lines.push(`  given ${name} ${record(row, pack.schema.entities.get(name)!.fields, now)}`);
  }
  const rows = x.history?.rows ?? [];
  if (rows.length) {
    lines.push('  given history [');
    rows.forEach((r, i) => lines.push(`    ${record(r, pack.schema.event.fields, now)}${i < rows.length - 1 ? ',' : ''}`));
    lines.push('  ]');
  }
  for (const c of (pack.invariants ?? []).find((i) => i.title === title)?.conclusions ?? [x.conclusion]) lines.push(`  ${expectation(c)}`);
  return lines.join('\n');
}
