// The first thing the page runs (a few kilobytes, before the editor's script
// has even been parsed; async, so it waits neither for the page's stylesheet
// nor for the rest of the page): it takes the workspace (its request starts
// from the page's <head>, a preload), then asks for the
// file the editor will open first, so both are there when the editor starts
// (api.ts takes these answers instead of asking again), and draws that
// file's text as plain lines until the editor takes its place (first-paint.ts).
import type { PackInfo } from './api.ts';
import { firstFile } from './first-file.ts';
import { drawFirstPaint } from './first-paint.ts';
import { UnsavedStore } from './unsaved.ts';

const early: Record<string, Promise<Response>> = {};
(window as unknown as { __zhiyuPrefetch: typeof early }).__zhiyuPrefetch = early;
const workspace = fetch('/api/workspace');
early['/api/workspace'] = workspace.then((r) => r.clone());
void workspace.then((r) => (r.ok ? r.json() : undefined)).then((w: { packs: PackInfo[] } | undefined) => {
  const path = w && firstFile(w.packs);
  if (!path) return;
  const file = fetch(`/api/file?path=${encodeURIComponent(path)}`);
  early[`/api/file?path=${encodeURIComponent(path)}`] = file;
  // Cloned now, before api.ts can read the answer.
  const text = file.then((r) => (r.ok ? r.clone().json() as Promise<{ text: string }> : undefined));
  // The text the editor will show: what the analyst left unsaved, else the disk's.
  void Promise.all([text, new UnsavedStore().get(path).catch(() => undefined)]).then(([disk, kept]) => {
    const shown = kept?.text ?? disk?.text;
    if (shown === undefined) return;
    const draw = (): void => { const host = document.getElementById('editor'); if (host) drawFirstPaint(host, shown); };
    // The page is parsed long before an answer comes, but not surely; not DOMContentLoaded, which waits for Monaco's script.
    if (document.readyState === 'loading') document.addEventListener('readystatechange', draw, { once: true });
    else draw();
  }).catch(() => undefined);
}).catch(() => undefined);
