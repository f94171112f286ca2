// `zhiyu diff` as terminal text and as one self-contained HTML page: the
// pack diff (runtime/diff.ts) side by side, and with --db the backtest's
// outcome changes.
import type { BacktestRun } from '../runtime/backtest/index.ts';
import type { Change, ConditionDiff, PackDiff, RuleDiff, Side } from '../runtime/diff.ts';
import { comparisonHtml, esc, htmlPage } from './backtest-html.ts';
import { comparisonLines, table } from './backtest-report.ts';
import { paint } from './output.ts';

const { bold, dim, red, green } = paint;

const sideName = (s: Side) => `${s.pack}${s.version ? ` ${s.version}` : ''}${s.hash ? ` (${s.hash.slice(0, 19)}…)` : ''}`;

export function diffHeadline(d: PackDiff): string {
  const s = d.summary;
  const n = (k: number, w: string) => `${k} ${w}`;
  return `${sideName(d.old)} → ${sideName(d.new)}: ${n(s.changed, 'changed')}, ${n(s.added, 'added')}, ${n(s.removed, 'removed')}, ${n(s.same, 'the same')} (rules)`;
}

const MARK: Record<ConditionDiff['status'], string> = { same: '  ', changed: '~ ', added: '+ ', removed: '- ' };

function changeRows(cs: readonly Change[]): string[][] {
  return cs.map((c) => [c.what, c.old ?? '(none)', '→', c.new ?? '(none)']);
}

function conditionLines(cs: readonly ConditionDiff[]): string[] {
  if (!cs.length) return [];
  const width = Math.min(60, Math.max(...cs.map((c) => [...(c.old ?? '')].length)));
  return cs.map((c) => {
    const colour = c.status === 'added' ? green : c.status === 'removed' ? red : c.status === 'changed' ? (x: string) => paint.bold(x) : dim;
    const text = c.status === 'changed' ? `${c.old!.padEnd(width)}  →  ${c.new!}` : (c.new ?? c.old)!;
    return colour(`    ${MARK[c.status]}${c.status.padEnd(8)} ${text}`);
  });
}

function ruleLines(r: RuleDiff): string[] {
  const out = [bold(`rule ${r.id}${r.title !== undefined ? ` "${r.title}"` : ''}: ${r.status}`)];
  out.push(...conditionLines(r.conditions));
  if (r.changes.length) out.push(table(['<', '<before', '', '<after'], changeRows(r.changes)).split('\n').slice(1).map((l) => `  ${l}`).join('\n'));
  for (const u of r.uses) out.push(`    uses ${u}, which changed (above)`);
  return out;
}

export function diffText(d: PackDiff, backtest?: BacktestRun): string {
  const out: string[] = [bold(`diff ${diffHeadline(d)}`)];
  const section = (title: string, cs: readonly Change[]) => {
    if (!cs.length) return;
    out.push('', bold(title), ...table(['<', '<before', '', '<after'], changeRows(cs)).split('\n').slice(1));
  };
  section('pack', d.pack);
  section('constants', d.consts);
  section('lists', d.lists);
  section('schema', d.schema);
  for (const p of d.predicates) {
    out.push('', bold(`predicate ${p.what}: ${p.old === undefined ? 'added' : p.new === undefined ? 'removed' : 'changed'}`), ...conditionLines(p.conditions));
  }
  for (const r of d.rules.filter((x) => x.status !== 'same')) out.push('', ...ruleLines(r));
  const same = d.rules.filter((x) => x.status === 'same');
  if (same.length) out.push('', dim(`the same: ${same.map((r) => r.id).join(', ')}`));
  if (backtest) {
    out.push('', bold(`backtest of the change on ${backtest.events.decided.toLocaleString('en-US')} stored events`), ...comparisonLines(backtest).slice(1));
  }
  return out.join('\n');
}

// ---------- HTML ----------

const cell = (s: string | undefined, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${esc(s ?? '')}</td>`;

function changeTable(cs: readonly Change[]): string {
  if (!cs.length) return '';
  return `<table><thead><tr><th></th><th>before</th><th>after</th></tr></thead><tbody>
${cs.map((c) => `<tr>${cell(c.what)}${cell(c.old ?? '(none)', 'old')}${cell(c.new ?? '(none)', 'new')}</tr>`).join('\n')}
</tbody></table>`;
}

function conditionTable(cs: readonly ConditionDiff[]): string {
  if (!cs.length) return '';
  return `<table class="cond"><thead><tr><th></th><th>before</th><th>after</th></tr></thead><tbody>
${cs.map((c) => `<tr class="${c.status}">${cell(c.status)}${cell(c.old, 'old')}${cell(c.new, 'new')}</tr>`).join('\n')}
</tbody></table>`;
}

export function diffHtml(d: PackDiff, backtest?: BacktestRun): string {
  const title = `Change request: ${sideName(d.old)} → ${sideName(d.new)}`;
  const section = (h: string, cs: readonly Change[]) => (cs.length ? `<h2>${esc(h)}</h2>\n${changeTable(cs)}` : '');
  const rules = d.rules.filter((r) => r.status !== 'same').map((r) => `
<h3 class="${r.status}">${esc(`${r.id}${r.title !== undefined ? ` — ${r.title}` : ''}`)} <span class="tag">${esc(r.status)}</span></h3>
${conditionTable(r.conditions)}
${changeTable(r.changes)}
${r.uses.map((u) => `<p class="note">${esc(`Uses ${u}, which changed.`)}</p>`).join('\n')}`).join('\n');
  const predicates = d.predicates.map((p) => `<h3>${esc(`predicate ${p.what}`)}</h3>\n${conditionTable(p.conditions)}`).join('\n');
  const same = d.rules.filter((r) => r.status === 'same').map((r) => r.id);
  return htmlPage(title, `table { margin: 0.4rem 0 1rem; }
th, td { vertical-align: top; }
td.old, td.new { font-family: ui-monospace, monospace; white-space: pre-wrap; }
tr.changed td { background: #fff8e1; } tr.added td.new { background: #e8f5e9; } tr.removed td.old { background: #ffebee; }
tr.same td { color: #777; }
.tag { font-size: 0.8em; font-weight: normal; padding: 0 0.4em; border-radius: 3px; background: #eee; }`, `<p>${esc(diffHeadline(d))}</p>
${section('Pack', d.pack)}
${section('Constants', d.consts)}
${section('Lists', d.lists)}
${section('Schema', d.schema)}
${predicates ? `<h2>Predicates</h2>\n${predicates}` : ''}
${rules ? `<h2>Rules</h2>\n${rules}` : ''}
${same.length ? `<p class="note">${esc(`The same: ${same.join(', ')}.`)}</p>` : ''}
${backtest ? `<h2>${esc(`Backtest of the change on ${backtest.events.decided.toLocaleString('en-US')} stored events`)}</h2>\n${comparisonHtml(backtest)}` : ''}`);
}
