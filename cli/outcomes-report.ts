// `zhiyu report`: the outcomes report as text, JSON or one self-contained
// HTML page with charts (Chart.js inlined, as the backtest report does; the
// editor's Outcomes page serves the same page).
import type { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { formatTimestamp } from '../compiler/semantics.ts';
import { time } from '../runtime/backtest/time.ts';
import { StoreError } from '../runtime/store/errors.ts';
import { isPostgresUrl } from '../runtime/store/postgres/connect.ts';
import { outcomesReport } from '../runtime/outcomes/index.ts';
import { programAt } from './backtest-commands.ts';
import type { OutcomesReport } from '../runtime/outcomes/index.ts';
import { chartPage, esc, htmlTable } from './backtest-html.ts';
import { int, pct, table, yuan } from './backtest-report.ts';

const date = (t: number) => formatTimestamp(t).slice(0, 10);
const growth = (g: number | null) => (g === null ? 'no offers before' : `${g >= 0 ? '+' : ''}${(g * 100).toFixed(0)}%`);

function period(r: OutcomesReport): string {
  return `${date(r.period.from)} to ${date(r.period.to - 1)} (previous period from ${date(r.period.previousFrom)})`;
}

/** The report as lines of text. */
export function outcomesText(r: OutcomesReport): string {
  const out: string[] = [`Consumer-protection outcomes, ${period(r)}`];
  const src = Object.entries(r.sources).map(([p, s]) => `${p}: ${s}`).join('; ');
  if (src) out.push(`Decisions: ${src}`);
  if (r.copyOf) out.push(`Read from a copy of ${r.copyOf} taken at the start (one snapshot); logged decisions from its decision log`);
  if (r.scams) {
    const s = r.scams;
    out.push('', `Telecom-scam interceptions: ${int(s.intercepted)} transfers held or blocked (${yuan(s.interceptedAmount)}); ${int(s.confirmed)} confirmed scams, money protected ${yuan(s.moneyProtected)}`);
    out.push(table(['<week from', 'intercepted', 'money protected'], s.weeks.map((w) => [w.week, int(w.intercepted), yuan(w.moneyProtected)])));
    out.push(table(['<rule', 'intercepted', 'amount'], s.byRule.map((x) => [x.rule, int(x.intercepted), yuan(x.amount)])));
  }
  if (r.relief) {
    const x = r.relief;
    out.push('', `Relief offered: ${int(x.waivers)} interest waivers (${growth(x.waiverGrowth)} on ${int(x.previousWaivers)}), ${int(x.plans)} repayment plans (${growth(x.planGrowth)} on ${int(x.previousPlans)})`);
  }
  const c = r.complaints;
  out.push('', `Complaints received: ${int(c.received)}; first answered within 48 hours: ${pct(c.answered48h.rate)} (${c.answered48h.met} of ${c.answered48h.of}); decided within 5 working days: ${pct(c.resolved5wd.rate)} (${c.resolved5wd.met} of ${c.resolved5wd.of})`);
  if (c.missed.length) out.push(table(['<complaint', '<received', '<missed', '<'], c.missed.map((m) => [m.complaint, formatTimestamp(m.receivedAt), m.missed, m.detail])));
  if (r.gates) {
    const g = r.gates;
    out.push('', `Collection contacts: ${int(g.contacts)} asked for, ${int(g.denied)} denied`);
    out.push(table(['<gate', 'denied'], g.byGate.map((x) => [x.rule, int(x.denied)])));
  }
  return out.join('\n');
}

const SCRIPT = `
const data = JSON.parse(document.getElementById('zy-data').textContent);
const palette = ['#c0392b', '#e67e22', '#f1c40f', '#27ae60', '#2980b9', '#8e44ad', '#16a085', '#d35400', '#7f8c8d', '#2c3e50'];
const bar = (id, labels, datasets, stacked) => {
  const el = document.getElementById(id);
  if (!el) return;
  new Chart(el, { type: 'bar', data: { labels, datasets: datasets.map((d, i) => ({ ...d, backgroundColor: palette[i % palette.length] })) },
    options: { animation: false, responsive: true, scales: { x: { stacked }, y: { stacked, beginAtZero: true } } } });
};
if (data.scams) {
  bar('scam-weeks', data.scams.weeks.map((w) => w.week), [{ label: 'intercepted', data: data.scams.weeks.map((w) => w.intercepted) }], false);
  bar('scam-money', data.scams.weeks.map((w) => w.week), [{ label: 'money protected (yuan)', data: data.scams.weeks.map((w) => Math.round(w.moneyProtected / 100)) }], false);
  bar('scam-rules', data.scams.byRule.map((r) => r.rule), [{ label: 'intercepted', data: data.scams.byRule.map((r) => r.intercepted) }], false);
}
if (data.relief) bar('relief', ['interest waivers', 'repayment plans'], [
  { label: 'previous period', data: [data.relief.previousWaivers, data.relief.previousPlans] },
  { label: 'this period', data: [data.relief.waivers, data.relief.plans] }], false);
const c = data.complaints;
bar('complaints', ['first answered within 48 h', 'decided within 5 working days'], [
  { label: 'met', data: [c.answered48h.met, c.resolved5wd.met] },
  { label: 'missed', data: [c.answered48h.of - c.answered48h.met, c.resolved5wd.of - c.resolved5wd.met] }], true);
if (data.gates) bar('gates', data.gates.byGate.map((g) => g.rule), [{ label: 'contacts denied', data: data.gates.byGate.map((g) => g.denied) }], false);
`;

/** The report as one HTML page: Chart.js inlined, the data as a JSON block, nothing fetched. */
export function outcomesHtml(r: OutcomesReport): string {
  const title = 'Consumer-protection outcomes';
  const section = (h: string, lines: string[], canvases: string[], extra = '') =>
    `<section><h2>${esc(h)}</h2>${lines.map((l) => `<p>${esc(l)}</p>`).join('')}${canvases.map((id) => `<div class="chart"><canvas id="${id}"></canvas></div>`).join('')}${extra}</section>`;
  const parts: string[] = [];
  if (r.scams) {
    const s = r.scams;
    parts.push(section('Telecom-scam interceptions', [`${int(s.intercepted)} transfers held or blocked (${yuan(s.interceptedAmount)}); ${int(s.confirmed)} confirmed scams: money protected ${yuan(s.moneyProtected)}.`],
      ['scam-weeks', 'scam-money', 'scam-rules'], htmlTable(['rule', 'intercepted', 'amount'], s.byRule.map((x) => [[x.rule, false], [int(x.intercepted), true], [yuan(x.amount), true]]))));
  }
  if (r.relief) {
    const x = r.relief;
    parts.push(section('Waivers and repayment plans offered', [`${int(x.waivers)} interest waivers (${growth(x.waiverGrowth)} against ${int(x.previousWaivers)} in the previous period); ${int(x.plans)} repayment plans (${growth(x.planGrowth)} against ${int(x.previousPlans)}).`], ['relief']));
  }
  const c = r.complaints;
  parts.push(section('Complaints', [`${int(c.received)} received. First answered within 48 hours: ${pct(c.answered48h.rate)} (${c.answered48h.met} of ${c.answered48h.of}). Decided within 5 working days: ${pct(c.resolved5wd.rate)} (${c.resolved5wd.met} of ${c.resolved5wd.of}).`],
    ['complaints'], c.missed.length ? `<h3>The cases that missed</h3>${htmlTable(['complaint', 'received', 'missed', ''], c.missed.map((m) => [[m.complaint, false], [formatTimestamp(m.receivedAt), false], [m.missed, false], [m.detail, false]]))}` : ''));
  if (r.gates) {
    const g = r.gates;
    parts.push(section('Collection contacts denied by each gate', [`${int(g.contacts)} contacts asked for, ${int(g.denied)} denied.`], ['gates'], htmlTable(['gate', 'denied'], g.byGate.map((x) => [[x.rule, false], [int(x.denied), true]]))));
  }
  return chartPage(title, `<p>${esc(period(r))}</p>
<p class="note">${esc(Object.entries(r.sources).map(([p, s]) => `${p}: ${s}`).join('; '))}${r.copyOf ? esc(`; read from a copy of ${r.copyOf} taken at the start (one snapshot); logged decisions from its decision log`) : ''}</p>
${parts.join('\n')}`, r, SCRIPT);
}

/** `zhiyu report`. */
export function registerReport(cli: Command): void {
  cli.command('report')
    .description('the consumer-protection outcomes of a period: telecom-scam interceptions, waivers and repayment plans offered, complaints answered in 48 hours and decided in 5 working days, collection contacts denied by each gate')
    .requiredOption('--db <file|url>', 'the store: a SQLite file (its decision log beside it is read when it holds the period\'s decisions) or a postgres:// URL (one snapshot copied locally; the events decided again)')
    .option('--from <date>', 'start of the period (default: 28 days before --to); Asia/Shanghai unless a zone is given')
    .option('--to <date>', 'end of the period; a date alone includes that whole day (default: the day of the last stored event)')
    .option('--fraud <pack>', 'the pack that decides transfers (its rules tagged phone_scam are telecom-scam rules)', 'rules/fraud')
    .option('--gates <pack>', 'the pack that decides collection contacts', 'rules/conduct/gates')
    .option('--sweeps <pack>', 'the pack that sweeps accounts (offer_waiver, offer_plan)', 'rules/conduct/sweeps')
    .option('--html [file]', 'write the report as one HTML page with charts (default file: outcomes.html)')
    .option('--json', 'print the report as JSON')
    .option('--workers <n>', 'threads for deciding stored events again when the log does not have them')
    .addHelpText('after', `
Decisions come from the decision log when it holds the pack's decisions for the
period; otherwise the pack decides the stored events again, each as of its own
time (as a backtest does). Complaints are read from the events (received_at,
acknowledged_at, resolved_at), working days from the store's calendar. Money
protected is the amount of the intercepted transfers labelled fraud.

Examples:
  zhiyu report --db demo.db
  zhiyu report --db demo.db --from 2026-02-01 --to 2026-02-28 --html report.html`)
    .action(async (o: { db: string; from?: string; to?: string; fraud: string; gates: string; sweeps: string; html?: string | boolean; json?: boolean; workers?: string }) => {
      if (!isPostgresUrl(o.db) && !existsSync(o.db)) throw new StoreError('ZY7001', `database ${o.db} does not exist; create it with \`zhiyu db seed --demo ${o.db}\``);
      const pack = (p: string, what: string) => (existsSync(p) ? programAt(p, what) : undefined);
      const packs = { fraud: pack(o.fraud, '--fraud'), gates: pack(o.gates, '--gates'), sweeps: pack(o.sweeps, '--sweeps') };
      const to = time(o.to, '--to', 'next');
      const from = time(o.from, '--from', 0);
      const r = await outcomesReport(o.db, { ...(packs.fraud ? { fraud: packs.fraud } : {}), ...(packs.gates ? { gates: packs.gates } : {}), ...(packs.sweeps ? { sweeps: packs.sweeps } : {}) },
        { ...(from !== null ? { from } : {}), ...(to !== null ? { to } : {}), ...(o.workers ? { workers: Number(o.workers) } : {}) });
      if (o.json) console.log(JSON.stringify(r, null, 2));
      else console.log(outcomesText(r));
      if (o.html) {
        const file = typeof o.html === 'string' ? o.html : 'outcomes.html';
        writeFileSync(file, outcomesHtml(r));
        console.error(`wrote ${file}`);
      }
    });
}
