// File tabs above the editor (ARIA tabs: arrow keys move between them,
// Enter opens, Delete closes). Closing a tab keeps the file's unsaved text:
// the explorer still marks it, and saving or reopening finds it.
import { clear, el } from './dom.ts';
import type { Files } from './files.ts';

export class Tabs {
  private paths: string[] = [];

  constructor(private readonly root: HTMLElement, private readonly files: Files, private readonly open: (path: string) => void) {
    root.setAttribute('role', 'tablist');
    root.setAttribute('aria-label', 'Open files');
    root.addEventListener('keydown', (e) => this.key(e));
  }

  /** Adds the file if it is not there, and draws the bar with `active` selected. */
  show(active: string | undefined): void {
    if (active && !this.paths.includes(active)) this.paths.push(active);
    this.paths = this.paths.filter((p) => this.files.packs.some((k) => k.files.some((f) => f.path === p)));
    clear(this.root, ...this.paths.map((p) => {
      const selected = p === active;
      const dirty = this.files.isDirty(p);
      const tab = el('div', {
        class: `tab${selected ? ' active' : ''}`, role: 'tab', 'aria-selected': String(selected), tabindex: selected ? '0' : '-1',
        'data-path': p, title: `${p} (Delete closes the tab; unsaved text is kept)`, 'aria-controls': 'editor', 'aria-label': `${p}${dirty ? ', unsaved' : ''}`,
      }, el('span', { class: 'tab-name' }, p.split('/').pop()!), dirty ? el('span', { class: 'dirty', 'aria-hidden': 'true' }, '●') : undefined);
      // The pointer's way to close; the keyboard's is Delete on the tab (a button inside a tab would be a control inside a control).
      const x = el('span', { class: 'tab-close', 'aria-hidden': 'true', title: 'Close (the unsaved text is kept)' }, '×');
      x.onclick = (e) => { e.stopPropagation(); this.close(p, active); };
      tab.append(x);
      tab.onclick = () => this.open(p);
      return tab;
    }));
  }

  private close(path: string, active: string | undefined): void {
    const i = this.paths.indexOf(path);
    this.paths.splice(i, 1);
    if (path === active && this.paths.length) this.open(this.paths[Math.min(i, this.paths.length - 1)]!);
    else this.show(active);
  }

  private key(e: KeyboardEvent): void {
    const tabs = Array.from(this.root.querySelectorAll<HTMLElement>('[role=tab]'));
    const i = tabs.indexOf(document.activeElement as HTMLElement);
    if (i < 0) return;
    const move = (j: number) => { e.preventDefault(); tabs[(j + tabs.length) % tabs.length]!.focus(); };
    if (e.key === 'ArrowRight') move(i + 1);
    else if (e.key === 'ArrowLeft') move(i - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(tabs.length - 1);
    else if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); this.open(tabs[i]!.dataset['path']!); } else if (e.key === 'Delete') {
      e.preventDefault();
      this.close(tabs[i]!.dataset['path']!, this.root.querySelector<HTMLElement>('[aria-selected=true]')?.dataset['path']);
    }
  }
}
