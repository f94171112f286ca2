// The editor as its browser tests meet it: a real server on loopback over a
// copy of the shipped packs (and, when asked, the seeded demo database), a
// page in the shared headless Chromium, and the few helpers every suite uses
// to type, move the cursor and read markers. Anything the page logs as an
// error, or any request off the server, is collected in `problems`.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import type { BrowserContext, Page } from 'playwright-core';
import { startEditor, type EditorOptions, type EditorService } from '../editor/server/app.ts';
import { openStore, type DB } from '../runtime/store/sqlite/index.ts';
import { ensureEditorBuilt, sharedBrowser } from './browser.ts';
import { cli } from './cli-run.ts';

/** In the page: window.__zhiyu (see editor/client/main.ts). */
export type Z = {
  monaco: any; editor: any; files: any; checks: any; history: any; ready: boolean;
  openPath(p: string): Promise<void>; go(p: string, offset: number): Promise<void>;
  ask(type: string, body: unknown): Promise<any>;
  lastAnalysis?: { ms: number; workerMs: number };
};
export const Z = (): Z => (window as unknown as { __zhiyu: Z }).__zhiyu;

/** Puts the cursor just after the `nth` (0-based) `needle` in the open file and focuses the editor. */
/** Waits until the page's editor says it is ready (the first file shown in Monaco). */
export function editorReady(page: Page, timeout = 60_000): Promise<unknown> {
  return page.waitForFunction(() => (window as unknown as { __zhiyu?: Z }).__zhiyu?.ready === true, null, { timeout });
}

export async function cursorAfter(page: Page, needle: string, nth = 0): Promise<void> {
  await page.evaluate(({ n, k }) => {
    const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
    const m = z.editor.getModel();
    let i = -1;
    for (let j = 0; j <= k; j++) i = m.getValue().indexOf(n, i + 1);
    if (i < 0) throw new Error(`not in the file: ${n}`);
    z.editor.setPosition(m.getPositionAt(i + n.length));
    z.editor.focus();
  }, { n: needle, k: nth });
}

let demo: Promise<string> | undefined;
/** The demo database (300 customers), seeded once per test run and shared read-only. */
export function demoDb(): Promise<string> {
  return demo ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhiyu-demo-db-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'demo.db');
    const seeded = await cli('db', 'seed', '--demo', path, '--customers', '300');
    assert.is(seeded.code, 0, seeded.err);
    return path;
  })();
}

export interface EditorFixture {
  readonly root: string;
  readonly svc: EditorService;
  readonly page: Page;
  readonly ctx: BrowserContext;
  readonly problems: string[];
  readonly store?: DB;
  open(path: string): Promise<void>;
  /** Puts the cursor just after the `nth` (0-based) `needle` in the open file and focuses the editor. */
  cursorAfter(needle: string, nth?: number): Promise<void>;
  text(): Promise<string>;
  markers(): Promise<{ code: string; message: string; line: number }[]>;
  waitForMarkers(pred: (ms: { code: string; message: string }[]) => boolean, what: string): Promise<void>;
  /** Waits until the status line says the pack was checked with `errors` errors. */
  checked(errors?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a server and a page (with `open` open and checked clean); call `close()` in the suite's `after`. */
export function editorFixture(opts: { db?: boolean; open?: string; server?: Partial<EditorOptions> } = {}): { get(): Promise<EditorFixture>; close(): Promise<void> } {
  const browser = sharedBrowser();
  let made: Promise<EditorFixture> | undefined;
  return {
    get: () => (made ??= start()),
    async close() {
      if (made) await (await made).close();
      await browser.release();
    },
  };

  async function start(): Promise<EditorFixture> {
    await ensureEditorBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'zhiyu-editor-'));
    const root = join(dir, 'rules');
    cpSync(join(import.meta.dirname, '..', 'rules'), root, { recursive: true });
    const store = opts.db ? openStore(await demoDb(), { readonly: true }) : undefined;
    const svc = await startEditor({ root, port: 0, ...(store ? { store } : {}), ...opts.server });
    const ctx = await (await browser.get()).newContext({ viewport: { width: 1400, height: 900 } });
    // tsx names the functions it compiles with a helper the page lacks.
    await ctx.addInitScript('globalThis.__name = (f) => f');
    const page = await ctx.newPage();
    const problems: string[] = [];
    // Requests the tests make fail on purpose (4xx) are logged by Chromium; anything else is a problem.
    page.on('console', (m) => { if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => { if (!/net::ERR_ABORTED/.test(r.failure()?.errorText ?? '')) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`); });
    page.on('request', (r) => { if (!r.url().startsWith(svc.url)) problems.push(`request off the server: ${r.url()}`); });
    await page.goto(`${svc.url}/`);
    await editorReady(page);
    const markers = () => page.evaluate(() => {
      const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
      return z.monaco.editor.getModelMarkers({ resource: z.editor.getModel().uri })
        .map((m: { code: string; message: string; startLineNumber: number }) => ({ code: String(m.code), message: m.message, line: m.startLineNumber }));
    }) as Promise<{ code: string; message: string; line: number }[]>;
    const f: EditorFixture = {
      root, svc, page, ctx, problems, ...(store ? { store } : {}),
      async open(path) {
        await page.evaluate(async (p) => { await (window as unknown as { __zhiyu: Z }).__zhiyu.openPath(p); }, path);
      },
      cursorAfter: (needle, nth = 0) => cursorAfter(page, needle, nth),
      text: () => page.evaluate(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel().getValue() as string),
      markers,
      async waitForMarkers(pred, what) {
        const until = Date.now() + 20_000;
        for (;;) {
          const ms = await markers();
          if (pred(ms)) return;
          if (Date.now() > until) throw new Error(`timed out waiting for ${what}; markers: ${JSON.stringify(ms)}`);
          await page.waitForTimeout(25);
        }
      },
      async checked(errors = 0) {
        await page.waitForFunction((n) => new RegExp(`^${n} errors?,`).test(document.getElementById('check-status')?.textContent ?? ''), errors, { timeout: 30_000 });
      },
      async close() {
        await ctx.close();
        await svc.close();
        store?.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    if (opts.open) {
      await f.open(opts.open);
      await f.checked(0);
    }
    return f;
  }
}
