// What the checker records a rule reads (compiler/check/index.ts): each
// rule's leaves (fields, aggregates, predicates, `let`s, each once, in the
// order first read; what an explained decision shows it saw) and the event
// fields the pack reads, including those read only inside a `let`. Leaves are
// compared with a reference that dedupes them by their printed form, for a
// rule with a few leaves and one with more than the checker compares one by one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { IR } from '../compiler/ir.ts';
import { printIR } from '../compiler/print.ts';
import { build, HEADER } from './helpers.ts';

/** The reference: every leaf of the condition, the first of those printed alike, in order. */
function reference(e: IR, out = new Map<string, IR>()): Map<string, IR> {
  if (e.k === 'field' || e.k === 'agg' || e.k === 'pred' || e.k === 'local') {
    if (!out.has(printIR(e))) out.set(printIR(e), e);
    return out;
  }
  const kids: IR[] = [];
  switch (e.k) {
    case 'neg': case 'not': case 'isMissing': kids.push(e.x); break;
    case 'arith': case 'cmp': case 'coalesce': kids.push(e.l, e.r); break;
    case 'and': case 'or': kids.push(...e.xs); break;
    case 'in': kids.push(e.x, ...(e.set.kind === 'items' ? e.set.xs : e.set.kind === 'expr' ? [e.set.x] : [])); break;
    case 'between': kids.push(e.x, e.lo, e.hi); break;
    case 'call': kids.push(...e.args); break;
    default: break;
  }
  for (const k of kids) reference(k, out);
  return out;
}

const PACK = `
predicate big = event.amount > ¥1,000
predicate young = customer.age < 25
predicate night = hour(event.at) < 6

rule few
  let double = event.x * 2
  when big and double > 3 and (big or event.n > 1) and customer.vip and double < 9
   and count(by customer_id, last 1h) > 3 and count(by customer_id, last 1h) < 30 and event.n < 9
  then review

rule many
  let twice = event.n * 2
  when event.amount > ¥5 and event.n > 1 and event.x > 0.5 and event.flag
   and event.name == "a" and event.customer_id == "c" and event.device_id == "d"
   and event.type == "login" and customer.age > 18 and customer.income > ¥100
   and customer.vip and big and young and night and twice > 2
   and count(by customer_id, last 1h) > 3 and sum(amount, by customer_id, last 1d) > ¥9
   and event.amount < ¥9,000 and big and customer.age < 90 and twice < 99 and not night
   and count(by customer_id, last 1h) < 30
  then review
`;

test('a rule\'s leaves are the first of those printed alike, in order, with few leaves and with many', () => {
  const r = build(PACK, HEADER);
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  const rules = r.checked!.rules;
  for (const rule of rules) {
    const want = [...reference(rule.condition).values()];
    assert.equal(rule.leaves.map(printIR), want.map(printIR), rule.id);
    rule.leaves.forEach((l, i) => assert.ok(l === want[i], `${rule.id}: leaf ${i} is the first occurrence`));
  }
  assert.ok(rules.find((x) => x.id === 'many')!.leaves.length > 16, 'the second rule has more leaves than are compared one by one');
});

test('the event fields read include those read only inside a `let`', () => {
  const r = build(`rule r
  let double = event.x * 2
  when double > 3 and event.flag
  then review
`, HEADER);
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  const fields = r.checked!.eventFields;
  assert.ok(fields.includes('x'), `x is read inside the let: ${fields.join(', ')}`);
  assert.ok(fields.includes('flag'));
  assert.not.ok(fields.includes('amount'), 'a field no rule reads is not listed');
});

test.run();
