// The editor in real headless Chromium, against a real server on loopback
// with a copy of the shipped packs and a real SQLite demo database: the
// basics an analyst does first (check, complete, hover, go to definition,
// format, Try it, save, tests, backtest).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEditor, type EditorService } from '../editor/server/app.ts';
import { ARTIFACTS } from './browser.ts';
import type { Page } from 'playwright-core';
import { editorFixture, editorReady, Z, type EditorFixture } from './editor-fixture.ts';

const fixture = editorFixture({ db: true });
let f: EditorFixture;
const measured: Record<string, number> = {};

test.before(async () => {
  const started = Date.now();
  f = await fixture.get();
  await f.checked(0);
  measured['page load to first check (ms)'] = Date.now() - started;
});

/** A server and a page of the test's own (the fixture's page has long since asked its server), both closed afterwards. */
async function onOwnServer(fn: (svc: EditorService, page: Page) => Promise<void>): Promise<void> {
  const svc = await startEditor({ root: f.root, port: 0 });
  const page = await f.ctx.newPage();
  try {
    await fn(svc, page);
  } finally {
    await page.close();
    await svc.close();
  }
}

test.after(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, 'editor-timings.json'), `${JSON.stringify(measured, null, 2)}\n`);
  console.log(`\n  editor timings (Chromium): ${JSON.stringify(measured)}`);
  await fixture.close();
});

test('the page loads with no console errors, from this server only, and checks the pack', async () => {
  const res = await f.page.goto(`${f.svc.url}/`);
  assert.match(res!.headers()['content-security-policy'] ?? '', /default-src 'self'/);
  await f.page.waitForFunction(() => (window as unknown as { __zhiyu?: Z }).__zhiyu?.ready === true, null, { timeout: 30_000 });
  await f.page.waitForSelector('#explorer .file[data-path="fraud/application.zy"]');
  await f.checked(0);
  assert.equal(f.problems, []);
  // Highlighting comes from the compiler's tokens: keywords get their own class.
  assert.ok(await f.page.locator('.view-line span[class*="mtk"]').count() > 10);
  // The minimap is drawn from the frame after the first file's text (main.ts): later, never left out.
  await f.page.waitForFunction(() => {
    const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
    return z.editor.getOption(z.monaco.editor.EditorOption.minimap).enabled === true && (document.querySelector('#editor .minimap')?.getBoundingClientRect().width ?? 0) > 0;
  }, null, { timeout: 30_000 });
});

test('Try it\'s thread on the server starts once the page has painted its first file and asks, not when the page is requested', async () => {
  await onOwnServer(async (svc, page) => {
    let asked!: () => void;
    const wasAsked = new Promise<void>((r) => { asked = r; });
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    await page.route('**/api/try/warm', async (route) => { asked(); await held; await route.continue(); });
    await page.goto(`${svc.url}/`);
    await editorReady(page);
    assert.ok((await page.locator('#editor .view-line').first().textContent())?.trim(), 'the first file is painted');
    await wasAsked;
    assert.is(svc.tryStarted(), false, 'the page, its script and its first file were served, and the thread is not running');
    const answered = page.waitForResponse('**/api/try/warm');
    release();
    assert.equal(await (await answered).json(), { started: true });
    assert.is(svc.tryStarted(), true, 'the page asked: the thread runs');
  });
});

test('the workspace is asked for once, by the page\'s <head> (a preload boot.ts takes), before any script runs', async () => {
  await onOwnServer(async (svc, page) => {
    await page.goto(`${svc.url}/`);
    await editorReady(page);
    const asked = await page.evaluate(() => {
      const all = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
      const at = (p: string) => all.filter((r) => new URL(r.name).pathname === p);
      // Up to the first file's request (boot.ts asks for it once it has the workspace); the page asks again later (changes on disk).
      const file = at('/api/file')[0]!.startTime;
      return at('/api/workspace').filter((r) => r.startTime < file).map((r) => r.initiatorType);
    });
    // 'link': the <link rel="preload"> asked; boot.ts's fetch took that answer rather than asking again (a second entry, 'fetch').
    assert.equal(asked, ['link']);
  });
});

test('while Monaco loads, the first file\'s text is on screen as plain lines; the editor takes their place', async () => {
  await onOwnServer(async (svc, page) => {
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    // The page's script (Monaco with it) held back: only boot.ts runs.
    await page.route(/\/main-[A-Z0-9]{8}\.js$/, async (route) => { await held; await route.continue(); });
    await page.goto(`${svc.url}/`, { waitUntil: 'commit' });
    await page.waitForSelector('#editor .first-paint > div', { timeout: 60_000 });
    const disk = readFileSync(join(f.root, 'fraud/application.zy'), 'utf8').split('\n');
    const shown = await page.evaluate(() => {
      const box = document.querySelector('#editor .first-paint')!;
      return { hidden: box.getAttribute('aria-hidden'), lines: Array.from(box.querySelectorAll(':scope > div')).map((d) => d.childNodes[1]?.textContent ?? ''), editor: Boolean((window as unknown as { __zhiyu?: Z }).__zhiyu) };
    });
    assert.is(shown.editor, false, 'Monaco has not loaded');
    assert.is(shown.hidden, 'true', 'not an editor: hidden from screen readers');
    assert.ok(shown.lines.length > 5);
    assert.equal(shown.lines, disk.slice(0, shown.lines.length), 'the first file, line by line');
    release();
    await editorReady(page);
    assert.is(await page.locator('#editor .first-paint').count(), 0, 'gone once the editor shows the file');
    assert.is((await page.locator('#editor .view-line').first().textContent())?.trim() !== '', true);
  });
});

test('typing an unknown feature shows a marker with its code; completion offers a schema feature; fixing it clears the marker', async () => {
  await f.open('demo/fraud.zy');
  await f.waitForMarkers((ms) => ms.length === 0, 'a clean file');
  await f.cursorAfter('when event.type == "transfer_out"');
  await f.page.keyboard.type('\n   and event.amout > 1');
  await f.waitForMarkers((ms) => ms.some((m) => /amout/.test(m.message)), 'a marker on event.amout');
  const m = (await f.markers()).find((x) => /amout/.test(x.message))!;
  assert.match(m.code, /^ZY2\d{3}$/);
  assert.match(m.message, /amount/, 'did you mean');
  assert.ok(await f.page.locator('#problems .problem').count() >= 1, 'the problems list shows it');

  // Completion: rewrite the word from `event.` on and ask for suggestions.
  for (let i = 0; i < 'amout > 1'.length; i++) await f.page.keyboard.press('Backspace');
  await f.page.keyboard.type('am');
  await f.page.keyboard.press('Control+Space');
  const row = f.page.locator('.suggest-widget .monaco-list-row', { hasText: 'amount' });
  // Once in a full CI run (never alone) the list did not show `amount` within 10 s; the cause is not
  // known. Asking again as an analyst would keeps the check, and the first widget's text is printed.
  const shown = await row.first().waitFor({ timeout: 10_000 }).then(() => true, () => false);
  if (!shown) {
    console.log(`  completion retried; the widget first showed: ${JSON.stringify(await f.page.locator('.suggest-widget').first().textContent().catch(() => null))}`);
    await f.page.keyboard.press('Escape');
    await f.page.keyboard.press('Control+Space');
    await row.first().waitFor({ timeout: 10_000 });
  }
  await f.page.keyboard.press('Enter');
  await f.page.keyboard.type(' >= ¥1');
  await f.waitForMarkers((ms) => ms.length === 0, 'the marker to clear');
  assert.match(await f.text(), /and event\.amount >= ¥1/);
});

test('hover shows a feature with its type and description', async () => {
  await f.cursorAfter('device.in_ca');
  await f.page.evaluate(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.trigger('test', 'editor.action.showHover', {}));
  const hover = f.page.locator('.monaco-hover-content', { hasText: 'device.in_call' });
  await hover.first().waitFor({ timeout: 10_000 });
  assert.match(await hover.first().textContent() ?? '', /bool[\s\S]*A phone call is active/);
  await f.page.keyboard.press('Escape');
});

test('go to definition opens the file that declares a list; format document lays the file out', async () => {
  await f.open('demo/fraud.zy');
  await f.cursorAfter('event.payee_id in police_fr');
  await f.page.keyboard.press('F12');
  await f.page.waitForFunction(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel().uri.path === '/demo/pack.zy');
  const word = await f.page.evaluate(() => {
    const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
    return z.editor.getModel().getWordAtPosition(z.editor.getPosition())?.word;
  });
  assert.is(word, 'police_fraud_accounts');

  await f.open('demo/fraud.zy');
  await f.page.evaluate(() => {
    const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
    const m = z.editor.getModel();
    const i = m.getValue().indexOf('const ELDERLY_AGE = 60');
    m.pushEditOperations([], [{ range: z.monaco.Range.fromPositions(m.getPositionAt(i), m.getPositionAt(i + 'const ELDERLY_AGE = 60'.length)), text: 'const    ELDERLY_AGE=60' }], () => null);
  });
  await f.page.click('#format');
  await f.page.waitForFunction(() => /\nconst ELDERLY_AGE = 60\n/.test((window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel().getValue()));
});

test('Try it shows the expected outcome for a known event and paints the conditions', async () => {
  const { page } = f;
  await page.click('#tab-try');
  await page.selectOption('[data-testid=try-source]', 'test');
  await page.selectOption('[data-testid=try-pick]', 'the police list blocks');
  await page.click('[data-testid=try-run]');
  await page.locator('[data-testid=try-outcome]').waitFor();
  assert.is(await page.locator('[data-testid=try-outcome]').textContent(), 'block');
  assert.match(await page.locator('[data-testid=try-out]').textContent() ?? '', /POLICE_LIST_PAYEE/);
  await page.locator('.trace-true').first().waitFor({ timeout: 10_000 });

  // A stored event from the database, decided as of its own time: once the list is there, the first is chosen.
  await page.selectOption('[data-testid=try-source]', 'stored');
  await page.locator('[data-testid=try-events] .event-row.selected').waitFor();
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

test('Try it never sends an event that has not loaded: on a slow server, Run waits for the stored events (issue 15 #13)', async () => {
  const { page } = f;
  await page.selectOption('[data-testid=try-source]', 'test');
  // The stored events take as long as the test says: their answer is held until Run has been clicked.
  let release!: () => void;
  const held = new Promise<void>((r) => { release = r; });
  await page.route('**/api/events?*', async (route) => { await held; await route.continue(); });
  await page.evaluate(() => { document.querySelector('[data-testid=try-out]')!.textContent = ''; });
  await page.selectOption('[data-testid=try-source]', 'stored');
  assert.ok(await page.locator('[data-testid=try-run]').isDisabled(), 'Run waits while the events load');
  assert.match(await page.locator('[data-testid=try-state]').textContent() ?? '', /Loading events/);
  // Clicking anyway (a script, a quick double click) sends nothing half-loaded.
  await page.evaluate(() => (document.querySelector('[data-testid=try-run]') as HTMLButtonElement).click());
  assert.not.match(await page.locator('[data-testid=try-out]').textContent() ?? '', /not valid JSON/);
  release();
  await page.locator('[data-testid=try-events] .event-row.selected').waitFor();
  await page.unroute('**/api/events?*');
  // Run is enabled once the loaded event is in place (the row may be painted a frame before the button changes).
  await page.waitForFunction(() => !(document.querySelector('[data-testid=try-run]') as HTMLButtonElement).disabled);
  await page.click('[data-testid=try-run]');
  await page.locator('[data-testid=try-outcome]').waitFor();
  assert.not.match(await page.locator('[data-testid=try-out]').textContent() ?? '', /not valid JSON/);
});

test('Save writes the file on disk; unsaved text survives a reload', async () => {
  const { page } = f;
  await f.open('demo/fraud.zy');
  await f.cursorAfter('const ELDERLY_AGE = 60');
  await page.keyboard.type('\n# saved from the browser');
  await page.keyboard.press('Control+s');
  const file = join(f.root, 'demo/fraud.zy');
  await page.waitForFunction(() => /saved demo\/fraud\.zy/.test(document.getElementById('announce')!.textContent ?? ''));
  assert.match(readFileSync(file, 'utf8'), /const ELDERLY_AGE = 60\n# saved from the browser/);
  assert.match(readFileSync(file, 'utf8'), /and event\.amount >= ¥1/);

  await page.keyboard.type('\n# not saved yet');
  await page.waitForSelector('#explorer .file[data-path="demo/fraud.zy"] .dirty');
  await page.reload();
  await page.waitForFunction(() => (window as unknown as { __zhiyu?: Z }).__zhiyu?.ready === true);
  assert.match(await f.text(), /# not saved yet/);
  assert.not.match(readFileSync(file, 'utf8'), /# not saved yet/);
  await page.waitForSelector('#explorer .file[data-path="demo/fraud.zy"] .dirty');
});

test('a file changed on disk is not overwritten silently: the user chooses', async () => {
  const { page } = f;
  const file = join(f.root, 'demo/fraud.zy');
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
  const { page } = f;
  const r = await page.evaluate(async () => {
    const res = await fetch('/api/file', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: '../../evil.zy', text: 'x', force: true }) });
    return { status: res.status, body: await res.json() };
  });
  assert.is(r.status, 403);
  assert.is(r.body.error.code, 'ZY8101');
  assert.not.ok(existsSync(join(f.root, '..', 'evil.zy')));
  // Through the UI: renaming a file out of its pack.
  await page.hover('#explorer .file[data-path="demo/pack.zy"]');
  await page.click('#explorer .file[data-path="demo/pack.zy"] button[data-action=rename]');
  await page.fill('.modal input.ask', '../../evil.zy');
  await page.click('.modal button[data-choice=ok]');
  await page.waitForFunction(() => /refused path/.test(document.getElementById('status')!.textContent ?? ''));
  assert.ok(existsSync(join(f.root, 'demo/pack.zy')));
});

test('the tests panel runs the pack tests; a failure jumps to its test', async () => {
  const { page } = f;
  await f.open('demo/fraud.test.zy');
  await page.click('#run-tests');
  const summary = page.locator('[data-testid=test-summary]');
  await summary.waitFor();
  assert.match(await summary.textContent() ?? '', /^\d+ passed, 0 failed$/);
  await page.evaluate(() => {
    const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
    const m = z.editor.getModel();
    const i = m.getValue().indexOf('expect block');
    m.pushEditOperations([], [{ range: z.monaco.Range.fromPositions(m.getPositionAt(i), m.getPositionAt(i + 'expect block'.length)), text: 'expect allow' }], () => null);
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
  await page.evaluate(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.trigger('test', 'undo', {}));
});

test('the Backtest panel replays the database and each rule shows its hits above it', async () => {
  const { page } = f;
  await f.open('demo/fraud.zy');
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

test('keystroke-to-marker latency on a 2,000-line pack (measured, not asserted: bench/editor.ts judges it)', async () => {
  const { page } = f;
  await f.open('fraud/application.zy');
  await f.checked(0);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const ms = await page.evaluate(() => new Promise<number>((resolve) => {
      const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
      const m = z.editor.getModel();
      const at = m.getValue().indexOf('event.type == "application"');
      z.editor.setPosition(m.getPositionAt(at + 'event.ty'.length));
      let t0 = 0;
      // The marker of this keystroke, not a lint pass of the one before.
      const sub = z.monaco.editor.onDidChangeMarkers(() => {
        const bad = z.monaco.editor.getModelMarkers({ resource: m.uri }).some((x: { message: string }) => /tyXpe/.test(x.message));
        if (bad && t0) { sub.dispose(); resolve(performance.now() - t0); }
      });
      t0 = performance.now();
      z.editor.trigger('keyboard', 'type', { text: 'X' });
    }));
    samples.push(ms);
    await page.evaluate(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.trigger('keyboard', 'deleteLeft', {}));
    await f.waitForMarkers((ms) => ms.length === 0, 'the typo to clear');
  }
  samples.sort((a, b) => a - b);
  measured['keystroke to marker, median (ms)'] = Math.round(samples[2]!);
  measured['keystroke to marker, worst of 5 (ms)'] = Math.round(samples[4]!);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'editor.png') });
  assert.equal(f.problems, []);
});

test.run();
