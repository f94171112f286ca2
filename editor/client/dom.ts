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
 * Focus that walks a set of rows: ↑/↓ (Home/End) move it, and the row that
 * has it is the one in the Tab order; Enter or Space does what a click does,
 * unless `keys` handles the key first (returning true).
 */
export function rovingFocus(container: HTMLElement, rows: readonly HTMLElement[], keys?: (e: KeyboardEvent, row: HTMLElement) => boolean): void {
  container.onkeydown = (e) => {
    const i = rows.indexOf(document.activeElement as HTMLElement);
    if (i < 0) return;
    const move = (j: number): void => {
      const to = rows[Math.max(0, Math.min(rows.length - 1, j))]!;
      rows[i]!.tabIndex = -1;
      to.tabIndex = 0;
      to.focus();
    };
    if (e.key === 'ArrowDown') move(i + 1);
    else if (e.key === 'ArrowUp') move(i - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(rows.length - 1);
    else if (keys?.(e, rows[i]!)) { /* handled */ } else if (e.key === 'Enter' || e.key === ' ') rows[i]!.click();
    else return;
    e.preventDefault();
  };
}

/** A list of rows a keyboard can walk (see rovingFocus), for screen readers a list with a name. */
export function keyboardRows(container: HTMLElement, rows: readonly HTMLElement[], label: string): void {
  container.setAttribute('role', 'list');
  container.setAttribute('aria-label', label);
  rows.forEach((r, i) => {
    r.setAttribute('role', 'listitem');
    r.tabIndex = i === 0 ? 0 : -1;
  });
  rovingFocus(container, rows);
}
