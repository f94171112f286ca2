// Typing in the editor, in real Chromium (issue 19, items 1 and 2): nothing
// pops up where nothing fits and Enter stays a new line unless a suggestion
// was chosen; completions know the place; checks never queue up behind
// typing; unsaved text is not written on every keystroke. Behaviour only —
// how fast is bench/editor.ts's business.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { editorFixture, Z, type EditorFixture } from './editor-fixture.ts';

const fixture = editorFixture({ open: 'demo/fraud.zy' });
let f: EditorFixture;

const suggestions = () => f.page.locator('.suggest-widget.visible .monaco-list-row');
const rows = async (): Promise<string[]> => (await suggestions().allTextContents()).map((t) => t.trim());
/** What the editor's completion provider answers here, as Monaco asks it while typing (not Ctrl+Space). */
const provided = () => f.page.evaluate(async () => {
  const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
  const m = z.editor.getModel();
  const r = await z.ask('complete', { path: m.uri.path.slice(1), offset: m.getOffsetAt(z.editor.getPosition()), explicit: false });
  return (r.items as { label: string }[]).map((i) => i.label);
});
const line = () => f.page.evaluate(() => {
  const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
  return z.editor.getModel().getLineContent(z.editor.getPosition().lineNumber) as string;
});
/** A fresh line inside a rule's condition of demo/fraud.zy, cursor on it. */
async function freshLine(after = 'and event.amount >= LARGE_TRANSFER'): Promise<void> {
  await f.open('demo/fraud.zy');
  await f.cursorAfter(after);
  await f.page.evaluate(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.trigger('test', 'type', { text: '\n   ' }));
}
async function undoAll(): Promise<void> {
  await f.page.keyboard.press('Escape');
  await f.page.evaluate(() => {
    const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
    while (z.files.isDirty('demo/fraud.zy')) z.editor.trigger('test', 'undo', {});
  });
}

test.before(async () => { f = await fixture.get(); });
test.after(() => fixture.close());

test('after `and ` the predicates, features and functions pop up, nothing chosen: Enter is a new line', async () => {
  await freshLine();
  await f.page.keyboard.type('and ');
  await suggestions().first().waitFor();
  assert.ok((await rows())[0]!.startsWith('moving_money'), 'the pack\'s predicates first');
  const offered = await provided();
  for (const want of ['moving_money', 'event', 'device', 'count', 'age', 'LARGE_TRANSFER']) assert.ok(offered.includes(want), `${want} in ${offered.join(' | ')}`);
  for (const no of ['rule', 'then', 'owner']) assert.not.ok(offered.includes(no), `no \`${no}\` in a condition`);
  assert.is(await f.page.locator('.suggest-widget .monaco-list-row.focused').count(), 0, 'nothing preselected');
  await f.page.keyboard.press('Enter');
  assert.is((await line()).trim(), '', 'Enter made a new line and inserted nothing');
  // Choosing one with the arrow keys, then Enter, takes it.
  await f.page.keyboard.type('and event.am');
  await suggestions().filter({ hasText: 'amount' }).first().waitFor();
  await f.page.keyboard.press('ArrowDown');
  await f.page.keyboard.press('Enter');
  assert.match(await line(), /and event\.amount$/);
  await undoAll();
});

test('after a money literal Enter is a new line: no completion after a literal, none from words in the text', async () => {
  await freshLine();
  await f.page.keyboard.type('and event.amount > ¥20,000');
  assert.equal(await provided(), [], 'nothing to complete after a literal');
  await f.page.keyboard.press('Enter');
  const text = await f.text();
  assert.match(text, /and event\.amount > ¥20,000\n/, 'the line ends as typed');
  assert.not.match(text, /¥20,000,/);
  // Words that appear only in comments or strings are never offered.
  await f.page.keyboard.type('and zzunique');
  await f.page.evaluate(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel().pushEditOperations([], [{ range: { startLineNumber: 1, startColumn: 1, endLineNumber: 1, endColumn: 1 }, text: '# zzuniqueword here\n' }], () => null));
  assert.not.ok((await provided()).some((l) => l.startsWith('zzunique')));
  await undoAll();
});

test('nothing pops up in a comment or a plain string; a message placeholder completes', async () => {
  await freshLine();
  await f.page.keyboard.type('# a note about event.');
  assert.equal(await provided(), []);
  await undoAll();
  await f.cursorAfter('reason CRED_STUFFING');
  await f.page.keyboard.type('\n  message "登录 event.');
  assert.equal(await provided(), [], 'a string is text');
  await f.page.keyboard.type('{event.');
  await suggestions().filter({ hasText: 'customer_id' }).first().waitFor();
  await undoAll();
});

test('after `==` on an enum its values; after `then` the outcomes', async () => {
  await freshLine();
  await f.page.keyboard.type('and event.type == ');
  await suggestions().first().waitFor();
  assert.ok((await rows()).some((r) => r.startsWith('"transfer_out"')));
  await undoAll();
  await f.cursorAfter('reason CRED_STUFFING');
  await f.page.keyboard.type('\n  then ');
  await suggestions().first().waitFor();
  assert.equal((await rows()).map((r) => r.split(/outcome/)[0]!.trim()), ['block', 'hold', 'review', 'allow']);
  await undoAll();
});

test('inside sum( the field, then the parts not given yet, with signature help naming the part', async () => {
  await freshLine();
  await f.page.keyboard.type('and sum(');
  const hints = f.page.locator('.parameter-hints-widget.visible');
  await hints.waitFor();
  assert.match(await hints.textContent() ?? '', /sum\(FIELD, by KEY/);
  assert.match(await f.page.locator('.parameter-hints-widget .parameter.active').textContent() ?? '', /FIELD/);
  await suggestions().filter({ hasText: 'amount' }).first().waitFor();
  await f.page.keyboard.press('Escape');
  await f.page.keyboard.type('amount, ');
  await suggestions().filter({ hasText: 'where' }).first().waitFor();
  const parts = (await rows()).map((r) => r.split(/\s{2,}|only|a rolling|since|count/)[0]!.trim());
  for (const want of ['by', 'last', 'today', 'where', 'including current']) assert.ok(parts.includes(want), `${want} in ${parts.join(' | ')}`);
  assert.not.ok(parts.includes('amount'), 'the field is given already');
  await f.page.keyboard.press('Escape');
  await f.page.keyboard.type('by customer_id, ');
  // The part after `by` given: the window is next.
  await f.page.waitForFunction(() => /last D/.test(document.querySelector('.parameter-hints-widget.visible .parameter.active')?.textContent ?? ''));
  await undoAll();
});

test('the new language in the editor: a rule\'s own lets and the quantifiers where a value goes; percentile( names its percentile', async () => {
  await freshLine('severity high');
  await f.page.keyboard.type('let big_one = event.amount > ¥1');
  await f.page.keyboard.press('Escape');
  await freshLine();
  await f.page.keyboard.type('and big');
  await suggestions().filter({ hasText: 'big_one' }).first().waitFor();
  await f.page.keyboard.press('Escape');
  await f.page.keyboard.type('_one and ');
  await suggestions().first().waitFor();
  const offered = await provided();
  for (const want of ['big_one', 'any of', 'count of', 'percentile', 'sequence']) assert.ok(offered.includes(want), `${want} in ${offered.join(' | ')}`);
  await f.page.keyboard.press('Escape');
  await f.page.keyboard.type('percentile(amount, ');
  await f.page.waitForFunction(() => document.querySelector('.parameter-hints-widget.visible .parameter.active')?.textContent?.trim() === 'P');
  assert.match(await f.page.locator('.parameter-hints-widget.visible').textContent() ?? '', /percentile\(FIELD, P, by KEY/);
  await undoAll();
});

test('completion offers a name declared a moment ago: its worker takes the pack\'s names from the last analysis once typing pauses', async () => {
  await f.open('demo/fraud.zy');
  await f.cursorAfter('predicate moving_money');
  await f.page.evaluate(() => {
    const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
    const m = z.editor.getModel();
    const p = z.editor.getPosition();
    m.pushEditOperations([], [{ range: new z.monaco.Range(p.lineNumber, 1, p.lineNumber, 1), text: 'predicate night_owl = event.amount > ¥1\n' }], () => null);
  });
  await f.checked(0);
  await freshLine();
  await f.page.keyboard.type('and night_');
  // The names reach the completion worker a moment after the check: ask until they have (no clock involved).
  for (let tries = 0; !(await provided()).includes('night_owl'); tries++) {
    assert.ok(tries < 300, 'the new predicate never reached completion');
    await f.page.waitForTimeout(100);
  }
  await f.page.keyboard.press('Escape');
  await f.page.keyboard.press('Backspace');
  await f.page.keyboard.type('_');
  await suggestions().filter({ hasText: 'night_owl' }).first().waitFor();
  await undoAll();
});

test('checks never queue up: one in flight at a time, a burst of keystrokes makes one check, and stale results are dropped', async () => {
  await f.open('fraud/application.zy');
  await f.checked(0);
  const before = await f.page.evaluate(() => ({ ...(window as unknown as { __zhiyu: Z }).__zhiyu.checks.stats }));
  // Ten keystrokes in one task (a paste, a multi-cursor edit): one check.
  await f.cursorAfter('event.type == "application"');
  await f.page.evaluate(() => { const z = (window as unknown as { __zhiyu: Z }).__zhiyu; for (const c of ' and true '.split('')) z.editor.trigger('keyboard', 'type', { text: c }); });
  const done = (n: number) => f.page.waitForFunction((k) => { const c = (window as unknown as { __zhiyu: Z }).__zhiyu.checks; return c.stats.requests >= k && !c.busy; }, n);
  await done(before.requests + 1);
  const burst = await f.page.evaluate(() => ({ ...(window as unknown as { __zhiyu: Z }).__zhiyu.checks.stats }));
  assert.is(burst.requests - before.requests, 1, 'ten keystrokes in one task, one check');
  // Then keystrokes one task at a time while checks run: never two in flight, and what shows is the last text's check.
  await f.page.evaluate(async () => {
    const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
    for (const c of 'and event.tyXpe == "x"'.split('')) {
      z.editor.trigger('keyboard', 'type', { text: c });
      await new Promise((r) => setTimeout(r, 0));
    }
  });
  await f.waitForMarkers((ms) => ms.some((m) => /tyXpe/.test(m.message)), 'the marker of the last text');
  await done(burst.requests + 1);
  const after = await f.page.evaluate(() => ({ ...(window as unknown as { __zhiyu: Z }).__zhiyu.checks.stats }));
  assert.is(after.maxInFlight, 1, 'never two checks in flight');
  const shown = await f.markers();
  assert.ok(shown.every((m) => !/tyXp\b|tyX\b/.test(m.message)), 'no marker from a text that is gone');
  await f.page.evaluate(() => { const z = (window as unknown as { __zhiyu: Z }).__zhiyu; while (z.files.isDirty('fraud/application.zy')) z.editor.trigger('test', 'undo', {}); });
});

test('unsaved text is kept once typing pauses or the page goes away, not on every keystroke', async () => {
  await f.open('demo/fraud.zy');
  const counted = await f.page.evaluate(() => {
    const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
    let storage = 0;
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (k: string, v: string) { if (k.startsWith('zhiyu.unsaved:')) storage++; return setItem.call(this, k, v); };
    const writes = z.files.kept.writes;
    const m = z.editor.getModel();
    z.editor.setPosition(m.getPositionAt(m.getValue().indexOf('const ELDERLY_AGE = 60') + 22));
    for (const c of '\n# twenty keystrokes!'.split('')) z.editor.trigger('keyboard', 'type', { text: c });
    const during = { writes: z.files.kept.writes - writes, storage };
    // The page is hidden (the analyst switches tabs): what is unsaved is kept now, once.
    document.dispatchEvent(new Event('visibilitychange'));
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
    delete (document as { visibilityState?: unknown }).visibilityState;
    Storage.prototype.setItem = setItem;
    return { during, hidden: { writes: z.files.kept.writes - writes, storage } };
  });
  assert.equal(counted.during, { writes: 0, storage: 0 }, 'nothing written while typing');
  assert.equal(counted.hidden, { writes: 1, storage: 1 }, 'one write of the whole file when the page is hidden');
  await f.page.reload();
  await f.page.waitForFunction(() => (window as unknown as { __zhiyu?: Z }).__zhiyu?.ready === true);
  await f.open('demo/fraud.zy');
  assert.match(await f.text(), /# twenty keystrokes!/, 'and it is there after a reload');
  await f.page.evaluate(() => { const z = (window as unknown as { __zhiyu: Z }).__zhiyu; const m = z.editor.getModel(); m.setValue(m.getValue().replace('\n# twenty keystrokes!', '')); });
  assert.equal(f.problems, []);
});

test.run();
