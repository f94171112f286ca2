// The pack explorer: packs and their files as a tree a keyboard can drive
// (↑/↓ move, Enter opens a file or, on a pack, makes a new file in it, F2
// renames, Delete deletes; one row is in the Tab order at a time).
import { clear, el, rovingFocus } from './dom.ts';
import { ask, choose } from './dialog.ts';
import type { Files } from './files.ts';

export interface ExplorerHost {
  open(path: string): void;
  report(msg: string, bad?: boolean): void;
  /** Renaming a file with unsaved text saves it first; this resolves a conflict on the way. */
  rename(from: string, to: string): Promise<void>;
}

export function renderExplorer(root: HTMLElement, files: Files, active: string | undefined, host: ExplorerHost): void {
  const focused = (document.activeElement as HTMLElement | null)?.closest?.('#explorer [role=treeitem]') as HTMLElement | null;
  const focusKey = focused?.dataset['path'] ?? focused?.dataset['pack'];
  root.setAttribute('role', 'tree');
  root.setAttribute('aria-label', 'Packs and files');
  const items: HTMLElement[] = [];
  for (const pack of files.packs) {
    const add = el('button', { type: 'button', class: 'icon', tabindex: '-1', title: `New file in ${pack.name}`, 'aria-label': `New file in ${pack.name}`, 'data-action': 'new', 'data-pack': pack.name }, '+');
    add.onclick = async (e) => {
      e.stopPropagation();
      const name = await ask(`New file in ${pack.name}/`, 'new_rules.zy');
      if (!name) return;
      const path = `${pack.name}/${name}`;
      try {
        await files.create(path, name.endsWith('.zy') ? `# ${name}\n` : '');
        host.open(path);
      } catch (err) { host.report((err as Error).message, true); }
    };
    items.push(el('div', { class: 'pack', role: 'treeitem', 'aria-level': '1', 'aria-expanded': 'true', tabindex: '-1', 'data-pack': pack.name },
      el('span', { class: 'pack-name' }, pack.name), add));
    for (const f of pack.files) {
      const name = f.path.slice(pack.name.length + 1);
      const dirty = files.isDirty(f.path);
      const row = el('div', {
        class: `file${f.path === active ? ' active' : ''}`, role: 'treeitem', 'aria-level': '2', tabindex: '-1', 'data-path': f.path, title: f.path,
        'aria-label': `${name}${dirty ? ', unsaved' : ''}`, ...(f.path === active ? { 'aria-current': 'page' } : {}),
      }, el('span', { class: 'file-name' }, name), dirty ? el('span', { class: 'dirty', title: 'unsaved', 'aria-hidden': 'true' }, '●') : undefined);
      row.onclick = () => host.open(f.path);
      const ren = el('button', { type: 'button', class: 'icon', tabindex: '-1', title: 'Rename (F2)', 'aria-label': `Rename ${f.path}`, 'data-action': 'rename' }, '✎');
      ren.onclick = async (e) => {
        e.stopPropagation();
        const to = await ask(`Rename ${f.path}`, name);
        if (!to || to === name) return;
        try { await host.rename(f.path, `${pack.name}/${to}`); } catch (err) { host.report((err as Error).message, true); }
      };
      const del = el('button', { type: 'button', class: 'icon', tabindex: '-1', title: 'Delete', 'aria-label': `Delete ${f.path}`, 'data-action': 'delete' }, '✕');
      del.onclick = async (e) => {
        e.stopPropagation();
        if (await choose(`Delete ${f.path}?`, 'The file is removed from disk.', [{ id: 'delete', label: 'Delete' }, { id: 'cancel', label: 'Cancel' }], 'cancel') !== 'delete') return;
        try { await files.remove(f.path); } catch (err) { host.report((err as Error).message, true); }
      };
      row.append(ren, del);
      items.push(row);
    }
  }
  clear(root, ...items);
  // One row is reachable by Tab: the focused one, else the open file, else the first.
  const rows = items;
  const current = rows.find((r) => (r.dataset['path'] ?? r.dataset['pack']) === focusKey) ?? rows.find((r) => r.dataset['path'] === active) ?? rows[0];
  if (current) current.tabIndex = 0;
  if (focused && current && focusKey) current.focus();
  rovingFocus(root, rows, (e, row) => {
    const action = e.key === 'F2' ? 'rename' : e.key === 'Delete' ? 'delete' : e.key === 'Enter' && !row.dataset['path'] ? 'new' : undefined;
    if (!action) return false;
    row.querySelector<HTMLElement>(`[data-action=${action}]`)?.click();
    return true;
  });
}
