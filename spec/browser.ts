// Real headless Chromium for the editor's tests (Debian's /usr/bin/chromium,
// installed by .ci/run; never a downloaded browser), and the editor build
// they need: rebuilt when any browser-side source is newer than it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const root = join(import.meta.dirname, '..');
export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(root, 'test-artifacts');

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
}

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export async function ensureEditorBuilt(): Promise<void> {
  const main = join(root, 'dist/editor/index.html');
  const sources = Math.max(...['editor/client', 'compiler', 'runtime'].map((d) => newest(join(root, d))));
  if (existsSync(main) && statSync(main).mtimeMs >= sources) return;
  const { buildEditor } = await import('../scripts/build-editor.js' as string) as { buildEditor: (o: { quiet: boolean }) => Promise<void> };
  await buildEditor({ quiet: true });
}
