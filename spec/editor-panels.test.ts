// Try it for real events and a backtest you can follow (issue 19, items 4
// and 5), in real Chromium over the seeded demo database: stored events
// found by number, customer, type and time; money typed in yuan and times in
// local time; values shown typed; trace hovers in words; resizable panels;
// backtest progress and Cancel, a sortable table with money, new and changed
// rules, redundancy, the events behind a number opened in Try it, and code
// lenses that jump to their row and go stale after an edit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Workspace } from '../editor/server/workspace.ts';
import { backtestRoutes } from '../editor/server/backtest-routes.ts';
import { backtest } from '../runtime/backtest/index.ts';
import { openStore } from '../runtime/store/sqlite/index.ts';
import { demoDb, editorFixture, Z, type EditorFixture } from './editor-fixture.ts';

/** The backtest the server runs waits for this (the Cancel test holds it at its start). */
let gate: Promise<void> = Promise.resolve();
const run: typeof backtest = async (...args) => { await gate; return backtest(...args); };
const store = openStore(await demoDb(), { readonly: true });
let root = '';
let routes: ReturnType<typeof backtestRoutes>['more'];
const fixture = editorFixture({ db: true, server: { more: (route, body, url) => (routes ??= backtestRoutes(store, () => new Workspace(root), { run }).more)!(route, body, url) } });
let f: EditorFixture;

test.before(async () => {
  f = await fixture.get();
  root = f.root;
  await f.open('demo/fraud.zy');
  await f.checked(0);
  await f.page.click('#tab-try');
});
test.after(async () => { await fixture.close(); store.close(); });

const tryOut = () => f.page.locator('[data-testid=try-out]');

test('stored events: found by number, customer, type and time; a choice fills the form with typed values', async () => {
  const { page } = f;
  await page.selectOption('[data-testid=try-source]', 'stored');
  const rows = page.locator('[data-testid=try-events] .event-row');
  await rows.first().waitFor();
  const first = await rows.nth(3).getAttribute('data-seq');
  // By number.
  await page.fill('[data-testid=search-seq]', `#${first}`);
  await page.keyboard.press('Enter');
  await page.waitForFunction((s) => { const r = document.querySelectorAll('[data-testid=try-events] .event-row'); return r.length === 1 && (r[0] as HTMLElement).dataset['seq'] === s; }, first);
  // The form shows the event typed: money in yuan, time in local time.
  const amount = page.locator('[data-testid=try-form] input[data-field=amount]');
  if (await amount.inputValue() !== '') assert.match(await amount.inputValue(), /^¥[\d,]+\.\d\d$/);
  assert.match(await page.locator('[data-testid=try-form] input[data-field=occurred_at]').inputValue(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  const customer = await page.locator('[data-testid=try-form] input[data-field=customer_id]').inputValue();
  // By customer.
  await page.fill('[data-testid=search-seq]', '');
  await page.fill('[data-testid=search-customer]', customer);
  await page.click('[data-testid=search-go]');
  await page.waitForFunction((c) => {
    const r = Array.from(document.querySelectorAll('[data-testid=try-events] .event-row'));
    return r.length > 0 && r.every((x) => x.textContent!.includes(c));
  }, customer);
  // By type, and by a day in local time.
  await page.fill('[data-testid=search-customer]', '');
  await page.selectOption('[data-testid=search-type]', 'login');
  await page.waitForFunction(() => {
    const r = Array.from(document.querySelectorAll('[data-testid=try-events] .event-row'));
    return r.length > 0 && r.every((x) => / login /.test(` ${x.children[2]!.textContent} `));
  });
  const day = (await page.locator('[data-testid=try-events] .event-row').first().locator('span').nth(1).textContent())!.slice(0, 10);
  await page.fill('[data-testid=search-from]', `${day} 00:00`);
  await page.fill('[data-testid=search-to]', `${day} 23:59:59`);
  await page.click('[data-testid=search-go]');
  await page.waitForFunction((d) => {
    const r = Array.from(document.querySelectorAll('[data-testid=try-events] .event-row'));
    return r.length > 0 && r.every((x) => x.children[1]!.textContent!.startsWith(d));
  }, day);
  assert.match(await page.locator('.stored-search .empty').first().textContent() ?? '', /found in \d+ ms/);
  await page.selectOption('[data-testid=search-type]', '');
  await page.fill('[data-testid=search-from]', '');
  await page.fill('[data-testid=search-to]', '');
});

test('typed by hand: money in yuan (¥25,000 or 25000.00), times in local time; wrong entries say what to type', async () => {
  const { page } = f;
  await page.selectOption('[data-testid=try-source]', 'form');
  const field = (n: string) => page.locator(`[data-testid=try-form] [data-field=${n}]`);
  await field('type').selectOption('transfer_out');
  await field('payee_id').fill('nobody');
  await field('occurred_at').fill('2026-03-01 10:00');
  for (const typed of ['¥25,000', '25000.00', '25,000']) {
    await field('amount').fill(typed);
    await field('amount').press('Tab');
    assert.is(await field('amount').inputValue(), '¥25,000.00', `${typed} reads as yuan`);
  }
  await field('occurred_at').press('Tab');
  assert.is(await field('occurred_at').inputValue(), '2026-03-01 10:00:00');
  // What is sent: fen and an ISO time with its zone (the JSON view shows it).
  await page.selectOption('[data-testid=try-source]', 'json');
  const json = JSON.parse(await page.inputValue('[data-testid=try-json]'));
  assert.is(json.amount, 2_500_000);
  assert.is(json.occurred_at, '2026-03-01T10:00:00+08:00');
  await page.selectOption('[data-testid=try-source]', 'form');
  await page.click('[data-testid=try-run]');
  await page.locator('[data-testid=try-outcome]').waitFor();
  // The decision shows values typed, never fen.
  assert.not.match(await tryOut().textContent() ?? '', /2500000/);
  // A wrong entry is refused with what to type.
  await field('amount').fill('lots');
  await page.click('[data-testid=try-run]');
  await page.waitForFunction(() => /amount: "lots" is not an amount in yuan/.test(document.querySelector('[data-testid=try-error]')?.textContent ?? ''));
  assert.is(await field('amount').getAttribute('aria-invalid'), 'true');
  await field('amount').fill('¥25,000');
  await field('amount').press('Tab');
});

test('the trace paints the conditions, and hovering one says in words what it saw', async () => {
  const { page } = f;
  await page.selectOption('[data-testid=try-source]', 'test');
  await page.selectOption('[data-testid=try-pick]', 'the police list blocks');
  await page.click('[data-testid=try-run]');
  await page.locator('[data-testid=try-outcome]').waitFor();
  await page.locator('.trace-true').first().waitFor();
  // Hover the painted `event.payee_id in police_fraud_accounts`.
  await f.cursorAfter('event.payee_id in police_fr');
  await page.evaluate(() => (window as unknown as { __zhiyu: Z }).__zhiyu.editor.trigger('test', 'editor.action.showHover', {}));
  const hover = page.locator('.monaco-hover-content', { hasText: 'held for this event' });
  await hover.first().waitFor();
  const words = await hover.first().textContent() ?? '';
  assert.match(words, /event\.payee_id in police_fraud_accounts/);
  assert.match(words, /POLICE_LIST_PAYEE fired/);
  assert.not.match(words, /\bcmp\b|\bin was\b/, 'no evaluator jargon');
  await page.keyboard.press('Escape');
});

test('the panels resize: by dragging the bar, and by the keyboard on it', async () => {
  const { page } = f;
  const bar = page.locator('.splitter.horizontal');
  const height = () => page.evaluate(() => document.getElementById('panels')!.getBoundingClientRect().height);
  const before = await height();
  await bar.focus();
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  assert.is(Math.round(await height()), Math.round(before + 32), 'two steps of 16 px up');
  assert.is(await bar.getAttribute('aria-valuenow'), String(Math.round(before + 32)));
  const box = (await bar.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + 102, { steps: 4 });
  await page.mouse.up();
  assert.ok(Math.abs(await height() - (before + 32 - 100)) <= 2, 'dragged 100 px down');
  const ex = page.locator('.splitter.vertical');
  const width = () => page.evaluate(() => document.getElementById('explorer-pane')!.getBoundingClientRect().width);
  const w = await width();
  await ex.focus();
  await page.keyboard.press('ArrowRight');
  assert.is(Math.round(await width()), Math.round(w + 16));
});

test('backtest: progress and Cancel while it runs', async () => {
  const { page } = f;
  let release!: () => void;
  gate = new Promise((r) => { release = r; });
  await page.click('#tab-backtest');
  // What the server says while it runs (the run itself is held at its start).
  await page.route('**/api/backtest/progress', (route) => route.fulfill({ json: { running: true, done: 12_345, total: 50_000, rate: 2_468, etaMs: 15_200, elapsedMs: 5_000 } }));
  await page.click('[data-testid=backtest-run]');
  await page.waitForFunction(() => /12,345 of 50,000 events · 2,468 events\/s · about 15 s left/.test(document.querySelector('[data-testid=backtest-progress]')?.textContent ?? ''));
  assert.ok(await page.locator('[data-testid=backtest-cancel]').isVisible());
  assert.is(await page.locator('progress').getAttribute('value'), '12345');
  await page.unroute('**/api/backtest/progress');
  await page.click('[data-testid=backtest-cancel]');
  release();
  await page.waitForFunction(() => /Cancelled/.test(document.querySelector('[data-testid=backtest-progress]')?.textContent ?? ''));
  assert.not.ok(await page.locator('[data-testid=backtest-cancel]').isVisible());
  gate = Promise.resolve();
});

test('backtest: sortable table with money, new and changed rules, redundancy; a number lists its events; an event opens in Try it', async () => {
  const { page } = f;
  // Edit: one rule changed, one new rule that only repeats the police-list rule with a weaker outcome.
  await page.evaluate(() => {
    const z = (window as unknown as { __zhiyu: Z }).__zhiyu;
    const m = z.editor.getModel();
    const text = m.getValue() as string;
    const police = /rule POLICE_LIST_PAYEE[\s\S]*?(?=\n\n)/.exec(text)![0];
    const copy = police.replace('rule POLICE_LIST_PAYEE', 'rule POLICE_COPY').replace(/then \w+/, 'then review');
    m.setValue(`${text.replace('and event.amount >= ¥10000', 'and event.amount >= ¥20000')}\n${copy}\n`);
  });
  await f.checked(0);
  await page.click('[data-testid=backtest-run]');
  const table = page.locator('[data-testid=backtest-table]');
  await table.waitFor({ timeout: 60_000 });
  assert.is(await page.locator('tr[data-rule=POLICE_COPY] [data-status=new]').count(), 1, 'new');
  assert.is(await page.locator('tr[data-rule=ELDERLY_LARGE] [data-status=changed]').count(), 1, 'changed');
  assert.match(await page.locator('tr[data-rule=POLICE_COPY] [data-testid=redundant]').textContent() ?? '', /redundant with POLICE_LIST_PAYEE/);
  const heads = await page.locator('[data-testid=backtest-table] thead th').allTextContents();
  assert.ok(heads.some((h) => /money caught/.test(h)) && heads.some((h) => /good money stopped/.test(h)));
  // Sorting: by hits, descending first; again ascending.
  const hits = async () => (await page.locator('[data-testid=backtest-table] tbody tr td:nth-child(2)').allTextContents()).map((t) => Number(t.replace(/,/g, '')));
  const desc = await hits();
  assert.equal(desc, [...desc].sort((a, b) => b - a));
  await page.click('[data-testid=backtest-table] th[data-key=hits] button');
  assert.is(await page.locator('th[data-key=hits]').getAttribute('aria-sort'), 'ascending');
  const asc = await hits();
  assert.equal(asc, [...asc].sort((a, b) => a - b));
  await page.click('[data-testid=backtest-table] th[data-key=id] button');
  const ids = await page.locator('[data-testid=backtest-table] tbody th a').allTextContents();
  assert.equal(ids, [...ids].sort((a, b) => a.localeCompare(b)));
  // A number lists its events; Enter on one opens it in Try it, decided as stored.
  await page.click('tr[data-rule=POLICE_LIST_PAYEE] button.number[data-list=hits]');
  const listed = page.locator('[data-testid=backtest-events] .event-row');
  await listed.first().waitFor();
  const seq = await listed.first().getAttribute('data-seq');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => !document.getElementById('try')!.hidden);
  await page.locator('[data-testid=try-outcome]').waitFor();
  assert.match(await page.locator('.stored-note').textContent() ?? '', new RegExp(`Stored event #${seq}`));
  assert.is(await page.locator('[data-testid=try-outcome]').textContent(), 'block', 'a police-list hit is blocked');
});

test('code lenses: a click shows the rule\'s row; after an edit they say their numbers are from before', async () => {
  const { page } = f;
  const lens = page.locator('.codelens-decoration a', { hasText: 'backtest:' });
  await lens.first().waitFor({ timeout: 10_000 });
  await page.locator('.codelens-decoration a', { hasText: 'backtest:' }).first().click();
  await page.waitForFunction(() => !document.getElementById('backtest')!.hidden && !!document.querySelector('[data-testid=backtest-table] tr.highlight'));
  await f.cursorAfter('const ELDERLY_AGE = 60');
  await page.keyboard.type(' ');
  await page.locator('.codelens-decoration', { hasText: 'before your last edit' }).first().waitFor();
  assert.match(await page.locator('[data-testid=backtest-out]').textContent() ?? '', /The text changed since this run/);
  await page.keyboard.press('Backspace');
  assert.equal(f.problems, []);
});

test.run();
