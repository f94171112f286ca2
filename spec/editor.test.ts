// The editor in real headless Chromium, against a real server on loopback
// with a copy of the shipped packs and a real SQLite demo database.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startEditor, type EditorService } from '../editor/server/app.ts';
import { openStore, type DB } from '../runtime/store/index.ts';
import { ARTIFACTS, ensureEditorBuilt, launch } from './browser.ts';
import { cli } from './cli-run.ts';

const dir = mkdtempSync(join(tmpdir(), 'zhiyu-editor-'));
const root = join(dir, 'rules');
let svc: EditorService;
let store: DB;
let browser: Browser;
let page: Page;
const problems: string[] = [];
const measured: Record<string, number> = {};

/** Runs in the page, where window.__zhiyu holds monaco, the editor and the files. */
type Z = { monaco: any; editor: any; files: any; openPath(p: string): Promise<void>; lastAnalysis?: { ms: number }; ready: boolean };

async function open(path: string): Promise<void> {
  await page.evaluate(async (p) => { await (window as unknown as { __zhiyu: Z }).__zhiyu.openPath(p); }, path);
}

/** Puts the cursor just after `needle` in the open file. */
async function cursorAfter(needle: string): Promise<void> {
  await page.evaluate((n) => {
    const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
    const m = z.editor.getModel();
    const i = m.getValue().indexOf(n);
    if (i < 0) throw new Error(`not in the file: ${n}`);
    z.editor.setPosition(m.getPositionAt(i + n.length));
    z.editor.focus();
  }, needle);
}

const markers = (): Promise<{ code: string; message: string; line: number }[]> => page.evaluate(() => {
  const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
  return z.monaco.editor.getModelMarkers({ resource: z.editor.getModel().uri })
    .map((m: { code: string; message: string; startLineNumber: number }) => ({ code: String(m.code), message: m.message, line: m.startLineNumber }));
});

async function waitForMarkers(pred: (ms: { code: string; message: string }[]) => boolean, what: string): Promise<void> {
  const until = Date.now() + 15_000;
  for (;;) {
    const ms = await markers();
    if (pred(ms)) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; markers: ${JSON.stringify(ms)}`);
    await page.waitForTimeout(25);
  }
}

test.before(async () => {
  await ensureEditorBuilt();
  cpSync(join(import.meta.dirname, '..', 'rules'), root, { recursive: true });
  const seeded = await cli('db', 'seed', '--demo', join(dir, 'demo.db'), '--customers', '300');
  assert.is(seeded.code, 0, seeded.err);
  store = openStore(join(dir, 'demo.db'), { readonly: true });
  svc = await startEditor({ root, store, port: 0 });
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // Requests the tests make fail on purpose (4xx) are logged by Chromium; anything else is a problem.
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('request', (r) => { if (!r.url().startsWith(svc.url)) problems.push(`request off the server: ${r.url()}`); });
});

test.after(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, 'editor-timings.json'), `${JSON.stringify(measured, null, 2)}\n`);
  console.log(`\n  editor timings (Chromium): ${JSON.stringify(measured)}`);
  await browser?.close();
  await svc?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the page loads with no console errors, from this server only, and checks the pack', async () => {
  const started = Date.now();
  const res = await page.goto(`${svc.url}/`);
  assert.match(res!.headers()['content-security-policy'] ?? '', /default-src 'self'/);
  await page.waitForFunction(() => (window as unknown as { __zhiyu?: Z }).__zhiyu?.ready === true && !!(window as unknown as { __zhiyu: Z }).__zhiyu.lastAnalysis, null, { timeout: 30_000 });
  measured['page load to first check (ms)'] = Date.now() - started;
  await page.waitForSelector('#explorer .file[data-path="fraud/application.zy"]');
  assert.match(await page.locator('#status').textContent() ?? '', /0 errors/);
  assert.equal(problems, []);
  // Highlighting comes from the compiler's tokens: keywords get their own class.
  assert.ok(await page.locator('.view-line span[class*="mtk"]').count() > 10);
});

test('typing an unknown feature shows a marker with its code; completion offers a schema feature; fixing it clears the marker', async () => {
  await open('demo/fraud.zy');
  await waitForMarkers((ms) => ms.length === 0, 'a clean file');
  await cursorAfter('when event.type == "transfer_out"');
  await page.keyboard.type('\n   and event.amout > 1');
  await waitForMarkers((ms) => ms.some((m) => /amout/.test(m.message)), 'a marker on event.amout');
  const m = (await markers()).find((x) => /amout/.test(x.message))!;
  assert.match(m.code, /^ZY2\d{3}$/);
  assert.match(m.message, /amount/, 'did you mean');
  assert.ok(await page.locator('#problems .problem').count() >= 1, 'the problems list shows it');

  // Completion: rewrite the word from `event.` on and ask for suggestions.
  for (let i = 0; i < 'amout > 1'.length; i++) await page.keyboard.press('Backspace');
  await page.keyboard.type('am');
  await page.keyboard.press('Control+Space');
  const row = page.locator('.suggest-widget .monaco-list-row', { hasText: 'amount' });
  await row.first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  await page.keyboard.type(' >= ¥1');
  await waitForMarkers((ms) => ms.length === 0, 'the marker to clear');
  const text = await page.evaluate(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel().getValue());
  assert.match(text, /and event\.amount >= ¥1/);
});

test('hover shows a feature with its type and description', async () => {
  await cursorAfter('device.in_ca');
  await page.evaluate(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.trigger('test', 'editor.action.showHover', {}));
  const hover = page.locator('.monaco-hover-content', { hasText: 'device.in_call' });
  await hover.first().waitFor({ timeout: 10_000 });
  assert.match(await hover.first().textContent() ?? '', /bool[\s\S]*A phone call is active/);
  await page.keyboard.press('Escape');
});

test('go to definition opens the file that declares a list; format document lays the file out', async () => {
  await open('demo/fraud.zy');
  await cursorAfter('event.payee_id in police_fr');
  await page.keyboard.press('F12');
  await page.waitForFunction(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel().uri.path === '/demo/pack.zy');
  const word = await page.evaluate(() => {
    const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
    return z.editor.getModel().getWordAtPosition(z.editor.getPosition())?.word;
  });
  assert.is(word, 'police_fraud_accounts');

  await open('demo/fraud.zy');
  await page.evaluate(() => {
    const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
    const m = z.editor.getModel();
    const i = m.getValue().indexOf('const ELDERLY_AGE = 60');
    m.pushEditOperations([], [{ range: z.monaco.Range.fromPositions(m.getPositionAt(i), m.getPositionAt(i + 'const ELDERLY_AGE = 60'.length)), text: 'const    ELDERLY_AGE=60' }], () => null);
  });
  await page.click('#format');
  await page.waitForFunction(() => /\nconst ELDERLY_AGE = 60\n/.test((window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel().getValue()));
});

test('Try it shows the expected outcome for a known event and paints the conditions', async () => {
  await page.click('#tab-try');
  await page.selectOption('[data-testid=try-source]', 'test');
  await page.selectOption('[data-testid=try-pick]', 'the police list blocks');
  await page.click('[data-testid=try-run]');
  await page.locator('[data-testid=try-outcome]').waitFor();
  assert.is(await page.locator('[data-testid=try-outcome]').textContent(), 'block');
  assert.match(await page.locator('[data-testid=try-out]').textContent() ?? '', /POLICE_LIST_PAYEE/);
  await page.locator('.trace-true').first().waitFor({ timeout: 10_000 });

  // A stored event from the database, decided as of its own time.
  await page.selectOption('[data-testid=try-source]', 'stored');
  await page.locator('[data-testid=try-pick] option').first().waitFor({ state: 'attached' });
  await page.evaluate(() => { document.querySelector('[data-testid=try-out]')!.textContent = ''; });
  await page.click('[data-testid=try-run]');
  await page.waitForFunction(() => (document.querySelector('[data-testid=try-out]')!.textContent ?? '') !== '');
  assert.ok(await page.locator('[data-testid=try-outcome]').count() === 1, await page.locator('[data-testid=try-out]').textContent() ?? '');
  // And hand-typed JSON with a wrong type: a clear error naming the field.
  await page.selectOption('[data-testid=try-source]', 'json');
  await page.fill('[data-testid=try-json]', '{"type":"transfer_out","amount":"lots","occurred_at":"2026-03-01T10:00"}');
  await page.click('[data-testid=try-run]');
  const err = page.locator('[data-testid=try-error]');
  await err.waitFor();
  assert.match(await err.textContent() ?? '', /ZY4001.*event\.amount/);
});

test('Save writes the file on disk; unsaved text survives a reload', async () => {
  await cursorAfter('const ELDERLY_AGE = 60');
  await page.keyboard.type('\n# saved from the browser');
  await page.keyboard.press('Control+s');
  const file = join(root, 'demo/fraud.zy');
  for (let i = 0; i < 400 && !readFileSync(file, 'utf8').includes('# saved from the browser'); i++) await page.waitForTimeout(50);
  assert.match(readFileSync(file, 'utf8'), /const ELDERLY_AGE = 60\n# saved from the browser/);
  assert.match(readFileSync(file, 'utf8'), /and event\.amount >= ¥1/);

  await page.keyboard.type('\n# not saved yet');
  await page.waitForSelector('#explorer .file[data-path="demo/fraud.zy"] .dirty');
  await page.reload();
  await page.waitForFunction(() => (window as unknown as { __zhiyu?: Z }).__zhiyu?.ready === true);
  const text = await page.evaluate(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel().getValue());
  assert.match(text, /# not saved yet/);
  assert.not.match(readFileSync(file, 'utf8'), /# not saved yet/);
  await page.waitForSelector('#explorer .file[data-path="demo/fraud.zy"] .dirty');
});

test('a file changed on disk is not overwritten silently: the user chooses', async () => {
  const file = join(root, 'demo/fraud.zy');
  const disk = `${readFileSync(file, 'utf8')}# someone else's change\n`;
  writeFileSync(file, disk);
  await page.click('#save');
  await page.locator('.modal').waitFor();
  assert.match(await page.locator('.modal').textContent() ?? '', /changed on disk/);
  assert.is(readFileSync(file, 'utf8'), disk, 'nothing written while the user decides');
  await page.click('.modal button[data-choice=reload]');
  await page.waitForFunction((d) => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel().getValue() === d, disk);
  assert.is(readFileSync(file, 'utf8'), disk);
});

test('a path-traversal save is refused, from the page too', async () => {
  const r = await page.evaluate(async () => {
    const res = await fetch('/api/file', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: '../../evil.zy', text: 'x', force: true }) });
    return { status: res.status, body: await res.json() };
  });
  assert.is(r.status, 403);
  assert.is(r.body.error.code, 'ZY8101');
  assert.not.ok(existsSync(join(dir, 'evil.zy')));
  // Through the UI: renaming a file out of its pack.
  await page.hover('#explorer .file[data-path="demo/pack.zy"]');
  await page.click('#explorer .file[data-path="demo/pack.zy"] button[data-action=rename]');
  await page.fill('.modal input.ask', '../../evil.zy');
  await page.click('.modal button[data-choice=ok]');
  await page.waitForFunction(() => /refused path/.test(document.getElementById('status')!.textContent ?? ''));
  assert.ok(existsSync(join(root, 'demo/pack.zy')));
});

test('the tests panel runs the pack tests; a failure jumps to its test', async () => {
  await page.click('#run-tests');
  const summary = page.locator('[data-testid=test-summary]');
  await summary.waitFor();
  assert.match(await summary.textContent() ?? '', /^\d+ passed, 0 failed$/);
  await open('demo/fraud.test.zy');
  await page.evaluate(() => {
    const m = (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel();
    const i = m.getValue().indexOf('expect block');
    m.pushEditOperations([], [{ range: (window as unknown as { __zhiyu: Z }).__zhiyu.monaco.Range.fromPositions(m.getPositionAt(i), m.getPositionAt(i + 'expect block'.length)), text: 'expect allow' }], () => null);
  });
  await page.click('#run-tests');
  await page.locator('.test.fail').first().waitFor();
  assert.match(await summary.textContent() ?? '', /[1-9]\d* failed/);
  // Under the failure, why: the rule that asked for block, condition by condition, with the values it saw.
  const why = await page.locator('.test.fail [data-testid=test-why]').first().textContent() ?? '';
  assert.match(why, /fired \(fired and asks for block\)/);
  assert.match(why, /^\s+true\s+\S/m);
  await page.evaluate(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.setPosition({ lineNumber: 1, column: 1 }));
  await page.locator('.test.fail').first().click();
  const line = await page.evaluate(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getPosition().lineNumber);
  assert.ok(line > 1, 'the cursor moved to the failing test');
});

test('the Backtest panel replays the database and each rule shows its hits above it', async () => {
  await open('demo/fraud.zy');
  await page.click('#tab-backtest');
  await page.click('[data-testid=backtest-run]');
  const summary = page.locator('[data-testid=backtest-summary]');
  await summary.waitFor({ timeout: 60_000 });
  assert.match(await summary.textContent() ?? '', /events decided/);
  assert.ok(await page.locator('[data-testid=backtest-out] tbody tr').count() >= 5);
  const lens = page.locator('.codelens-decoration', { hasText: 'backtest:' });
  await lens.first().waitFor({ timeout: 10_000 });
  assert.match(await lens.first().textContent() ?? '', /backtest: [\d,]+ hits · precision/);
});

test('keystroke-to-marker latency on a 2,000-line pack (measured, not asserted)', async () => {
  await open('fraud/application.zy');
  await page.waitForFunction(() => /0 errors/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 30_000 });
  const samples: number[] = [];
  const worker: number[] = [];
  for (let i = 0; i < 5; i++) {
    const ms = await page.evaluate(() => new Promise<number>((resolve) => {
      const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
      const m = z.editor.getModel();
      const i = m.getValue().indexOf('event.type == "application"');
      z.editor.setPosition(m.getPositionAt(i + 'event.ty'.length));
      let t0 = 0;
      // The marker of this keystroke, not a lint pass of the one before.
      const sub = z.monaco.editor.onDidChangeMarkers(() => {
        const bad = z.monaco.editor.getModelMarkers({ resource: m.uri }).some((x: { message: string }) => /tyXpe/.test(x.message));
        if (bad && t0) { sub.dispose(); resolve(performance.now() - t0); }
      });
      z.editor.trigger('keyboard', 'type', { text: 'X' });
      t0 = performance.now();
    }));
    samples.push(ms);
    worker.push(await page.evaluate(() => (window as unknown as { __zhiyu: Z & { lastAnalysis: { workerMs: number } } }).__zhiyu.lastAnalysis.workerMs));
    await page.evaluate(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.trigger('keyboard', 'deleteLeft', {}));
    await waitForMarkers((ms) => ms.length === 0, 'the typo to clear');
  }
  samples.sort((a, b) => a - b);
  measured['pack lines'] = await page.evaluate(() => {
    const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
    return z.files.packs.find((p: { name: string }) => p.name === 'fraud').files.filter((f: { path: string }) => f.path.endsWith('.zy'))
      .reduce((n: number, f: { path: string }) => n + z.files.model(f.path).getLineCount(), 0);
  });
  measured['keystroke to marker, median (ms)'] = Math.round(samples[2]!);
  measured['keystroke to marker, worst of 5 (ms)'] = Math.round(samples[4]!);
  measured['of which checking in the worker, median (ms)'] = Math.round(worker.sort((a, b) => a - b)[2]!);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'editor.png') });
  assert.equal(problems, []);
});

test.run();
