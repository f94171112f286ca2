// The backtest result as one self-contained HTML file: Chart.js is inlined,
// the data travels as a JSON block, and a Content-Security-Policy forbids
// the page to fetch anything. Every piece of data is escaped for where it
// lands: HTML text and attributes through esc(), the JSON block through
// jsonForScript() (no `<`, `>` or `&` left, so no `</script>` can close it),
// and chart labels are drawn on a canvas, never parsed as HTML.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { formatTimestamp } from '../compiler/semantics.ts';
import type { BacktestRun, Money } from '../runtime/backtest/index.ts';
import { BACKTEST_WORDS, int, labelWord, pct, yuan, type ReportWords } from './backtest-report.ts';

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON that is safe inside a <script> element and a JavaScript string context. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

let chartJs: string | undefined;
function chartLibrary(): string {
  if (chartJs === undefined) {
    const file = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
    // The source map comment would point devtools at a file that is not there.
    chartJs = readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n').replace(/<\/(script)/gi, '<\\/$1');
  }
  return chartJs;
}

const cell = (s: string, num = false) => `<td${num ? ' class="n"' : ''}>${esc(s)}</td>`;
const money = (m: Money | null, side: keyof Money) => (m ? yuan(m[side]) : '–');

function htmlTable(headers: readonly string[], rows: readonly (readonly [string, boolean][])[]): string {
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map(([s, n]) => cell(s, n)).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** What the charts draw: the ten rules with most hits (the rest summed), and the outcome mix per day. */
function chartData(r: BacktestRun) {
  const top = [...r.rules].filter((x) => x.hits > 0).sort((a, b) => b.hits - a.hits || a.index - b.index).slice(0, 10);
  const topIds = new Set(top.map((x) => x.id));
  const others = r.daily.days.map((_, d) => r.rules.filter((x) => !topIds.has(x.id)).reduce((n, x) => n + (r.daily.hits[x.id]?.[d] ?? 0), 0));
  return {
    days: r.daily.days,
    hits: [...top.map((x) => ({ label: x.id, data: r.daily.hits[x.id] ?? [] })), ...(others.some((n) => n > 0) ? [{ label: 'other rules', data: others }] : [])],
    outcomes: r.pack.outcomes.map((o) => ({ label: o, data: r.daily.outcomes[o] ?? [] })),
  };
}

const SCRIPT = `
const data = JSON.parse(document.getElementById('zy-data').textContent);
const palette = ['#c0392b', '#e67e22', '#f1c40f', '#27ae60', '#2980b9', '#8e44ad', '#16a085', '#d35400', '#7f8c8d', '#2c3e50', '#bdc3c7'];
const color = (i) => palette[i % palette.length];
new Chart(document.getElementById('hits'), {
  type: 'line',
  data: { labels: data.days, datasets: data.hits.map((d, i) => ({ label: d.label, data: d.data, borderColor: color(i), backgroundColor: color(i), pointRadius: 0, borderWidth: 1.5 })) },
  options: { animation: false, interaction: { mode: 'index', intersect: false }, scales: { y: { beginAtZero: true, title: { display: true, text: 'hits per day' } } } },
});
new Chart(document.getElementById('outcomes'), {
  type: 'bar',
  // The default outcome dwarfs the others: hidden until its legend entry is clicked.
  data: { labels: data.days, datasets: data.outcomes.map((d, i) => ({ label: d.label, data: d.data, backgroundColor: color(i), hidden: i === data.outcomes.length - 1 && data.outcomes.length > 1 })) },
  options: { animation: false, interaction: { mode: 'index', intersect: false }, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: 'events per day' } } } },
});
`;

export function backtestHtml(r: BacktestRun, words: ReportWords = BACKTEST_WORDS(r)): string {
  const title = words.title.charAt(0).toUpperCase() + words.title.slice(1);
  const when = (t: number | null) => (t === null ? '–' : formatTimestamp(t));
  const L = labelWord(r);
  const summary = [
    `${int(r.events.total)} events in range, ${int(r.events.decided)} decided${r.events.skipped ? `, ${int(r.events.skipped)} skipped` : ''}, ${when(r.range.first)} to ${when(r.range.last)} (Asia/Shanghai).`,
    r.labels.kinds.length
      ? `Labels (measured by ${r.labels.kinds.join(', ')}): ${int(r.labels.positive)} positive, ${int(r.labels.negative)} negative, ${int(r.labels.unlabelled)} unlabelled (counted as negative)${r.labels.asOf !== null ? `, as known by ${when(r.labels.asOf)}` : ''}.`
      : 'Labels: none; the pack declares no label kinds (measured by), so there is no precision or recall.',
    `Scope: ${r.scope.decides ? `decides ${r.scope.decides.join(', ')}` : 'every event the pack accepts'}. Profiles: ${r.profiles.entities.map((p) => `${p.entity} ${int(p.asOfEvent)} of ${int(p.reads)} reads as of the event`).join('; ') || 'none read'}.`,
    `Run: ${r.run.seconds.toFixed(1)} s, ${int(r.run.eventsPerSecond)} events/s.`,
  ];
  const notes = [...r.events.skippedBy.map((s) => `Skipped ${int(s.events)} events: ${s.reason} (first: ${words.one} ${s.example}).`), ...r.warnings];
  const rules = htmlTable(
    ['rule', 'title', 'outcome', 'hits', 'hit rate', L, 'precision', 'recall', 'unique', `${L} money`, 'other money', 'examples'],
    r.rules.map((x) => [
      [x.enabled ? x.id : `${x.id} (off)`, false], [x.title ?? '', false], [x.outcome ?? (x.score ? `+${x.score}` : ''), false],
      [int(x.hits), true], [pct(x.hitRate, 2), true], [int(x.positiveHits), true], [pct(x.precision), true], [pct(x.recall), true],
      [int(x.uniqueHits), true], [money(x.money, 'positive'), true], [money(x.money, 'other'), true], [x.examples.join(', '), false],
    ]),
  );
  const outcomes = htmlTable(
    ['outcome', 'events', 'share', L, `${L} money`, 'other money', 'TP', 'FP', 'FN', 'TN', 'precision', 'recall'],
    r.outcomes.map((o) => [
      [o.outcome, false], [int(o.events), true], [pct(o.share, 2), true], [int(o.positive), true], [money(o.money, 'positive'), true], [money(o.money, 'other'), true],
      [int(o.confusion.tp), true], [int(o.confusion.fp), true], [int(o.confusion.fn), true], [int(o.confusion.tn), true],
      [pct(o.confusion.precision), true], [pct(o.confusion.recall), true],
    ]),
  );
  const comparison = comparisonHtml(r, words);
  return htmlPage(title, `table { margin: 0.5rem 0 1.5rem; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.chart { max-width: 1100px; margin-bottom: 2rem; }`, `${summary.map((s) => `<p>${esc(s)}</p>`).join('\n')}
${notes.map((s) => `<p class="note">${esc(s)}</p>`).join('\n')}
<h2>Hits per day</h2>
<div class="chart"><canvas id="hits"></canvas></div>
<h2>Outcomes per day</h2>
<p class="note">${esc(`The default outcome (${r.pack.outcomes[r.pack.outcomes.length - 1] ?? ''}) is hidden; click it in the legend to show it.`)}</p>
<div class="chart"><canvas id="outcomes"></canvas></div>
<h2>Rules</h2>
${rules}
<h2>Outcomes</h2>
${outcomes}
${comparison}
<script type="application/json" id="zy-data">${jsonForScript(chartData(r))}</script>
<script>${chartLibrary()}</script>
<script>${SCRIPT}</script>`, true);
}

/**
 * A self-contained report page (backtest, shadow report, change request):
 * nothing is fetched; `scripts`: inline scripts may run (the charts).
 */
export function htmlPage(title: string, style: string, body: string, scripts = false): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none';${scripts ? " script-src 'unsafe-inline';" : ''} style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; }
th, td { padding: 0.2rem 0.6rem; border-bottom: 1px solid #ddd; text-align: left; }
.note { color: #666; }
${style}
</style>
</head>
<body>
<h1>${esc(title)}</h1>
${body}
</body>
</html>
`;
}

/** The comparison with the baseline as HTML (empty without one): the changes, and what they do to positives and good customers. */
export function comparisonHtml(r: BacktestRun, words: ReportWords = BACKTEST_WORDS(r)): string {
  const L = labelWord(r);
  const c = r.comparison;
  return c ? `
<h2>Against ${esc(c.baseline.pack)}${c.baseline.version ? ` ${esc(c.baseline.version)}` : ''}</h2>
<p>${esc(`${int(c.changed)} events change outcome. ${L} caught: ${int(c.caughtPositive.baseline)} → ${int(c.caughtPositive.candidate)}. Good customers affected: ${int(c.goodCustomersAffected.baseline)} → ${int(c.goodCustomersAffected.candidate)}. Good events stopped: ${int(c.goodEventsStopped.baseline)} → ${int(c.goodEventsStopped.candidate)}.`)}</p>
${htmlTable(['change', 'events', L, `${L} money`, 'other money', `examples (${words.ids})`],
    c.transitions.map((t) => [[`${t.from} → ${t.to}`, false], [int(t.events), true], [int(t.positive), true], [money(t.money, 'positive'), true], [money(t.money, 'other'), true], [t.examples.join(', '), false]]))}` : '';
}
