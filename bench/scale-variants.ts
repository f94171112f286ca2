// CPU per decision of variants of one scale pack's generated code
// (compiler/codegen.ts GenerateOptions), side by side in one process: the
// pack compiled once with the bench's traffic sample (as bench/scale.ts does),
// then generate() once per variant, each loaded with this runtime and decided
// in alternating batches (mirrored order each round), each batch timed in CPU
// time of this process. The first variant is the base; a second copy of it
// ("<base> again") runs too, so that its ratio shows the noise of the
// method on this machine: a variant's ratio means something only where it
// stays outside the copy's quartiles, run after run.
//
//   node --import tsx bench/scale-variants.ts '{"i160":{},"i100":{"inlineRules":100}}' [--size 10000] [--rounds 60] [--batch 400]
import { compile } from '../compiler/index.ts';
import { generate, type GenerateOptions } from '../compiler/codegen.ts';
import { load, type Engine } from '../runtime/index.ts';
import { scaleEvents, scalePackFiles, scaleProvider, scaleTraffic } from './scale-pack.ts';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => { const i = argv.indexOf(`--${name}`); return i < 0 ? undefined : argv[i + 1]; };
if (!argv[0] || argv[0].startsWith('--')) {
  console.error('usage: node --import tsx bench/scale-variants.ts \'{"name":{GenerateOptions},…}\' [--size 10000] [--rounds 60] [--batch 400] [--warm 20]');
  process.exit(2);
}
const variants = Object.entries(JSON.parse(argv[0]) as Record<string, GenerateOptions>);
if (variants.length === 0) throw new Error('no variants');
const size = Number(opt('size') ?? 10_000);
const rounds = Number(opt('rounds') ?? 60);
const batch = Number(opt('batch') ?? 400);
const warm = Number(opt('warm') ?? 20);

const files = scalePackFiles(size);
const traffic = scaleTraffic(size);
const { events, customers } = scaleEvents(size, 4000);
const provider = scaleProvider(customers);
const c = compile(files, { traffic });
if (!c.ok || !c.optimized) throw new Error(`the pack does not compile: ${c.diagnostics.slice(0, 3).map((d) => d.message).join('; ')}`);
const pack = c.optimized;
const [baseName, baseOpts] = variants[0]!;
const sides = [...variants, [`${baseName} again`, baseOpts] as const].map(([name, o]) => {
  const code = generate(pack, { ...o, dispatch: { traffic, ...o.dispatch } });
  return { name, engine: load({ pack, code }), kb: code.source.length / 1024 };
});

let sink = 0;
const cursor = new Map<Engine, number>();
/** CPU ns per decision of one batch, events in stream order (continuing where the engine's last batch stopped). */
function timed(engine: Engine): number {
  let at = cursor.get(engine) ?? 0;
  const t0 = process.cpuUsage();
  for (let k = 0; k < batch; k++) {
    sink += engine.decideRaw(events[at]!, provider).fired.length;
    if (++at === events.length) at = 0;
  }
  const t = process.cpuUsage(t0);
  cursor.set(engine, at);
  return ((t.user + t.system) * 1000) / batch;
}

for (const s of sides) for (let k = 0; k < Math.ceil((warm * events.length) / batch); k++) timed(s.engine);
const ns = sides.map(() => [] as number[]);
for (let r = 0; r < rounds; r++) {
  const order = sides.map((_, i) => i);
  if (r % 2) order.reverse();
  const got = sides.map(() => 0);
  for (const i of [...order, ...[...order].reverse()]) got[i]! += timed(sides[i]!.engine) / 2;
  got.forEach((g, i) => ns[i]!.push(g));
}
const at = (a: readonly number[], p: number) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) * p)]!;
for (const [i, s] of sides.entries()) {
  const ratio = ns[i]!.map((x, r) => x / ns[0]![r]!);
  console.log(`scale${size} ${s.name}: ${at(ns[i]!, 0.5).toFixed(0)} ns per decision (${s.kb.toFixed(0)} KB of code); ÷ ${baseName} ${at(ratio, 0.5).toFixed(3)} ` +
    `(quartiles ${at(ratio, 0.25).toFixed(3)}–${at(ratio, 0.75).toFixed(3)}; ${rounds} rounds)`);
}
console.log(`sink ${sink % 1000}`);
