// A small modal: a question and a few choices, or a line of text to type.
export function choose(title: string, detail: string, options: { id: string; label: string }[]): Promise<string> {
  return new Promise((resolve) => {
    const { box, close } = modal(title, detail);
    for (const o of options) {
      const b = document.createElement('button');
      b.textContent = o.label;
      b.dataset['choice'] = o.id;
      b.onclick = () => { close(); resolve(o.id); };
      box.querySelector('.choices')!.append(b);
    }
  });
}

export function ask(title: string, initial: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const { box, close } = modal(title, '');
    const input = document.createElement('input');
    input.value = initial;
    input.className = 'ask';
    const ok = document.createElement('button');
    ok.textContent = 'OK';
    ok.dataset['choice'] = 'ok';
    const cancel = document.createElement('button');
    cancel.textContent = 'Cancel';
    cancel.dataset['choice'] = 'cancel';
    ok.onclick = () => { close(); resolve(input.value.trim() || undefined); };
    cancel.onclick = () => { close(); resolve(undefined); };
    input.onkeydown = (e) => { if (e.key === 'Enter') ok.click(); if (e.key === 'Escape') cancel.click(); };
    box.querySelector('.choices')!.append(ok, cancel);
    box.insertBefore(input, box.querySelector('.choices'));
    input.focus();
    input.select();
  });
}

function modal(title: string, detail: string): { box: HTMLElement; close: () => void } {
  const back = document.createElement('div');
  back.className = 'modal-back';
  const box = document.createElement('div');
  box.className = 'modal';
  box.setAttribute('role', 'dialog');
  const h = document.createElement('h3');
  h.textContent = title;
  const p = document.createElement('p');
  p.textContent = detail;
  const choices = document.createElement('div');
  choices.className = 'choices';
  box.append(h, p, choices);
  back.append(box);
  document.body.append(back);
  return { box, close: () => back.remove() };
}
