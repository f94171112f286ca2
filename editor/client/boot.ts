// The first thing the page runs (a few hundred bytes, before the editor's
// script has even been parsed): it asks the server for the workspace, then
// for the file the editor will open first, so both are there when the
// editor starts. api.ts takes these answers instead of asking again.
import type { PackInfo } from './api.ts';
import { firstFile } from './first-file.ts';

const early: Record<string, Promise<Response>> = {};
(window as unknown as { __zhiyuPrefetch: typeof early }).__zhiyuPrefetch = early;
const workspace = fetch('/api/workspace');
early['/api/workspace'] = workspace.then((r) => r.clone());
void workspace.then((r) => (r.ok ? r.json() : undefined)).then((w: { packs: PackInfo[] } | undefined) => {
  const path = w && firstFile(w.packs);
  if (path) early[`/api/file?path=${encodeURIComponent(path)}`] = fetch(`/api/file?path=${encodeURIComponent(path)}`);
}).catch(() => undefined);
