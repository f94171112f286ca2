// The shipped PRC working-day calendar (data/calendar): loaded into a real
// SQLite store by `zhiyu db calendar import`, read by working_days() around
// the Spring Festival and National Day, make-up working days included.
import { test } from 'uvu';
import { scratchDir } from './scratch.ts';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, type IR } from '../compiler/index.ts';
import { interpret, MemoryProvider, type FeatureProvider } from '../runtime/index.ts';
import { openStore, SqliteProvider } from '../runtime/store/sqlite/index.ts';
import { readCalendar } from '../runtime/store/calendar.ts';
import { cli } from './cli-run.ts';

const dir = scratchDir('zhiyu-calendar-');
writeFileSync(join(dir, 'pack.zy'), `pack cal version "1"
outcomes flag > none
event { type: enum(x) required, occurred_at: timestamp required, from: timestamp }
rule R when working_days(event.from, now) >= 1 then flag reason R
`);
const r = compile([{ path: join(dir, 'pack.zy'), text: readFileSync(join(dir, 'pack.zy'), 'utf8') }]);
const pack = r.checked!;
const wd = (pack.rules[0]!.condition as Extract<IR, { k: 'cmp' }>).l;
const at = (d: string) => Date.parse(`${d}T10:00:00+08:00`);
const workingDays = (p: FeatureProvider, from: string, to: string) => interpret(pack, { type: 'x', from: at(from), occurred_at: at(to) }, p, { probe: [wd] }).probed![0];

const db = join(dir, 'store.db');

test('zhiyu db calendar import loads the shipped calendar into a new store', async () => {
  const run = await cli('db', 'calendar', 'import', db, '--pack', dir);
  assert.is(run.code, 0, run.err);
  const days = readCalendar();
  assert.match(run.out, new RegExp(`${days.length} days into .*store\\.db \\(${days.filter((d) => !d.working).length} holidays, 11 make-up working days\\), 2025-01-01 to 2026-10-10`));
  const again = await cli('db', 'calendar', 'import', db);
  assert.is(again.code, 0, 'importing again replaces the same days');
  const s = openStore(db);
  try { assert.is((s.prepare('SELECT count(*) AS n FROM zy_calendar').get() as { n: number }).n, days.length); } finally { s.close(); }
});

// [from, to, working days after from's date up to to's], by the State Council's notices.
const CASES: [string, string, number][] = [
  ['2026-02-13', '2026-02-14', 1], // Saturday 14 February 2026 is a make-up working day
  ['2026-02-14', '2026-02-23', 0], // Spring Festival: 15–23 February
  ['2026-02-14', '2026-02-24', 1],
  ['2026-02-27', '2026-02-28', 1], // Saturday 28 February worked
  ['2026-02-12', '2026-02-25', 4], // 13th, 14th (Sat), 24th and 25th
  ['2025-01-24', '2025-02-05', 3], // 26 January (Sun) worked, 27th, 28 Jan–4 Feb off, 5 Feb
  ['2025-09-27', '2025-09-28', 1], // Sunday 28 September 2025 worked
  ['2025-09-30', '2025-10-08', 0], // National Day and Mid-Autumn: 1–8 October 2025
  ['2025-09-30', '2025-10-09', 1],
  ['2025-10-10', '2025-10-11', 1], // Saturday 11 October worked
  ['2026-09-19', '2026-09-20', 1], // Sunday 20 September 2026 worked
  ['2026-09-30', '2026-10-07', 0], // National Day 2026: 1–7 October
  ['2026-09-30', '2026-10-08', 1],
  ['2026-10-09', '2026-10-10', 1], // Saturday 10 October worked
  ['2026-09-24', '2026-09-28', 1], // Mid-Autumn 25–27 September: only Monday the 28th
];

test('working_days() with the stored calendar around the Spring Festival and National Day', () => {
  const s = openStore(db, { readonly: true });
  try {
    const p = new SqliteProvider(s, pack);
    for (const [from, to, n] of CASES) assert.is(workingDays(p, from, to), n, `${from} → ${to}`);
  } finally { s.close(); }
  // Without the calendar, Monday to Friday: the holidays are counted and the make-up days are not.
  assert.is(workingDays(new MemoryProvider(), '2026-02-14', '2026-02-23'), 6);
  assert.is(workingDays(new MemoryProvider(), '2025-10-10', '2025-10-11'), 0);
});

test('a calendar file with a bad row is refused with its row, and nothing is written', async () => {
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, 'date,is_working_day,note\n2027-01-01,false,元旦\n2027-02-30x,true,oops\n');
  const run = await cli('db', 'calendar', 'import', db, bad);
  assert.is(run.code, 1);
  assert.match(run.err, /ZY7006: .*bad\.csv: row 3: date should be YYYY-MM-DD/);
  const s = openStore(db);
  try { assert.equal(s.prepare("SELECT count(*) AS n FROM zy_calendar WHERE date = '2027-01-01'").get(), { n: 0 }); } finally { s.close(); }
});

test('a calendar row naming a day that does not exist (30 February) is refused, not read as 2 March', async () => {
  const bad = join(dir, 'no-such-day.csv');
  writeFileSync(bad, 'date,is_working_day,note\n2027-01-01,false,元旦\n2027-02-30,true,oops\n');
  const run = await cli('db', 'calendar', 'import', db, bad);
  assert.is(run.code, 1);
  assert.match(run.err, /ZY7006: .*no-such-day\.csv: row 3: date should be YYYY-MM-DD, not "2027-02-30"/);
  const s = openStore(db);
  try { assert.equal(s.prepare("SELECT count(*) AS n FROM zy_calendar WHERE date IN ('2027-01-01', '2027-03-02')").get(), { n: 0 }); } finally { s.close(); }
});

test.run();
