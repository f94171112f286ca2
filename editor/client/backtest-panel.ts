// The Backtest panel: replays the database's stored events through the pack
// as edited (each as of its own time) and shows, per rule, hits and
// precision against labels; each rule then shows them above it (a code lens).
import * as monaco from 'monaco-editor/editor/editor.api.js';
import { api, ApiError } from './api.ts';
import { clear, el } from './dom.ts';

import type { BacktestSummary } from '../server/backtest-routes.ts';

export interface BacktestHost {
  sources(): Promise<{ pack: string; files: { path: string; text: string }[] } | undefined>;
  rules(): readonly { id: string; path: string; start: number }[];
  go(path: string, offset: number): void;
}

const pct = (x: number | null): string => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);

export function mountBacktest(root: HTMLElement, host: BacktestHost): {
  provider(pathOf: (m: monaco.editor.ITextModel) => string): monaco.languages.CodeLensProvider;
  changed(): void;
} {
  let last: { pack: string; summary: BacktestSummary } | undefined;
  const emitter = new monaco.Emitter<monaco.languages.CodeLensProvider>();
  const run = el('button', { class: 'primary', 'data-testid': 'backtest-run' }, 'Run backtest on the database ▶');
  const out = el('div', { class: 'backtest-out', 'data-testid': 'backtest-out' });
  let provider: monaco.languages.CodeLensProvider | undefined;

  run.onclick = async () => {
    const s = await host.sources();
    if (!s) return;
    run.disabled = true;
    clear(out, el('p', {}, `Replaying the stored events through ${s.pack}…`));
    try {
      const summary = await api.backtest({ pack: s.pack, files: s.files }) as BacktestSummary;
      last = { pack: s.pack, summary };
      show(summary);
      if (provider) emitter.fire(provider);
    } catch (e) {
      clear(out, el('p', { class: 'bad' }, `${e instanceof ApiError ? `${e.code}: ` : ''}${(e as Error).message}`));
    } finally { run.disabled = false; }
  };

  const show = (b: BacktestSummary): void => {
    const outcomes = Object.entries(b.outcomes).map(([o, n]) => el('span', { class: `badge ${o}` }, `${o} ${n.toLocaleString()}`));
    const rows = [...b.rules].sort((x, y) => y.hits - x.hits).map((r) => {
      const at = host.rules().find((x) => x.id === r.id);
      const name = el('a', { href: '#' }, r.id);
      name.onclick = (e) => { e.preventDefault(); if (at) host.go(at.path, at.start); };
      return el('tr', {}, el('td', {}, name), el('td', { class: 'n' }, r.hits.toLocaleString()), el('td', { class: 'n' }, pct(r.hitRate)),
        el('td', { class: 'n' }, pct(r.precision)), el('td', { class: 'n' }, pct(r.recall)), el('td', { class: 'n' }, r.unique.toLocaleString()));
    });
    clear(out,
      el('p', { 'data-testid': 'backtest-summary' }, `${b.events.toLocaleString()} events decided (${b.labelled.toLocaleString()} labelled${b.skipped ? `, ${b.skipped.toLocaleString()} of other packs skipped` : ''}) in ${(b.ms / 1000).toFixed(1)} s · `, ...outcomes),
      ...b.warnings.map((w) => el('p', { class: 'empty' }, `note: ${w}`)),
      b.baseline ? el('p', {}, `Against ${b.baseline.label}: ${b.baseline.changed.toLocaleString()} outcomes change — ${b.baseline.transitions.map((t) => `${t.from}→${t.to} ${t.count}`).join(', ') || 'none'}`) : undefined,
      el('table', { class: 'grid' },
        el('thead', {}, el('tr', {}, ...['rule', 'hits', 'hit rate', 'precision', 'recall', 'only this rule'].map((h) => el('th', {}, h)))),
        el('tbody', {}, ...rows)));
  };

  clear(root, el('div', { class: 'try-controls' }, run), out);
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
            return {
              range: new monaco.Range(line, 1, line, 1),
              command: { id: '', title: `backtest: ${s.hits.toLocaleString()} hits · precision ${pct(s.precision)} · recall ${pct(s.recall)}` },
            };
          });
          return { lenses, dispose() {} };
        },
      };
      return provider;
    },
    changed() { if (provider && last) emitter.fire(provider); },
  };
}
