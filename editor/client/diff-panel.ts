// The Diff panel: the pack as edited against the pack as saved, rule by rule
// and condition by condition, the change request `zhiyu diff` prints for two
// bundles (runtime/diff.ts, computed by the server). A rule's name jumps to it.
import { api, ApiError } from './api.ts';
import { clear, el } from './dom.ts';
import type { Change, ConditionDiff, PackDiff } from '../../runtime/diff.ts';

export interface DiffHost {
  sources(): Promise<{ pack: string; files: { path: string; text: string }[] } | undefined>;
  rules(): readonly { id: string; path: string; start: number }[];
  go(path: string, offset: number): void;
}

const changeRows = (cs: readonly Change[]) => cs.map((c) => el('tr', {}, el('td', {}, c.what), el('td', { class: 'old' }, c.old ?? '(none)'), el('td', { class: 'new' }, c.new ?? '(none)')));
const conditionRows = (cs: readonly ConditionDiff[]) => cs.map((c) => el('tr', { class: `diff-${c.status}` }, el('td', {}, c.status), el('td', { class: 'old' }, c.old ?? ''), el('td', { class: 'new' }, c.new ?? '')));
const grid = (rows: HTMLElement[]) => el('table', { class: 'grid diff' }, el('thead', {}, el('tr', {}, el('th', {}, ''), el('th', {}, 'as saved'), el('th', {}, 'as edited'))), el('tbody', {}, ...rows));

export function mountDiff(root: HTMLElement, host: DiffHost): void {
  const run = el('button', { type: 'button', class: 'primary', 'data-testid': 'diff-run' }, 'Compare with the saved pack ▶');
  const out = el('div', { 'data-testid': 'diff-out' });
  run.onclick = async () => {
    const s = await host.sources();
    if (!s) return;
    run.disabled = true;
    try {
      show(await api.diff({ pack: s.pack, files: s.files }) as PackDiff);
    } catch (e) {
      clear(out, el('p', { class: 'bad' }, `${e instanceof ApiError ? `${e.code}: ` : ''}${(e as Error).message}`));
    } finally { run.disabled = false; }
  };
  const show = (d: PackDiff): void => {
    const s = d.summary;
    const parts: (HTMLElement | undefined)[] = [
      el('p', { 'data-testid': 'diff-summary' }, `${s.changed} changed, ${s.added} added, ${s.removed} removed, ${s.same} the same (rules)`),
    ];
    for (const [title, cs] of [['pack', d.pack], ['constants', d.consts], ['lists', d.lists], ['schema', d.schema]] as const) {
      if (cs.length) parts.push(el('h4', {}, title), grid(changeRows(cs)));
    }
    for (const p of d.predicates) parts.push(el('h4', {}, `predicate ${p.what}`), grid(conditionRows(p.conditions)));
    for (const r of d.rules.filter((x) => x.status !== 'same')) {
      const name = el('a', { href: '#' }, r.id);
      // Where the rule is now, at the click: the text may have changed since, or its first check not have finished when the diff was shown.
      name.onclick = (e) => {
        e.preventDefault();
        const at = host.rules().find((x) => x.id === r.id);
        if (at) host.go(at.path, at.start);
      };
      parts.push(el('h4', { 'data-rule': r.id }, name, ` ${r.title ?? ''} `, el('span', { class: `badge diff-${r.status}` }, r.status)),
        grid([...conditionRows(r.conditions), ...changeRows(r.changes)]),
        ...r.uses.map((u) => el('p', { class: 'empty' }, `uses ${u}, which changed`)));
    }
    if (s.changed + s.added + s.removed === 0 && !d.pack.length && !d.consts.length) parts.push(el('p', { class: 'empty' }, 'No rule differs from the saved pack.'));
    clear(out, ...parts);
  };
  clear(root, el('div', { class: 'try-controls' }, run), out);
}
