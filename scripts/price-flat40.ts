// What the parts of a bare flat40 decision cost: this checkout's generated
// code, edited, each edit on an engine of its own, timed against the
// unedited code and the hand-written baseline in one process (rotated
// rounds, CPU time; scripts/ab-setup.ts). Fraud40 is decided first, as the
// bench and decide-ab do, so the hand-written function is in the same state.
// The edits that drop checks are diagnostics only: the code they make is
// not sound (a wrong-typed field no longer gives its error); the records
// here are valid, so every edit must still give the hand-written answers,
// which is checked before timing.
//
//   node --import tsx scripts/price-flat40.ts [--rounds 80] [--order bench|type] [--type login]
//
// --order type decides the same records sorted by event type, --type one
// type's records only: how much of the gap comes from the mixed stream.
import { compile } from '../compiler/index.ts';
import { flat40Source, recordMaker } from '../bench/flat40.ts';
import type { Row } from '../bench/events.ts';
import { decideHandwritten } from '../bench/handwritten.ts';
import { EMPTY_PROVIDER, load } from '../runtime/index.ts';
import { arg, benchData, fmt, packSource, timeRotated, type Job } from './ab-setup.ts';

type Edit = (source: string) => string;

/** Rewrites each clause `(v = src["f"], TEST)` of every copy's unkept-field condition. */
function unkept(source: string, f: (field: string, test: string) => string | undefined): string {
  return source.replace(/^ {2}if \(!\((.*)\)\) checkEvent\(src, at\);$/gm, (_line, body: string) => {
    const parts = body.split(/ && (?=\(v = src\[")/).map((p) => {
      const m = /^\(v = src\["(\w+)"\], (.*)\)$/.exec(p);
      if (!m) throw new Error(`an unkept-field clause this script cannot read: ${p.slice(0, 80)}`);
      return f(m[1]!, m[2]!) ?? p;
    });
    return `  if (!(${parts.join(' && ')})) checkEvent(src, at);`;
  });
}

/** A field's slot still loaded, its value not tested (a test for undefined is a pointer compare). */
const loadOnly = (field: string) => `(v = src["${field}"], v !== undefined)`;

/** Enum tests `(v === "a" || …)` of the unkept conditions as a lookup in a Set made once. */
function enumSets(source: string): string {
  const sets: string[] = [];
  const out = unkept(source, (field, test) => {
    const m = /^\(v === undefined \|\| v === null \|\| \(((?:v === "[^"]*"(?: \|\| )?)+)\)\)$/.exec(test);
    if (!m) return undefined;
    sets.push(`const E${sets.length} = new Set([${m[1]!.split(' || ').map((x) => x.slice(6)).join(', ')}]);`);
    return `(v = src["${field}"], (v === undefined || v === null || E${sets.length - 1}.has(v)))`;
  });
  return out.replace('const U = R.UNSET;\n', `const U = R.UNSET;\n${sets.join('\n')}\n`);
}

const KEPT = /v = src\["(\w+)"\];\n {2}const (f\d+) = v === undefined \|\| v === null \? undefined : .*;$/gm;

const EDITS: readonly (readonly [string, Edit])[] = [
  ['unedited, again (the noise)', (s) => s],
  ['no unkept-field condition', (s) => s.replace(/^ {2}if \(!\(\(v = src\[.*checkEvent\(src, at\);$/gm, '')],
  ['unkept fields loaded, not tested', (s) => unkept(s, loadOnly)],
  ['unkept enums not tested', (s) => unkept(s, (f, t) => (t.includes('|| (v === "') ? loadOnly(f) : undefined))],
  ['unkept booleans not tested', (s) => unkept(s, (f, t) => (t.endsWith('typeof v === "boolean")') ? loadOnly(f) : undefined))],
  ['unkept strings not tested', (s) => unkept(s, (f, t) => (t.endsWith('typeof v === "string")') ? loadOnly(f) : undefined))],
  ['unkept integers not tested', (s) => unkept(s, (f, t) => (t.includes('Number.isSafeInteger') ? loadOnly(f) : undefined))],
  ['no kept-field checks', (s) => s.replace(KEPT, 'const $2 = src["$1"] ?? undefined;')],
  ['no field checks at all', (s) => unkept(s, loadOnly).replace(KEPT, 'const $2 = src["$1"] ?? undefined;')],
  ['tried: unkept enums as Set.has', enumSets],
  ['tried: unkept `v == null ||`', (s) => unkept(s, (f, t) => `(v = src["${f}"], ${t.replace('(v === undefined || v === null || ', '(v == null || ')})`)],
];

function main(): number {
  const rounds = Number(arg('--rounds', '80'));
  const order = arg('--order', 'bench');
  const only = arg('--type', '');
  const flat = compile(flat40Source());
  const fraud = compile(packSource('fraud40'));
  if (!flat.ok || !flat.code || !flat.optimized || !flat.checked || !fraud.ok || !fraud.code || !fraud.optimized) {
    console.error('fraud40 or flat40 does not compile');
    return 1;
  }
  const { data, customers, provider } = benchData();
  const make = recordMaker([...flat.checked.schema.event.fields.keys()].filter((f) => f !== 'occurred_at'));
  type Item = { readonly r: Row; readonly at: number };
  let items: Item[] = data.events.map((e) => ({ r: make(e, customers.get(e['customer_id'] as string)), at: e['occurred_at'] as number }));
  if (only) items = items.filter((x) => x.r['type'] === only);
  if (order === 'type') items.sort((a, b) => String(a.r['type']).localeCompare(String(b.r['type'])));
  // The hand-written function first decides fraud40's events, as in the bench.
  const fe = load({ pack: fraud.optimized, code: fraud.code });
  for (let k = 0; k < 20; k++) for (const e of data.events) { decideHandwritten(e, customers.get(e['customer_id'] as string)); fe.decideRaw(e, provider); }

  const jobs: Job<Item>[] = [['hand-written', (x) => decideHandwritten(x.r, x.r, x.at)]];
  for (const [name, edit] of [['unedited', (s: string) => s] as const, ...EDITS]) {
    const source = edit(flat.code.source);
    if (name.startsWith('no') || name.startsWith('unkept') || name.startsWith('tried')) {
      if (source === flat.code.source) { console.error(`${name}: the edit changed nothing (the generated code changed?)`); return 1; }
    }
    const engine = load({ pack: flat.optimized, code: { ...flat.code, source } });
    jobs.push([name, (x) => engine.decideRaw(x.r, EMPTY_PROVIDER, { at: x.at })]);
  }
  for (const x of items) {
    const key = (r: { fired: { length: number }; score: number }) => `${[...(r.fired as number[])].join()}|${r.score}`;
    const want = key(jobs[0]![1](x));
    for (const [name, f] of jobs) if (key(f(x)) !== want) { console.error(`${name} disagrees with the hand-written code`); return 1; }
  }
  const { ratio, ns } = timeRotated(jobs, items, rounds, 2);
  console.log(`flat40, ${items.length} records (${only || 'all types'}, ${order} order), ${rounds} rounds; median (quartiles) of each round's ratio`);
  console.log(`  hand-written  ${ns(0)} ns`);
  for (let i = 1; i < jobs.length; i++) {
    console.log(`  ${jobs[i]![0].padEnd(34)} ÷ hand ${fmt(ratio(i, 0))}   ÷ unedited ${fmt(ratio(i, 1))}   ${ns(i)} ns`);
  }
  return 0;
}

process.exitCode = main();
