// The problems list: every diagnostic of the pack, all files, click to go.
import * as monaco from 'monaco-editor/editor/editor.api.js';
import { clear, el, keyboardRows } from './dom.ts';
import type { Files } from './files.ts';
import type { WireDiagnostic } from './protocol.ts';

const SEVERITY = { error: monaco.MarkerSeverity.Error, warning: monaco.MarkerSeverity.Warning, info: monaco.MarkerSeverity.Info };

/** Markers on every open model of the pack; files without findings are cleared. */
export function setMarkers(files: Files, paths: readonly string[], ds: readonly WireDiagnostic[]): void {
  for (const path of paths) {
    const model = files.model(path);
    if (!model) continue;
    const mine = ds.filter((d) => d.path === path);
    monaco.editor.setModelMarkers(model, 'zhiyu', mine.map((d) => {
      const a = model.getPositionAt(d.start);
      const b = model.getPositionAt(Math.max(d.end, d.start + 1));
      return {
        severity: SEVERITY[d.severity], code: d.code, source: 'zhiyu',
        message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message,
        startLineNumber: a.lineNumber, startColumn: a.column, endLineNumber: b.lineNumber, endColumn: b.column,
      };
    }));
  }
}

export function renderProblems(root: HTMLElement, files: Files, ds: readonly WireDiagnostic[], go: (path: string, offset: number) => void): void {
  // A redraw (lint findings arrive after the check) keeps a keyboard user's place: the same problem keeps the focus.
  const focused = root.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset['key'] : undefined;
  if (ds.length === 0) { root.removeAttribute('role'); clear(root, el('p', { class: 'empty' }, 'No problems in this pack.')); return; }
  const rows = ds.map((d) => {
    const model = files.model(d.path);
    const pos = model?.getPositionAt(d.start);
    const row = el('div', { class: `problem ${d.severity}`, 'data-code': d.code, 'data-key': `${d.code} ${d.path} ${d.start} ${d.end}` },
      el('span', { class: 'sev', role: 'img', 'aria-label': d.severity }, d.severity === 'error' ? '✖' : d.severity === 'warning' ? '⚠' : 'ℹ'),
      el('span', { class: 'code' }, d.code),
      el('span', { class: 'msg' }, d.message),
      el('span', { class: 'where' }, `${d.path}${pos ? `:${pos.lineNumber}:${pos.column}` : ''}`));
    row.onclick = () => go(d.path, d.start);
    return row;
  });
  clear(root, ...rows);
  keyboardRows(root, rows, 'Problems');
  if (focused === undefined) return;
  const again = rows.find((r) => r.dataset['key'] === focused) ?? rows[0]!;
  for (const r of rows) r.tabIndex = r === again ? 0 : -1;
  again.focus();
}
