// Saving is safe (issue 19, item 3), in real Chromium: a change on disk is
// noticed while the file is open; the conflict dialog takes the focus,
// Escape cancels it, and it compares the two texts side by side; discarding
// the analyst's text can be undone; saving a pack with errors asks first.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { editorFixture, Z, type EditorFixture } from './editor-fixture.ts';

const fixture = editorFixture({ open: 'demo/fraud.zy' });
let f: EditorFixture;
const file = () => join(f.root, 'demo/fraud.zy');
/** The page looks at the disk when its window gets the focus (and every few seconds). */
const lookAtDisk = () => f.page.evaluate(() => window.dispatchEvent(new Event('focus')));
const model = () => f.page.evaluate(() => (window as unknown as { __zhiyu: Z }).__zhiyu.files.model('demo/fraud.zy').getValue() as string);
const dirty = () => f.page.evaluate(() => (window as unknown as { __zhiyu: Z }).__zhiyu.files.isDirty('demo/fraud.zy') as boolean);

test.before(async () => { f = await fixture.get(); });
test.after(() => fixture.close());

test('a clean file changed on disk is reloaded while open, and Ctrl+Z brings back what it held', async () => {
  const before = readFileSync(file(), 'utf8');
  writeFileSync(file(), `${before}# added by someone else\n`);
  await lookAtDisk();
  await f.page.waitForFunction(() => /added by someone else/.test((window as unknown as { __zhiyu: Z }).__zhiyu.files.model('demo/fraud.zy').getValue()));
  assert.match(await f.page.locator('#announce').textContent() ?? '', /changed on disk and was reloaded/);
  assert.not.ok(await dirty(), 'it holds the disk text: nothing unsaved');
  await f.page.evaluate(() => { const z = (window as unknown as { __zhiyu: Z }).__zhiyu; z.editor.focus(); z.editor.trigger('keyboard', 'undo', {}); });
  assert.is(await model(), before, 'undo brings back the text it held');
  await f.page.evaluate(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.trigger('keyboard', 'redo', {}));
  assert.not.ok(await dirty());
});

test('an edited file changed on disk is flagged at once, not only at save; comparing shows both side by side', async () => {
  await f.cursorAfter('const ELDERLY_AGE = 60');
  await f.page.keyboard.type('\n# mine');
  const disk = `${readFileSync(file(), 'utf8')}# theirs\n`;
  writeFileSync(file(), disk);
  await lookAtDisk();
  const banner = f.page.locator('#disk-banner');
  await banner.getByText('changed on disk while you were editing it').waitFor();
  assert.match(await model(), /# mine/, 'the analyst\'s text is untouched');
  await banner.locator('button[data-choice=compare]').click();
  const dialog = f.page.locator('.modal[role=dialog]');
  await dialog.waitFor();
  assert.is(await f.page.evaluate(() => document.activeElement?.closest('.modal') !== null), true, 'the dialog has the focus');
  await f.page.click('.modal button[data-choice=compare]');
  const diff = f.page.locator('[data-testid=diff-editor] .monaco-diff-editor');
  await diff.waitFor();
  await f.page.waitForFunction(() => document.querySelectorAll('[data-testid=diff-editor] .monaco-editor .view-lines').length === 2);
  const sides = await f.page.locator('[data-testid=diff-editor] .editor.original, [data-testid=diff-editor] .editor.modified').count();
  assert.is(sides, 2, 'disk on the left, yours on the right');
  // Yours on the right, with the line you added marked as an insertion against the disk.
  // (Monaco draws spaces as no-break spaces.)
  await f.page.waitForFunction(() => /#\smine/.test(document.querySelector('[data-testid=diff-editor] .editor.modified')?.textContent ?? '')
    && !/#\smine/.test(document.querySelector('[data-testid=diff-editor] .editor.original')?.textContent ?? '')
    && !!document.querySelector('[data-testid=diff-editor] .editor.modified .line-insert, [data-testid=diff-editor] .editor.modified .char-insert'));
  // Escape closes it and writes nothing.
  await f.page.keyboard.press('Escape');
  await f.page.waitForFunction(() => !document.querySelector('.modal'));
  assert.is(readFileSync(file(), 'utf8'), disk);
  assert.match(await model(), /# mine/);
});

test('Save over a change on disk: the dialog takes the focus, Escape cancels; loading the disk version is undoable', async () => {
  const disk = readFileSync(file(), 'utf8');
  await f.page.keyboard.press('Control+s');
  const dialog = f.page.locator('.modal[role=dialog]');
  await dialog.waitFor();
  assert.match(await dialog.textContent() ?? '', /changed on disk since you opened it/);
  assert.is(await f.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset['choice']), 'compare', 'the focus is on the dialog\'s first choice');
  await f.page.keyboard.press('Tab');
  assert.ok(await f.page.evaluate(() => document.activeElement?.closest('.modal') !== null), 'Tab stays inside the dialog');
  await f.page.keyboard.press('Escape');
  await f.page.waitForFunction(() => !document.querySelector('.modal'));
  assert.is(readFileSync(file(), 'utf8'), disk, 'cancelled: nothing written');
  assert.match(await model(), /# mine/);

  await f.page.keyboard.press('Control+s');
  await dialog.waitFor();
  await f.page.click('.modal button[data-choice=reload]');
  await f.page.waitForFunction((d) => (window as unknown as { __zhiyu: Z }).__zhiyu.files.model('demo/fraud.zy').getValue() === d, disk);
  assert.not.ok(await dirty());
  // Discarding was a mistake: Ctrl+Z brings the analyst's text back.
  await f.page.evaluate(() => { const z = (window as unknown as { __zhiyu: Z }).__zhiyu; z.editor.focus(); z.editor.trigger('keyboard', 'undo', {}); });
  assert.match(await model(), /# mine/);
  assert.ok(await dirty());
  // The disk version is now the one the text started from: saving the undone text replaces it, knowingly.
  await f.page.keyboard.press('Control+s');
  await f.page.waitForFunction(() => /saved demo\/fraud\.zy/.test(document.getElementById('announce')?.textContent ?? ''));
  assert.match(readFileSync(file(), 'utf8'), /# mine/);
  assert.not.match(readFileSync(file(), 'utf8'), /# theirs/);
  // Overwriting from the dialog is the analyst's choice too.
  writeFileSync(file(), `${readFileSync(file(), 'utf8')}# theirs again\n`);
  await f.cursorAfter('# mine');
  await f.page.keyboard.type(' and more');
  await f.page.keyboard.press('Control+s');
  await dialog.waitFor();
  await f.page.click('.modal button[data-choice=overwrite]');
  await f.page.waitForFunction(() => /saved demo\/fraud\.zy/.test(document.getElementById('announce')?.textContent ?? ''));
  assert.match(readFileSync(file(), 'utf8'), /# mine and more/);
  assert.not.match(readFileSync(file(), 'utf8'), /# theirs again/);
});

test('saving a pack with errors asks first; Cancel writes nothing, "Save anyway" does', async () => {
  await f.cursorAfter('const ELDERLY_AGE = 60');
  await f.page.keyboard.type('\nconst BROKEN = nope_nothing');
  await f.checked(1);
  const before = readFileSync(file(), 'utf8');
  await f.page.keyboard.press('Control+s');
  const dialog = f.page.locator('.modal[role=dialog]');
  await dialog.waitFor();
  assert.match(await dialog.textContent() ?? '', /with errors\?[\s\S]*1 error \(1 in this file\)/);
  assert.is(await f.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset['choice']), 'cancel', 'Cancel has the focus: Enter does not save by accident');
  await f.page.keyboard.press('Enter');
  await f.page.waitForFunction(() => !document.querySelector('.modal'));
  assert.is(readFileSync(file(), 'utf8'), before);
  await f.page.keyboard.press('Control+s');
  await dialog.waitFor();
  await f.page.click('.modal button[data-choice=save]');
  await f.page.waitForFunction(() => /saved demo\/fraud\.zy/.test(document.getElementById('announce')?.textContent ?? ''));
  assert.match(readFileSync(file(), 'utf8'), /const BROKEN = nope_nothing/);
  assert.equal(f.problems, []);
});

test.run();
