// Modal dialogs that behave as dialogs should: the dialog takes the focus
// (its first choice, or its text field), Tab stays inside it, Escape
// cancels, and the focus goes back where it was when it closes. Screen
// readers hear its title and text (role=dialog, aria-modal, labelled).
import { el } from './dom.ts';

let ids = 0;

export interface Modal {
  readonly box: HTMLElement;
  readonly choices: HTMLElement;
  close(): void;
}

/** Opens a modal; `cancel` runs on Escape. */
export function modal(title: string, detail: string, cancel: () => void, wide = false): Modal {
  const id = `dialog-${++ids}`;
  const before = document.activeElement as HTMLElement | null;
  const choices = el('div', { class: 'choices' });
  const box = el('div', { class: `modal${wide ? ' wide' : ''}`, role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': `${id}-title`, ...(detail ? { 'aria-describedby': `${id}-detail` } : {}) },
    el('h2', { id: `${id}-title` }, title),
    detail ? el('p', { id: `${id}-detail`, class: 'detail' }, detail) : undefined,
    choices);
  const back = el('div', { class: 'modal-back' }, box);
  const close = (): void => {
    back.remove();
    document.removeEventListener('focusin', keepFocus, true);
    before?.focus();
  };
  // Focus never leaves the dialog while it is open.
  const keepFocus = (e: FocusEvent): void => {
    const backs = document.querySelectorAll('.modal-back');
    if (backs[backs.length - 1] !== back || box.contains(e.target as Node)) return;
    focusables(box)[0]?.focus();
  };
  box.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); cancel(); close(); return; }
    if (e.key !== 'Tab') return;
    const f = focusables(box);
    if (f.length === 0) return;
    const i = f.indexOf(document.activeElement as HTMLElement);
    if (e.shiftKey && i <= 0) { e.preventDefault(); f[f.length - 1]!.focus(); } else if (!e.shiftKey && i === f.length - 1) { e.preventDefault(); f[0]!.focus(); }
  });
  document.body.append(back);
  document.addEventListener('focusin', keepFocus, true);
  return { box, choices, close };
}

function focusables(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>('button, input, select, textarea, [tabindex]:not([tabindex="-1"])')).filter((e) => !e.hasAttribute('disabled') && e.offsetParent !== null);
}

/** A question with a few choices; Escape answers `cancel`. */
export function choose(title: string, detail: string, options: { id: string; label: string }[], focus?: string): Promise<string> {
  return new Promise((resolve) => {
    const m = modal(title, detail, () => resolve('cancel'));
    for (const o of options) {
      const b = el('button', { type: 'button', 'data-choice': o.id }, o.label);
      b.onclick = () => { m.close(); resolve(o.id); };
      m.choices.append(b);
    }
    (m.choices.querySelector<HTMLElement>(`[data-choice="${focus ?? options[0]?.id}"]`) ?? m.choices.querySelector('button'))?.focus();
  });
}

/** A line of text to type; Escape or Cancel answer undefined. */
export function ask(title: string, initial: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const m = modal(title, '', () => resolve(undefined));
    const input = el('input', { class: 'ask', 'aria-label': title });
    input.value = initial;
    const ok = el('button', { type: 'button', 'data-choice': 'ok', class: 'primary' }, 'OK');
    const cancel = el('button', { type: 'button', 'data-choice': 'cancel' }, 'Cancel');
    ok.onclick = () => { m.close(); resolve(input.value.trim() || undefined); };
    cancel.onclick = () => { m.close(); resolve(undefined); };
    input.onkeydown = (e) => { if (e.key === 'Enter') ok.click(); };
    m.choices.append(ok, cancel);
    m.box.insertBefore(input, m.choices);
    input.focus();
    input.select();
  });
}
