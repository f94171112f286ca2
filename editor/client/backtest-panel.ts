// The Backtest panel: replays the database's stored events through the pack
// as edited (each as of its own time) against the pack as saved. While it
// runs: how many events, how fast, how long is left, and Cancel. Then a
// table to sort by any column — hits, precision, recall, money caught, good
// money stopped — with new and changed rules marked and a rule whose every
// hit another rule already decides said to be redundant with it; a number
// lists the events behind it, and an event opens in Try it. Each rule shows
// its numbers above it (a code lens that jumps to its row), marked stale
// once the text changes.
import * as monaco from 'monaco-editor/editor/editor.api.js';
import { api, ApiError, type StoredEvent } from './api.ts';
import { clear, el, keyboardRows } from './dom.ts';
import { formatMoney } from '../../compiler/semantics.ts';
import { localTime } from './event-values.ts';
import type { BacktestSummary } from '../server/backtest-routes.ts';

export interface BacktestHost {
  sources(): Promise<{ pack: string; files: { path: string; text: string }[] } | undefined>;
  rules(): readonly { id: string; path: string; start: number }[];
  go(path: string, offset: number): void;
  /** Shows the panel (a code lens was clicked). */
  show(): void;
  tryStored(seq: number): void;
  announce(msg: string): void;
}

type Row = BacktestSummary['rules'][number];
type Column = { key: string; label: string; value: (r: Row) => number | string | null; show: (r: Row) => string; list?: 'hits' | 'positive' | 'other' };

const pct = (x: number | null): string => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
const money = (x: number | null): string => (x === null ? '–' : formatMoney(x));
const COMMAND = 'zhiyu.backtest.showRule';

export function mountBacktest(root: HTMLElement, host: BacktestHost): {
  provider(pathOf: (m: monaco.editor.ITextModel) => string): monaco.languages.CodeLensProvider;
  /** The text changed: the lenses say their numbers are from before. */
  edited(): void;
  changed(): void;
} {
  let last: { pack: string; summary: BacktestSummary } | undefined;
  let stale = false;
  let sort: { key: string; down: boolean } = { key: 'hits', down: true };
  const emitter = new monaco.Emitter<monaco.languages.CodeLensProvider>();
  const run = el('button', { type: 'button', class: 'primary', 'data-testid': 'backtest-run' }, 'Run backtest on the database ▶');
  const cancel = el('button', { type: 'button', 'data-testid': 'backtest-cancel', hidden: '' }, 'Cancel');
  const bar = el('progress', { max: '1', value: '0', 'aria-label': 'Backtest progress', hidden: '' });
  const progress = el('span', { class: 'progress-text', 'data-testid': 'backtest-progress', role: 'status' });
  const out = el('div', { class: 'backtest-out', 'data-testid': 'backtest-out' });
  const listing = el('div', { class: 'backtest-events', 'data-testid': 'backtest-events' });
  let provider: monaco.languages.CodeLensProvider | undefined;

  run.onclick = async () => {
    const s = await host.sources();
    if (!s) return;
    run.disabled = true;
    cancel.hidden = false;
    cancel.disabled = false;
    bar.hidden = false;
    bar.removeAttribute('value');
    clear(progress, `Replaying the stored events through ${s.pack}…`);
    clear(listing);
    let done = false;
    const poll = async (): Promise<void> => {
      while (!done) {
        await new Promise((r) => setTimeout(r, 400));
        if (done) return;
        try {
          const p = await api.backtestProgress();
          if (!done && p.running && p.copy) {
            // Over PostgreSQL: the snapshot the backtest replays is copied first, table by table.
            const c = p.copy;
            if (c.counted && p.total) { bar.max = p.total; bar.value = p.done ?? 0; } else bar.removeAttribute('value');
            clear(progress, `Copying a snapshot of the store: ${c.table} ${c.counted ? `${(p.done ?? 0).toLocaleString()} of ${(p.total ?? 0).toLocaleString()} rows` : '(counting rows)'} · table ${c.index} of ${c.tables}`);
          } else if (!done && p.running && p.total) {
            bar.max = p.total;
            bar.value = p.done ?? 0;
            const eta = p.etaMs ? ` · about ${Math.max(1, Math.round(p.etaMs / 1000))} s left` : '';
            clear(progress, `${(p.done ?? 0).toLocaleString()} of ${p.total.toLocaleString()} events · ${Math.round(p.rate ?? 0).toLocaleString()} events/s${eta}`);
          }
        } catch { /* the run's own answer says what went wrong */ }
      }
    };
    void poll();
    try {
      const summary = await api.backtest({ pack: s.pack, files: s.files });
      last = { pack: s.pack, summary };
      stale = false;
      clear(progress, `Done: ${summary.events.toLocaleString()} events in ${(summary.ms / 1000).toFixed(1)} s`);
      host.announce(`Backtest done: ${summary.events.toLocaleString()} events decided`);
      draw();
      if (provider) emitter.fire(provider);
    } catch (e) {
      const cancelled = e instanceof ApiError && e.code === 'ZY7505';
      clear(progress, cancelled ? 'Cancelled.' : '');
      if (!cancelled) clear(out, el('p', { class: 'bad' }, `${e instanceof ApiError ? `${e.code}: ` : ''}${(e as Error).message}`));
      host.announce(cancelled ? 'Backtest cancelled' : 'Backtest failed');
    } finally {
      done = true;
      run.disabled = false;
      cancel.hidden = true;
      bar.hidden = true;
    }
  };
  cancel.onclick = async () => {
    cancel.disabled = true;
    clear(progress, 'Cancelling…');
    try { await api.cancelBacktest(); } catch { /* it had just finished */ }
  };

  const columns = (b: BacktestSummary): Column[] => [
    { key: 'id', label: 'rule', value: (r) => r.id, show: (r) => r.id },
    { key: 'hits', label: 'hits', value: (r) => r.hits, show: (r) => r.hits.toLocaleString(), list: 'hits' },
    { key: 'hitRate', label: 'hit rate', value: (r) => r.hitRate, show: (r) => pct(r.hitRate) },
    { key: 'precision', label: 'precision', value: (r) => r.precision, show: (r) => pct(r.precision) },
    { key: 'recall', label: 'recall', value: (r) => r.recall, show: (r) => pct(r.recall) },
    ...(b.money ? [
      { key: 'caught', label: 'money caught', value: (r: Row) => r.caught, show: (r: Row) => money(r.caught), list: 'positive' as const },
      { key: 'goodStopped', label: 'good money stopped', value: (r: Row) => r.goodStopped, show: (r: Row) => money(r.goodStopped), list: 'other' as const },
    ] : []),
    { key: 'unique', label: 'only this rule', value: (r) => r.unique, show: (r) => r.unique.toLocaleString() },
  ];

  const draw = (): void => {
    if (!last) return;
    const b = last.summary;
    const cols = columns(b);
    const col = cols.find((c) => c.key === sort.key) ?? cols[1]!;
    const rows = [...b.rules].sort((x, y) => {
      const a = col.value(x);
      const c = col.value(y);
      const cmp = a === c ? 0 : a === null ? 1 : c === null ? -1 : a < c ? -1 : 1;
      return (sort.down ? -cmp : cmp) || x.id.localeCompare(y.id);
    });
    const head = cols.map((c) => {
      const on = c.key === col.key;
      const btn = el('button', { type: 'button', class: 'sort' }, c.label, on ? (sort.down ? ' ▼' : ' ▲') : '');
      btn.onclick = () => { sort = { key: c.key, down: on ? !sort.down : c.key !== 'id' }; draw(); };
      return el('th', { scope: 'col', 'aria-sort': on ? (sort.down ? 'descending' : 'ascending') : 'none', 'data-key': c.key }, btn);
    });
    const body = rows.map((r) => el('tr', { 'data-rule': r.id }, ...cols.map((c) => {
      if (c.key === 'id') {
        const at = host.rules().find((x) => x.id === r.id);
        const name = el('a', { href: '#' }, r.id);
        name.onclick = (e) => { e.preventDefault(); if (at) host.go(at.path, at.start); };
        return el('th', { scope: 'row' }, name,
          r.status ? el('span', { class: `mark ${r.status}`, 'data-status': r.status }, r.status) : undefined,
          r.redundantWith.length ? el('div', { class: 'redundant', 'data-testid': 'redundant' }, `redundant with ${r.redundantWith.join(', ')}: every hit is already decided by ${r.redundantWith.length === 1 ? 'it' : 'them'}`) : undefined);
      }
      const text = c.show(r);
      if (!c.list || c.value(r) === 0 || c.value(r) === null) return el('td', { class: 'n' }, text);
      const link = el('button', { type: 'button', class: 'number', 'data-list': c.list, title: `List the events behind ${text}` }, text);
      link.onclick = () => void list(r.id, c.list!);
      return el('td', { class: 'n' }, link);
    })));
    const outcomes = Object.entries(b.outcomes).map(([o, n]) => el('span', { class: `badge ${o}` }, `${o} ${n.toLocaleString()}`));
    clear(out,
      el('p', { 'data-testid': 'backtest-summary' }, `${b.events.toLocaleString()} events decided (${b.labelled.toLocaleString()} labelled${b.skipped ? `, ${b.skipped.toLocaleString()} of other packs skipped` : ''}) in ${(b.ms / 1000).toFixed(1)} s · `, ...outcomes),
      stale ? el('p', { class: 'stale' }, 'The text changed since this run: run it again for current numbers.') : undefined,
      ...b.warnings.map((w) => el('p', { class: 'empty' }, `note: ${w}`)),
      b.removed.length ? el('p', {}, `Removed by the edit: ${b.removed.join(', ')}`) : undefined,
      b.baseline ? el('p', {}, `Against ${b.baseline.label}: ${b.baseline.changed.toLocaleString()} outcomes change — ${b.baseline.transitions.map((t) => `${t.from}→${t.to} ${t.count}`).join(', ') || 'none'}`) : undefined,
      el('table', { class: 'grid', 'data-testid': 'backtest-table' },
        el('caption', {}, 'Per rule (click a heading to sort, a number to list its events)'),
        el('thead', {}, el('tr', {}, ...head)),
        el('tbody', {}, ...body)));
  };

  const list = async (rule: string, kind: 'hits' | 'positive' | 'other'): Promise<void> => {
    const what = kind === 'hits' ? 'hits' : kind === 'positive' ? 'hits on events labelled positive (money caught)' : 'hits on the other events (good money stopped)';
    clear(listing, el('p', {}, `Loading the ${what} of ${rule}…`));
    try {
      const r = await api.backtestEvents(rule, kind);
      const rows = r.events.map((e) => eventRow(e));
      const box = el('div', { class: 'event-list' }, ...rows);
      clear(listing,
        el('h3', {}, `${rule}: ${what} — ${r.events.length < r.total ? `the first ${r.events.length.toLocaleString()} of ` : ''}${r.total.toLocaleString()} (Enter opens one in Try it)`),
        box);
      keyboardRows(box, rows, `${rule} ${what}`);
      rows[0]?.focus();
    } catch (e) {
      clear(listing, el('p', { class: 'bad' }, (e as Error).message));
    }
  };

  const eventRow = (e: StoredEvent): HTMLElement => {
    const amount = typeof e.event['amount'] === 'number' ? formatMoney(e.event['amount'] as number) : '';
    const when = typeof e.event['occurred_at'] === 'string' ? localTime(Date.parse(e.event['occurred_at'] as string)) : '';
    const row = el('div', { class: 'event-row', 'data-seq': String(e.seq), title: 'Open in Try it' },
      el('span', { class: 'seq' }, `#${e.seq}`), el('span', {}, when), el('span', {}, String(e.event['type'] ?? '')),
      el('span', {}, String(e.event['customer_id'] ?? '')), el('span', { class: 'n' }, amount),
      e.label ? el('span', { class: `badge ${e.label}` }, e.label) : el('span', {}));
    row.onclick = () => host.tryStored(e.seq);
    return row;
  };

  monaco.editor.registerCommand(COMMAND, (_accessor, id: string) => {
    host.show();
    const row = out.querySelector<HTMLElement>(`tr[data-rule="${CSS.escape(id)}"]`);
    for (const r of Array.from(out.querySelectorAll('tr.highlight'))) r.classList.remove('highlight');
    row?.classList.add('highlight');
    row?.scrollIntoView({ block: 'nearest' });
    row?.querySelector<HTMLElement>('a')?.focus();
  });

  clear(root, el('div', { class: 'try-controls' }, run, cancel, bar, progress), out, listing);
  return {
    provider(pathOf) {
      provider = {
        onDidChange: emitter.event,
        provideCodeLenses(model) {
          if (!last) return { lenses: [], dispose() {} };
          const byId = new Map(last.summary.rules.map((r) => [r.id, r]));
          const lenses = host.rules().filter((r) => r.path === pathOf(model) && byId.has(r.id)).map((r) => {
            const s = byId.get(r.id)!;
            const line = model.getPositionAt(r.start).lineNumber;
            const money = last!.summary.money ? ` · caught ${formatMoney(s.caught ?? 0)}` : '';
            return {
              range: new monaco.Range(line, 1, line, 1),
              command: {
                id: COMMAND, arguments: [r.id],
                title: `${stale ? 'backtest (before your last edit — run again)' : 'backtest'}: ${s.hits.toLocaleString()} hits · precision ${pct(s.precision)} · recall ${pct(s.recall)}${money}${s.redundantWith.length ? ` · redundant with ${s.redundantWith.join(', ')}` : ''}`,
              },
            };
          });
          return { lenses, dispose() {} };
        },
      };
      return provider;
    },
    edited() {
      if (!last || stale) return;
      stale = true;
      draw();
      if (provider) emitter.fire(provider);
    },
    changed() { if (provider && last) emitter.fire(provider); },
  };
}
