// `decideRaw` of an old checkout's compiler and runtime against this one's and
// against the hand-written baseline, in one process, on fraud40 and flat40 as
// bench/fraud40.ts and bench/flat40.ts decide them. Each round times one pass
// of every evaluator over the same events, in a rotated order, as CPU time of
// this process (a busy machine steals wall time, not CPU time); the figures are
// each round's ratios, as the median and quartiles over rounds.
//
//   git worktree add --detach /tmp/old main && cp -a node_modules /tmp/old/
//   node --import tsx scripts/decide-ab.ts /tmp/old [--rounds 150] [--pack flat40|fraud40]
import * as NEWRT from '../runtime/index.ts';
import { abStart, fmt, timeRotated, type Job } from './ab-setup.ts';
import { recordMaker } from '../bench/flat40.ts';
import type { Row } from '../bench/events.ts';
import { decideHandwritten } from '../bench/handwritten.ts';

interface Item { readonly r: Row; readonly at?: number; readonly c: Row | undefined }

async function main(): Promise<number> {
  const run = await abStart('decide-ab.ts', 150);
  if (!run) return 2;
  const { OLDRT, rounds, packs, compiled, data, customers, provider } = run;
  for (const pack of packs) {
    const both = compiled(pack);
    if (!both) return 1;
    const { a, b, checked } = both;
    const eo = OLDRT.load(a);
    const en = NEWRT.load(b);
    let items: Item[];
    let jobs: Job<Item>[];
    if (pack === 'flat40') {
      const columns = [...checked.schema.event.fields.keys()].filter((f) => f !== 'occurred_at');
      // One object literal per record, every column: bench/flat40.ts's own maker.
      const make = recordMaker(columns);
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
    const { ratio, ns } = timeRotated(jobs, items, rounds, 2);
    console.log(`${pack}: ${rounds} rounds of 2 × ${items.length} decisions per evaluator, CPU time; median (quartiles) of each round's ratio`);
    console.log(`  ${jobs[1]![0]} ÷ hand-written  ${fmt(ratio(1, 0))}   [${ns(1)} vs ${ns(0)} ns]`);
    console.log(`  ${jobs[2]![0]} ÷ hand-written  ${fmt(ratio(2, 0))}   [${ns(2)} ns]`);
    console.log(`  new ÷ old                   ${fmt(ratio(2, 1))}`);
  }
  return 0;
}

process.exitCode = await main();
