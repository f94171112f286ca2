// The first thing the page runs (a few kilobytes, before the editor's script
// has even been parsed): it asks the server for the workspace, then for the
// file the editor will open first, so both are there when the editor starts
// (api.ts takes these answers instead of asking again), and draws that
// file's text as plain lines until the editor takes its place (first-paint.ts).
// Only then does it start the editor's script (named in the page's
// `zhiyu-main` meta): the page preloads that script, so the browser fetches
// and compiles it meanwhile, but running it is one long task (Monaco's
// modules, about a second on a cold load) that would otherwise come before
// the file's answer could be drawn.
import type { PackInfo } from './api.ts';
import { firstFile } from './first-file.ts';
import { drawFirstPaint } from './first-paint.ts';
import { UnsavedStore } from './unsaved.ts';

const early: Record<string, Promise<Response>> = {};
(window as unknown as { __zhiyuPrefetch: typeof early }).__zhiyuPrefetch = early;

async function firstPaint(): Promise<void> {
  const workspace = fetch('/api/workspace');
  early['/api/workspace'] = workspace.then((r) => r.clone());
  const w = await workspace.then((r) => (r.ok ? r.json() as Promise<{ packs: PackInfo[] }> : undefined));
  const path = w && firstFile(w.packs);
  if (!path) return;
  const file = fetch(`/api/file?path=${encodeURIComponent(path)}`);
  early[`/api/file?path=${encodeURIComponent(path)}`] = file;
  // Cloned now, before api.ts can read the answer. The text the editor will
  // show: what the analyst left unsaved, else the disk's.
  const [disk, kept] = await Promise.all([
    file.then((r) => (r.ok ? r.clone().json() as Promise<{ text: string }> : undefined)),
    new UnsavedStore().get(path).catch(() => undefined),
  ]);
  const shown = kept?.text ?? disk?.text;
  const host = document.getElementById('editor');
  if (shown !== undefined && host) drawFirstPaint(host, shown);
}

function startEditor(): void {
  const src = document.querySelector('meta[name="zhiyu-main"]')?.getAttribute('content');
  if (!src) return;
  const script = document.createElement('script');
  script.type = 'module';
  script.src = src;
  document.body.append(script);
}

// Whatever happens to the first paint (an error included), the editor starts.
void firstPaint().catch(() => undefined).finally(startEditor);
