// Whether a change to the compiler leaves every decision as it was, where the
// generated code may differ (same-codegen.ts is for changes that must not
// change it): compiles the packs same-codegen compares (shipped, bench,
// spec/cases) with an old copy of compiler/ and with this one, each also with
// small functions and eager dispatch (bins of cases, tables, guards even in
// small packs), and the scale packs of 100, 1,000 and 10,000 rules (planned
// with and without a traffic sample, as bench/scale.ts compiles them); loads
// both with this runtime and compares decide(), decideRaw() (fired and
// score) and decideOutcome() — results or the error thrown — on events made from each
// pack's schema (values its rules name, values near them, missing, wrong
// types, unknown enum members) and on the scale packs' own events, corrupted
// copies included. The provider answers from a hash of the question, so the
// order in which the rules ask does not matter. Exits 1 when anything differs.
//
//   git worktree add --detach /tmp/old <commit> && ln -s "$PWD/node_modules" /tmp/old/node_modules
//   node --import tsx scripts/same-decisions-plans.ts /tmp/old [--no-scale]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as NEW from '../compiler/index.ts';
import type { GenerateOptions } from '../compiler/codegen.ts';
import type { CheckedPack, Value } from '../compiler/ir.ts';
import { load, type FeatureProvider } from '../runtime/index.ts';
import { prng } from '../bench/events.ts';
import { scaleEvents, scalePackFiles, scaleTraffic } from '../bench/scale-pack.ts';
import { comparedPacks } from './compared-packs.ts';

/** A 32-bit hash of a string (FNV-1a). */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const BASE_TIME = Date.UTC(2026, 2, 10, 4, 0, 0);
const WRONG: readonly unknown[] = ['x', 1.5, -1, true, [], {}, 1e300, '2026-03-10'];

/** Candidate values of a field of type `t`: what rules name (`literals`), values near them, and edge cases. */
function candidates(t: { t: string; members?: readonly string[] }, literals: { strings: string[]; numbers: number[] }): unknown[] {
  switch (t.t) {
    case 'enum': return [...(t.members ?? []), 'not_a_member'];
    case 'string': return [...literals.strings, '', 'unknown-value'];
    case 'bool': return [true, false];
    case 'integer': case 'money': return [0, 1, -5, ...literals.numbers.filter(Number.isSafeInteger).flatMap((n) => [n - 1, n, n + 1])];
    case 'number': return [0, 0.5, -2.25, ...literals.numbers.flatMap((n) => [n - 0.01, n, n + 0.01])];
    case 'duration': return [0, 60_000, 3_600_000, 86_400_000 * 3, ...literals.numbers.filter(Number.isSafeInteger)];
    case 'timestamp': return [BASE_TIME, BASE_TIME - 3_600_000, BASE_TIME - 86_400_000 * 40, BASE_TIME + 86_400_000 * 200, BASE_TIME - 60_000 * 7];
    default: return [null];
  }
}

/** Events made from the pack's schema: each field a candidate, missing, null or (rarely) a wrong value. */
function schemaEvents(pack: CheckedPack, source: string, count: number, seed: number): unknown[] {
  const rnd = prng(seed);
  const strings = [...new Set([...source.matchAll(/"([^"\\\n]{0,40})"/g)].map((m) => m[1]!))].slice(0, 200);
  const numbers = [...new Set([...source.matchAll(/(?<![\w.])(\d{1,9}(?:\.\d+)?)(?![\w.])/g)].map((m) => Number(m[1])))].slice(0, 100);
  const fields = [...pack.schema.event.fields.values()];
  const pools = new Map(fields.map((f) => [f.name, candidates(f.type as never, { strings, numbers })]));
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const e: Record<string, unknown> = {};
    for (const f of fields) {
      const r = rnd();
      if (r < 0.08) continue;
      if (r < 0.11) { e[f.name] = null; continue; }
      if (r < 0.13) { e[f.name] = WRONG[Math.floor(rnd() * WRONG.length)]; continue; }
      const pool = pools.get(f.name)!;
      e[f.name] = pool[Math.floor(rnd() * pool.length)];
    }
    if (rnd() < 0.01) e['not_declared'] = 1;
    out.push(i % 97 === 96 ? [e] : e);
  }
  return out;
}

/** Answers from a hash of the question: the same whatever order the rules ask in. */
function hashedProvider(pack: CheckedPack): FeatureProvider {
  const rows = new Map<string, object | undefined>();
  return {
    entity(entity, key) {
      const id = `${entity}\u0000${JSON.stringify(key ?? null)}`;
      if (!rows.has(id)) {
        const h = hash(id);
        const schema = pack.schema.entities.get(entity);
        if (!schema || h % 13 === 0) rows.set(id, undefined);
        else {
          const row: Record<string, unknown> = {};
          let k = 0;
          for (const f of schema.fields.values()) {
            const pool = candidates(f.type as never, { strings: ['new', 'vip', 'full', 'basic'], numbers: [0, 18, 30, 60, 5000, 100000] });
            const x = hash(`${id}\u0000${k++}`);
            if (x % 11 !== 0) row[f.name] = pool[x % pool.length];
          }
          rows.set(id, row);
        }
      }
      return rows.get(id);
    },
    aggregate(q) {
      const h = hash(JSON.stringify(q, (k, v) => (typeof v === 'function' || k === 'filter' || k === 'steps' || k === 'current' ? undefined : v)));
      return h % 7 === 0 ? undefined : (h % 1000) as Value;
    },
    listHas(list, value) {
      return hash(`${list}\u0000${JSON.stringify(value ?? null)}`) % 3 === 0;
    },
  };
}

type Engine = ReturnType<typeof load>;

function outcome(f: () => unknown): string {
  try { return JSON.stringify(f() ?? null); } catch (e) { return `threw ${e instanceof Error ? `${e.name}: ${e.message} ${JSON.stringify((e as { code?: unknown }).code ?? null)}` : String(e)}`; }
}

/** The first event on which the engines differ, or undefined. */
function differ(a: Engine, b: Engine, events: readonly unknown[], provider: FeatureProvider): string | undefined {
  for (const e of events) {
    for (const [what, f] of [
      ['decide', (x: Engine) => x.decide(e, provider)],
      // Only the typed result: the object also carries the decision's memo, internal caching state whose
      // contents depend on which rules the plan tested (and now on the case tables' ids).
      ['decideRaw', (x: Engine) => { const r = x.decideRaw(e as object, provider); return { fired: r.fired, score: r.score }; }],
      ['decideOutcome', (x: Engine) => x.decideOutcome(e as object, provider)],
      ['decide {at}', (x: Engine) => x.decide(e, provider, { at: BASE_TIME })],
    ] as const) {
      const x = outcome(() => f(a));
      const y = outcome(() => f(b));
      if (x !== y) return `${what} of ${JSON.stringify(e)}: old ${x.slice(0, 300)}, new ${y.slice(0, 300)}`;
    }
  }
  return undefined;
}

/** The scale pack's events, and copies with one field made wrong, missing or an unknown category. */
function scaleInputs(size: number, count: number): unknown[] {
  const { events } = scaleEvents(size, count, 20260301);
  const rnd = prng(size);
  const fields = Object.keys(events[0]!);
  const bad = [...WRONG, null, undefined, 'PR9999', '4000', 'R99', 'transfer_out'];
  const out: unknown[] = [...events];
  for (let i = 0; i < count / 4; i++) {
    const e: Record<string, unknown> = { ...events[Math.floor(rnd() * events.length)]! };
    const f = fields[Math.floor(rnd() * fields.length)]!;
    const v = bad[Math.floor(rnd() * bad.length)];
    if (v === undefined) delete e[f]; else e[f] = v;
    out.push(e);
  }
  return out;
}

async function main(): Promise<number> {
  const old = process.argv[2];
  if (!old || old.startsWith('--')) { console.error('usage: node --import tsx scripts/same-decisions-plans.ts OLD_DIR [--no-scale] (OLD_DIR holds an old compiler/)'); return 2; }
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const OLD = await import(join(old, 'compiler/index.ts')) as typeof NEW;
  const { generate: oldGenerate } = await import(join(old, 'compiler/codegen.ts')) as typeof import('../compiler/codegen.ts');
  const { generate: newGenerate } = await import('../compiler/codegen.ts');
  const variants: [string, GenerateOptions][] = [['default', {}], ['inlineRules: 3', { inlineRules: 3 }], ['eager dispatch', { dispatch: { minRules: 1, minGuard: 2, maxFanout: 64 }, inlineRules: 2 }]];
  let packs = 0;
  let compared = 0;
  let decisions = 0;
  let failed = 0;
  const sets = comparedPacks(root);
  for (const [name, files] of sets) {
    const a = OLD.compile(files);
    const b = NEW.compile(files);
    if (!a.ok || !b.ok) { if (a.ok !== b.ok) { console.log(`differs: ${name}: compiles ${a.ok} before, ${b.ok} now`); failed++; } continue; }
    packs++;
    const events = schemaEvents(b.checked!, files.map((f) => f.text).join('\n'), 150, hash(name));
    const provider = hashedProvider(b.checked!);
    for (const [v, o] of variants) {
      const ea = load({ pack: a.optimized!, code: oldGenerate(a.optimized!, o) });
      const eb = load({ pack: b.optimized!, code: newGenerate(b.optimized!, o) });
      compared++;
      decisions += events.length;
      const d = differ(ea, eb, events, provider);
      if (d) { failed++; console.log(`differs: ${name} [${v}]: ${d}`); }
    }
  }
  if (!process.argv.includes('--no-scale')) {
    for (const size of [100, 1000, 10000]) {
      const files = scalePackFiles(size, 20260301);
      const a = OLD.compile(files);
      const b = NEW.compile(files);
      const { customers } = scaleEvents(size, 1, 20260301);
      const events = scaleInputs(size, size >= 10000 ? 4000 : 3000);
      const provider: FeatureProvider = { ...hashedProvider(b.checked!), entity: (n, k) => (n === 'customer' ? customers.get(k as string) : undefined) };
      const traffic = scaleTraffic(size, 20260301);
      for (const [v, o] of [['default', {}], ['traffic', { dispatch: { traffic } }]] as [string, GenerateOptions][]) {
        const ea = load({ pack: a.optimized!, code: oldGenerate(a.optimized!, o) });
        const eb = load({ pack: b.optimized!, code: newGenerate(b.optimized!, o) });
        compared++;
        decisions += events.length;
        const d = differ(ea, eb, events, provider);
        if (d) { failed++; console.log(`differs: scale ${size} [${v}]: ${d}`); }
        else console.log(`scale ${size} [${v}]: ${events.length} events alike`);
      }
    }
  }
  console.log(`${packs} packs, ${compared} compiled programs, ${decisions} events × 4 calls: ${failed ? `${failed} differ` : 'all identical'}`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
