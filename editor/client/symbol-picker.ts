// Go to symbol in the pack (Ctrl+T): a text field and the matching rules,
// predicates, lists, constants, fields and tests of every file, as a listbox
// the arrow keys move through; Enter goes there, Escape closes.
import { clear, el } from './dom.ts';
import { modal } from './dialog.ts';
import type { WireOutline } from './protocol.ts';

type Found = WireOutline & { path: string };

export function pickSymbol(find: (query: string) => Promise<Found[]>, go: (path: string, start: number, end: number) => void): void {
  const m = modal('Go to symbol in the pack', '', () => undefined);
  const input = el('input', { class: 'ask', role: 'combobox', 'aria-expanded': 'true', 'aria-controls': 'symbol-list', 'aria-autocomplete': 'list', 'aria-label': 'Symbol name', 'data-testid': 'symbol-input' });
  const list = el('ul', { id: 'symbol-list', role: 'listbox', class: 'symbol-list', 'aria-label': 'Symbols' });
  m.box.insertBefore(input, m.choices);
  m.box.insertBefore(list, m.choices);
  let found: Found[] = [];
  let at = 0;
  let asked = 0;
  const draw = (): void => {
    clear(list, ...found.slice(0, 200).map((f, i) => {
      const li = el('li', { role: 'option', id: `symbol-${i}`, 'aria-selected': String(i === at), class: i === at ? 'selected' : '' },
        el('span', { class: `kind ${f.kind}` }, f.kind), ' ', el('strong', {}, f.name), ' ', el('span', { class: 'where' }, `${f.path}${f.detail ? ` — ${f.detail}` : ''}`));
      li.onclick = () => pick(i);
      return li;
    }));
    if (found.length) input.setAttribute('aria-activedescendant', `symbol-${at}`); else input.removeAttribute('aria-activedescendant');
    list.querySelector('.selected')?.scrollIntoView({ block: 'nearest' });
  };
  const pick = (i: number): void => {
    const f = found[i];
    if (!f) return;
    m.close();
    go(f.nameSpan.path, f.nameSpan.start, f.nameSpan.end);
  };
  const search = async (): Promise<void> => {
    const mine = ++asked;
    const r = await find(input.value);
    if (mine !== asked) return;
    found = r;
    at = 0;
    draw();
  };
  input.addEventListener('input', () => void search());
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') { e.preventDefault(); at = Math.min(at + 1, Math.max(0, found.length - 1)); draw(); } else if (e.key === 'ArrowUp') { e.preventDefault(); at = Math.max(0, at - 1); draw(); } else if (e.key === 'Enter') { e.preventDefault(); pick(at); }
  });
  input.focus();
  void search();
}
