// CPU per decision of the scale packs (bench/scale-pack.ts) compiled by an old
// copy of the compiler and by this one, in one process: both engines loaded
// with this runtime, planned on the same traffic sample as bench/scale.ts
// plans them, decided in alternating batches (old, new, new, old… so neither
// always runs first), each batch timed in CPU time of this process. Prints,
// per pack size, the median over rounds of new ÷ old, and for each compiler
// the median of its 10,000 ÷ 100 ratio in the same round (the growth target).
// On a shared machine only these ratios mean anything.
//
//   git worktree add /tmp/old <commit> && cp -a node_modules /tmp/old/
//   node --import tsx bench/scale-ab.ts /tmp/old [--rounds 30] [--sizes 100,1000,10000] [--warm 20]
import { join } from 'node:path';
import * as NEW from '../compiler/index.ts';
import { load, type Engine, type FeatureProvider } from '../runtime/index.ts';
import { median } from './measure.ts';
import { scaleEvents, scalePackFiles, scaleProvider, scaleTraffic, type Row } from './scale-pack.ts';

const argv = process.argv.slice(2);
const old = argv[0];
if (!old || old.startsWith('--')) {
  console.error('usage: node --import tsx bench/scale-ab.ts OLD_DIR [--rounds N] [--sizes 100,1000,10000]');
  process.exit(2);
}
const opt = (name: string): string | undefined => { const i = argv.indexOf(`--${name}`); return i < 0 ? undefined : argv[i + 1]; };
const rounds = Number(opt('rounds') ?? 30);
const sizes = (opt('sizes') ?? '100,1000,10000').split(',').map(Number);
const OLD = await import(join(old, 'compiler/index.ts')) as typeof NEW;

interface Side { readonly engine: Engine; compileMs: number }
interface Pack { readonly size: number; readonly events: readonly Row[]; readonly provider: FeatureProvider; readonly batch: number; readonly sides: readonly [Side, Side] }

function side(c: typeof NEW, files: ReturnType<typeof scalePackFiles>, traffic: readonly Row[]): Side {
  const t0 = performance.now();
  const r = c.compile(files, { traffic });
  const compileMs = performance.now() - t0;
  if (!r.ok || !r.optimized || !r.code) throw new Error(`the pack does not compile: ${r.diagnostics.slice(0, 3).map((d) => d.message).join('; ')}`);
  return { engine: load({ pack: r.optimized, code: r.code }), compileMs };
}

const packs: Pack[] = [];
for (const size of sizes) {
  const files = scalePackFiles(size);
  const traffic = scaleTraffic(size);
  const { events, customers } = scaleEvents(size, 4000);
  const provider = scaleProvider(customers);
  const a = side(OLD, files, traffic);
  const b = side(NEW, files, traffic);
  console.log(`scale${size}: compiled with traffic in ${a.compileMs.toFixed(0)} ms (old), ${b.compileMs.toFixed(0)} ms (new)`);
  packs.push({ size, events, provider, batch: size >= 10_000 ? 1000 : 2000, sides: [a, b] });
}

let sink = 0;
const cursor = new Map<Engine, number>();
/** CPU ns per decision of one batch, events in stream order (continuing where the engine's last batch stopped). */
function batch(p: Pack, s: Side): number {
  let at = cursor.get(s.engine) ?? 0;
  const t0 = process.cpuUsage();
  for (let k = 0; k < p.batch; k++) {
    sink += s.engine.decideRaw(p.events[at]!, p.provider).fired.length;
    if (++at === p.events.length) at = 0;
  }
  const t = process.cpuUsage(t0);
  cursor.set(s.engine, at);
  return ((t.user + t.system) * 1000) / p.batch;
}

// Warm-up: every event many times on each side, as bench/scale.ts does (a large pack's rarely run
// functions are optimized only after thousands of calls).
const warm = Number(opt('warm') ?? 20);
for (const p of packs) for (const s of p.sides) for (let k = 0; k < Math.ceil((warm * p.events.length) / p.batch); k++) batch(p, s);

const ratio = packs.map(() => [] as number[]);
const ns = packs.map(() => [[], []] as [number[], number[]]);
const growth: [number[], number[]] = [[], []];
for (let r = 0; r < rounds; r++) {
  const got = packs.map(() => [0, 0]);
  // Each side twice per round, in mirrored order.
  const order = r % 2 === 0 ? [0, 1, 1, 0] : [1, 0, 0, 1];
  for (const [i, p] of packs.entries()) for (const o of order) got[i]![o]! += batch(p, p.sides[o]!) / 2;
  got.forEach(([a, b], i) => { ratio[i]!.push(b! / a!); ns[i]![0].push(a!); ns[i]![1].push(b!); });
  const first = packs.findIndex((p) => p.size === 100);
  const last = packs.findIndex((p) => p.size === 10_000);
  if (first >= 0 && last >= 0) for (const o of [0, 1]) growth[o as 0 | 1].push(got[last]![o]! / got[first]![o]!);
}
for (const [i, p] of packs.entries()) {
  const rs = [...ratio[i]!].sort((a, b) => a - b);
  console.log(`scale${p.size}: new ÷ old CPU per decision ${median(rs).toFixed(3)} (quartiles ${rs[Math.floor(rs.length / 4)]!.toFixed(3)}–${rs[Math.floor((3 * rs.length) / 4)]!.toFixed(3)}; ` +
    `${median(ns[i]![0]).toFixed(0)} / ${median(ns[i]![1]).toFixed(0)} ns; ${rounds} rounds)`);
}
if (growth[0].length) console.log(`10,000 ÷ 100 in the same round: old ${median(growth[0]).toFixed(2)}×, new ${median(growth[1]).toFixed(2)}×`);
console.log(`sink ${sink % 1000}`);
