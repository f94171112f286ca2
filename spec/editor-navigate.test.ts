// What VS Code users reach for (issue 19, item 6), in real Chromium: find
// references, rename across the pack's files, go to symbol, back and forward
// after a jump, file tabs, search across the pack, quick fixes from the
// compiler's hints, and a visible message when format is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { editorFixture, Z, type EditorFixture } from './editor-fixture.ts';

const fixture = editorFixture({ open: 'demo/fraud.zy' });
let f: EditorFixture;
const where = () => f.page.evaluate(() => {
  const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
  const m = z.editor.getModel();
  const p = z.editor.getPosition();
  return { path: m.uri.path.slice(1) as string, line: p.lineNumber as number, word: m.getWordAtPosition(p)?.word as string | undefined };
});
const modelText = (path: string) => f.page.evaluate((p) => (window as unknown as { __zhiyu: Z }).__zhiyu.files.model(p).getValue() as string, path);

test.before(async () => { f = await fixture.get(); });
test.after(() => fixture.close());

test('find references (Shift+F12) lists the declaration and the uses in every file', async () => {
  await f.cursorAfter('>= LARGE_TR');
  await f.page.keyboard.press('Shift+F12');
  const peek = f.page.locator('.zone-widget .reference-zone-widget, .peekview-widget');
  await peek.first().waitFor();
  await f.page.waitForFunction(() => /References \(\d+\)/.test(document.querySelector('.peekview-widget')?.textContent ?? ''));
  const count = Number(/References \((\d+)\)/.exec(await f.page.locator('.peekview-widget').first().textContent() ?? '')![1]);
  assert.is(count, 2, 'the declaration and its one use');
  await f.page.keyboard.press('Escape');
  // A list declared in another file: the peek lists both files.
  await f.cursorAfter('in police_fraud_acc');
  await f.page.keyboard.press('Shift+F12');
  await f.page.waitForFunction(() => /pack\.zy/.test(document.querySelector('.peekview-widget .ref-tree')?.textContent ?? ''));
  await f.page.keyboard.press('Escape');
});

test('rename (F2) changes the declaration and every use, in every file; a feature-store name is refused with a reason', async () => {
  await f.cursorAfter('rule TF_NEW_PAYEE_ON_');
  await f.page.keyboard.press('F2');
  const box = f.page.locator('.rename-box input, .rename-input');
  await box.first().waitFor();
  await box.first().fill('TF_NEW_PAYEE_DURING_CALL');
  await f.page.keyboard.press('Enter');
  await f.page.waitForFunction(() => /rule TF_NEW_PAYEE_DURING_CALL/.test((window as unknown as { __zhiyu: Z }).__zhiyu.files.model('demo/fraud.zy').getValue()));
  assert.match(await modelText('demo/fraud.test.zy'), /TF_NEW_PAYEE_DURING_CALL/, 'the test file\'s `expect fired` too');
  assert.not.match(await modelText('demo/fraud.test.zy'), /TF_NEW_PAYEE_ON_CALL\b/);
  assert.not.match(readFileSync(join(f.root, 'demo/fraud.test.zy'), 'utf8'), /TF_NEW_PAYEE_DURING_CALL/, 'unsaved until the analyst saves');
  await f.checked(0);

  await f.cursorAfter('event.amou');
  await f.page.keyboard.press('F2');
  await f.page.waitForFunction(() => /column of the feature store/.test(document.body.textContent ?? ''));
  await f.page.keyboard.press('Escape');
});

test('go to symbol in the pack (Ctrl+T), then Back (Alt+←) and Forward (Alt+→)', async () => {
  await f.open('demo/fraud.zy');
  await f.cursorAfter('rule ELDERLY_LAR');
  const from = await where();
  await f.page.keyboard.press('Control+t');
  await f.page.locator('[data-testid=symbol-input]').waitFor();
  await f.page.keyboard.type('police_fraud');
  await f.page.locator('#symbol-list [role=option][aria-selected=true]', { hasText: 'police_fraud_accounts' }).waitFor();
  await f.page.keyboard.press('Enter');
  await f.page.waitForFunction(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel().uri.path === '/demo/pack.zy');
  assert.is((await where()).word, 'police_fraud_accounts');
  await f.page.keyboard.press('Alt+ArrowLeft');
  await f.page.waitForFunction(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel().uri.path === '/demo/fraud.zy');
  assert.equal(await where(), from, 'Back returns to where the cursor was');
  await f.page.keyboard.press('Alt+ArrowRight');
  await f.page.waitForFunction(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel().uri.path === '/demo/pack.zy');
  // F12 is a jump too.
  await f.open('demo/fraud.zy');
  await f.cursorAfter('when moving_mon');
  const before = await where();
  await f.page.keyboard.press('F12');
  await f.page.waitForFunction((l) => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getPosition().lineNumber !== l, before.line);
  await f.page.click('#back');
  await f.page.waitForFunction((l) => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getPosition().lineNumber === l, before.line);
});

test('the outline of the file (Ctrl+Shift+O) lists its rules', async () => {
  await f.open('demo/fraud.zy');
  await f.page.evaluate(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.focus());
  await f.page.keyboard.press('Control+Shift+o');
  await f.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'POLICE_LIST_PAYEE' }).first().waitFor();
  await f.page.keyboard.press('Escape');
});

test('file tabs: each opened file has a tab; a click or the arrow keys and Enter switch files', async () => {
  await f.open('demo/pack.zy');
  await f.open('demo/fraud.zy');
  const tabs = f.page.locator('#tabs [role=tab]');
  assert.ok(await tabs.count() >= 2);
  assert.is(await f.page.locator('#tabs [role=tab][aria-selected=true]').getAttribute('data-path'), 'demo/fraud.zy');
  await f.page.click('#tabs [role=tab][data-path="demo/pack.zy"]');
  await f.page.waitForFunction(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel().uri.path === '/demo/pack.zy');
  await f.page.focus('#tabs [role=tab][aria-selected=true]');
  const next = await f.page.evaluate(() => {
    const all = Array.from(document.querySelectorAll<HTMLElement>('#tabs [role=tab]'));
    const i = all.findIndex((t) => t.getAttribute('aria-selected') === 'true');
    return all[(i + 1) % all.length]!.dataset['path'];
  });
  await f.page.keyboard.press('ArrowRight');
  await f.page.keyboard.press('Enter');
  await f.page.waitForFunction((p) => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel().uri.path === `/${p}`, next);
  // Unsaved files say so on their tab.
  await f.open('demo/fraud.zy');
  await f.cursorAfter('const ELDERLY_AGE = 60');
  await f.page.keyboard.type(' ');
  await f.page.locator('#tabs [role=tab][data-path="demo/fraud.zy"] .dirty').waitFor();
  await f.page.keyboard.press('Backspace');
});

test('search across the pack (Ctrl+Shift+F) finds unsaved text in every file; Enter opens a result', async () => {
  await f.open('demo/fraud.zy');
  await f.page.keyboard.press('Control+Shift+f');
  await f.page.locator('[data-testid=search-input]').waitFor();
  await f.page.fill('[data-testid=search-input]', 'police_fraud_accounts');
  await f.page.keyboard.press('Enter');
  await f.page.waitForFunction(() => /results? in [2-9] files/.test(document.querySelector('[data-testid=search-summary]')?.textContent ?? ''));
  const hit = f.page.locator('[data-testid=search-results] button.hit[data-path="demo/pack.zy"]').first();
  await hit.focus();
  await f.page.keyboard.press('Enter');
  await f.page.waitForFunction(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel().uri.path === '/demo/pack.zy');
  assert.is((await where()).word, 'police_fraud_accounts');
  // A bad regular expression is said so, not thrown.
  await f.page.click('#tab-search');
  await f.page.check('.search-controls label[title="Regular expression"] input');
  await f.page.fill('[data-testid=search-input]', 'police(');
  await f.page.keyboard.press('Enter');
  await f.page.waitForFunction(() => /Not a regular expression/.test(document.querySelector('[data-testid=search-summary]')?.textContent ?? ''));
  await f.page.uncheck('.search-controls label[title="Regular expression"] input');
});

test('a quick fix (Ctrl+.) applies the compiler\'s "did you mean"', async () => {
  await f.open('demo/fraud.zy');
  await f.cursorAfter('and not device.call_peer_in_contacts');
  await f.page.keyboard.type('\n   and event.amout > 1');
  await f.waitForMarkers((ms) => ms.some((m) => /amout/.test(m.message)), 'the typo\'s marker');
  await f.cursorAfter('event.amo');
  await f.page.keyboard.press('Control+.');
  const fix = f.page.locator('.action-widget .action-item, .context-view .monaco-list-row', { hasText: 'Change `amout` to `amount`' });
  await fix.first().waitFor();
  await fix.first().click();
  await f.waitForMarkers((ms) => !ms.some((m) => /amout/.test(m.message)), 'the marker to go');
  assert.match(await f.text(), /and event\.amount > 1/);
  await f.page.keyboard.press('Control+z');
  await f.page.keyboard.press('Control+z');
});

test('format refused on a syntax error says so in the status line, with the line and the error', async () => {
  await f.open('demo/fraud.zy');
  await f.cursorAfter('const ELDERLY_AGE = 60');
  await f.page.keyboard.type('\nconst = = 3');
  await f.page.click('#format');
  await f.page.waitForFunction(() => /Format refused: demo\/fraud\.zy has syntax errors \(line \d+: ZY1\d{3}/.test(document.getElementById('announce')?.textContent ?? ''));
  assert.match(await f.text(), /\nconst = = 3/, 'the text is left alone');
  await f.page.evaluate(() => { const z = (window as unknown as { __zhiyu: Z }).__zhiyu; while (z.files.isDirty('demo/fraud.zy')) z.editor.trigger('test', 'undo', {}); });
  assert.equal(f.problems, []);
});

test.run();
