// The pack explorer: packs and their files; open, create, rename, delete.
import { clear, el } from './dom.ts';
import { ask, choose } from './dialog.ts';
import type { Files } from './files.ts';

export function renderExplorer(root: HTMLElement, files: Files, active: string | undefined, open: (path: string) => void, report: (msg: string, bad?: boolean) => void): void {
  const items: HTMLElement[] = [];
  for (const pack of files.packs) {
    const add = el('button', { class: 'icon', title: `New file in ${pack.name}`, 'data-action': 'new', 'data-pack': pack.name }, '+');
    add.onclick = async () => {
      const name = await ask(`New file in ${pack.name}/`, 'new_rules.zy');
      if (!name) return;
      const path = `${pack.name}/${name}`;
      try {
        await files.create(path, name.endsWith('.zy') ? `# ${name}\n` : '');
        open(path);
      } catch (e) { report((e as Error).message, true); }
    };
    items.push(el('div', { class: 'pack' }, el('span', { class: 'pack-name' }, pack.name), add));
    for (const f of pack.files) {
      const name = f.path.slice(pack.name.length + 1);
      const dirty = files.isDirty(f.path);
      const row = el('div', { class: `file${f.path === active ? ' active' : ''}`, 'data-path': f.path, title: f.path },
        el('span', { class: 'file-name' }, name), dirty ? el('span', { class: 'dirty', title: 'unsaved' }, '●') : undefined);
      row.onclick = () => open(f.path);
      const ren = el('button', { class: 'icon', title: 'Rename', 'data-action': 'rename' }, '✎');
      ren.onclick = async (e) => {
        e.stopPropagation();
        const to = await ask(`Rename ${f.path}`, name);
        if (!to || to === name) return;
        try { await files.rename(f.path, `${pack.name}/${to}`); open(`${pack.name}/${to}`); } catch (err) { report((err as Error).message, true); }
      };
      const del = el('button', { class: 'icon', title: 'Delete', 'data-action': 'delete' }, '✕');
      del.onclick = async (e) => {
        e.stopPropagation();
        if (await choose(`Delete ${f.path}?`, 'The file is removed from disk.', [{ id: 'delete', label: 'Delete' }, { id: 'cancel', label: 'Cancel' }]) !== 'delete') return;
        try { await files.remove(f.path); } catch (err) { report((err as Error).message, true); }
      };
      row.append(ren, del);
      items.push(row);
    }
  }
  clear(root, ...items);
}
