// The editor's Diff panel in real headless Chromium (issue 16): the pack as
// edited against the pack as saved, condition by condition, the change
// request `zhiyu diff` prints for two bundles.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startEditor, type EditorService } from '../editor/server/app.ts';
import { ensureEditorBuilt, launch } from './browser.ts';

const dir = mkdtempSync(join(tmpdir(), 'zhiyu-diff-editor-'));
let svc: EditorService;
let browser: Browser;
let page: Page;
const problems: string[] = [];

type Z = { editor: any; openPath(p: string): Promise<void>; ready: boolean };

test.before(async () => {
  await ensureEditorBuilt();
  cpSync(join(import.meta.dirname, '..', 'rules', 'demo'), join(dir, 'demo'), { recursive: true });
  svc = await startEditor({ root: dir, port: 0 });
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`); });
});

test.after(async () => {
  await browser?.close();
  await svc?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the Diff panel shows an edited threshold and condition side by side with the saved ones; a rule name jumps to the rule', async () => {
  await page.goto(`${svc.url}/`);
  await page.waitForFunction(() => (window as unknown as { __zhiyu?: Z }).__zhiyu?.ready === true, null, { timeout: 30_000 });
  for (const [file, from, to] of [['demo/pack.zy', 'threshold review at 40', 'threshold review at 100'], ['demo/fraud.zy', 'event.amount >= ¥10000', 'event.amount >= ¥5000']]) {
    await page.evaluate(async ([p, a, b]) => {
      const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
      await z.openPath(p!);
      const m = z.editor.getModel();
      m.setValue(m.getValue().replace(a!, b!));
    }, [file, from, to]);
  }
  await page.click('#tab-diff');
  await page.click('[data-testid=diff-run]');
  const summary = page.locator('[data-testid=diff-summary]');
  await summary.waitFor({ timeout: 30_000 });
  assert.is(await summary.textContent(), '1 changed, 0 added, 0 removed, 7 the same (rules)');
  const out = page.locator('[data-testid=diff-out]');
  const threshold = out.locator('tr', { hasText: 'thresholds' });
  assert.equal(await threshold.locator('td').allTextContents(), ['thresholds', 'review at 40, hold at 80', 'review at 100, hold at 80']);
  const changed = out.locator('tr.diff-changed');
  assert.equal(await changed.locator('td').allTextContents(), ['changed', 'event.amount >= ¥10,000.00', 'event.amount >= ¥5,000.00']);
  await out.locator('h4[data-rule=ELDERLY_LARGE] a').click();
  await page.waitForFunction(() => {
    const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
    const m = z.editor.getModel();
    return m.getLineContent(z.editor.getPosition().lineNumber).includes('ELDERLY_LARGE');
  }, null, { timeout: 30_000 });
  assert.equal(problems, []);
});

test.run();
