// Tests written in the language: `given` data, a clock, and expectations.
// Checked like everything else, then turned into plain test cases with
// concrete values (table rows expand into one case each).
import type * as A from '../ast.ts';
import { diag, didYouMean } from '../diagnostics.ts';
import { evaluate } from '../evaluate.ts';
import type { EntityInfo, Record_, TestCase, TestExpect, Value } from '../ir.ts';
import { fold } from '../optimize/fold.ts';
import type { Span } from '../source.ts';
import { assignable, typeName } from '../types.ts';
import { localDate } from '../semantics.ts';
import type { CheckContext } from './context.ts';
import { checkExpr } from './expressions.ts';
import { TIME_FIELD } from './context.ts';

interface TestScope {
  readonly cx: CheckContext;
  readonly outcomes: readonly string[];
  readonly ruleIds: ReadonlyMap<string, Span>;
  readonly outcomeKnown: (n: A.Name) => boolean;
}

export function checkTests(decls: readonly A.TestDecl[], s: TestScope): TestCase[] {
  const out: TestCase[] = [];
  const names = new Set<string>();
  for (const t of decls) {
    if (names.has(t.name.value)) s.cx.diagnostics.push(diag('ZY2002', t.name.span, `test "${t.name.value}" is already declared`));
    names.add(t.name.value);
    out.push(...checkTest(t, s));
  }
  return out;
}

function checkTest(t: A.TestDecl, s: TestScope): TestCase[] {
  const { cx } = s;
  const err = (span: Span, msg: string, hint?: string) => cx.diagnostics.push(diag('ZY3008', span, msg, hint));
  const before = cx.diagnostics.length;
  const schema = cx.schema;
  let now: number | undefined;

  const at = t.clauses.find((c) => c.kind === 'at');
  if (at) {
    const v = constantValue(at.time, undefined);
    if (typeof v === 'number') now = v;
  }
  const givenEvent = t.clauses.find((c) => c.kind === 'givenEvent');
  if (now === undefined && givenEvent) {
    const f = givenEvent.record.fields.find((x) => x.name.text === TIME_FIELD);
    const v = f ? constantValue(f.value, undefined) : undefined;
    if (typeof v === 'number') now = v;
  }
  if (now === undefined) {
    err(t.name.span, `test "${t.name.value}" has no clock`, `add \`at @2026-03-01T10:00\` or give event.${TIME_FIELD}`);
    return [];
  }

  function constantValue(e: A.Expr, clock: number | undefined): Value {
    const ir = fold(checkExpr(e, 'record', cx));
    if (ir.type.t === 'error') return undefined;
    if (ir.k === 'lit') return ir.value;
    if (clock === undefined) { err(e.span, 'the clock must be a timestamp literal'); return undefined; }
    return evaluate(ir, { now: clock, field: () => undefined, hfield: () => undefined, agg: () => undefined, pred: () => undefined, listHas: () => false });
  }

  function value(e: A.Expr, entity: EntityInfo, field: A.Name): Value {
    const f = entity.fields.get(field.text);
    if (!f) {
      err(field.span, `${entity.name === 'event' ? 'the event' : `entity \`${entity.name}\``} has no field \`${field.text}\``, didYouMean(field.text, entity.fields.keys()));
      return undefined;
    }
    if (f.type.t === 'set' && e.kind === 'list') {
      const element = f.type.element;
      return e.items.map((i) => value(i, { ...entity, fields: new Map([[field.text, { ...f, type: element }]]) }, field));
    }
    const ir = fold(checkExpr(e, 'record', cx));
    if (ir.type.t === 'error') return undefined;
    if (!assignable(ir.type, f.type)) {
      cx.diagnostics.push(diag('ZY3001', e.span, `${entity.name}.${field.text} is ${typeName(f.type)}, not ${typeName(ir.type)}`,
        f.type.t === 'money' ? 'write money with its unit: ¥2000, 2000元 or 150fen' : undefined));
      return undefined;
    }
    const v = ir.k === 'lit' ? ir.value : evaluate(ir, { now: now!, field: () => undefined, hfield: () => undefined, agg: () => undefined, pred: () => undefined, listHas: () => false });
    if (f.type.t === 'enum' && typeof v === 'string' && !f.type.members.includes(v)) {
      cx.diagnostics.push(diag('ZY3001', e.span, `"${v}" is not one of ${typeName(f.type)}`, didYouMean(v, f.type.members)));
    }
    return v;
  }

  function record(r: A.RecordLit, entity: EntityInfo): Record<string, Value> {
    const o: Record<string, Value> = Object.create(null);
    for (const f of r.fields) {
      if (Object.hasOwn(o, f.name.text)) { cx.diagnostics.push(diag('ZY2002', f.name.span, `field \`${f.name.text}\` is given twice`)); continue; }
      const v = value(f.value, entity, f.name);
      if (v !== undefined) o[f.name.text] = v;
    }
    return o;
  }

  // Keyed by names from the pack (`__proto__`, `constructor` included): never a plain object.
  const dict = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;
  const event: Record<string, Value> = givenEvent ? record(givenEvent.record, schema.event) : dict();
  if (event[TIME_FIELD] === undefined) event[TIME_FIELD] = now;
  const entities: Record<string, Record_> = dict();
  const history: Record_[] = [];
  const lists: Record<string, Value[]> = dict();
  const calendar: Record<string, boolean> = dict();
  const expect: TestExpect[] = [];
  let cases: Extract<A.TestClause, { kind: 'cases' }> | undefined;

  for (const c of t.clauses) {
    switch (c.kind) {
      case 'givenEntity': {
        const ent = schema.entities.get(c.entity.text);
        if (!ent) { cx.diagnostics.push(diag('ZY2001', c.entity.span, `unknown entity \`${c.entity.text}\``, didYouMean(c.entity.text, schema.entities.keys()))); break; }
        if (Object.hasOwn(entities, ent.name)) { cx.diagnostics.push(diag('ZY2002', c.entity.span, `entity \`${ent.name}\` is given twice`)); break; }
        entities[ent.name] = record(c.record, ent);
        break;
      }
      case 'givenHistory':
        for (const h of c.events) {
          const rec = record(h, schema.event);
          if (typeof rec[TIME_FIELD] !== 'number') err(h.span, `each history event needs \`${TIME_FIELD}\`, e.g. \`${TIME_FIELD}: now - 5m\``);
          history.push(rec);
        }
        break;
      case 'givenList': {
        const list = cx.lists.get(c.list.text);
        if (!list) { cx.diagnostics.push(diag('ZY2001', c.list.span, `unknown list \`${c.list.text}\``, didYouMean(c.list.text, cx.lists.keys()))); break; }
        if (!list.external) { err(c.list.span, `list \`${list.name}\` is defined in the pack; only external lists are given in tests`); break; }
        lists[list.name] = c.items.items.map((i) => constantValue(i, now));
        break;
      }
      case 'expect': {
        const e = expectation(c.expectation, s);
        if (e) expect.push(e);
        break;
      }
      case 'cases':
        if (cases) err(c.span, 'a test has one `cases` table');
        else cases = c;
        break;
      case 'givenDays': {
        const working = c.which.text === 'workdays';
        if (!working && c.which.text !== 'holidays') {
          err(c.which.span, `\`given ${c.which.text} [...]\` is not a test clause`, 'the calendar is given as `given holidays [@2026-05-01]` and `given workdays [@2026-04-26]`');
          break;
        }
        for (const item of c.days.items) {
          const v = constantValue(item, now);
          if (typeof v !== 'number' || item.kind !== 'timestamp') { err(item.span, `${c.which.text} are dates, like @2026-05-01`); continue; }
          calendar[localDate(v)] = working;
        }
        break;
      }
      case 'at': case 'givenEvent': break;
    }
  }
  // Entities are found through the event's key; fill a string key the test left out.
  for (const name of Object.keys(entities)) {
    const ent = schema.entities.get(name)!;
    const keyField = schema.event.fields.get(ent.key);
    if (keyField && event[ent.key] === undefined && keyField.type.t === 'string') event[ent.key] = `test:${name}`;
  }

  const base = { event, entities, history, lists, calendar, span: t.span };
  if (!cases) {
    if (expect.length === 0) err(t.name.span, `test "${t.name.value}" expects nothing`, 'add `expect <outcome>` or `expect fired RULE_ID`');
    return cx.diagnostics.length > before ? [] : [{ name: t.name.value, ...base, expect }];
  }

  const columns: { entity: EntityInfo; field: A.Name }[] = [];
  for (const col of cases.columns) {
    const [head, field, extra] = col.parts;
    const entity = head!.text === 'event' ? schema.event : schema.entities.get(head!.text);
    if (!entity || !field || extra) { err(col.span, 'a column is a feature: event.field or entity.field'); continue; }
    if (!entity.fields.has(field.text)) {
      cx.diagnostics.push(diag('ZY2001', field.span, `${entity.name === 'event' ? 'the event' : `entity \`${entity.name}\``} has no field \`${field.text}\``, didYouMean(field.text, entity.fields.keys())));
      continue;
    }
    columns.push({ entity, field });
  }
  const out: TestCase[] = [];
  cases.rows.forEach((row, i) => {
    if (row.values.length !== cases!.columns.length) {
      err(row.span, `this row has ${row.values.length} value${row.values.length === 1 ? '' : 's'} for ${cases!.columns.length} column${cases!.columns.length === 1 ? '' : 's'}`);
      return;
    }
    const ev: Record<string, Value> = Object.assign(dict<Value>(), event);
    const ents = dict<Record<string, Value>>();
    for (const [k, v] of Object.entries(entities)) ents[k] = Object.assign(dict<Value>(), v);
    columns.forEach((col, j) => {
      const v = value(row.values[j]!, col.entity, col.field);
      const target = col.entity.name === 'event' ? ev : Object.hasOwn(ents, col.entity.name) ? ents[col.entity.name]! : (ents[col.entity.name] = dict<Value>());
      if (v === undefined) delete target[col.field.text];
      else target[col.field.text] = v;
      if (col.entity.name !== 'event') {
        const key = col.entity.key;
        if (ev[key] === undefined && schema.event.fields.get(key)?.type.t === 'string') ev[key] = `test:${col.entity.name}`;
      }
    });
    const rowExpect = row.expect.map((e) => expectation(e, s)).filter((e): e is TestExpect => !!e);
    // A row's expectation replaces the test's of the same kind (for `fired`, about the same rule).
    const rowRules = new Set(rowExpect.flatMap((e) => (e.kind === 'fired' ? e.rules : [])));
    const inherited = expect.flatMap((e): TestExpect[] => {
      if (e.kind !== 'fired') return rowExpect.some((r) => r.kind === e.kind) ? [] : [e];
      const rules = e.rules.filter((r) => !rowRules.has(r));
      return rules.length ? [{ ...e, rules }] : [];
    });
    const all = [...inherited, ...rowExpect];
    out.push({ name: `${t.name.value} [row ${i + 1}]`, event: ev, entities: ents, history, lists, calendar, expect: all, span: row.span });
  });
  return cx.diagnostics.length > before ? [] : out;
}

function expectation(e: A.Expectation, s: TestScope): TestExpect | undefined {
  switch (e.kind) {
    case 'outcome':
      return s.outcomeKnown(e.outcome) ? { kind: 'outcome', outcome: e.outcome.text, span: e.span } : undefined;
    case 'score':
      return { kind: 'score', points: e.points, span: e.span };
    case 'fired': {
      for (const r of e.rules) {
        if (!s.ruleIds.has(r.text)) s.cx.diagnostics.push(diag('ZY2001', r.span, `unknown rule \`${r.text}\``, didYouMean(r.text, s.ruleIds.keys())));
      }
      return { kind: 'fired', negated: e.negated, rules: e.rules.map((r) => r.text), span: e.span };
    }
  }
}
