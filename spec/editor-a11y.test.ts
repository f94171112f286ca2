// Keyboard and screen readers (issue 19, item 7), in real Chromium: every
// explorer, problem and test row reachable and operable by keyboard; ARIA
// tabs; a live status; axe-core finds no serious or critical violation in
// any state of the page; Chinese text renders in a CJK font.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS } from './browser.ts';
import { editorFixture, Z, type EditorFixture } from './editor-fixture.ts';

const fixture = editorFixture({ db: true, open: 'demo/fraud.zy' });
let f: EditorFixture;
const AXE = readFileSync(join(import.meta.dirname, '..', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const focused = () => f.page.evaluate(() => {
  const a = document.activeElement as HTMLElement | null;
  return { path: a?.dataset['path'], code: a?.dataset['code'], role: a?.getAttribute('role'), id: a?.id, text: a?.textContent?.slice(0, 60) };
});
const activePath = () => f.page.evaluate(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel().uri.path.slice(1) as string);

/** axe-core on the whole page: the serious and critical violations, with where. */
async function axe(): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's CSP rightly refuses inline scripts.
  if (!await f.page.evaluate(() => 'axe' in window)) await f.page.evaluate(AXE);
  return f.page.evaluate(async () => {
    const r = await (window as unknown as { axe: { run(d: Document, o: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

test.before(async () => { f = await fixture.get(); });
test.after(() => fixture.close());

test('the explorer is a tree the keyboard walks: ↓/↑ move, Enter opens the file', async () => {
  await f.page.focus('#explorer [role=treeitem][tabindex="0"]');
  assert.is(await f.page.locator('#explorer[role=tree] [role=treeitem][tabindex="0"]').count(), 1, 'one row in the Tab order');
  const start = (await focused()).path;
  await f.page.keyboard.press('ArrowDown');
  const next = await focused();
  assert.is(next.role, 'treeitem');
  assert.is.not(next.path, start);
  // Walk to demo/pack.zy and open it.
  for (let i = 0; i < 60 && (await focused()).path !== 'demo/pack.zy'; i++) await f.page.keyboard.press((await focused()).path! < 'demo/pack.zy' ? 'ArrowDown' : 'ArrowUp');
  assert.is((await focused()).path, 'demo/pack.zy');
  await f.page.keyboard.press('Enter');
  await f.page.waitForFunction(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel().uri.path === '/demo/pack.zy');
  assert.is(await f.page.locator('#explorer [data-path="demo/pack.zy"]').getAttribute('aria-current'), 'page');
});

test('panel tabs are ARIA tabs: ←/→ move between them and show their panel', async () => {
  await f.page.click('#tab-problems');
  await f.page.focus('#tab-problems');
  await f.page.keyboard.press('ArrowRight');
  assert.is((await focused()).id, 'tab-search');
  assert.is(await f.page.getAttribute('#tab-search', 'aria-selected'), 'true');
  assert.is(await f.page.getAttribute('#tab-problems', 'aria-selected'), 'false');
  assert.not.ok(await f.page.locator('#search').isHidden());
  assert.is(await f.page.getAttribute('#search', 'role'), 'tabpanel');
  await f.page.keyboard.press('End');
  assert.is((await focused()).id, 'tab-diff');
  await f.page.keyboard.press('Home');
  assert.is((await focused()).id, 'tab-problems');
});

test('problem rows: reachable by Tab, walked by ↓, Enter goes to the problem', async () => {
  await f.open('demo/fraud.zy');
  await f.cursorAfter('const ELDERLY_AGE = 60');
  await f.page.keyboard.type('\nconst A = nope_one\nconst B = nope_two');
  await f.checked(2);
  await f.page.click('#tab-problems');
  await f.page.focus('#problems [role=listitem][tabindex="0"]');
  assert.is((await focused()).role, 'listitem');
  await f.page.keyboard.press('ArrowDown');
  assert.match((await focused()).text ?? '', /nope_two/);
  await f.page.keyboard.press('Enter');
  await f.page.waitForFunction(() => {
    const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
    return z.editor.getModel().getLineContent(z.editor.getPosition().lineNumber).includes('nope_two');
  });
  await f.page.evaluate(() => { const z = (window as unknown as { __zhiyu: Z }).__zhiyu; while (z.files.isDirty('demo/fraud.zy')) z.editor.trigger('test', 'undo', {}); });
  await f.checked(0);
});

test('test rows: Run tests, then ↓ and Enter open a test', async () => {
  await f.open('demo/fraud.zy');
  await f.page.click('#run-tests');
  await f.page.locator('[data-testid=test-summary]').waitFor();
  await f.page.focus('#tests [role=listitem][tabindex="0"]');
  await f.page.keyboard.press('ArrowDown');
  const name = (await focused()).text ?? '';
  await f.page.keyboard.press('Enter');
  await f.page.waitForFunction(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.getModel().uri.path === '/demo/fraud.test.zy');
  assert.ok(name.length > 0);
  assert.match(await f.page.locator('#announce').getAttribute('role') ?? '', /status/);
  assert.match(await f.page.locator('#announce').textContent() ?? '', /Tests: \d+ passed, 0 failed/, 'the live status says how the tests went');
});

test('axe-core: no serious or critical violation, in each panel and with a dialog open', async () => {
  const found: string[] = [];
  const look = async (state: string) => { for (const v of await axe()) found.push(`${state}: ${v}`); };
  await f.open('demo/fraud.zy');
  await look('start');
  await f.page.click('#tab-try');
  await f.page.selectOption('[data-testid=try-source]', 'stored');
  await f.page.locator('[data-testid=try-events] .event-row').first().waitFor();
  await look('try it, stored events');
  await f.page.selectOption('[data-testid=try-source]', 'test');
  await f.page.click('[data-testid=try-run]');
  await f.page.locator('[data-testid=try-outcome]').waitFor();
  await look('try it, a decision');
  await f.page.click('#tab-search');
  await f.page.fill('[data-testid=search-input]', 'police');
  await f.page.keyboard.press('Enter');
  await f.page.locator('[data-testid=search-results] button.hit').first().waitFor();
  await look('search');
  await f.page.click('#tab-tests');
  await f.page.click('#run-tests');
  await f.page.locator('[data-testid=test-summary]').waitFor();
  await look('tests');
  await f.open('demo/fraud.zy');
  await f.page.click('#tab-backtest');
  await f.page.click('[data-testid=backtest-run]');
  await f.page.locator('[data-testid=backtest-table]').waitFor({ timeout: 60_000 });
  await f.page.click('tr[data-rule=POLICE_LIST_PAYEE] button.number[data-list=hits]');
  await f.page.locator('[data-testid=backtest-events] .event-row').first().waitFor();
  await f.page.locator('.codelens-decoration', { hasText: 'backtest:' }).first().waitFor();
  await look('backtest');
  await f.page.click('#tab-diff');
  await f.page.click('[data-testid=diff-run]');
  await f.page.locator('[data-testid=diff-summary]').waitFor({ timeout: 60_000 });
  await look('diff');
  await f.page.keyboard.press('Control+t');
  await f.page.locator('#symbol-list [role=option]').first().waitFor();
  await look('go to symbol');
  await f.page.keyboard.press('Escape');
  // A conflict: the dialog, then the side-by-side compare.
  await f.cursorAfter('const ELDERLY_AGE = 60');
  await f.page.keyboard.type(' ');
  writeFileSync(join(f.root, 'demo/fraud.zy'), `${readFileSync(join(f.root, 'demo/fraud.zy'), 'utf8')}# x\n`);
  await f.page.keyboard.press('Control+s');
  await f.page.locator('.modal').waitFor();
  await look('conflict dialog');
  await f.page.click('.modal button[data-choice=compare]');
  await f.page.locator('[data-testid=diff-editor] .monaco-diff-editor').waitFor();
  await look('compare');
  await f.page.keyboard.press('Escape');
  assert.equal(found, []);
});

test('Chinese renders in a CJK font (Debian\'s fonts-noto-cjk): the page and the editor both', async () => {
  await f.open('demo/fraud.zy');
  const fonts = await f.page.evaluate(async () => {
    await document.fonts.ready;
    const body = getComputedStyle(document.body).fontFamily;
    const editor = getComputedStyle(document.querySelector('#editor .view-lines')!).fontFamily;
    return { body, editor, cjk: document.fonts.check('14px "Noto Sans CJK SC"', '智御'), mono: document.fonts.check('14px "Noto Sans Mono CJK SC"', '智御') };
  });
  assert.match(fonts.body, /Noto Sans CJK SC/);
  assert.match(fonts.editor, /Noto Sans Mono CJK SC/);
  assert.ok(fonts.cjk, 'Noto Sans CJK SC is installed and has these characters');
  // Measured, not only declared: a line of Chinese is as wide as a CJK font draws it (a missing font draws boxes of another width).
  const widths = await f.page.evaluate(() => {
    const c = document.createElement('canvas').getContext('2d')!;
    const at = (font: string) => { c.font = font; return c.measureText('疑似电信诈骗').width; };
    return { cjk: at('20px "Noto Sans CJK SC"'), page: at(`20px ${getComputedStyle(document.body).fontFamily}`) };
  });
  assert.is(Math.round(widths.page), Math.round(widths.cjk));
  mkdirSync(ARTIFACTS, { recursive: true });
  await f.page.screenshot({ path: join(ARTIFACTS, 'editor-cjk.png') });
  assert.equal(f.problems, []);
});

test.run();
