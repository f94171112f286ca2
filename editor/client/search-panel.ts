// Search across the pack: every rule file of the active pack, as edited
// (unsaved text included), by Monaco's own find. Each result is a button:
// Tab reaches it, Enter opens it at the match.
import * as monaco from 'monaco-editor/editor/editor.api.js';
import { clear, el } from './dom.ts';

export interface SearchHost {
  models(): { path: string; model: monaco.editor.ITextModel }[];
  go(path: string, offset: number, end?: number): void;
}

const MAX = 1000;

export function mountSearch(root: HTMLElement, host: SearchHost): { focus(): void; run(): void } {
  const input = el('input', { type: 'search', class: 'search-input', 'aria-label': 'Search the pack', placeholder: 'Search the pack (Ctrl+Shift+F)', 'data-testid': 'search-input' });
  const opt = (label: string, title: string) => {
    const box = el('input', { type: 'checkbox' });
    return { box, label: el('label', { title }, box, ` ${label}`) };
  };
  const matchCase = opt('Aa', 'Match case');
  const word = opt('whole word', 'Match whole words only');
  const regex = opt('.*', 'Regular expression');
  const summary = el('p', { class: 'search-summary', 'data-testid': 'search-summary', role: 'status' });
  const out = el('div', { class: 'search-results', 'data-testid': 'search-results' });
  let timer: ReturnType<typeof setTimeout> | undefined;

  const run = (): void => {
    clearTimeout(timer);
    const q = input.value;
    if (!q) { clear(summary); clear(out); return; }
    if (regex.box.checked) {
      try { new RegExp(q); } catch (e) { clear(summary, `Not a regular expression: ${(e as Error).message}`); clear(out); return; }
    }
    let total = 0;
    const groups: HTMLElement[] = [];
    for (const { path, model } of host.models()) {
      if (total >= MAX) break;
      const found = model.findMatches(q, false, regex.box.checked, matchCase.box.checked, word.box.checked ? ' \t\n.,:;()[]{}"\'=<>!+-*/%' : null, false, MAX - total);
      if (!found.length) continue;
      total += found.length;
      groups.push(el('div', { class: 'search-file' },
        el('h3', {}, `${path} (${found.length})`),
        ...found.map((f) => {
          const line = model.getLineContent(f.range.startLineNumber);
          const from = Math.max(0, f.range.startColumn - 40);
          const b = el('button', { type: 'button', class: 'hit', 'data-path': path },
            el('span', { class: 'where' }, `${f.range.startLineNumber}:${f.range.startColumn}`),
            el('span', { class: 'pre' }, `${from > 0 ? '…' : ''}${line.slice(from, f.range.startColumn - 1).trimStart()}`),
            el('mark', {}, line.slice(f.range.startColumn - 1, f.range.startLineNumber === f.range.endLineNumber ? f.range.endColumn - 1 : undefined)),
            el('span', { class: 'post' }, line.slice(f.range.endColumn - 1, f.range.endColumn + 60)));
          b.onclick = () => host.go(path, model.getOffsetAt(f.range.getStartPosition()), model.getOffsetAt(f.range.getEndPosition()));
          return b;
        })));
    }
    clear(summary, total === 0 ? 'No results.' : `${total.toLocaleString()}${total >= MAX ? '+' : ''} result${total === 1 ? '' : 's'} in ${groups.length} file${groups.length === 1 ? '' : 's'}`);
    clear(out, ...groups);
  };
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(run, 120); });
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); run(); out.querySelector<HTMLElement>('button.hit')?.focus(); } });
  for (const o of [matchCase, word, regex]) o.box.addEventListener('change', run);
  clear(root, el('div', { class: 'search-controls' }, input, matchCase.label, word.label, regex.label), summary, out);
  return { focus: () => { input.focus(); input.select(); }, run };
}
