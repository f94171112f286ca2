// The backtest result as terminal text: a summary, the rules, the outcomes
// with their confusion matrices, and the comparison with the baseline.
import { formatTimestamp } from '../compiler/semantics.ts';
import type { BacktestRun, Money } from '../runtime/backtest/index.ts';
import { paint } from './output.ts';

const { bold, dim, red, green } = paint;

export const int = (n: number) => n.toLocaleString('en-US');
export const pct = (x: number | null, digits = 1) => (x === null ? '–' : `${(x * 100).toFixed(digits)}%`);
/** Fen as whole yuan: tables need the size, not the fen. */
export const yuan = (fen: number) => `${fen < 0 ? '-' : ''}¥${Math.round(Math.abs(fen) / 100).toLocaleString('en-US')}`;
const signed = (n: number, f: (n: number) => string = int) => (n > 0 ? `+${f(n)}` : n < 0 ? `-${f(-n)}` : '±0');
const money = (m: Money | null, side: keyof Money) => (m ? yuan(m[side]) : '–');

/** What a positive label is called in the report: the pack's label kinds (fraud/chargeback, qa_breach, …). */
export const labelWord = (r: BacktestRun) => (r.labels.kinds.length ? r.labels.kinds.join('/') : 'labelled');

/** Columns: text, right-aligned unless the header starts with '<'. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const left = headers.map((h) => h.startsWith('<'));
  const names = headers.map((h) => h.replace(/^</, ''));
  const width = names.map((h, i) => Math.max(h.length, ...rows.map((r) => [...r[i]!].length)));
  const pad = (s: string, i: number) => {
    const fill = ' '.repeat(Math.max(0, width[i]! - [...s].length));
    return left[i] ? s + fill : fill + s;
  };
  const line = (cells: readonly string[]) => `  ${cells.map(pad).join('  ')}`.trimEnd();
  return [bold(line(names)), ...rows.map(line)].join('\n');
}

/** How a report names itself and its examples: a backtest replays stored events (zy_seq); a shadow report reads logged decisions (decision ids). */
export interface ReportWords {
  readonly title: string;
  /** What an example id is. */
  readonly ids: string;
  /** One example, in a sentence. */
  readonly one: string;
}

export const BACKTEST_WORDS = (r: BacktestRun): ReportWords => ({ title: `backtest of ${r.pack.name}${r.pack.version ? ` ${r.pack.version}` : ''}`, ids: 'zy_seq', one: 'event' });

function when(t: number | null): string {
  return t === null ? '–' : formatTimestamp(t);
}

export function backtestText(r: BacktestRun, words: ReportWords = BACKTEST_WORDS(r)): string {
  const out: string[] = [];
  const e = r.events;
  out.push(bold(`${words.title}: ${r.pack.rules} rules`));
  const L = labelWord(r);
  out.push(`  events   ${int(e.total)} in range, ${int(e.decided)} decided${e.skipped ? `, ${int(e.skipped)} skipped` : ''}; ${when(r.range.first)} to ${when(r.range.last)} (Asia/Shanghai)`);
  out.push(`  scope    ${r.scope.decides ? `decides ${r.scope.decides.join(', ')}` : 'every event it accepts (the pack has no `decides`)'}`);
  const l = r.labels;
  out.push(l.kinds.length
    ? `  labels   measured by ${l.kinds.join(', ')}: ${int(l.positive)} positive${l.positiveMoney !== null ? ` (${yuan(l.positiveMoney)})` : ''}, ${int(l.negative)} negative, ${int(l.unlabelled)} unlabelled (counted as negative)${l.asOf !== null ? `; known by ${formatTimestamp(l.asOf)}` : ''}`
    : '  labels   none: the pack declares no label kinds (`measured by`), so there is no precision or recall');
  for (const p of r.profiles.entities) {
    out.push(`  profile  ${p.entity} (${p.fields.join(', ')}): ${int(p.reads)} reads, ${int(p.asOfEvent)} as of the event${p.notYet ? `, ${int(p.notYet)} before the row existed` : ''}${p.undated ? `, ${int(p.undated)} not known as of the event` : ''}`);
  }
  out.push(`  run      ${r.run.seconds.toFixed(1)} s, ${int(r.run.eventsPerSecond)} events/s, ${r.run.workers ? `${r.run.workers} worker${r.run.workers === 1 ? '' : 's'}` : 'one thread'}`);
  for (const s of e.skippedBy) out.push(dim(`  skipped  ${int(s.events)} × ${s.reason} (first: ${words.one} ${s.example})`));
  for (const w of r.warnings) out.push(dim(`  note     ${w}`));

  out.push('', bold('rules'));
  out.push(table(
    ['<rule', '<outcome', 'hits', 'hit rate', L, 'precision', 'recall', 'unique', `${L} money`, 'other money'],
    r.rules.map((x) => [
      x.enabled ? x.id : `${x.id} (off)`, x.outcome ?? (x.score ? `+${x.score}` : ''), int(x.hits), pct(x.hitRate, 2), int(x.positiveHits),
      pct(x.precision), pct(x.recall), int(x.uniqueHits), money(x.money, 'positive'), money(x.money, 'other'),
    ]),
  ));

  out.push('', bold('outcomes'));
  out.push(table(
    ['<outcome', 'events', 'share', L, `${L} money`, 'other money', 'TP', 'FP', 'FN', 'TN', 'precision', 'recall'],
    r.outcomes.map((o) => [
      o.outcome, int(o.events), pct(o.share, 2), int(o.positive), money(o.money, 'positive'), money(o.money, 'other'),
      int(o.confusion.tp), int(o.confusion.fp), int(o.confusion.fn), int(o.confusion.tn), pct(o.confusion.precision), pct(o.confusion.recall),
    ]),
  ));
  const s = r.stopped;
  out.push(`  not ${r.pack.outcomes[r.pack.outcomes.length - 1]}: precision ${pct(s.precision)}, recall ${pct(s.recall)}, ${int(s.fp)} good events and ${int(s.goodCustomers)} good customers affected`);

  out.push(...comparisonLines(r, words));
  return out.join('\n');
}

/** The comparison with the baseline: how many events change outcome, by change, and what that does to positives and good customers. */
export function comparisonLines(r: BacktestRun, words: ReportWords = BACKTEST_WORDS(r)): string[] {
  const out: string[] = [];
  const c = r.comparison;
  if (!c) return out;
  const L = labelWord(r);
  out.push('', bold(`against ${c.baseline.pack}${c.baseline.version ? ` ${c.baseline.version}` : ''}: ${int(c.changed)} events change outcome`));
  if (c.transitions.length) {
    out.push(table(
      ['<change', 'events', L, `${L} money`, 'other money', `<examples (${words.ids})`],
      c.transitions.map((t) => [`${t.from} → ${t.to}`, int(t.events), int(t.positive), money(t.money, 'positive'), money(t.money, 'other'), t.examples.join(', ')]),
    ));
  }
  const good = (n: number) => (n > 0 ? red : n < 0 ? green : (x: string) => x);
  const caught = (n: number) => (n > 0 ? green : n < 0 ? red : (x: string) => x);
  const w = Math.max(22, L.length + 8);
  out.push(`  ${`${L} caught`.padEnd(w)}${int(c.caughtPositive.baseline)} → ${int(c.caughtPositive.candidate)} (${caught(c.caughtPositive.change)(signed(c.caughtPositive.change))})` +
    (c.caughtPositiveMoney ? `, ${yuan(c.caughtPositiveMoney.baseline)} → ${yuan(c.caughtPositiveMoney.candidate)} (${caught(c.caughtPositiveMoney.change)(signed(c.caughtPositiveMoney.change, yuan))})` : ''));
  out.push(`  ${'good customers hit'.padEnd(w)}${int(c.goodCustomersAffected.baseline)} → ${int(c.goodCustomersAffected.candidate)} (${good(c.goodCustomersAffected.change)(signed(c.goodCustomersAffected.change))})`);
  out.push(`  ${'good events stopped'.padEnd(w)}${int(c.goodEventsStopped.baseline)} → ${int(c.goodEventsStopped.candidate)} (${good(c.goodEventsStopped.change)(signed(c.goodEventsStopped.change))})` +
    (c.goodMoneyStopped ? `, ${yuan(c.goodMoneyStopped.baseline)} → ${yuan(c.goodMoneyStopped.candidate)} (${good(c.goodMoneyStopped.change)(signed(c.goodMoneyStopped.change, yuan))})` : ''));
  return out;
}
