// Tests written in the language: `given` data, a clock, and expectations.
// Checked like everything else, then turned into plain test cases with
// concrete values (table rows expand into one case each).
//
// A test's data is built from its clauses in order, after the clauses of
// the fixtures it includes (`given NAME`, at the place it is written): later
// fields replace earlier ones, `missing` removes one, history rows add up,
// a list or a calendar date given again replaces the earlier one. Fixture
// data is only evaluated inside a test, with that test's clock.
import type * as A from '../ast.ts';
import { diag, didYouMean } from '../diagnostics.ts';
import { evaluate } from '../evaluate.ts';
import type { CheckedPack, EntityInfo, IR, LocalInfo, Record_, TestCase, TestExpect, Value } from '../ir.ts';
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
  /** The checked rules (for `expect reason`, `expect note` and `let` names in `expect seen`). */
  readonly rules: CheckedPack['rules'];
  /** The aggregates known so far (history rows no aggregate can count are reported). */
  readonly aggregates: () => CheckedPack['aggregates'];
}

/** The kinds of expectation, for messages that list them. */
export const EXPECTATIONS = 'an outcome, `fired`, `not fired`, `score`, `reason`, `message`, `seen` or `note`';

export function checkTests(decls: readonly A.TestDecl[], fixtures: readonly A.FixtureDecl[], s: TestScope): TestCase[] {
  const byName = new Map<string, A.FixtureDecl>();
  for (const f of fixtures) {
    const name = f.name.text;
    if (byName.has(name)) s.cx.diagnostics.push(diag('ZY2002', f.name.span, `fixture \`${name}\` is already declared`));
    else if (s.cx.schema.entities.has(name) || RESERVED.has(name)) {
      s.cx.diagnostics.push(diag('ZY2008', f.name.span, `\`${name}\` cannot name a fixture: \`given ${name} …\` ${s.cx.schema.entities.has(name) ? 'gives an entity' : 'is a test clause'}`));
    } else byName.set(name, f);
  }
  for (const f of byName.values()) {
    for (const c of f.clauses) {
      if (c.kind === 'expect' || c.kind === 'cases') s.cx.diagnostics.push(diag('ZY3008', c.span, `fixture \`${f.name.text}\` gives data; expectations belong in tests`));
    }
    duplicates(f.clauses, s);
    expand(f.clauses, byName, s, [f.name.text]);
  }
  const out: TestCase[] = [];
  const names = new Set<string>();
  for (const t of decls) {
    if (names.has(t.name.value)) s.cx.diagnostics.push(diag('ZY2002', t.name.span, `test "${t.name.value}" is already declared`));
    names.add(t.name.value);
    out.push(...checkTest(t, byName, s));
  }
  return out;
}

/** Clause words a fixture name would shadow. */
const RESERVED = new Set(['event', 'history', 'list', 'holidays', 'workdays']);

/** Data clauses given twice in one test or fixture (fixtures may be overridden; one block may not repeat itself). */
function duplicates(clauses: readonly A.TestClause[], s: TestScope): void {
  const seen = new Map<string, A.TestClause>();
  for (const c of clauses) {
    const key = c.kind === 'at' ? 'at' : c.kind === 'givenEvent' ? 'event' : c.kind === 'givenEntity' ? `entity ${c.entity.text}`
      : c.kind === 'givenList' ? `list ${c.list.text}` : c.kind === 'givenFixture' ? `fixture ${c.fixture.text}` : undefined;
    if (key === undefined) continue;
    if (seen.has(key)) {
      const what = c.kind === 'at' ? '`at`' : `\`given ${key.replace(/^(entity|fixture) /, '')}\``;
      s.cx.diagnostics.push(diag('ZY2002', c.span, `${what} is given twice`, c.kind === 'givenEvent' ? 'give every field of the event in one `given event { … }`' : undefined));
    } else seen.set(key, c);
  }
}

/** The clauses with every `given FIXTURE` replaced by the fixture's own (expanded) clauses. */
function expand(clauses: readonly A.TestClause[], fixtures: ReadonlyMap<string, A.FixtureDecl>, s: TestScope, path: readonly string[]): A.TestClause[] {
  const out: A.TestClause[] = [];
  for (const c of clauses) {
    if (c.kind !== 'givenFixture') { out.push(c); continue; }
    const name = c.fixture.text;
    const f = fixtures.get(name);
    if (!f) {
      const entity = s.cx.schema.entities.has(name);
      s.cx.diagnostics.push(diag('ZY2001', c.fixture.span, `unknown fixture \`${name}\``,
        entity ? `an entity row is given with its fields: \`given ${name} { … }\`` : didYouMean(name, fixtures.keys()) ?? 'declare it with `fixture NAME` and `given` clauses'));
      continue;
    }
    if (path.includes(name)) {
      s.cx.diagnostics.push(diag('ZY2006', c.fixture.span, `fixture \`${name}\` includes itself: ${[...path, name].join(' → ')}`));
      continue;
    }
    out.push(...expand(f.clauses.filter((x) => x.kind !== 'expect' && x.kind !== 'cases'), fixtures, s, [...path, name]));
  }
  return out;
}

/** A record as given: its values, and the fields it explicitly sets to `missing`. */
interface Given { values: Record<string, Value>; missing: Set<string>; span: Span }

const dict = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

function checkTest(t: A.TestDecl, fixtures: ReadonlyMap<string, A.FixtureDecl>, s: TestScope): TestCase[] {
  const { cx } = s;
  const err = (span: Span, msg: string, hint?: string) => cx.diagnostics.push(diag('ZY3008', span, msg, hint));
  const before = cx.diagnostics.length;
  const schema = cx.schema;
  duplicates(t.clauses, s);
  const clauses = expand(t.clauses, fixtures, s, []);

  // The clock: the last `at` (the test's own comes after its fixtures'), else the event's own time.
  let now: number | undefined;
  const ats = clauses.filter((c) => c.kind === 'at');
  const at = ats[ats.length - 1];
  if (at) {
    const v = constantValue(at.time, undefined);
    if (typeof v === 'number') now = v;
  }
  if (now === undefined && !at) {
    for (const c of clauses) {
      if (c.kind !== 'givenEvent') continue;
      const f = c.record.fields.find((x) => x.name.text === TIME_FIELD);
      const v = f ? constantValue(f.value, undefined) : undefined;
      if (typeof v === 'number') now = v;
    }
  }
  if (now === undefined) {
    if (!at) err(t.name.span, `test "${t.name.value}" has no clock`, `add \`at @2026-03-01T10:00\` or give event.${TIME_FIELD}`);
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

  function record(r: A.RecordLit, entity: EntityInfo): Given {
    const o: Given = { values: dict(), missing: new Set(), span: r.span };
    const named = new Set<string>();
    for (const f of r.fields) {
      if (named.has(f.name.text)) { cx.diagnostics.push(diag('ZY2002', f.name.span, `field \`${f.name.text}\` is given twice`)); continue; }
      named.add(f.name.text);
      const v = value(f.value, entity, f.name);
      if (v !== undefined) o.values[f.name.text] = v;
      else if (f.value.kind === 'missing') o.missing.add(f.name.text);
    }
    return o;
  }

  /** `over` laid on `base`: its values replace, its `missing` fields are removed. */
  const merge = (base: Given | undefined, over: Given): Given => {
    const values: Record<string, Value> = Object.assign(dict<Value>(), base?.values ?? {});
    const missing = new Set(base?.missing ?? []);
    for (const [k, v] of Object.entries(over.values)) { values[k] = v; missing.delete(k); }
    for (const k of over.missing) { delete values[k]; missing.add(k); }
    return { values, missing, span: over.span };
  };

  let eventGiven: Given | undefined;
  const entities = new Map<string, Given>();
  const history: Given[] = [];
  const lists: Record<string, Value[]> = dict();
  const calendar: Record<string, boolean> = dict();
  const expect: TestExpect[] = [];
  let cases: Extract<A.TestClause, { kind: 'cases' }> | undefined;

  for (const c of clauses) {
    switch (c.kind) {
      case 'givenEvent':
        eventGiven = merge(eventGiven, record(c.record, schema.event));
        break;
      case 'givenEntity': {
        const ent = schema.entities.get(c.entity.text);
        if (!ent) { cx.diagnostics.push(diag('ZY2001', c.entity.span, `unknown entity \`${c.entity.text}\``, didYouMean(c.entity.text, schema.entities.keys()))); break; }
        entities.set(ent.name, merge(entities.get(ent.name), record(c.record, ent)));
        break;
      }
      case 'givenHistory':
        for (const h of c.events) {
          const rec = record(h, schema.event);
          if (typeof rec.values[TIME_FIELD] !== 'number') err(h.span, `each history event needs \`${TIME_FIELD}\`, e.g. \`${TIME_FIELD}: now - 5m\``);
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
        const e = expectation(c.expectation, s, now);
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
      case 'at': case 'givenFixture': break;
    }
  }

  const event: Record<string, Value> = Object.assign(dict<Value>(), eventGiven?.values ?? {});
  if (event[TIME_FIELD] === undefined) event[TIME_FIELD] = now;
  const entityRows: Record<string, Record<string, Value>> = dict();
  for (const [name, g] of entities) entityRows[name] = Object.assign(dict<Value>(), g.values);

  /** The keys history rows inherit from the event: the entities' keys, and what aggregates group by. */
  const keys = [...new Set([...[...schema.entities.values()].map((e) => e.key), ...s.aggregates().flatMap((a) => (a.by ? [a.by] : []))])]
    .filter((k) => schema.event.fields.has(k));
  /** The history: each row given its missing keys from the test's event (unless it said `missing`). */
  const rowsFor = (ev: Record<string, Value>): Record_[] => history.map((h) => {
    const row: Record<string, Value> = Object.assign(dict<Value>(), h.values);
    for (const k of keys) if (row[k] === undefined && !h.missing.has(k) && ev[k] !== undefined) row[k] = ev[k];
    return row;
  });
  const fillKeys = (ev: Record<string, Value>, names: Iterable<string>) => {
    // Entities are found through the event's key; fill a string key the test left out.
    for (const name of names) {
      const key = schema.entities.get(name)!.key;
      if (ev[key] === undefined && !eventGiven?.missing.has(key) && schema.event.fields.get(key)?.type.t === 'string') ev[key] = `test:${name}`;
    }
  };
  fillKeys(event, entities.keys());

  const base = { event, entities: entityRows, lists, calendar, span: t.span };
  if (!cases) {
    // (An expectation that did not check has its own error.)
    if (!clauses.some((c) => c.kind === 'expect')) err(t.name.span, `test "${t.name.value}" expects nothing`, 'add `expect <outcome>` or `expect fired RULE_ID`');
    const rows = rowsFor(event);
    reportUncounted([{ rows, event }], history, s);
    return cx.diagnostics.slice(before).some((d) => d.severity === 'error') ? [] : [{ name: t.name.value, ...base, history: rows, expect }];
  }

  // A column that is not a feature is reported once and left out of every row (its index is kept).
  const columns: ({ entity: EntityInfo; field: A.Name } | undefined)[] = [];
  for (const col of cases.columns) {
    columns.push(undefined);
    const [head, field, extra] = col.parts;
    const entity = head!.text === 'event' ? schema.event : schema.entities.get(head!.text);
    if (!entity || !field || extra) { err(col.span, 'a column is a feature: event.field or entity.field'); continue; }
    if (!entity.fields.has(field.text)) {
      cx.diagnostics.push(diag('ZY2001', field.span, `${entity.name === 'event' ? 'the event' : `entity \`${entity.name}\``} has no field \`${field.text}\``, didYouMean(field.text, entity.fields.keys())));
      continue;
    }
    columns[columns.length - 1] = { entity, field };
  }
  const rowExpects = cases.rows.map((row) => row.expect.map((e) => expectation(e, s, now)).filter((e): e is TestExpect => !!e));
  neverApplies(t, expect, rowExpects, s);
  const out: TestCase[] = [];
  const baseRows = rowsFor(event);
  const seenCases: { rows: readonly Record_[]; event: Record_ }[] = [];
  cases.rows.forEach((row, i) => {
    if (row.values.length !== cases!.columns.length) {
      err(row.span, `this row has ${row.values.length} value${row.values.length === 1 ? '' : 's'} for ${cases!.columns.length} column${cases!.columns.length === 1 ? '' : 's'}`);
      return;
    }
    const ev: Record<string, Value> = Object.assign(dict<Value>(), event);
    const ents = dict<Record<string, Value>>();
    for (const [k, v] of Object.entries(entityRows)) ents[k] = Object.assign(dict<Value>(), v);
    columns.forEach((col, j) => {
      if (!col) return;
      const v = value(row.values[j]!, col.entity, col.field);
      const target = col.entity.name === 'event' ? ev : Object.hasOwn(ents, col.entity.name) ? ents[col.entity.name]! : (ents[col.entity.name] = dict<Value>());
      if (v === undefined) delete target[col.field.text];
      else target[col.field.text] = v;
      if (col.entity.name !== 'event') fillKeys(ev, [col.entity.name]);
    });
    const rowExpect = rowExpects[i]!;
    const all = [...expect.filter((e) => !rowExpect.some((r) => replaces(r, e))).flatMap((e) => narrowed(e, rowExpect)), ...rowExpect];
    // History is the test's: its rows took their keys from the test's event, not from this row's.
    const rows = baseRows;
    seenCases.push({ rows, event: ev });
    out.push({ name: `${t.name.value} [row ${i + 1}]`, event: ev, entities: ents, history: rows, lists, calendar, expect: all, span: row.span });
  });
  reportUncounted(seenCases, history, s);
  return cx.diagnostics.slice(before).some((d) => d.severity === 'error') ? [] : out;
}

/** What an expectation is about, for the row-replaces-test rule: `outcome`, `score`, `fired RULE`, `reason CODE`… */
function subjects(e: TestExpect): string[] {
  switch (e.kind) {
    case 'outcome': case 'score': case 'message': return [e.kind];
    case 'fired': return e.rules.map((r) => `fired ${r}`);
    case 'reason': return [`reason ${e.code}`];
    case 'note': return [`note ${e.rule}`];
    case 'seen': return [`seen ${JSON.stringify(e.what.span)}`];
  }
}

/** Does a row's expectation replace the test's expectation `e` as a whole? (`fired` is narrowed rule by rule instead.) */
function replaces(row: TestExpect, e: TestExpect): boolean {
  if (e.kind === 'fired') return false;
  if (e.kind === 'seen' && row.kind === 'seen') return seenKey(row.what) === seenKey(e.what);
  return subjects(row).some((x) => subjects(e).includes(x));
}

/** A test's `fired` expectation without the rules a row says something about. */
function narrowed(e: TestExpect, row: readonly TestExpect[]): TestExpect[] {
  if (e.kind !== 'fired') return [e];
  const said = new Set(row.flatMap((r) => (r.kind === 'fired' ? r.rules : [])));
  const rules = e.rules.filter((r) => !said.has(r));
  return rules.length ? [{ ...e, rules }] : [];
}

const seenKey = (x: IR): string => JSON.stringify(x, (k, v) => (k === 'span' ? undefined : v));

/** ZY5002: an expectation of the test that every row of its table replaces, so it is never checked. */
function neverApplies(t: A.TestDecl, expect: readonly TestExpect[], rows: readonly (readonly TestExpect[])[], s: TestScope): void {
  if (rows.length === 0) return;
  for (const e of expect) {
    const dead = e.kind === 'fired'
      ? e.rules.filter((r) => rows.every((row) => row.some((x) => x.kind === 'fired' && x.rules.includes(r))))
      : rows.every((row) => row.some((x) => replaces(x, e))) ? [''] : [];
    if (dead.length === 0) continue;
    const what = e.kind === 'fired' ? `\`expect ${e.negated ? 'not ' : ''}fired ${dead.join(', ')}\`` : `this \`expect ${e.kind === 'outcome' ? e.outcome : e.kind}\``;
    s.cx.diagnostics.push(diag('ZY5002', e.span, `${what} never applies: every row of the \`cases\` table of "${t.name.value}" says its own`,
      'remove it, or leave it out of the rows that agree with it (a row replaces the test\'s expectation of the same kind)'));
  }
}

/**
 * ZY5003: why a history row of a case can never be counted by any aggregate
 * of the pack, whatever its window and filter — after the decision time, or
 * without a key every aggregate groups by — or undefined when it can be. (A
 * row just outside a window, or for another customer, is a deliberate test.)
 */
function uncountable(row: Record_, event: Record_, aggs: CheckedPack['aggregates']): { message: string; hint?: string } | undefined {
  if (aggs.length === 0) return { message: 'no rule reads the event history (the pack has no aggregate), so this history event is never counted' };
  const t = row[TIME_FIELD];
  if (typeof t === 'number' && t > (event[TIME_FIELD] as number)) {
    return { message: 'this history event is after the decision time: no window ever counts it', hint: 'history is what happened before the event, e.g. `occurred_at: now - 5m`' };
  }
  if (aggs.some((a) => a.by === undefined || (row[a.by] !== undefined && event[a.by] !== undefined))) return undefined;
  const keys = [...new Set(aggs.map((a) => a.by!))];
  const noRow = keys.filter((k) => row[k] === undefined);
  const noEvent = keys.filter((k) => event[k] === undefined);
  const list = (ks: string[]) => ks.map((k) => `\`${k}\``).join(', ');
  return {
    message: `this history event can never be counted: every aggregate groups by ${keys.map((k) => `\`${k}\``).join(' or ')}, and ${
      [noRow.length ? `the row has no ${list(noRow)}` : '', noEvent.length ? `the event has no ${list(noEvent)}` : ''].filter(Boolean).join(' and ')}`,
    hint: 'give the key in the event (history rows take it from there) or in the row',
  };
}

/** Reports the history rows that no case of the test (its table's rows, or the test itself) can count. */
function reportUncounted(cases: readonly { rows: readonly Record_[]; event: Record_ }[], given: readonly Given[], s: TestScope): void {
  const aggs = s.aggregates();
  given.forEach((g, i) => {
    const why = cases.map((c) => uncountable(c.rows[i]!, c.event, aggs));
    if (why.length === 0 || why.some((w) => w === undefined)) return;
    // One warning for a pack without aggregates, at the first row.
    if (aggs.length === 0 && i > 0) return;
    s.cx.diagnostics.push(diag('ZY5003', g.span, why[0]!.message, why[0]!.hint));
  });
}

function expectation(e: A.Expectation, s: TestScope, now: number): TestExpect | undefined {
  const { cx } = s;
  switch (e.kind) {
    case 'outcome':
      if (e.misspelt) return undefined;
      if (s.outcomes.includes(e.outcome.text) || s.outcomes.length === 0) return { kind: 'outcome', outcome: e.outcome.text, span: e.span };
      cx.diagnostics.push(diag('ZY2004', e.outcome.span, `\`expect ${e.outcome.text}\`: \`${e.outcome.text}\` is not an outcome of the pack`,
        `${didYouMean(e.outcome.text, [...s.outcomes, 'fired', 'score', 'reason', 'message', 'seen', 'note']) ?? ''} ${''}an expectation is ${EXPECTATIONS}; the outcomes are ${s.outcomes.join(' > ')}`.trim()));
      return undefined;
    case 'score':
      return { kind: 'score', op: e.op, points: e.points, span: e.span };
    case 'fired': {
      for (const r of e.rules) {
        if (!s.ruleIds.has(r.text)) cx.diagnostics.push(diag('ZY2001', r.span, `unknown rule \`${r.text}\``, didYouMean(r.text, s.ruleIds.keys())));
      }
      return { kind: 'fired', negated: e.negated, rules: e.rules.map((r) => r.text), span: e.span };
    }
    case 'reason': {
      const codes = [...new Set(s.rules.flatMap((r) => (r.reason ? [r.reason] : [])))];
      if (!codes.includes(e.code.text)) {
        cx.diagnostics.push(diag('ZY2001', e.code.span, `no rule has the reason \`${e.code.text}\``, didYouMean(e.code.text, codes) ?? (codes.length ? `the reasons are ${codes.join(', ')}` : undefined)));
        return undefined;
      }
      return { kind: 'reason', negated: e.negated, code: e.code.text, span: e.span };
    }
    case 'note': {
      if (!s.ruleIds.has(e.rule.text)) {
        cx.diagnostics.push(diag('ZY2001', e.rule.span, `unknown rule \`${e.rule.text}\``, didYouMean(e.rule.text, s.ruleIds.keys())));
        return undefined;
      }
      const r = s.rules.find((x) => x.id === e.rule.text);
      if (r && !r.note) {
        cx.diagnostics.push(diag('ZY3008', e.rule.span, `rule \`${r.id}\` has no \`note\``, 'a rule explains not deciding with `note when CONDITION "…"`'));
        return undefined;
      }
      return { kind: 'note', negated: e.negated, rule: e.rule.text, span: e.span };
    }
    case 'message': {
      if (e.how && e.how.text !== 'contains') {
        cx.diagnostics.push(diag('ZY1002', e.how.span, `expected \`contains\` or the message text but found \`${e.how.text}\``, 'expect message "全文", expect message contains "部分", expect message en contains "part"'));
        return undefined;
      }
      return { kind: 'message', ...(e.lang ? { lang: e.lang } : {}), contains: !!e.how, text: e.text.value, span: e.span };
    }
    case 'seen': {
      // `let` names of the rules are known here when one name means one value.
      const lets = new Map<string, LocalInfo | 'broken'>();
      for (const r of s.rules) {
        for (const l of r.locals) {
          const known = lets.get(l.name);
          lets.set(l.name, known === undefined || (known !== 'broken' && seenKey(known.x) === seenKey(l.x)) ? l : 'broken');
        }
      }
      const what = fold(checkExpr(e.what, 'rule', { ...cx, locals: lets }));
      if (what.type.t === 'error') return undefined;
      if (what.k === 'lit') {
        cx.diagnostics.push(diag('ZY3008', e.what.span, '`expect seen` names what a rule reads: a feature, an aggregate, a predicate or a `let` name', 'expect seen count(by customer_id, last 24h) = 3'));
        return undefined;
      }
      const ir = fold(checkExpr(e.value, 'record', cx));
      if (ir.type.t === 'error') return undefined;
      if (!assignable(ir.type, what.type) && !(ir.type.t === 'integer' && what.type.t === 'number')) {
        cx.diagnostics.push(diag('ZY3001', e.value.span, `\`${printed(e.what)}\` is ${typeName(what.type)}, not ${typeName(ir.type)}`));
        return undefined;
      }
      const value = ir.k === 'lit' ? ir.value : evaluate(ir, { now, field: () => undefined, hfield: () => undefined, agg: () => undefined, pred: () => undefined, listHas: () => false });
      return { kind: 'seen', what, value, span: e.span };
    }
  }
}

function printed(e: A.Expr): string {
  return e.kind === 'path' ? e.parts.map((p) => p.text).join('.') : e.kind === 'call' ? `${e.callee.text}(…)` : 'this';
}
