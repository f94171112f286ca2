// Resizable panels: a bar between two areas that the pointer drags and the
// keyboard moves (a focusable separator: ←/→ or ↑/↓ by 16 px, Home/End to
// the limits). The size is remembered for the next visit.
import { el } from './dom.ts';

export interface SplitOptions {
  /** The element whose size the bar sets (its width or height in px). */
  readonly target: HTMLElement;
  readonly orientation: 'vertical' | 'horizontal';
  /** The bar grows the target when dragged right/down (true) or left/up (false). */
  readonly grows: boolean;
  readonly min: number;
  readonly max: () => number;
  readonly label: string;
  readonly key: string;
}

export function splitter(o: SplitOptions): HTMLElement {
  const prop = o.orientation === 'vertical' ? 'width' : 'height';
  const bar = el('div', {
    class: `splitter ${o.orientation}`, role: 'separator', tabindex: '0', 'aria-orientation': o.orientation,
    'aria-label': o.label, 'aria-valuemin': String(o.min),
  });
  const set = (px: number): void => {
    const v = Math.round(Math.max(o.min, Math.min(o.max(), px)));
    o.target.style[prop] = `${v}px`;
    o.target.style.flex = 'none';
    bar.setAttribute('aria-valuenow', String(v));
    bar.setAttribute('aria-valuemax', String(Math.round(o.max())));
  };
  const size = (): number => o.target.getBoundingClientRect()[prop];
  const saved = Number(localStorage.getItem(`zhiyu.size:${o.key}`));
  // A separator that can be moved says where it is (aria-valuenow), from the start.
  bar.setAttribute('aria-valuenow', '0');
  requestAnimationFrame(() => {
    if (saved > 0) set(saved);
    else {
      bar.setAttribute('aria-valuenow', String(Math.round(size())));
      bar.setAttribute('aria-valuemax', String(Math.round(o.max())));
    }
  });
  const remember = (): void => localStorage.setItem(`zhiyu.size:${o.key}`, String(Math.round(size())));
  bar.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    bar.setPointerCapture(e.pointerId);
    const start = o.orientation === 'vertical' ? e.clientX : e.clientY;
    const from = size();
    const move = (m: PointerEvent): void => {
      const d = (o.orientation === 'vertical' ? m.clientX : m.clientY) - start;
      set(from + (o.grows ? d : -d));
    };
    const up = (): void => { bar.removeEventListener('pointermove', move); bar.removeEventListener('pointerup', up); remember(); };
    bar.addEventListener('pointermove', move);
    bar.addEventListener('pointerup', up);
  });
  bar.addEventListener('keydown', (e) => {
    const step = e.shiftKey ? 64 : 16;
    const more = o.orientation === 'vertical' ? (o.grows ? 'ArrowRight' : 'ArrowLeft') : (o.grows ? 'ArrowDown' : 'ArrowUp');
    const less = o.orientation === 'vertical' ? (o.grows ? 'ArrowLeft' : 'ArrowRight') : (o.grows ? 'ArrowUp' : 'ArrowDown');
    if (e.key === more) set(size() + step);
    else if (e.key === less) set(size() - step);
    else if (e.key === 'Home') set(o.min);
    else if (e.key === 'End') set(o.max());
    else return;
    e.preventDefault();
    remember();
  });
  return bar;
}
