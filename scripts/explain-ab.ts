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
//   git worktree add --detach /tmp/old main && cp -a node_modules /tmp/old/
//   node --import tsx scripts/explain-ab.ts /tmp/old [--rounds 60] [--pack flat40|fraud40]
import * as NEW from '../compiler/index.ts';
import * as NEWRT from '../runtime/index.ts';
import { arg, benchData, oldTree, packSource, quartiles } from './ab-setup.ts';
import type { Row } from '../bench/events.ts';

type Decider = (x: Item) => { fired: { length: number }; score: number };
interface Item { readonly r: Row; readonly at?: number }



async function main(): Promise<number> {
  const old = process.argv[2];
  if (!old || old.startsWith('--')) { console.error('usage: node --import tsx scripts/explain-ab.ts OLD_DIR [--rounds N] [--pack flat40|fraud40]'); return 2; }
  const { OLD, OLDRT } = await oldTree(old);
  const rounds = Number(arg('--rounds', '60'));
  const only = arg('--pack', '');
  const { data, customers, provider } = benchData();
  for (const pack of ['fraud40', 'flat40']) {
    if (only && only !== pack) continue;
    const files = packSource(pack);
    const a = OLD.compile(files);
    const b = NEW.compile(files);
    if (!a.ok || !b.ok || !a.optimized || !b.optimized || !a.code || !b.code) { console.error(`${pack} does not compile`); return 1; }
    // An engine per job: its own closures, so its own type feedback.
    const oldEngine = () => OLDRT.load({ pack: a.optimized!, code: a.code! });
    const newEngine = () => NEWRT.load({ pack: b.optimized!, code: b.code! });
    const [oRaw, oExp, nRaw, nExp] = [oldEngine(), oldEngine(), newEngine(), newEngine()];
    let items: Item[];
    let jobs: [string, Decider][];
    if (pack === 'flat40') {
      const columns = [...b.checked!.schema.event.fields.keys()].filter((f) => f !== 'occurred_at');
      // One object literal per record, every column, as bench/flat40.ts builds them.
      const src = (e: Row, c: Row | undefined, k: string) => (k in e ? e[k] : c?.[k]) ?? null;
      const make = new Function('src', `return (e, c) => ({ ${columns.map((k) => `${JSON.stringify(k)}: src(e, c, ${JSON.stringify(k)})`).join(', ')} });`)(src) as (e: Row, c: Row | undefined) => Row;
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
    let sink = 0;
    const pass = (f: Decider): number => {
      const t = process.cpuUsage();
      for (let i = 0; i < items.length; i++) { const r = f(items[i]!); sink += r.fired.length + r.score; }
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
    const ns = (i: number) => ((quartiles(times[i]!)[1] * 1000) / items.length).toFixed(0);
    console.log(`${pack}: ${rounds} rounds of ${items.length} decisions per job, CPU time; median (quartiles) of each round's ratio; ns: ${jobs.map((j, i) => `${j[0]} ${ns(i)}`).join(', ')}`);
    console.log(`  old explained ÷ old raw   ${fmt(ratio(1, 0))}`);
    console.log(`  new explained ÷ new raw   ${fmt(ratio(3, 2))}`);
    console.log(`  new explained ÷ old       ${fmt(ratio(3, 1))}`);
    console.log(`  new raw ÷ old raw         ${fmt(ratio(2, 0))}`);
    if (sink === 0.5) console.log('');
  }
  return 0;
}

process.exitCode = await main();
