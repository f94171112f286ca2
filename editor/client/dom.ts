// Building DOM without innerHTML: every text from a pack, an event or the
// server goes in through textContent, never parsed as markup.
type Child = Node | string | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== undefined && c !== false) e.append(c);
  return e;
}

export function clear(e: HTMLElement, ...children: Child[]): void {
  e.replaceChildren(...children.filter((c): c is Node | string => c !== undefined && c !== false));
}

/**
 * Rows a keyboard can walk: one row is in the Tab order at a time, ↑/↓
 * (Home/End) move between them, Enter or Space does what a click does.
 */
export function keyboardRows(container: HTMLElement, rows: readonly HTMLElement[], label: string): void {
  container.setAttribute('role', 'list');
  container.setAttribute('aria-label', label);
  rows.forEach((r, i) => {
    r.setAttribute('role', 'listitem');
    r.tabIndex = i === 0 ? 0 : -1;
  });
  container.onkeydown = (e) => {
    const i = rows.indexOf(document.activeElement as HTMLElement);
    if (i < 0) return;
    const move = (j: number): void => {
      e.preventDefault();
      const to = rows[Math.max(0, Math.min(rows.length - 1, j))]!;
      rows[i]!.tabIndex = -1;
      to.tabIndex = 0;
      to.focus();
    };
    if (e.key === 'ArrowDown') move(i + 1);
    else if (e.key === 'ArrowUp') move(i - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(rows.length - 1);
    else if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); rows[i]!.click(); }
  };
}
