// The pack's own tests, run in the language worker on the compiled code.
import { clear, el, keyboardRows } from './dom.ts';
import type { WireDiagnostic, WireTest } from './protocol.ts';

export function renderTests(root: HTMLElement, results: readonly WireTest[], errors: readonly WireDiagnostic[], go: (path: string, offset: number) => void): void {
  if (errors.length) {
    clear(root, el('p', { class: 'bad' }, `The pack has ${errors.length} error${errors.length === 1 ? '' : 's'}; fix them to run the tests.`));
    return;
  }
  const failed = results.filter((r) => !r.passed);
  const summary = el('p', { class: failed.length ? 'bad summary' : 'good summary', 'data-testid': 'test-summary' },
    `${results.length - failed.length} passed, ${failed.length} failed`);
  const rows = [...failed, ...results.filter((r) => r.passed)].map((r) => {
    const row = el('div', { class: `test ${r.passed ? 'pass' : 'fail'}` },
      el('span', { class: 'mark', role: 'img', 'aria-label': r.passed ? 'passed' : 'failed' }, r.passed ? '✓' : '✗'),
      el('span', { class: 'name' }, r.name),
      r.outcome ? el('span', { class: 'outcome' }, r.outcome) : undefined,
      ...r.failures.map((f) => el('div', { class: 'failure' }, f)),
      r.details?.length ? el('pre', { class: 'why', 'data-testid': 'test-why' }, r.details.join('\n')) : undefined);
    row.onclick = () => go(r.path, r.start);
    return row;
  });
  const list = el('div', { class: 'test-list' }, ...rows);
  clear(root, summary, list);
  keyboardRows(list, rows, 'Test results');
}
