// Real headless Chromium for the editor's tests (Debian's /usr/bin/chromium,
// installed by .ci/run; never a downloaded browser), and the editor build
// they need: rebuilt when any browser-side source is newer than it.
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const root = join(import.meta.dirname, '..');
/** The one npm test checks for (scripts/chromium.js: ZHIYU_CHROMIUM or Debian's /usr/bin/chromium). */
export const { CHROMIUM } = await import('../scripts/chromium.js' as string) as { CHROMIUM: string };
export const ARTIFACTS = join(root, 'test-artifacts');

/**
 * Without the address bar's dropdown unless asked: every new window (each new
 * context) loads that dropdown's web page (chrome://omnibox-popup.top-chrome)
 * in a renderer of its own, ~1.5 s of CPU while the page under test loads, on
 * a machine with two cores. The page never sees it.
 */
export function launch(opts: { browserUi?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
      ...(opts.browserUi ? [] : ['--disable-features=WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup'])],
  });
}

/**
 * One Chromium for every browser suite of a run. Each suite takes a share
 * when its module loads (uvu loads every suite before running any) and gives
 * it back in its `after`: the last one closes the browser.
 */
let shared: Promise<Browser> | undefined;
let users = 0;
export function sharedBrowser(): { get(): Promise<Browser>; release(): Promise<void> } {
  users++;
  let released = false;
  return {
    get: () => (shared ??= launch()),
    async release() {
      if (released) return;
      released = true;
      if (--users > 0 || !shared) return;
      const b = shared;
      shared = undefined;
      await (await b).close();
    },
  };
}

/** dist/editor, rebuilt when any browser-side source is newer than it. */
export const { ensureEditorBuilt } = await import('../scripts/build-editor.js' as string) as { ensureEditorBuilt: () => Promise<void> };
