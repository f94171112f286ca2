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
