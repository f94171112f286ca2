// The outcomes report (runtime/outcomes, `zhiyu report`, the editor's
// /outcomes page) on a real seeded SQLite file: every figure is there and
// meaningful on the demo data, the decision log is used when it holds the
// period's decisions (and gives the same figures as deciding the events
// again), and the HTML draws its charts in real Chromium.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile } from '../compiler/index.ts';
import { load } from '../runtime/index.ts';
import { DecisionLog, SqliteProvider, openStore, type DB } from '../runtime/store/sqlite/index.ts';
import { RecordingProvider } from '../runtime/store/decision-log.ts';
import { decodeRow } from '../runtime/store/tables.ts';
import { readPack } from '../cli/pack-files.ts';
import { startEditor, type EditorService } from '../editor/server/app.ts';
import type { OutcomesReport } from '../runtime/outcomes/index.ts';
import { outcomesText } from '../cli/outcomes-report.ts';
import { cli } from './cli-run.ts';
import { demoDb } from './editor-fixture.ts';
import { launch } from './browser.ts';

const dir = mkdtempSync(join(tmpdir(), 'zhiyu-outcomes-'));
const db = join(dir, 'demo.db');
let report: OutcomesReport;

test.before(async () => {
  // The run's demo database (300 customers, seeded once), copied.
  copyFileSync(await demoDb(), db);
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('zhiyu report: every figure on the demo data', async () => {
  const r = await cli('report', '--db', db, '--json', '--workers', '1');
  assert.is(r.code, 0, r.err);
  report = JSON.parse(r.out) as OutcomesReport;
  const { scams, relief, complaints, gates } = report;
  assert.equal(Object.values(report.sources), ['replayed from the events', 'replayed from the events', 'replayed from the events']);
  // Telecom scams: intercepted every week, by several rules, most money on confirmed scams.
  assert.ok(scams && scams.intercepted > 10, `intercepted ${scams?.intercepted}`);
  assert.is(scams.weeks.length, 4);
  assert.ok(scams.weeks.every((w) => w.intercepted > 0));
  assert.is(scams.weeks.reduce((n, w) => n + w.intercepted, 0), scams.intercepted);
  assert.ok(scams.byRule.length >= 3 && scams.byRule.every((x) => x.rule.startsWith('SCAM_')));
  assert.ok(scams.confirmed > 0 && scams.moneyProtected > 0 && scams.moneyProtected <= scams.interceptedAmount);
  // Relief: waivers and plans, more than the month before.
  assert.ok(relief && relief.waivers > 0 && relief.plans > 0 && relief.previousWaivers > 0 && relief.previousPlans > 0);
  assert.ok(relief.waiverGrowth! > 0 && relief.planGrowth! > 0);
  // Complaints: rates with the cases that missed each target.
  assert.ok(complaints.received > 0);
  assert.ok(complaints.answered48h.rate! > 0 && complaints.answered48h.rate! < 1);
  assert.ok(complaints.resolved5wd.of > 0);
  assert.ok(complaints.missed.some((m) => m.missed === '48h') && complaints.missed.some((m) => m.missed === '5 working days'));
  assert.is(complaints.missed.filter((m) => m.missed === '48h').length, complaints.answered48h.of - complaints.answered48h.met);
  // Gates: the demo's scenarios are denied, each by its gate.
  assert.ok(gates && gates.contacts > 50 && gates.denied > 0);
  for (const g of ['GATE_QUIET_HOURS', 'GATE_DAILY_UNANSWERED_CAP', 'GATE_UNRELATED_THIRD_PARTY']) assert.ok(gates.byGate.some((x) => x.rule === g && x.denied > 0), g);

  // The text report says the same (the command prints outcomesText of the same object).
  const text = { out: outcomesText(report) };
  assert.match(text.out, /Telecom-scam interceptions: \d+ transfers held or blocked \(¥[\d,]+\); \d+ confirmed scams, money protected ¥[\d,]+/);
  assert.match(text.out, /Relief offered: \d+ interest waivers \(\+\d+% on \d+\), \d+ repayment plans \(\+\d+% on \d+\)/);
  assert.match(text.out, /first answered within 48 hours: [\d.]+% \(\d+ of \d+\); decided within 5 working days: [\d.]+% \(\d+ of \d+\)/);
  assert.match(text.out, /GATE_QUIET_HOURS +\d+/);
});

test('the decision log is read when it holds the period\'s decisions, with the same figures', async () => {
  // The gates' decisions of the period, logged as the service logs them.
  const program = (() => { const c = compile(readPack(['rules/conduct/gates'])); return { pack: c.optimized!, code: c.code! }; })();
  const store: DB = openStore(db);
  const log = DecisionLog.open(store, { write: true });
  try {
    const engine = load(program);
    const base = new SqliteProvider(store, program.pack);
    const rows = store.prepare('SELECT * FROM zy_events WHERE type = ? AND occurred_at >= ? AND occurred_at < ? ORDER BY zy_seq').all('collection_contact', report.period.from, report.period.to) as Record<string, unknown>[];
    for (const row of rows) {
      const event = decodeRow(program.pack.schema.event, row);
      const rec = new RecordingProvider(base.asOf(row['occurred_at'] as number, row['zy_seq'] as number));
      const decision = engine.decide(event, rec);
      log.append({ bundleHash: null, sourceHash: 'test', input: event, eventTime: row['occurred_at'] as number, snapshot: rec.snapshot, decision });
    }
  } finally { log.close(); store.close(); }
  const r = await cli('report', '--db', db, '--json', '--workers', '1', '--from', new Date(report.period.from).toISOString(), '--to', new Date(report.period.to).toISOString());
  assert.is(r.code, 0, r.err);
  const again = JSON.parse(r.out) as OutcomesReport;
  assert.is(again.sources['conduct_gates'], 'decision log');
  assert.equal(again.gates, report.gates);
  assert.equal(again.complaints, report.complaints);
});

test('--html renders every chart in Chromium; so does the editor\'s /outcomes page', async () => {
  const file = join(dir, 'outcomes.html');
  const r = await cli('report', '--db', db, '--html', file, '--workers', '1');
  assert.is(r.code, 0, r.err);
  // (The gates' decisions now come from the log written above: the same figures, another source line.)
  const figures = (t: string) => t.split('\n').filter((l) => !l.startsWith('Decisions:')).join('\n');
  assert.is(figures(r.out.trim()), figures(outcomesText(report)), 'the command prints the text report');
  const html = readFileSync(file, 'utf8');
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.not.match(html, /\b(src|href)=["']?https?:/i, 'nothing to fetch');
  const browser = await launch();
  let svc: EditorService | undefined;
  const store = openStore(db, { readonly: true });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    const charts = async () => page.evaluate(() => Array.from(document.querySelectorAll('canvas')).map((c) => {
      const chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: { data: number[] }[] } } | undefined } }).Chart.getChart(c);
      return { id: c.id, drawn: !!chart && c.width > 0, points: chart ? chart.data.datasets.reduce((n, d) => n + d.data.length, 0) : 0 };
    }));
    await page.goto(pathToFileURL(file).href);
    const drawn = await charts();
    assert.equal(drawn.map((c) => c.id), ['scam-weeks', 'scam-money', 'scam-rules', 'relief', 'complaints', 'gates']);
    assert.ok(drawn.every((c) => c.drawn && c.points > 0), JSON.stringify(drawn));
    assert.match(await page.textContent('body') ?? '', /money protected ¥[\d,]+/);

    svc = await startEditor({ root: 'rules', store, port: 0 });
    const res = await page.goto(`${svc.url}/outcomes`);
    assert.is(res?.status(), 200);
    const served = await charts();
    assert.is(served.length, 6);
    assert.ok(served.every((c) => c.drawn && c.points > 0), JSON.stringify(served));
    assert.match(await page.textContent('h1') ?? '', /Consumer-protection outcomes/);
    assert.equal(problems, []);
    const bad = await page.goto(`${svc.url}/outcomes?from=yesterday`);
    assert.is(bad?.status(), 400);
    assert.match(await page.textContent('body') ?? '', /from "yesterday" is not a time/);
  } finally {
    await svc?.close();
    store.close();
    await browser.close();
  }
});

test.run();
