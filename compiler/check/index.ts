// Stage 3: names and types. Reads the files' ASTs and returns the checked
// pack as new data (ir.ts) together with every diagnostic found.
import type * as A from '../ast.ts';
import { diag, didYouMean, type Diagnostic } from '../diagnostics.ts';
import type {
  AggregateSpec, CheckedInvariant, CheckedPack, CheckedRule, ConstInfo, EntityInfo, FieldInfo, IR, ListInfo, LocalInfo, PredicateInfo, Schema, Value,
} from '../ir.ts';
import { printIR } from '../print.ts';
import { fold } from '../optimize/fold.ts';
import { NO_SPAN, type SourceFile, type Span } from '../source.ts';
import { ERROR, SCALAR_TYPE_NAMES, STRING, TIMESTAMP, type Type, assignable, typeName } from '../types.ts';
import type { CheckContext } from './context.ts';
import { checkCondition, checkExpr } from './expressions.ts';
import { checkJsonLogicPredicate, JsonLogicSources } from './jsonlogic.ts';
import { checkTemplate } from './templates.ts';
import { checkTests } from './tests.ts';
import { eachChild } from './walk.ts';
import { KEYWORD_WORDS } from '../lexer.ts';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
import { TIME_FIELD, TYPE_FIELD } from './context.ts';
export { TIME_FIELD };

export interface CheckResult {
  readonly pack?: CheckedPack;
  readonly diagnostics: Diagnostic[];
}

/**
 * `sources` are the pack's files as given to compile(), in the order of `files`:
 * the JSON Logic files that `jsonlogic` predicates name are found among them.
 */
export function check(files: readonly A.FileAst[], brokenNames: ReadonlySet<string>, sources: readonly SourceFile[] = []): CheckResult {
  const diagnostics: Diagnostic[] = [];
  const err = (code: Parameters<typeof diag>[0], span: Span, msg: string, hint?: string) => diagnostics.push(diag(code, span, msg, hint));
  // The declarations by kind, in one pass (a large pack's AST is tens of MB:
  // each pass over it is mostly cache misses), and the names they share.
  const byKind = new Map<A.Decl['kind'], A.Decl[]>();
  const named: A.Name[] = [];
  for (const f of files) {
    for (const d of f.decls) {
      const same = byKind.get(d.kind);
      if (same) same.push(d);
      else byKind.set(d.kind, [d]);
      if (d.kind === 'entity' || d.kind === 'listDecl' || d.kind === 'const' || d.kind === 'predicate' || d.kind === 'jsonlogicPredicate') named.push(d.name);
    }
  }
  const of = <K extends A.Decl['kind']>(k: K) => (byKind.get(k) ?? []).slice() as Extract<A.Decl, { kind: K }>[];

  // ---- header ----
  const packs = of('pack');
  if (packs.length === 0) err('ZY2003', { file: files[0]?.file ?? 0, start: 0, end: 0 }, 'the pack has no `pack` declaration', 'start one file with `pack my_pack version "1.0.0"`');
  for (const p of packs.slice(1)) err('ZY2003', p.span, `a pack is declared only once (first as \`${packs[0]!.name.text}\`)`);
  const outcomeDecls = of('outcomes');
  if (outcomeDecls.length === 0) err('ZY2003', packs[0]?.span ?? { file: files[0]?.file ?? 0, start: 0, end: 0 }, 'the pack declares no outcomes', 'add e.g. `outcomes block > review > allow` (strongest first; the last is the default)');
  for (const o of outcomeDecls.slice(1)) err('ZY2003', o.span, 'outcomes are declared only once per pack');
  const outcomes: string[] = [];
  for (const o of outcomeDecls[0]?.outcomes ?? []) {
    if (outcomes.includes(o.text)) err('ZY2002', o.span, `outcome \`${o.text}\` is listed twice`);
    else outcomes.push(o.text);
  }
  const outcomeKnown = (n: A.Name): boolean => {
    if (outcomes.includes(n.text) || outcomeDecls.length === 0) return true;
    err('ZY2004', n.span, `unknown outcome \`${n.text}\``, didYouMean(n.text, outcomes) ?? `the pack's outcomes are ${outcomes.join(' > ')}`);
    return false;
  };
  const thresholds = of('threshold').filter((t) => outcomeKnown(t.outcome)).map((t) => ({ outcome: t.outcome.text, at: t.at }));

  // ---- the namespace: entities, lists, constants, predicates share one ----
  // Claimed in source order, so a clash is reported at the later declaration.
  const winners = new Set<A.Name>();
  const taken = new Set<string>();
  named.sort((a, b) => a.span.file - b.span.file || a.span.start - b.span.start);
  for (const n of named) {
    if (taken.has(n.text)) err('ZY2002', n.span, `\`${n.text}\` is already declared`, 'entity, list, constant and predicate names must be unique in the pack');
    else { taken.add(n.text); winners.add(n); }
  }
  const claim = (n: A.Name, _what: string): boolean => winners.has(n);

  // ---- schema ----
  const eventDecls = of('event');
  for (const e of eventDecls.slice(1)) err('ZY2002', e.span, 'the event schema is declared only once per pack');
  const event = entityInfo('event', '', eventDecls[0], err);
  const entities = new Map<string, EntityInfo>();
  for (const d of of('entity')) {
    if (d.name.text === 'event') { err('ZY2008', d.name.span, '`event` is the incoming event, not an entity name'); continue; }
    if (KEYWORD_WORDS.includes(d.name.text)) { err('ZY2008', d.name.span, `\`${d.name.text}\` is a keyword of the language and cannot name an entity`); continue; }
    if (!claim(d.name, 'entity')) continue;
    const keyField = event.fields.get(d.key.text);
    if (!keyField) err('ZY2001', d.key.span, `entity \`${d.name.text}\` is looked up by \`${d.key.text}\`, which is not a field of the event`, didYouMean(d.key.text, event.fields.keys()));
    entities.set(d.name.text, entityInfo(d.name.text, d.key.text, d, err));
  }
  const schema = { event, entities };
  const { decides, measuredBy } = scope(of('decides'), of('measured'), event, err);

  // ---- lists ----
  const lists = new Map<string, ListInfo>();
  const listDecls = of('listDecl');
  for (const d of listDecls) claim(d.name, 'list');

  // ---- constants and predicates, checked on first use to follow dependencies ----
  const constDecls = new Map(of('const').filter((d) => claim(d.name, 'constant')).map((d) => [d.name.text, d]));
  const predDecls = new Map<string, A.PredicateDecl | A.JsonLogicPredicateDecl>(
    [...of('predicate'), ...of('jsonlogicPredicate')].filter((d) => claim(d.name, 'predicate')).map((d) => [d.name.text, d]),
  );
  const jsonLogic = new JsonLogicSources(sources);
  const consts = new Map<string, ConstInfo | 'broken'>();
  const predicates = new Map<string, PredicateInfo | 'broken'>();
  const inProgress: string[] = [];
  const aggregates: AggregateSpec[] = [];
  const aggKeys = new Map<string, number>();

  const cycle = (name: string, use: Span): boolean => {
    const at = inProgress.indexOf(name);
    if (at < 0) return false;
    err('ZY2006', use, `\`${name}\` is defined in terms of itself: ${[...inProgress.slice(at), name].join(' → ')}`);
    return true;
  };

  let localSlots = 0;
  const cx: CheckContext = {
    diagnostics, schema, lists,
    localSlot: () => localSlots++,
    isBroken: (n) => brokenNames.has(n),
    allNames: () => [...constDecls.keys(), ...predDecls.keys(), ...lists.keys()],
    aggregate: (spec) => {
      // Two rules' `let`s of one name are different values: the key tells them apart.
      const slots: number[] = [];
      const find = (x: IR): void => { if (x.k === 'local') slots.push(x.slot); eachChild(x, find); };
      [...(spec.filter ? [spec.filter] : []), ...(spec.steps ?? [])].forEach(find);
      const key = slots.length ? `${spec.text}#${slots.join(',')}` : spec.text;
      const known = aggKeys.get(key);
      if (known !== undefined) return known;
      const id = aggregates.length;
      aggregates.push({ ...spec, id });
      aggKeys.set(key, id);
      return id;
    },
    constant: (name, use) => {
      const done = consts.get(name);
      if (done) return done;
      const d = constDecls.get(name);
      if (!d) return undefined;
      if (cycle(name, use)) return 'broken';
      inProgress.push(name);
      const ir = fold(checkExpr(d.value, 'const', cx));
      inProgress.pop();
      let info: ConstInfo | 'broken' = 'broken';
      if (ir.type.t === 'error') info = 'broken';
      else if (ir.k !== 'lit') err('ZY3004', d.value.span, `constant \`${name}\` must be computable when the pack is compiled`);
      else info = { name, value: ir.value, type: ir.type, span: d.span };
      consts.set(name, info);
      return info;
    },
    predicate: (name, use) => {
      const done = predicates.get(name);
      if (done) return done;
      const d = predDecls.get(name);
      if (!d) return undefined;
      if (cycle(name, use)) return 'broken';
      inProgress.push(name);
      const body = d.kind === 'jsonlogicPredicate' ? checkJsonLogicPredicate(d, cx, jsonLogic) : checkCondition(d.body, 'rule', cx, `predicate \`${name}\``);
      inProgress.pop();
      const info: PredicateInfo | 'broken' = !body || body.type.t === 'error' ? 'broken' : { name, body, ...(d.description ? { description: d.description } : {}), span: d.span };
      predicates.set(name, info);
      return info;
    },
  };

  for (const d of listDecls) {
    const element = listElementType(d.type, err);
    if (!element) continue;
    let values: Value[] | undefined;
    if (d.items) {
      values = [];
      for (const item of d.items.items) {
        const ir = fold(checkExpr(item, 'const', cx));
        if (ir.type.t === 'error') continue;
        if (ir.k === 'lit' && ir.value === undefined) {
          err('ZY3004', item.span, `this member of list \`${d.name.text}\` is missing (a division by zero?)`);
          continue;
        }
        if (ir.k !== 'lit' || !assignable(ir.type, element) || (element.t === 'enum' && !element.members.includes(String(ir.value)))) {
          err('ZY3001', item.span, `list \`${d.name.text}\` holds ${typeName(element)}; this is ${ir.k === 'lit' ? typeName(ir.type) : 'not a constant'}`);
          continue;
        }
        values.push(ir.value);
      }
    }
    lists.set(d.name.text, {
      name: d.name.text, element, external: d.external, ...(values ? { values } : {}),
      ...(d.description ? { description: d.description } : {}), span: d.span,
    });
  }
  for (const name of constDecls.keys()) cx.constant(name, constDecls.get(name)!.name.span);
  for (const name of predDecls.keys()) cx.predicate(name, predDecls.get(name)!.name.span);

  // ---- rules ----
  const rules: CheckedRule[] = [];
  const ruleIds = new Map<string, Span>();
  for (const r of of('rule')) {
    if (ruleIds.has(r.id.text)) { err('ZY2002', r.id.span, `rule \`${r.id.text}\` is already declared`); continue; }
    ruleIds.set(r.id.text, r.span);
    const rule = checkRule(r, rules.length, cx, outcomeKnown, err);
    if (rule) rules.push(rule);
  }
  for (const n of brokenNames) if (!ruleIds.has(n)) ruleIds.set(n, NO_SPAN);

  const tests = checkTests(of('test'), of('fixture'), { cx, outcomes, ruleIds, outcomeKnown, rules, aggregates: () => aggregates });
  const invariants = checkInvariants(of('invariant'), cx, ruleIds, outcomeKnown, err);

  const definite = (m: Map<string, ConstInfo | PredicateInfo | 'broken'>) =>
    new Map([...m].filter((e): e is [string, never] => e[1] !== 'broken'));
  const pack: CheckedPack = {
    name: packs[0]?.name.text ?? 'unnamed',
    ...(packs[0]?.version ? { version: packs[0].version } : {}),
    outcomes, thresholds, ...(decides ? { decides } : {}), measuredBy, schema, lists,
    consts: definite(consts) as Map<string, ConstInfo>,
    predicates: definite(predicates) as Map<string, PredicateInfo>,
    aggregates, rules, tests, ...(invariants.length ? { invariants } : {}), sharedSlots: 0,
    eventFields: eventFieldsRead(schema, rules, [...predicates.values()].filter((p): p is PredicateInfo => p !== 'broken'), aggregates),
  };
  return { pack, diagnostics };
}

/**
 * `decides` and `measured by`: which events the pack is for (members of the
 * event's `type` enum) and which label kinds measure it. One of each at most.
 */
function scope(
  decideDecls: readonly A.DecidesDecl[], measuredDecls: readonly A.MeasuredDecl[], event: EntityInfo,
  err: (c: 'ZY2001' | 'ZY2002' | 'ZY2003' | 'ZY2009', s: Span, m: string, h?: string) => void,
): { decides?: string[]; measuredBy: string[] } {
  for (const d of decideDecls.slice(1)) err('ZY2003', d.span, '`decides` is declared only once per pack');
  for (const d of measuredDecls.slice(1)) err('ZY2003', d.span, '`measured by` is declared only once per pack');
  const unique = (names: readonly A.Name[], what: string, ok: (n: A.Name) => boolean): string[] => {
    const out: string[] = [];
    for (const n of names) {
      if (out.includes(n.text)) err('ZY2002', n.span, `${what} \`${n.text}\` is listed twice`);
      else if (ok(n)) out.push(n.text);
    }
    return out;
  };
  let decides: string[] | undefined;
  const d = decideDecls[0];
  if (d) {
    const t = event.fields.get(TYPE_FIELD)?.type;
    if (t?.t !== 'enum') {
      if (t?.t !== 'error') err('ZY2009', d.span, `\`decides\` names event types, so the event needs a field \`${TYPE_FIELD}: enum(…)\``, 'declare e.g. `type: enum(login, transfer_out) required` in the event');
    } else {
      decides = unique(d.types, 'event type', (n) => {
        if (t.members.includes(n.text)) return true;
        err('ZY2001', n.span, `\`${n.text}\` is not an event type`, didYouMean(n.text, t.members) ?? `event.${TYPE_FIELD} is one of ${t.members.join(', ')}`);
        return false;
      });
    }
  }
  const measuredBy = unique(measuredDecls[0]?.kinds ?? [], 'label kind', (n) => {
    if (/^[a-z][a-z0-9_]*$/.test(n.text)) return true;
    err('ZY2009', n.span, `label kind \`${n.text}\` should be lower case (labels are stored as fraud, chargeback, qa_breach, …)`);
    return false;
  });
  return { ...(decides ? { decides } : {}), measuredBy };
}

function entityInfo(name: string, key: string, d: A.EventDecl | A.EntityDecl | undefined, err: (c: 'ZY2001' | 'ZY2002' | 'ZY2009', s: Span, m: string, h?: string) => void): EntityInfo {
  const fields = new Map<string, FieldInfo>();
  for (const f of d?.fields ?? []) {
    if (fields.has(f.name.text)) { err('ZY2002', f.name.span, `field \`${f.name.text}\` is declared twice`); continue; }
    const type = fieldType(f.type, err);
    if (name === 'event' && f.name.text === TIME_FIELD && type.t !== 'timestamp' && type.t !== 'error') {
      err('ZY2009', f.type.span, `\`event.${TIME_FIELD}\` is the event's own time and must be a timestamp`);
    }
    fields.set(f.name.text, {
      name: f.name.text, type, required: f.required || (name === 'event' && f.name.text === TIME_FIELD), protected: f.protected,
      ...(f.description ? { description: f.description } : {}), span: f.span,
    });
  }
  if (name === 'event' && !fields.has(TIME_FIELD)) {
    fields.set(TIME_FIELD, { name: TIME_FIELD, type: TIMESTAMP, required: true, protected: false, description: 'When the event happened; every window is computed as of this time.', span: d?.span ?? NO_SPAN });
  }
  return { name, key, ...(d?.description ? { description: d.description } : {}), fields, span: d?.span ?? NO_SPAN };
}

function fieldType(t: A.TypeExpr, err: (c: 'ZY2001' | 'ZY2002' | 'ZY2009', s: Span, m: string, h?: string) => void): Type {
  switch (t.kind) {
    case 'named': {
      const s = SCALAR_TYPE_NAMES[t.name.text];
      if (s) return s;
      err('ZY2001', t.name.span, `unknown type \`${t.name.text}\``, didYouMean(t.name.text, [...Object.keys(SCALAR_TYPE_NAMES), 'enum', 'set']) ?? `types are ${Object.keys(SCALAR_TYPE_NAMES).join(', ')}, enum(…) and set<…>`);
      return ERROR;
    }
    case 'enum': {
      const members: string[] = [];
      for (const m of t.members) {
        if (members.includes(m.text)) err('ZY2002', m.span, `enum member \`${m.text}\` is listed twice`);
        else members.push(m.text);
      }
      return { t: 'enum', members };
    }
    case 'set': {
      const el = t.element.text === 'string' ? STRING : t.element.text === 'integer' ? SCALAR_TYPE_NAMES['integer']! : undefined;
      if (!el) { err('ZY2009', t.element.span, 'sets hold strings or integers: set<string> or set<integer>'); return ERROR; }
      return { t: 'set', element: el };
    }
  }
}

function listElementType(t: A.TypeExpr, err: (c: 'ZY2001' | 'ZY2002' | 'ZY2009', s: Span, m: string, h?: string) => void): Type | undefined {
  const ty = fieldType(t, err);
  if (ty.t === 'error') return undefined;
  if (ty.t === 'set' || ty.t === 'bool') { err('ZY2009', t.span, `a list cannot hold ${typeName(ty)}`); return undefined; }
  return ty;
}

function checkRule(
  r: A.RuleDecl, index: number, cx: CheckContext, outcomeKnown: (n: A.Name) => boolean,
  err: (c: Parameters<typeof diag>[0], s: Span, m: string, h?: string) => void,
): CheckedRule | undefined {
  const once = new Map<string, A.RuleClause>();
  const suppress: { code: string; reason: string; span: Span }[] = [];
  const lets: Extract<A.RuleClause, { kind: 'let' }>[] = [];
  for (const c of r.clauses) {
    if (c.kind === 'let') { lets.push(c); continue; }
    if (c.kind === 'suppress') {
      if (!/^ZY\d{4}$/.test(c.code.text)) err('ZY2009', c.code.span, `\`${c.code.text}\` is not a diagnostic code (ZY followed by four digits)`);
      else if (!c.reason.trim()) err('ZY2009', c.span, 'a suppression states its reason', 'suppress ZY6003 "the score rule is meant to overlap"');
      else suppress.push({ code: c.code.text, reason: c.reason, span: c.span });
      continue;
    }
    const key = c.kind;
    if (once.has(key)) err('ZY2009', c.span, `rule \`${r.id.text}\` has more than one \`${c.kind === 'enabled' ? 'enabled/disabled' : c.kind}\` clause`);
    else once.set(key, c);
  }
  const get = <K extends A.RuleClause['kind']>(k: K) => once.get(k) as Extract<A.RuleClause, { kind: K }> | undefined;
  const when = get('when');
  if (!when) { err('ZY2009', r.id.span, `rule \`${r.id.text}\` has no \`when\` condition`); return undefined; }
  // `let` names, each checked with the ones before it in scope; the rest of the rule sees them all.
  const localScope = new Map<string, LocalInfo | 'broken'>();
  const locals: LocalInfo[] = [];
  let taken: ReadonlySet<string> | undefined;
  for (const l of lets) {
    const name = l.name.text;
    if (localScope.has(name)) { err('ZY2002', l.name.span, `\`let ${name}\` is already declared in rule \`${r.id.text}\``); continue; }
    if ((taken ??= new Set(cx.allNames())).has(name) || cx.schema.entities.has(name) || cx.isBroken(name)) {
      err('ZY2002', l.name.span, `\`${name}\` is already declared in the pack`, 'a `let` name must differ from the pack\'s constants, predicates, lists and entities');
      localScope.set(name, 'broken');
      continue;
    }
    if (cx.schema.event.fields.has(name)) {
      err('ZY2002', l.name.span, `\`${name}\` is a field of the event`, `inside an aggregate's \`where\`, \`${name}\` is the history event's field; choose another name`);
      localScope.set(name, 'broken');
      continue;
    }
    const x = checkExpr(l.value, 'rule', { ...cx, locals: localScope });
    if (x.type.t === 'error') { localScope.set(name, 'broken'); continue; }
    if (x.type.t === 'missing' || x.type.t === 'list') { err('ZY3001', l.value.span, `\`let ${name}\` needs a value, not ${x.type.t === 'list' ? 'a list' : '`missing`'}`); localScope.set(name, 'broken'); continue; }
    const info: LocalInfo = { name, slot: cx.localSlot(), x, span: l.span };
    localScope.set(name, info);
    locals.push(info);
  }
  const rcx: CheckContext = lets.length ? { ...cx, locals: localScope } : cx;
  const condition = checkCondition(when.condition, 'rule', rcx, 'a rule condition');
  const noteClause = get('note');
  const noteCondition = noteClause ? checkCondition(noteClause.condition, 'rule', rcx, 'a note\'s condition') : undefined;
  const then = get('then');
  const score = get('score');
  if (!then && !score) err('ZY2007', r.id.span, `rule \`${r.id.text}\` has no action`, 'add `then <outcome>` or `score +N`');
  if (then) outcomeKnown(then.outcome);
  const sev = get('severity');
  if (sev && !(SEVERITIES as readonly string[]).includes(sev.level.text)) {
    err('ZY2009', sev.level.span, `unknown severity \`${sev.level.text}\``, `severities are ${SEVERITIES.join(', ')}`);
  }
  const eff = get('effective');
  if (eff?.from && eff.until && eff.until.ms <= eff.from.ms) err('ZY2009', eff.span, 'the rule expires before it takes effect');
  const msg = get('message');
  const tags = get('tags');
  const owner = get('owner');
  const note = noteClause && noteCondition && noteCondition.type.t !== 'error' ? {
    condition: noteCondition, span: noteClause.span,
    message: { zh: checkTemplate(noteClause.zh, rcx), ...(noteClause.en ? { en: checkTemplate(noteClause.en, rcx) } : {}) },
  } : undefined;
  if (condition.type.t === 'error') return undefined;
  // Built a key at a time, in the order the rule is printed and serialized in
  // (optional keys only when present), rather than from a spread per optional
  // key: a large pack has 10,000 rules.
  const rule: Mutable<CheckedRule> = { index, id: r.id.text } as Mutable<CheckedRule>;
  if (r.title !== undefined) rule.title = r.title;
  if (owner) rule.owner = owner.value;
  rule.tags = tags?.tags.map((t) => t.text) ?? [];
  if (sev) rule.severity = sev.level.text;
  rule.enabled = get('enabled')?.value ?? true;
  if (eff?.from) rule.effectiveFrom = eff.from.ms;
  if (eff?.until) rule.effectiveUntil = eff.until.ms;
  rule.condition = condition;
  rule.leaves = leavesOf(condition);
  if (then) rule.outcome = then.outcome.text;
  rule.score = score?.points ?? 0;
  const reason = get('reason');
  if (reason) rule.reason = reason.code.text;
  const message: Mutable<CheckedRule['message']> = {};
  if (msg?.zh) message.zh = checkTemplate(msg.zh, rcx);
  if (msg?.en) message.en = checkTemplate(msg.en, rcx);
  rule.message = message;
  rule.locals = locals;
  if (note) rule.note = note;
  rule.suppress = suppress;
  rule.span = r.span;
  return rule;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Invariants: a condition like a rule's, and conclusions about outcomes and rules the pack has. */
function checkInvariants(
  decls: readonly A.InvariantDecl[], cx: CheckContext, ruleIds: ReadonlyMap<string, Span>, outcomeKnown: (n: A.Name) => boolean,
  err: (c: Parameters<typeof diag>[0], s: Span, m: string, h?: string) => void,
): CheckedInvariant[] {
  const out: CheckedInvariant[] = [];
  const titles = new Set<string>();
  for (const d of decls) {
    const title = d.title.value.trim();
    if (!title) { err('ZY2009', d.title.span, 'an invariant needs a title that says what it guarantees'); continue; }
    if (titles.has(title)) { err('ZY2002', d.title.span, `invariant "${title}" is already declared`); continue; }
    titles.add(title);
    const condition = checkCondition(d.condition, 'rule', cx, 'an invariant\'s condition');
    let ok = condition.type.t !== 'error';
    const conclusions: CheckedInvariant['conclusions'][number][] = [];
    for (const c of d.conclusions) {
      if (c.kind === 'fired') {
        if (!ruleIds.has(c.rule.text)) { err('ZY2001', c.rule.span, `unknown rule \`${c.rule.text}\``, didYouMean(c.rule.text, ruleIds.keys())); ok = false; continue; }
        conclusions.push({ kind: 'fired', negated: c.negated, rule: c.rule.text, span: c.span });
      } else {
        if (!outcomeKnown(c.outcome)) { ok = false; continue; }
        conclusions.push({ kind: 'outcome', op: c.op, outcome: c.outcome.text, span: c.span });
      }
    }
    if (d.source && !d.source.value.trim()) err('ZY2009', d.source.span, 'a `source` names where the property comes from; it cannot be empty');
    if (!ok) continue;
    out.push({ index: out.length, title, condition, conclusions, ...(d.source?.value.trim() ? { source: d.source.value.trim() } : {}), span: d.span });
  }
  return out;
}

function eventFieldsRead(schema: Schema, rules: readonly CheckedRule[], preds: readonly PredicateInfo[], aggs: readonly AggregateSpec[]): string[] {
  const used = new Set<string>([TIME_FIELD]);
  const walk = (x: IR): void => {
    if (x.k === 'field') used.add(x.entity === 'event' ? x.field : schema.entities.get(x.entity)!.key);
    eachChild(x, walk);
  };
  const placeholders = (parts: CheckedRule['message']['zh']): void => { for (const p of parts ?? []) if (p.expr) walk(p.expr); };
  for (const r of rules) {
    // A condition's fields are its field leaves and those its `let`s read (aggregates and predicates are walked below).
    for (const l of r.leaves) if (l.k === 'field' || l.k === 'local') walk(l);
    placeholders(r.message.zh);
    placeholders(r.message.en);
    if (r.note) {
      walk(r.note.condition);
      placeholders(r.note.message.zh);
      placeholders(r.note.message.en);
    }
  }
  preds.forEach((p) => walk(p.body));
  for (const a of aggs) {
    if (a.by) used.add(a.by);
    // The current event is filtered like a history event when it counts.
    const hist = (x: IR): void => { if (x.k === 'hfield') used.add(x.field); eachChild(x, hist); };
    for (const f of [...(a.filter ? [a.filter] : []), ...(a.steps ?? [])]) {
      walk(f);
      if (a.includeCurrent) hist(f);
    }
    if (a.includeCurrent && a.field) used.add(a.field);
  }
  for (const f of schema.event.fields.values()) if (f.required) used.add(f.name);
  return [...schema.event.fields.keys()].filter((f) => used.has(f));
}

/**
 * The leaves a condition reads, each once (the first of those printed alike),
 * in order. A rule has a few: they are compared with the ones found so far;
 * past SMALL, they are found by their printed form.
 */
function leavesOf(e: IR): IR[] {
  const leaves: IR[] = [];
  let printed: Map<string, IR> | undefined;
  const walk = (x: IR): void => {
    if (x.k === 'field' || x.k === 'agg' || x.k === 'pred' || x.k === 'local') {
      if (printed) {
        const key = printIR(x);
        if (!printed.has(key)) { printed.set(key, x); leaves.push(x); }
        return;
      }
      for (const l of leaves) if (printedAlike(l, x)) return;
      leaves.push(x);
      if (leaves.length > SMALL) printed = new Map(leaves.map((l) => [printIR(l), l]));
      return;
    }
    eachChild(x, walk);
  };
  walk(e);
  return leaves;
}

const SMALL = 16;

/**
 * Whether two leaves print the same (printIR): a field as `entity.field`, an
 * aggregate as `agg#id`, a predicate or a `let` as its name (names have
 * neither `.` nor `#`, so no two kinds print alike but these two).
 */
function printedAlike(a: IR, b: IR): boolean {
  if (a.k === 'field') return b.k === 'field' && a.entity === b.entity && a.field === b.field;
  if (a.k === 'agg') return b.k === 'agg' && a.id === b.id;
  const name = a.k === 'pred' || a.k === 'local' ? a.name : undefined;
  return name !== undefined && (b.k === 'pred' || b.k === 'local') && b.name === name;
}

