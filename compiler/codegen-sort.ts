// A helper every generated program carries in its own text (codegen.ts puts it before the pack's functions).
/**
 * Puts fired rules run case by case back in pack order. Up to a few dozen
 * (nearly always) an insertion sort in place: Array.prototype.sort with a
 * comparator costs a call per comparison, a tenth of a flat record's decision.
 */
export const SORT_FIRED = [
  'const ascending = (a, b) => a - b;',
  'function sortFired(a) {',
  '  const n = a.length;',
  '  if (n > 32) { a.sort(ascending); return; }',
  '  for (let i = 1; i < n; i++) {',
  '    const v = a[i];',
  '    let j = i - 1;',
  '    while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; }',
  '    a[j + 1] = v;',
  '  }',
  '}',
];
