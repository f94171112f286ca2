// `decideRaw` of an old checkout's compiler and runtime against this one's and
// against the hand-written baseline, in one process, on fraud40 and flat40 as
// bench/fraud40.ts and bench/flat40.ts decide them. Each round times one pass
// of every evaluator over the same events, in a rotated order, as CPU time of
// this process (a busy machine steals wall time, not CPU time); the figures are
// each round's ratios, as the median and quartiles over rounds.
//
//   git worktree add --detach /tmp/old main && cp -a node_modules /tmp/old/
//   node --import tsx scripts/decide-ab.ts /tmp/old [--rounds 150] [--pack flat40|fraud40]
import * as NEW from '../compiler/index.ts';
import * as NEWRT from '../runtime/index.ts';
import { arg, benchData, oldTree, packSource, quartiles } from './ab-setup.ts';
import type { Row } from '../bench/events.ts';
import { decideHandwritten } from '../bench/handwritten.ts';

type Decider = (x: Item) => { fired: { length: number }; score: number };
interface Item { readonly r: Row; readonly at?: number; readonly c: Row | undefined }



async function main(): Promise<number> {
  const old = process.argv[2];
  if (!old || old.startsWith('--')) { console.error('usage: node --import tsx scripts/decide-ab.ts OLD_DIR [--rounds N] [--pack flat40|fraud40]'); return 2; }
  const { OLD, OLDRT } = await oldTree(old);
  const rounds = Number(arg('--rounds', '150'));
  const only = arg('--pack', '');
  const { data, customers, provider } = benchData();
  for (const pack of ['fraud40', 'flat40']) {
    if (only && only !== pack) continue;
    const files = packSource(pack);
    const a = OLD.compile(files);
    const b = NEW.compile(files);
    if (!a.ok || !b.ok || !a.optimized || !b.optimized || !a.code || !b.code) { console.error(`${pack} does not compile`); return 1; }
    const eo = OLDRT.load({ pack: a.optimized, code: a.code });
    const en = NEWRT.load({ pack: b.optimized, code: b.code });
    let items: Item[];
    let jobs: [string, Decider][];
    if (pack === 'flat40') {
      const columns = [...b.checked!.schema.event.fields.keys()].filter((f) => f !== 'occurred_at');
      // One object literal per record, every column, as bench/flat40.ts builds them.
      const src = (e: Row, c: Row | undefined, k: string) => (k in e ? e[k] : c?.[k]) ?? null;
      const make = new Function('src', `return (e, c) => ({ ${columns.map((k) => `${JSON.stringify(k)}: src(e, c, ${JSON.stringify(k)})`).join(', ')} });`)(src) as (e: Row, c: Row | undefined) => Row;
      items = data.events.map((e) => ({ r: make(e, customers.get(e['customer_id'] as string)), at: e['occurred_at'] as number, c: undefined }));
      jobs = [
        ['hand-written', (x) => decideHandwritten(x.r, x.r, x.at)],
        ['old decideRaw {at}', (x) => eo.decideRaw(x.r, NEWRT.EMPTY_PROVIDER, { at: x.at! })],
        ['new decideRaw {at}', (x) => en.decideRaw(x.r, NEWRT.EMPTY_PROVIDER, { at: x.at! })],
      ];
    } else {
      items = data.events.map((e) => ({ r: e, c: customers.get(e['customer_id'] as string) }));
      jobs = [
        ['hand-written', (x) => decideHandwritten(x.r, customers.get(x.r['customer_id'] as string))],
        ['old decideRaw', (x) => eo.decideRaw(x.r, provider)],
        ['new decideRaw', (x) => en.decideRaw(x.r, provider)],
      ];
    }
    // Same answers first.
    for (const x of items) {
      const [h, o, n] = jobs.map(([, f]) => { const r = f(x); return `${[...(r.fired as number[])].join()}|${r.score}`; });
      if (h !== o || o !== n) { console.error(`${pack}: the evaluators disagree: ${h} / ${o} / ${n}`); return 1; }
    }
    let sink = 0;
    const pass = (f: Decider): number => {
      const t = process.cpuUsage();
      for (let k = 0; k < 2; k++) for (let i = 0; i < items.length; i++) { const r = f(items[i]!); sink += r.fired.length + r.score; }
      const d = process.cpuUsage(t);
      return d.user + d.system;
    };
    for (let w = 0; w < 20; w++) for (const [, f] of jobs) pass(f);
    const times: number[][] = jobs.map(() => []);
    for (let round = 0; round < rounds; round++) {
      for (let j = 0; j < jobs.length; j++) {
        const i = (j + round) % jobs.length;
        times[i]!.push(pass(jobs[i]![1]));
      }
    }
    const ratio = (p: number, q: number) => quartiles(times[p]!.map((t, k) => t / times[q]![k]!));
    const fmt = ([lo, mid, hi]: [number, number, number]) => `${mid.toFixed(3)} (${lo.toFixed(3)}–${hi.toFixed(3)})`;
    const ns = (i: number) => ((quartiles(times[i]!)[1] * 1000) / (2 * items.length)).toFixed(0);
    console.log(`${pack}: ${rounds} rounds of 2 × ${items.length} decisions per evaluator, CPU time; median (quartiles) of each round's ratio`);
    console.log(`  ${jobs[1]![0]} ÷ hand-written  ${fmt(ratio(1, 0))}   [${ns(1)} vs ${ns(0)} ns]`);
    console.log(`  ${jobs[2]![0]} ÷ hand-written  ${fmt(ratio(2, 0))}   [${ns(2)} ns]`);
    console.log(`  new ÷ old                   ${fmt(ratio(2, 1))}`);
    if (sink === 0.5) console.log('');
  }
  return 0;
}

process.exitCode = await main();
