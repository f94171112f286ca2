// The explained decide() against decideRaw, of an old checkout's compiler and
// runtime and of this one's, in one process, on fraud40 and flat40 as
// bench/fraud40.ts and bench/flat40.ts decide them (the lean one-Map provider;
// flat records with `{ at }`). Every job decides on an engine of its own, as in
// the benches. First the old and new explained decisions must be the same JSON
// on every event. Then each round times one pass of every job over the same
// events, in a rotated order, as CPU time of this process (a busy machine
// steals wall time, not CPU time); the figures are each round's ratios, as the
// median and quartiles over rounds.
//
// --tested: the explained engines (old and new) first run the pack's own
// tests, as bench/fraud40.ts runs fraud40's on its explained engine: their
// customer rows, of other shapes than the bench's, reach the generated entity
// loader before the timed decisions do (flat40 has no tests).
//
//   git worktree add --detach /tmp/old main && cp -a node_modules /tmp/old/
//   node --import tsx scripts/explain-ab.ts /tmp/old [--rounds 60] [--pack flat40|fraud40] [--tested]
import * as NEWRT from '../runtime/index.ts';
import { abStart, fmt, timeRotated, type Job } from './ab-setup.ts';
import { recordMaker } from '../bench/flat40.ts';
import type { Row } from '../bench/events.ts';

interface Item { readonly r: Row; readonly at?: number }

async function main(): Promise<number> {
  const run = await abStart('explain-ab.ts', 60);
  if (!run) return 2;
  const { OLDRT, rounds, packs, compiled, data, customers, provider } = run;
  for (const pack of packs) {
    const both = compiled(pack);
    if (!both) return 1;
    const { a, b, checked } = both;
    // An engine per job: its own closures, so its own type feedback.
    const oldEngine = () => OLDRT.load(a);
    const newEngine = () => NEWRT.load(b);
    const [oRaw, oExp, nRaw, nExp] = [oldEngine(), oldEngine(), newEngine(), newEngine()];
    if (process.argv.includes('--tested')) {
      for (const x of [oExp, nExp]) {
        const failed = NEWRT.runTests(checked, (e, p) => x.decide(e, p)).filter((t) => !t.passed);
        if (failed.length) { console.error(`${pack}: the pack's tests fail: ${failed.map((t) => t.name).join('; ')}`); return 1; }
      }
      console.log(`${pack}: the explained engines ran the pack's ${checked.tests.length} tests first (--tested)`);
    }
    let items: Item[];
    let jobs: Job<Item>[];
    if (pack === 'flat40') {
      const columns = [...checked.schema.event.fields.keys()].filter((f) => f !== 'occurred_at');
      // One object literal per record, every column: bench/flat40.ts's own maker.
      const make = recordMaker(columns);
      items = data.events.map((e) => ({ r: make(e, customers.get(e['customer_id'] as string)), at: e['occurred_at'] as number }));
      const E = NEWRT.EMPTY_PROVIDER;
      jobs = [
        ['old decideRaw {at}', (x) => oRaw.decideRaw(x.r, E, { at: x.at! })],
        ['old decide {at}', (x) => oExp.decide(x.r, E, { at: x.at! })],
        ['new decideRaw {at}', (x) => nRaw.decideRaw(x.r, E, { at: x.at! })],
        ['new decide {at}', (x) => nExp.decide(x.r, E, { at: x.at! })],
      ];
    } else {
      items = data.events.map((e) => ({ r: e }));
      jobs = [
        ['old decideRaw', (x) => oRaw.decideRaw(x.r, provider)],
        ['old decide', (x) => oExp.decide(x.r, provider)],
        ['new decideRaw', (x) => nRaw.decideRaw(x.r, provider)],
        ['new decide', (x) => nExp.decide(x.r, provider)],
      ];
    }
    // The same explained decisions, as JSON, first (on engines of their own, not to touch the timed ones' feedback).
    const [oCheck, nCheck] = [oldEngine(), newEngine()];
    for (const x of items) {
      const o = JSON.stringify(pack === 'flat40' ? oCheck.decide(x.r, NEWRT.EMPTY_PROVIDER, { at: x.at! }) : oCheck.decide(x.r, provider));
      const n = JSON.stringify(pack === 'flat40' ? nCheck.decide(x.r, NEWRT.EMPTY_PROVIDER, { at: x.at! }) : nCheck.decide(x.r, provider));
      if (o !== n) { console.error(`${pack}: old and new explain differently:\n  old ${o}\n  new ${n}`); return 1; }
    }
    const { ratio, ns } = timeRotated(jobs, items, rounds, 1);
    console.log(`${pack}: ${rounds} rounds of ${items.length} decisions per job, CPU time; median (quartiles) of each round's ratio; ns: ${jobs.map((j, i) => `${j[0]} ${ns(i)}`).join(', ')}`);
    console.log(`  old explained ÷ old raw   ${fmt(ratio(1, 0))}`);
    console.log(`  new explained ÷ new raw   ${fmt(ratio(3, 2))}`);
    console.log(`  new explained ÷ old       ${fmt(ratio(3, 1))}`);
    console.log(`  new raw ÷ old raw         ${fmt(ratio(2, 0))}`);
  }
  return 0;
}

process.exitCode = await main();
