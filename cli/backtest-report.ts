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

function when(t: number | null): string {
  return t === null ? '–' : formatTimestamp(t);
}

export function backtestText(r: BacktestRun): string {
  const out: string[] = [];
  const e = r.events;
  out.push(bold(`backtest of ${r.pack.name}${r.pack.version ? ` ${r.pack.version}` : ''}: ${r.pack.rules} rules`));
  out.push(`  events   ${int(e.total)} in range, ${int(e.decided)} decided${e.skipped ? `, ${int(e.skipped)} skipped` : ''}; ${when(r.range.first)} to ${when(r.range.last)} (Asia/Shanghai)`);
  const l = r.labels;
  out.push(`  labels   ${int(l.fraud)} fraud${l.fraudMoney !== null ? ` (${yuan(l.fraudMoney)})` : ''}, ${int(l.notFraud)} not fraud, ${int(l.unlabelled)} unlabelled (counted as good)${l.asOf !== null ? `; known by ${formatTimestamp(l.asOf)}` : ''}`);
  out.push(`  run      ${r.run.seconds.toFixed(1)} s, ${int(r.run.eventsPerSecond)} events/s, ${r.run.workers ? `${r.run.workers} worker${r.run.workers === 1 ? '' : 's'}` : 'one thread'}`);
  for (const s of e.skippedBy) out.push(dim(`  skipped  ${int(s.events)} × ${s.reason} (first: event ${s.example})`));
  for (const w of r.warnings) out.push(dim(`  note     ${w}`));

  out.push('', bold('rules'));
  out.push(table(
    ['<rule', '<outcome', 'hits', 'hit rate', 'fraud', 'precision', 'recall', 'unique', 'fraud money', 'good money'],
    r.rules.map((x) => [
      x.enabled ? x.id : `${x.id} (off)`, x.outcome ?? (x.score ? `+${x.score}` : ''), int(x.hits), pct(x.hitRate, 2), int(x.fraudHits),
      pct(x.precision), pct(x.recall), int(x.uniqueHits), money(x.money, 'fraud'), money(x.money, 'good'),
    ]),
  ));

  out.push('', bold('outcomes'));
  out.push(table(
    ['<outcome', 'events', 'share', 'fraud', 'fraud money', 'good money', 'TP', 'FP', 'FN', 'TN', 'precision', 'recall'],
    r.outcomes.map((o) => [
      o.outcome, int(o.events), pct(o.share, 2), int(o.fraud), money(o.money, 'fraud'), money(o.money, 'good'),
      int(o.confusion.tp), int(o.confusion.fp), int(o.confusion.fn), int(o.confusion.tn), pct(o.confusion.precision), pct(o.confusion.recall),
    ]),
  ));
  const s = r.stopped;
  out.push(`  not ${r.pack.outcomes[r.pack.outcomes.length - 1]}: precision ${pct(s.precision)}, recall ${pct(s.recall)}, ${int(s.fp)} good events and ${int(s.goodCustomers)} good customers affected`);

  const c = r.comparison;
  if (c) {
    out.push('', bold(`against ${c.baseline.pack}${c.baseline.version ? ` ${c.baseline.version}` : ''}: ${int(c.changed)} events change outcome`));
    if (c.transitions.length) {
      out.push(table(
        ['<change', 'events', 'fraud', 'fraud money', 'good money', '<examples (zy_seq)'],
        c.transitions.map((t) => [`${t.from} → ${t.to}`, int(t.events), int(t.fraud), money(t.money, 'fraud'), money(t.money, 'good'), t.examples.join(', ')]),
      ));
    }
    const good = (n: number) => (n > 0 ? red : n < 0 ? green : (x: string) => x);
    const caught = (n: number) => (n > 0 ? green : n < 0 ? red : (x: string) => x);
    out.push(`  fraud caught          ${int(c.caughtFraud.baseline)} → ${int(c.caughtFraud.candidate)} (${caught(c.caughtFraud.change)(signed(c.caughtFraud.change))})` +
      (c.caughtFraudMoney ? `, ${yuan(c.caughtFraudMoney.baseline)} → ${yuan(c.caughtFraudMoney.candidate)} (${caught(c.caughtFraudMoney.change)(signed(c.caughtFraudMoney.change, yuan))})` : ''));
    out.push(`  good customers hit    ${int(c.goodCustomersAffected.baseline)} → ${int(c.goodCustomersAffected.candidate)} (${good(c.goodCustomersAffected.change)(signed(c.goodCustomersAffected.change))})`);
    out.push(`  good events stopped   ${int(c.goodEventsStopped.baseline)} → ${int(c.goodEventsStopped.candidate)} (${good(c.goodEventsStopped.change)(signed(c.goodEventsStopped.change))})` +
      (c.goodMoneyStopped ? `, ${yuan(c.goodMoneyStopped.baseline)} → ${yuan(c.goodMoneyStopped.candidate)} (${good(c.goodMoneyStopped.change)(signed(c.goodMoneyStopped.change, yuan))})` : ''));
  }
  return out.join('\n');
}
