// The first file's text, shown as plain lines before the editor exists.
// Monaco's script is megabytes that the browser compiles and runs for about a
// second after the page has its first file; boot.ts draws that file's text
// with it (the unsaved text if the analyst left some), in the editor's
// font, so the page shows the file while Monaco loads. main.ts takes it away
// in the same task that gives the editor its model, so the next frame shows
// Monaco's lines in its place. It is not an editor: hidden from screen
// readers, not focusable, and typing waits for Monaco.
import { EDITOR_FONT, LINE_HEIGHT } from './editor-look.ts';

const CLASS = 'first-paint';

/** Draws the first lines of `text` in `host` (as many as it can show), unless the editor is already there. */
export function drawFirstPaint(host: HTMLElement, text: string): void {
  if (host.querySelector('.monaco-editor') || host.querySelector(`.${CLASS}`)) return;
  // The window's height, not the host's: the page's stylesheet may still be on its way (boot.ts
  // runs before it), and the box clips what it cannot show.
  const rows = Math.ceil(innerHeight / LINE_HEIGHT) + 1;
  const box = document.createElement('div');
  box.className = CLASS;
  box.setAttribute('aria-hidden', 'true');
  box.style.font = EDITOR_FONT;
  box.style.lineHeight = `${LINE_HEIGHT}px`;
  const lines = text.split('\n', rows);
  lines.forEach((line, i) => {
    const row = document.createElement('div');
    const n = document.createElement('span');
    n.className = 'n';
    n.textContent = String(i + 1);
    row.append(n, line.replace(/\r$/, ''));
    box.append(row);
  });
  host.append(box);
}

/** Takes the plain lines away (the editor shows the file now, or nothing will). */
export function clearFirstPaint(host: HTMLElement): void {
  host.querySelector(`.${CLASS}`)?.remove();
}
