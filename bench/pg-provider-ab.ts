// node --import tsx bench/pg-provider-ab.ts --against /tmp/base [--rounds 10] [--batch 8] [--events 2000] [--url-old U] [--url-new U] [--max-old N] [--max-new N]   (after bench/pg-ab.ts --hold)
//
// The provider's CPU per decision, old tree against this one in one process:
// each tree's PostgresStore on the held server (bench/pg-ab.ts --hold), the
// store3 pack's decisions over the same the stream events (2,000 unless --events) with their reads
// fetched ahead, `batch` decisions at a time (as a serve process has several
// in flight), the trees alternated round by round. CPU of this process and
// of the server's backends (/proc) per decision; the ratios new ÷ old per
// round and their median. Answers compared first: both trees must decide
// every event alike. --max-old/--max-new: the decision pool's connections
// at most on each side (default 8).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readPack } from '../cli/pack-files.ts';
import { compile } from '../compiler/index.ts';
import { load } from '../runtime/engine.ts';
import { fmt, median } from './measure.ts';
import { parseOptions } from './options.ts';
import { processCpu } from './pg-cpu.ts';
import { generate, stream } from './store-data.ts';

const here = dirname(fileURLToPath(import.meta.url));
const die = (m: string): never => { console.error(`pg-provider-ab: ${m}`); process.exit(1); };
const { option } = parseOptions(process.argv.slice(2), die);
const i = process.argv.indexOf('--against');
const against = i > 0 ? process.argv[i + 1]! : die('--against <tree> is needed');
const st = JSON.parse(readFileSync(join(here, '.data', 'pg-ab.json'), 'utf8')) as { url: string; postmaster: number };
type Store = { provider(p: unknown): { resolve<T>(f: (p: never) => T, e?: unknown): Promise<T> }; close(): Promise<void> };
const text = (name: string): string | undefined => { const k = process.argv.indexOf(`--${name}`); return k > 0 ? process.argv[k + 1] : undefined; };
const open = async (tree: string, url = st.url, max?: string): Promise<Store> => {
  const m = await import(pathToFileURL(join(tree, 'runtime', 'store', 'postgres', 'store.ts')).href) as { PostgresStore: { open(url: string, o?: { max?: number }): Promise<Store> } };
  return m.PostgresStore.open(url, max ? { max: Number(max) } : {});
};
const c = compile(readPack([join(here, 'packs', 'store3')]));
if (!c.ok) die('store3 does not compile');
const engine = load({ pack: c.optimized!, code: c.code! });
const events = stream(generate(20260301, 200_000), 20260301, option('events', 2000));
// --url-old / --url-new: the same server another way (a Unix socket: postgres://u:p@%2Fdir:port/db).
const sides = [{ label: 'old', store: await open(against, text('url-old'), text('max-old')) }, { label: 'new', store: await open(join(here, '..'), text('url-new'), text('max-new')) }];
const providers = sides.map((s) => s.store.provider(c.checked!));
const batch = option('batch', 8), rounds = option('rounds', 10);
const decideAll = async (p: (typeof providers)[0]) => {
  const out: string[] = [];
  for (let k = 0; k < events.length; k += batch) {
    const got = await Promise.all(events.slice(k, k + batch).map((e) => p.resolve((r: never) => engine.decide(e, r), e)));
    for (const d of got) out.push(JSON.stringify([d.outcome, d.score, d.fired.map((f) => f.id)]));
  }
  return out;
};
const [a, b] = [await decideAll(providers[0]!), await decideAll(providers[1]!)];
if (a.join('\n') !== b.join('\n')) die('the trees decide differently');
console.log(`pg-provider-ab: ${events.length} decisions alike in both trees; ${rounds} rounds, ${batch} at a time`);
const ratios = { node: [] as number[], server: [] as number[] };
for (let r = 0; r < rounds; r++) {
  const got: Record<string, { node: number; server: number }> = {};
  for (const j of r % 2 ? [1, 0] : [0, 1]) {
    const u0 = process.cpuUsage(), g0 = processCpu(st.postmaster) ?? NaN;
    await decideAll(providers[j]!);
    const u = process.cpuUsage(u0), g1 = processCpu(st.postmaster) ?? NaN;
    got[sides[j]!.label] = { node: (u.user + u.system) / 1000 / events.length, server: ((g1 - g0) * 1000) / events.length };
  }
  ratios.node.push(got['new']!.node / got['old']!.node);
  ratios.server.push(got['new']!.server / got['old']!.server);
  console.log(`round ${r + 1}: node ms ${fmt(got['old']!.node, 4)} → ${fmt(got['new']!.node, 4)}, server ms ${fmt(got['old']!.server, 4)} → ${fmt(got['new']!.server, 4)}`);
}
console.log(`new ÷ old, median (range): node ${fmt(median(ratios.node), 3)} (${fmt(Math.min(...ratios.node), 2)}–${fmt(Math.max(...ratios.node), 2)}), server ${fmt(median(ratios.server), 3)} (${fmt(Math.min(...ratios.server), 2)}–${fmt(Math.max(...ratios.server), 2)})`);
await Promise.all(sides.map((s) => s.store.close()));
process.exit(0);
