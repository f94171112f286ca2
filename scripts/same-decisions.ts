// Whether a change to the compiler or the engine leaves every decision as it
// was: compiles every pack scripts/same-codegen.ts compares (shipped, bench,
// spec cases) with an old checkout's compiler and runtime and with this one,
// and decides the same events with both: each pack's own test events with
// their providers, 2,000 of bench/events.ts's events for fraud40 and flat40,
// and 300 seeded random events per pack made from its schema, with values
// from its rules, nulls, missing and undeclared fields, wrong-typed values,
// ISO times and out-of-range numbers. Each event goes through decideRaw,
// decideRaw {at}, decideOutcome, decide and decide {at}; the answers (or the
// error's code, field and message) must be byte for byte the same. Exits 1
// when anything differs. For changes to generated code that must not change
// a decision (scripts/same-codegen.ts says which outputs changed).
//
//   git worktree add --detach /tmp/old main && ln -s "$PWD/node_modules" /tmp/old/node_modules
//   node --import tsx scripts/same-decisions.ts /tmp/old
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as NEW from '../compiler/index.ts';
import * as NEWRT from '../runtime/index.ts';
import type { CheckedPack, Value } from '../compiler/ir.ts';
import type { Type } from '../compiler/types.ts';
import { providerFor } from '../runtime/testing.ts';
import { comparedPacks } from './compared-packs.ts';
import { generate, prng, type Row } from '../bench/events.ts';

type Engine = { decideRaw: Function; decide: Function; decideOutcome: Function };
type Provider = NEWRT.FeatureProvider;

const BASE = Date.UTC(2026, 2, 1, 4, 0, 0);
const ODD: readonly unknown[] = [NaN, Infinity, -0, 1e300, -1, 0.5, 2 ** 53, '', 'x'.repeat(300), [], {}, [1, 'a'], true, false, 0, '12', '2026-03-01T08:00:00'];

/** Every literal in the pack's rules and predicates, by JavaScript type. */
function literals(pack: CheckedPack): { nums: number[]; strs: string[] } {
  const nums = new Set<number>([0, 1]);
  const strs = new Set<string>(['', 'a']);
  const seen = new Set<object>();
  const walk = (x: unknown): void => {
    if (typeof x !== 'object' || x === null || seen.has(x)) return;
    seen.add(x);
    if (Array.isArray(x)) { x.forEach(walk); return; }
    const o = x as Record<string, unknown>;
    if (o['k'] === 'lit') {
      if (typeof o['value'] === 'number') for (const d of [0, -1, 1]) nums.add((o['value'] as number) + d);
      if (typeof o['value'] === 'string') strs.add(o['value'] as string);
    }
    if (o['kind'] === 'values' && Array.isArray(o['values'])) for (const v of o['values'] as unknown[]) if (typeof v === 'string') strs.add(v);
    for (const v of Object.values(o)) walk(v);
  };
  walk(pack.rules);
  walk([...pack.predicates.values()]);
  return { nums: [...nums], strs: [...strs] };
}

function randomValue(t: Type, r: () => number, lit: { nums: number[]; strs: string[] }): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  switch (t.t) {
    case 'bool': return r() < 0.5;
    case 'enum': return pick(t.members);
    case 'string': return r() < 0.7 ? pick(lit.strs) : `s${Math.floor(r() * 5)}`;
    case 'timestamp': {
      const v = BASE - Math.floor(r() * 40 * 86_400_000);
      return r() < 0.1 ? new Date(v).toISOString() : v;
    }
    case 'number': return r() < 0.6 ? pick(lit.nums) : Math.round(r() * 1e6) / 100;
    case 'integer': case 'money': case 'duration': return r() < 0.6 ? Math.round(pick(lit.nums)) : Math.floor(r() * 1e7);
    case 'set': return Array.from({ length: Math.floor(r() * 3) }, () => randomValue((t as { element: Type }).element, r, lit));
    default: return pick(lit.strs);
  }
}

function randomRecord(fields: ReadonlyMap<string, { type: Type }>, r: () => number, lit: { nums: number[]; strs: string[] }): Row {
  const o: Row = {};
  // Most records valid, so that rules decide; the rest with a wrong value or a few.
  const clean = r() < 0.6;
  for (const [name, f] of fields) {
    const x = clean ? r() * 0.93 : r();
    if (x < 0.15) continue;
    if (x < 0.27) o[name] = null;
    else if (x < 0.93) o[name] = randomValue(f.type, r, lit);
    else o[name] = ODD[Math.floor(r() * ODD.length)];
  }
  if (r() < 0.2) o['extra_field'] = r() < 0.5 ? 1 : 'x';
  return o;
}

/** decideRaw's answer as its type gives it (before, it also carried the generated code's memo). */
const raw = (d: { fired: unknown; score: unknown }) => ({ fired: d.fired, score: d.score });

function answer(f: () => unknown): string {
  try {
    return JSON.stringify(f());
  } catch (e) {
    const x = e as { code?: string; field?: string; message?: string; name?: string };
    return `threw ${x.name} ${x.code} ${x.field} ${x.message}`;
  }
}

async function main(): Promise<number> {
  const old = process.argv[2];
  if (!old || old.startsWith('--')) { console.error('usage: node --import tsx scripts/same-decisions.ts OLD_DIR (OLD_DIR holds an old checkout: compiler/ and runtime/)'); return 2; }
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const OLD = await import(join(old, 'compiler/index.ts')) as typeof NEW;
  const OLDRT = await import(join(old, 'runtime/index.ts')) as typeof NEWRT;
  const bench = generate({ seed: 7, events: 2_000, shapes: 'service' });
  let packs = 0;
  let decisions = 0;
  let errors = 0;
  let differ = 0;
  for (const [name, files] of comparedPacks(root)) {
    let a, b;
    try { a = OLD.compile(files); b = NEW.compile(files); } catch { continue; }
    if (!a.ok || !b.ok || !a.optimized || !b.optimized || !a.code || !b.code) continue;
    packs++;
    const engines: Engine[] = [OLDRT.load({ pack: a.optimized, code: a.code }) as unknown as Engine, NEWRT.load({ pack: b.optimized, code: b.code }) as unknown as Engine];
    const pack = b.checked!;
    const cases: { event: unknown; provider: Provider }[] = pack.tests.map((t) => ({ event: t.event, provider: providerFor(pack, t) }));
    const r = prng(packs * 7919);
    const lit = literals(pack);
    const entities: Record<string, Map<Value, object>> = {};
    const keys: Record<string, Value[]> = {};
    for (const [ent, info] of pack.schema.entities) {
      const rows = new Map<Value, object>();
      const keyType = pack.schema.event.fields.get(info.key)?.type ?? { t: 'string' };
      const ks = Array.from({ length: 6 }, () => randomValue(keyType as Type, r, lit) as Value);
      ks.forEach((k) => rows.set(k, r() < 0.05 ? ('not a row' as unknown as object) : randomRecord(info.fields, r, lit)));
      entities[ent] = rows;
      keys[info.key] = ks;
    }
    const provider = new NEWRT.MemoryProvider({ entities });
    for (let i = 0; i < 300; i++) {
      const e = randomRecord(pack.schema.event.fields, r, lit);
      for (const [k, ks] of Object.entries(keys)) if (r() < 0.8) e[k] = ks[Math.floor(r() * ks.length)];
      if (r() < 0.3) e['occurred_at'] = BASE - Math.floor(r() * 86_400_000);
      cases.push({ event: i === 0 ? 'not an event' : i === 1 ? null : e, provider });
    }
    if (name.endsWith('fraud40') || name === 'flat40') {
      const customers = new NEWRT.MemoryProvider({ entities: { customer: bench.customers as Map<Value, object> } });
      for (const e of bench.events) {
        const c = bench.customers.get(e['customer_id'] as string);
        cases.push({ event: name === 'flat40' ? { ...c, ...e } : e, provider: customers });
      }
    }
    for (const { event, provider } of cases) {
      const at = BASE + 3_600_000;
      const runs = (x: Engine): string[] => [
        answer(() => raw(x.decideRaw(event, provider))),
        answer(() => raw(x.decideRaw(event, provider, { at }))),
        answer(() => x.decideOutcome(event, provider)),
        answer(() => x.decide(event, provider)),
        answer(() => x.decide(event, provider, { at })),
      ];
      const [p, q] = engines.map(runs);
      decisions += p!.length;
      errors += p!.filter((s) => s.startsWith('threw')).length;
      for (let k = 0; k < p!.length; k++) {
        if (p![k] === q![k]) continue;
        if (differ++ < 10) console.log(`differs: ${name} call ${k} event ${JSON.stringify(event)}\n  old ${p![k]}\n  new ${q![k]}`);
      }
    }
  }
  console.log(`${packs} packs: ${decisions} answers compared (${errors} of them input errors), ${differ} differ`);
  return differ ? 1 : 0;
}

process.exitCode = await main();
