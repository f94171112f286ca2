// flat40: the fraud40 rules over one flat record, as an embedder meets them —
// a row of a feature table or a message from a stream, with the customer's
// columns beside the event's and no `occurred_at` in it. The pack is fraud40
// with the customer's 14 fields moved into the event (`customer.x` becomes
// `event.x`); the records are built as one object literal each, with every
// column in a fixed order and null for missing values, so every record has
// the same shape; the decision time comes beside the record, through
// `decide(record, provider, { at })`. Decided in one process by:
//   hand-written        bench/handwritten.ts with the record as event and
//                       customer and the time as `at`: the baseline
//   decideRaw {at}      zhiyu compiled, no copy of the record
//   decide {at}         the explained decision, no copy
//   decideOutcome {at}  decideRaw and the outcome
//   decideRaw + copy    what an embedder had to do before `{ at }`: copy each
//                       record into a new object literal with `occurred_at`
// Every evaluator must agree with the hand-written code on every record first.
// Each zhiyu job runs on an engine loaded for it alone (see the JOBS below).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, renderDiagnostic } from '../compiler/index.ts';
import { EMPTY_PROVIDER, interpret, load } from '../runtime/index.ts';
import { generate, type Row } from './events.ts';
import { decideHandwritten, RULE_IDS } from './handwritten.ts';
import { fmt } from './measure.ts';
import type { EvalRunOptions, Target } from './options.ts';
import { race, ratioTarget, type RaceJob, type RaceRow } from './race.ts';

const here = dirname(fileURLToPath(import.meta.url));
const FRAUD40 = join(here, 'packs', 'fraud40');

export interface Flat40Report {
  readonly rows: readonly RaceRow[];
  readonly fields: number;
  readonly targets: readonly Target[];
}

/** fraud40's source with the customer entity folded into the event. */
export function flat40Source(): { path: string; text: string }[] {
  const pack = readFileSync(join(FRAUD40, 'pack.zy'), 'utf8');
  const rules = readFileSync(join(FRAUD40, 'rules.zy'), 'utf8');
  const entity = /\nentity customer by customer_id "[^"]*" \{\n([^}]*)\}\n/.exec(pack);
  const eventEnd = pack.indexOf('\n}\n', pack.indexOf('\nevent '));
  if (!entity || eventEnd < 0) throw new Error('bench/packs/fraud40/pack.zy no longer has the event and customer blocks flat40 folds together');
  const flat = (pack.slice(0, eventEnd) + '\n' + entity[1]!.replace(/\n$/, '') + pack.slice(eventEnd))
    .replace(entity[0], '\n')
    .replace('pack fraud40 ', 'pack flat40 ');
  return [{ path: 'flat40/pack.zy', text: flat }, { path: 'flat40/rules.zy', text: rules.replace(/\bcustomer\./g, 'event.') }];
}

/** A function making one record from an event and its customer row: one object literal, every column. */
export function recordMaker(columns: readonly string[]): (e: Row, c: Row | undefined) => Row {
  const body = `return { ${columns.map((k) => `${JSON.stringify(k)}: src(e, c, ${JSON.stringify(k)})`).join(', ')} };`;
  const src = (e: Row, c: Row | undefined, k: string) => (k in e ? e[k] : c?.[k]) ?? null;
  return new Function('src', `return (e, c) => { ${body} };`)(src) as (e: Row, c: Row | undefined) => Row;
}

export async function runFlat40Bench(o: EvalRunOptions): Promise<Flat40Report> {
  const die: (msg: string) => never = o.die;
  console.log(`\nzhiyu benchmark: flat40 (fraud40's rules over one flat record, the time given beside it)`);
  const files = flat40Source();
  const compiled = compile(files);
  if (!compiled.ok || !compiled.checked || !compiled.optimized || !compiled.code) {
    for (const d of compiled.diagnostics) console.error(renderDiagnostic(d, compiled.files));
    die('the flat40 pack does not compile');
  }
  const checked = compiled.checked;
  checked.rules.forEach((r, i) => { if (RULE_IDS[i] !== r.id) die(`flat40 rule #${i} is ${r.id}, but ${RULE_IDS[i]} in handwritten.ts`); });
  if (checked.schema.entities.size) die('flat40 should have no entities');
  // Each job decides on an engine of its own (its own generated closures, so its own type feedback), as one
  // embedder calling one of them would: the copy job's records of changing shapes, or the explained calls,
  // left in the same closures, slow every other job that runs them (the last row shows by how much).
  const fresh = () => load({ pack: compiled.optimized!, code: compiled.code! });
  const engine = fresh();
  const explained = fresh();
  const outcome = fresh();
  const copying = fresh();
  const columns = [...checked.schema.event.fields.keys()].filter((f) => f !== 'occurred_at');

  const data = generate({ seed: o.seed, events: o.events, shapes: 'service' });
  const make = recordMaker(columns);
  const records: Row[] = [];
  const times: number[] = [];
  for (const e of data.events) {
    records.push(make(e, data.customers.get(e['customer_id'] as string)));
    times.push(e['occurred_at'] as number);
  }
  // The time travels beside the record: a pair per decision, built once.
  const items = records.map((r, i) => ({ r, at: times[i]! }));
  const shapes = new Set(records.map((r) => Object.keys(r).join())).size;
  console.log(`  records  ${fmt(records.length)} of ${columns.length} columns (${shapes} shape), seed ${o.seed}; ${checked.rules.length} rules, no entity, no provider`);

  type Item = (typeof items)[number];
  const hand = (x: Item) => decideHandwritten(x.r, x.r, x.at);
  const JOBS: readonly RaceJob<Item, { fired: readonly (number | { id: string })[]; score: number }>[] = [
    { name: 'hand-written (baseline)', batch: 1000, run: hand },
    { name: 'zhiyu decideRaw {at}', batch: 1000, run: (x) => engine.decideRaw(x.r, EMPTY_PROVIDER, { at: x.at }) },
    { name: 'zhiyu decide {at} (explained)', batch: 500, run: (x) => explained.decide(x.r, EMPTY_PROVIDER, { at: x.at }) },
    { name: 'zhiyu decideOutcome {at}', batch: 1000, run: (x) => outcome.decideOutcome(x.r, EMPTY_PROVIDER, { at: x.at }) },
    { name: 'decideRaw of a copy with occurred_at', batch: 1000, run: (x) => copying.decideRaw({ ...x.r, occurred_at: x.at }) },
    { name: 'decideRaw {at} on the copy job\'s engine', batch: 1000, run: (x) => copying.decideRaw(x.r, EMPTY_PROVIDER, { at: x.at }) },
  ];

  // ---------- correctness ----------
  const ids = checked.rules.map((r) => r.id);
  for (let i = 0; i < items.length; i++) {
    const x = items[i]!;
    const want = hand(x);
    const key = `${want.fired.join()}|${want.score}`;
    for (const job of JOBS) {
      let r: { fired: readonly (number | { id: string })[]; score: number };
      try { r = job.run!(x); } catch (err) { die(`${job.name}: record #${i} could not be decided: ${(err as Error).message}`); }
      const fired = r.fired.map((f) => (typeof f === 'number' ? f : ids.indexOf(f.id)));
      if (`${fired.join()}|${r.score}` !== key) die(`${job.name} disagrees with the hand-written code on record #${i}: ${fired} score ${r.score}, hand-written ${want.fired} score ${want.score}`);
    }
    // The explained decision against the reference interpreter, all of it, on a sample.
    if (i % 50 === 0) {
      const a = explained.decide(x.r, EMPTY_PROVIDER, { at: x.at });
      const b = interpret(checked, x.r, EMPTY_PROVIDER, { at: x.at }).decision;
      if (JSON.stringify(a) !== JSON.stringify(b)) die(`decide and the interpreter explain record #${i} differently`);
    }
  }
  console.log(`  correctness: all ${fmt(items.length)} records decided identically by all ${JOBS.length} evaluators; explained decisions equal the interpreter's on every 50th`);

  const { rows, ratio } = await race(JOBS, items, { passes: o.passes, taskMs: o.taskMs, warmupMs: o.warmupMs, die });
  const targets = [
    ratioTarget('flat40: decideRaw {at} within 1.2× of hand-written', rows[1]!.ratio, 1.2),
    ratioTarget('flat40: explained decide {at} within 1.5× of decideRaw', ratio(2, 1), 1.5),
  ];
  console.log(`  without { at }, a copy per record costs ${fmt(ratio(4, 1), 2)}× decideRaw {at}`);
  console.log(`  decideRaw {at} on closures that also decided the copies: ${fmt(ratio(5, 1), 2)}× decideRaw {at} on its own`);
  console.log('');
  for (const t of targets) console.log(`target: ${t.text}`);
  return { rows, fields: columns.length, targets };
}
