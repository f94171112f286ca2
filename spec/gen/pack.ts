// Generates well-typed rule packs as source text over the fixed schema of
// schema.ts. Expressions are built by typed fast-check arbitraries (one
// `letrec` per scope), so every generated pack must compile, and fast-check
// can shrink a failing pack structurally.
import fc from 'fast-check';
import { rarely } from './input.ts';
import {
  AGG_FIELDS, BY_KEYS, ENTITY_FIELDS, ENUM_MEMBERS, EVENT_FIELDS, FIELD_TYPE, SCHEMA, SET_INT_FIELDS, SET_STR_FIELDS, STRINGS,
  type EnumT, type T,
} from './schema.ts';

/**
 * Constructs that can be kept out of generation because they exposed a bug;
 * `true` excludes the construct. spec/property.test.ts sets them from its
 * KNOWN_BUG_… flags, where each bug's repro is written down.
 */
export interface GenFlags {
  /** `x in [ …, 1 / 0, … ]`: a literal list whose member folds to missing. */
  readonly missingListMember: boolean;
  /** `x in []` / `x not in []` (and empty pack lists): with x known present, generated code does not parse. */
  readonly emptyList: boolean;
  /** A predicate named inside an aggregate's `where`: generated code throws ReferenceError. */
  readonly predicateInFilter: boolean;
  /** day/month/year of a computed timestamp (it may leave the Date range): generated code gives NaN. */
  readonly dateOfComputedTimestamp: boolean;
  /** Scores that are not exact binary fractions (0.1, 33.3): generated code sums them in another order. */
  readonly inexactScores: boolean;
}
export const DEFAULT_FLAGS: GenFlags = {
  missingListMember: true, emptyList: true, predicateInFilter: true, dateOfComputedTimestamp: true, inexactScores: true,
};

type Scope = 'rule' | 'filter' | 'const';
interface Cfg {
  readonly scope: Scope;
  /** Predicates an expression may name (only lower-numbered ones, so there are no cycles). */
  readonly preds: readonly string[];
  /** Predicates an aggregate's `where` may name. */
  readonly filterPreds: readonly string[];
  /** May use `\u0001type:i\u0001` tokens that stand for pack-level shared snippets. */
  readonly snippets: boolean;
  /** Inside a message placeholder: single-quoted strings, no escapes, no braces. */
  readonly tmpl: boolean;
  readonly maxDepth: number;
  readonly id: string;
  /** `x in [.., 1/0, ..]` allowed (see GenFlags). */
  readonly missingMember: boolean;
  /** Empty lists allowed (see GenFlags). */
  readonly emptyList: boolean;
  /** Calendar functions of any timestamp expression, not only of fields and literals (see GenFlags). */
  readonly dateOfComputed: boolean;
  /** May name the rule's `let`s (every generated rule declares LB, LI and LM). */
  readonly lets: boolean;
}

/** The `let`s every generated rule declares, by type. */
export const LETS: Partial<Record<T, string>> = { bool: 'LB', int: 'LI', money: 'LM' };

type Arb = fc.Arbitrary<string>;
const A = fc.constantFrom;
const p = (s: string) => `(${s})`;

// ---------- literals ----------
export function dslString(s: string, quote: '"' | "'" = '"'): string {
  let out = '';
  for (const c of s) {
    if (c === '\\') out += '\\\\';
    else if (c === quote) out += `\\${quote}`;
    else if (c === '\t') out += '\\t';
    else if (c === '\n') out += '\\n';
    else if (c === 'é') out += '\\u00e9';
    else out += c;
  }
  return quote + out + quote;
}
const TMPL_STRINGS = ['a', 'b', 'abc', 'ABC', '', 'c1', 'mule-7', '中文', ' x ', 'app'];

const intLit: Arb = fc.oneof(
  fc.integer({ min: -3, max: 12 }).map((n) => (n < 0 ? p(String(n)) : String(n))),
  A('60', '100', '1_000', '9007199254740991', '(-0)', '0'),
);
const numLit: Arb = A('2.5', '0.5', '1e3', '1e-3', '3.0', '0.1', '(-1.5)', '7.25', '0.0');
const moneyLit: Arb = A('¥100', '¥0.01', '¥1,000.50', '150fen', '2元', '¥0', '¥5,000', '(-¥1)', '¥2000', '3 yuan');
const durLit: Arb = A('1ms', '30s', '5m', '1h', '1d', '1w', '0s', '30m', '24h', '(-1h)');
const tsLit: Arb = A(
  '@2026-03-01T10:00', '@2026-03-01', '@2026-02-28T23:59:59.999', '@2026-03-01T02:00:00Z', '@2026-03-02T00:00+08:00',
  '@2026-03-01T09:59', '@2026-02-23', '@2026-03-08T12:00',
);
const strLit = (tmpl: boolean): Arb =>
  tmpl ? A(...TMPL_STRINGS).map((s) => `'${s}'`) : fc.tuple(A(...STRINGS), fc.boolean()).map(([s, single]) => dslString(s, single ? "'" : '"'));
const memberLit = (e: EnumT, tmpl: boolean): Arb => A(...ENUM_MEMBERS[e]).map((m) => (tmpl ? `'${m}'` : `"${m}"`));

/** Constants every pack declares; `CZ` is `1 / 0`, a constant whose value is missing. */
export const BASE_CONSTS: Partial<Record<T, readonly string[]>> = {
  int: ['CI0'], num: ['CN0'], money: ['CM0'], dur: ['CD0'], ts: ['CT0'], str: ['CS0'], bool: ['CB0'],
};
export const DERIVED_CONSTS: Partial<Record<T, readonly string[]>> = {
  int: ['CI1'], num: ['CN1', 'CZ'], money: ['CM1'], dur: ['CD1'], bool: ['CB1'],
};
/** A constant that is a member of the channel enum (a literal after checking). */
const CH_CONST = 'CCH';

// ---------- the expression grammar ----------
type ExprValues = Record<T | 'textAny' | 'nonLitStr' | 'setStr' | 'setInt', string>;
export type Exprs = { [K in keyof ExprValues]: Arb };

const cache = new Map<string, Exprs>();
export function exprs(cfg: Cfg): Exprs {
  const key = JSON.stringify(cfg);
  let e = cache.get(key);
  if (!e) { e = build(cfg); cache.set(key, e); }
  return e;
}

function fieldRefs(t: T, cfg: Cfg): string[] {
  if (cfg.scope === 'const') return [];
  const out = [...(EVENT_FIELDS[t] ?? []).map((f) => `event.${f}`), ...(ENTITY_FIELDS[t] ?? [])];
  if (cfg.scope === 'filter') out.push(...(EVENT_FIELDS[t] ?? []));
  if (t === 'ts') out.push('now');
  return out;
}
function constRefs(t: T, cfg: Cfg): string[] {
  const out = [...(BASE_CONSTS[t] ?? [])];
  if (cfg.scope !== 'const') out.push(...(DERIVED_CONSTS[t] ?? []));
  return out;
}

function build(cfg: Cfg): Exprs {
  const { tmpl } = cfg;
  const inRule = cfg.scope === 'rule';
  const hasFields = cfg.scope !== 'const';
  const o = { depthSize: 'small' as const, maxDepth: cfg.maxDepth, depthIdentifier: cfg.id, withCrossShrink: true };
  const lits: Record<T, Arb> = {
    int: intLit, num: numLit, money: moneyLit, dur: durLit, ts: tsLit, bool: A('true', 'false'), str: strLit(tmpl),
    ch: memberLit('ch', tmpl), ty: memberLit('ty', tmpl), seg: memberLit('seg', tmpl),
  };
  const leaf = (t: T): Arb => {
    const names = [
      ...fieldRefs(t, cfg), ...constRefs(t, cfg), ...(t === 'bool' ? cfg.preds : []), ...(t === 'ch' && hasFields ? [CH_CONST] : []),
      ...(cfg.lets && LETS[t] ? [LETS[t]!] : []),
    ];
    const alts: fc.WeightedArbitrary<string>[] = [{ arbitrary: lits[t], weight: 2 }];
    if (names.length) alts.push({ arbitrary: A(...names), weight: 3 });
    if (cfg.snippets && (t === 'bool' || t === 'int' || t === 'money' || t === 'num')) {
      alts.push({ arbitrary: fc.nat({ max: 5 }).map((i) => `\u0001${t}:${i}\u0001`), weight: 2 });
    }
    return fc.oneof(...alts);
  };

  const aggs = inRule ? aggregates(cfg) : undefined;

  return fc.letrec<ExprValues>((tie) => {
    const int = () => tie('int');
    const num = () => tie('num');
    const numeric = () => fc.oneof(tie('int'), tie('num'));
    const money = () => tie('money');
    const dur = () => tie('dur');
    const tsx = () => tie('ts');
    const bool = () => tie('bool');
    const str = () => tie('str');
    const textAny = () => tie('textAny');
    /** The argument of day/month/year/date: any timestamp, or (while flagged) a field or literal. */
    const calTs = () => (cfg.dateOfComputed ? tsx() : leaf('ts'));
    const bin = (l: Arb, op: string, r: Arb) => fc.tuple(l, r).map(([a, b]) => p(`${a} ${op} ${b}`));
    const call = (fn: string, ...args: Arb[]) => fc.tuple(...args).map((xs) => `${fn}(${xs.join(', ')})`);
    const ops = (...xs: string[]) => A(...xs);
    const arith = (l: () => Arb, opsA: string[], r: () => Arb) =>
      fc.tuple(l(), ops(...opsA), r()).map(([a, op, b]) => p(`${a} ${op} ${b}`));
    const rec = (t: T, ...alts: (Arb | fc.WeightedArbitrary<string>)[]) => fc.oneof(o, leaf(t), ...alts);
    const aggAlts = (t: T): Arb[] => (aggs ? aggs(t) : []);

    /** Operands that may meet a value of enum E (literals only if they are members). */
    const enumCompat = (e: EnumT): Arb => fc.oneof(
      tie(e), memberLit(e, tmpl),
      ...(hasFields ? [tie('nonLitStr')] : []),
    );
    /** Two operands of one comparable domain. */
    const pair = (ordered: boolean): fc.Arbitrary<[string, string]> => {
      const doms: fc.Arbitrary<[string, string]>[] = [
        fc.tuple(numeric(), numeric()), fc.tuple(money(), money()), fc.tuple(dur(), dur()), fc.tuple(tsx(), tsx()),
        fc.tuple(str(), str()),
      ];
      if (!ordered) {
        doms.push(fc.tuple(bool(), bool()));
        if (hasFields) for (const e of ['ch', 'ty', 'seg'] as const) doms.push(fc.tuple(tie(e), enumCompat(e)), fc.tuple(enumCompat(e), tie(e)));
      }
      return fc.oneof(...doms);
    };
    const cmp = fc.oneof(
      fc.tuple(pair(true), ops('<', '<=', '>', '>=', '==', '!=')).map(([[a, b], op]) => p(`${a} ${op} ${b}`)),
      fc.tuple(pair(false), ops('==', '!=')).map(([[a, b], op]) => p(`${a} ${op} ${b}`)),
    );
    const between = fc.oneof(
      fc.tuple(numeric(), numeric(), numeric()), fc.tuple(money(), money(), money()), fc.tuple(tsx(), tsx(), tsx()),
      fc.tuple(dur(), dur(), dur()), fc.tuple(str(), str(), str()),
    ).map(([x, lo, hi]) => p(`${x} between ${lo} and ${hi}`));

    // `in` / `not in`: literal lists (small and over six members), pack lists, external lists, set features.
    const listOf = (item: Arb, min: number, max: number) => fc.array(item, { minLength: min, maxLength: max }).map((xs) => `[${xs.join(', ')}]`);
    const withMissing = (item: Arb): Arb => (cfg.missingMember ? fc.oneof({ arbitrary: item, weight: 8 }, { arbitrary: A('(1 / 0)'), weight: 1 }) : item);
    const lists = (x: Arb, item: Arb, named: string[]) => fc.tuple(
      x, fc.boolean(),
      fc.oneof(listOf(item, cfg.emptyList ? 0 : 1, 4), listOf(item, 7, 10), ...(named.length ? [A(...named)] : [])),
    ).map(([a, neg, set]) => p(`${a} ${neg ? 'not in' : 'in'} ${set}`));
    // A list member that is an expression may fold to missing (`CZ`, `x / 0`): only with cfg.missingMember.
    const exprItem = (lit: Arb, x: Arb, t: T): Arb => {
      const fields = fieldRefs(t, cfg);
      const other = cfg.missingMember ? x : fields.length ? A(...fields) : lit;
      return fc.oneof({ arbitrary: lit, weight: 4 }, { arbitrary: other, weight: 1 });
    };
    const numItem = withMissing(exprItem(intLit, numeric(), 'int'));
    const inExpr = fc.oneof(
      lists(numeric(), numItem, hasFields ? ['watch_n', 'event.codes', 'big_ints'] : ['big_ints']),
      lists(str(), exprItem(strLit(tmpl), str(), 'str'), hasFields ? ['blocked', 'event.tags', 'customer.labels', 'small_names'] : ['small_names']),
      lists(money(), exprItem(moneyLit, money(), 'money'), ['amounts']),
      lists(tsx(), tsLit, []),
      lists(bool(), A('true', 'false'), []),
      ...(hasFields ? [
        lists(tie('ch'), fc.oneof({ arbitrary: memberLit('ch', tmpl), weight: 4 }, { arbitrary: tie('nonLitStr'), weight: 1 }), ['blocked', 'event.tags', 'risky_channels']),
        lists(tie('ty'), memberLit('ty', tmpl), ['customer.labels']),
        lists(textAny(), tie('nonLitStr'), ['blocked', 'event.tags']),
      ] : []),
    );
    // `any of` / `all of` / `count of`: a literal list or a set feature, against a list, a pack or external list or a set feature.
    const strSets: Arb = fc.oneof(listOf(exprItem(strLit(tmpl), str(), 'str'), 1, 4), A(...(hasFields ? ['blocked', 'event.tags', 'customer.labels', 'small_names'] : ['small_names'])));
    const intSets: Arb = fc.oneof(listOf(numItem, 1, 4), A(...(hasFields ? ['watch_n', 'event.codes', 'big_ints'] : ['big_ints'])));
    const quantOf = (q: Arb) => fc.oneof(
      fc.tuple(q, fc.oneof(listOf(str(), 1, 3), ...(hasFields ? [A(...SET_STR_FIELDS)] : [])), fc.boolean(), strSets),
      fc.tuple(q, fc.oneof(listOf(numeric(), 1, 3), ...(hasFields ? [A(...SET_INT_FIELDS)] : [])), fc.boolean(), intSets),
    ).map(([qq, items, neg, set]) => p(`${qq} of ${items} ${neg ? 'not in' : 'in'} ${set}`));
    const regex = A('^a', 'b$', '^[a-z]+$', '中', '^$', '(ab|cd)', 'x?yz+', ...(tmpl ? [] : ['^.{3}$', '\\\\d', 'mule-\\\\d+', '^\\\\s*$']));

    const boolAlts: (Arb | fc.WeightedArbitrary<string>)[] = [
      { arbitrary: cmp, weight: 6 },
      { arbitrary: fc.array(bool(), { minLength: 2, maxLength: 4 }).map((xs) => p(xs.join(' and '))), weight: 3 },
      { arbitrary: fc.array(bool(), { minLength: 2, maxLength: 4 }).map((xs) => p(xs.join(' or '))), weight: 3 },
      { arbitrary: bool().map((x) => p(`not ${x}`)), weight: 2 },
      { arbitrary: fc.tuple(fc.oneof(numeric(), money(), tsx(), str(), bool(), dur(), ...(hasFields ? [tie('ch'), tie('setStr')] : [])), fc.boolean()).map(([x, n]) => p(`${x} is ${n ? 'not ' : ''}missing`)), weight: 3 },
      { arbitrary: inExpr, weight: 4 },
      { arbitrary: between, weight: 2 },
      { arbitrary: fc.tuple(A('starts_with', 'ends_with', 'contains'), textAny(), str()).map(([f, a, b]) => `${f}(${a}, ${b})`), weight: 2 },
      { arbitrary: fc.tuple(textAny(), regex).map(([a, r]) => `matches(${a}, ${tmpl ? `'${r}'` : `"${r}"`})`), weight: 1 },
      { arbitrary: bin(bool(), '??', bool()), weight: 1 },
      { arbitrary: quantOf(A('any', 'all')), weight: 2 },
    ];

    return {
      int: rec('int',
        arith(int, ['+', '-', '*', '%'], int),
        int().map((x) => p(`-${x}`)),
        bin(int(), '??', int()),
        call('hour', tsx()), call('minute', tsx()), call('weekday', tsx()),
        call('day', calTs()), call('month', calTs()), call('year', calTs()),
        call('len', textAny()), ...(hasFields ? [call('len', fc.oneof(tie('setStr'), tie('setInt')))] : []),
        fc.tuple(A('round', 'floor', 'ceil'), fc.oneof(num(), int())).map(([f, x]) => `${f}(${x})`),
        call('abs', int()), fc.tuple(A('min', 'max'), int(), int()).map(([f, a, b]) => `${f}(${a}, ${b})`),
        quantOf(A('count')),
        ...aggAlts('int'),
      ),
      num: rec('num',
        arith(numeric, ['+', '-', '*', '%'], num), arith(num, ['+', '-', '*', '/', '%'], numeric), arith(int, ['/'], int),
        arith(money, ['/'], money), arith(dur, ['/'], dur),
        num().map((x) => p(`-${x}`)),
        bin(num(), '??', numeric()), bin(int(), '??', num()),
        fc.tuple(A('days', 'hours', 'minutes'), dur()).map(([f, d]) => `${f}(${d})`),
        call('abs', num()), fc.tuple(A('min', 'max'), num(), numeric()).map(([f, a, b]) => `${f}(${a}, ${b})`),
        call('distance_km', numeric(), numeric(), numeric(), numeric()),
        ...aggAlts('num'),
      ),
      money: rec('money',
        arith(money, ['+', '-'], money), arith(money, ['*', '/'], numeric), arith(numeric, ['*'], money),
        money().map((x) => p(`-${x}`)), bin(money(), '??', money()),
        fc.tuple(A('abs', 'round', 'floor', 'ceil'), money()).map(([f, x]) => `${f}(${x})`),
        fc.tuple(A('min', 'max'), money(), money()).map(([f, a, b]) => `${f}(${a}, ${b})`),
        ...aggAlts('money'),
      ),
      dur: rec('dur',
        arith(dur, ['+', '-'], dur), arith(dur, ['*', '/'], numeric), arith(int, ['*'], dur),
        bin(tsx(), '-', tsx()), ...(cfg.scope !== 'const' ? [call('age', tsx())] : []),
        dur().map((x) => p(`-${x}`)), bin(dur(), '??', dur()),
        fc.tuple(A('abs', 'round'), dur()).map(([f, x]) => `${f}(${x})`),
        fc.tuple(A('min', 'max'), dur(), dur()).map(([f, a, b]) => `${f}(${a}, ${b})`),
        ...aggAlts('dur'),
      ),
      ts: rec('ts',
        bin(tsx(), '+', dur()), bin(dur(), '+', tsx()), bin(tsx(), '-', dur()), bin(tsx(), '??', tsx()),
        fc.tuple(A('min', 'max'), tsx(), tsx()).map(([f, a, b]) => `${f}(${a}, ${b})`),
        ...aggAlts('ts'),
      ),
      bool: rec('bool', ...boolAlts, ...aggAlts('bool')),
      str: rec('str',
        fc.tuple(A('lower', 'upper', 'trim'), textAny()).map(([f, x]) => `${f}(${x})`),
        call('date', calTs()), bin(str(), '??', str()),
        ...(hasFields ? [bin(tie('ch'), '??', tie('nonLitStr'))] : []),
      ),
      ch: hasFields ? rec('ch', bin(tie('ch'), '??', memberLit('ch', tmpl))) : memberLit('ch', tmpl),
      ty: hasFields ? rec('ty', bin(tie('ty'), '??', memberLit('ty', tmpl))) : memberLit('ty', tmpl),
      seg: hasFields ? rec('seg', bin(tie('seg'), '??', memberLit('seg', tmpl))) : memberLit('seg', tmpl),
      textAny: fc.oneof({ arbitrary: str(), weight: 3 }, ...(hasFields ? [tie('ch'), tie('ty'), tie('seg')] : [])),
      /** A string that is never a literal once checked (it may meet enums). */
      nonLitStr: hasFields
        ? fc.oneof(A(...fieldRefs('str', cfg)), fc.tuple(A('lower', 'upper', 'trim'), A(...fieldRefs('str', cfg))).map(([f, x]) => `${f}(${x})`), call('date', A(...fieldRefs('ts', cfg))))
        : A('"unused"'),
      setStr: hasFields ? A(...SET_STR_FIELDS) : A('"unused"'), // bare `tags` is a keyword
      setInt: hasFields ? A(...SET_INT_FIELDS, ...(cfg.scope === 'filter' ? ['codes'] : [])) : A('"unused"'),
    };
  });
}

/** Aggregate calls of result type t: count, sum, avg, min, max, distinct, time_since_last. */
function aggregates(cfg: Cfg) {
  const filterCfg: Cfg = {
    ...cfg, scope: 'filter', preds: cfg.filterPreds, snippets: false, maxDepth: 2, id: `${cfg.id}-filter`,
  };
  const filter = exprs(filterCfg).bool;
  const windows = A(
    'last 30m', 'last 1h', 'last 1d', 'last 7d', 'last 1ms', 'last 2w', 'today', 'this week', 'this month',
    'last 1 event', 'last 3 events', 'last 1 calendar month', 'last 2 calendar months',
  );
  const clauses = (incl: boolean) => fc.record({
    by: fc.option(A(...BY_KEYS), { nil: undefined, freq: 3 }),
    window: fc.option(windows, { nil: undefined, freq: 4 }),
    where: fc.option(filter, { nil: undefined, freq: 2 }),
    incl: incl ? fc.boolean() : fc.constant(false),
    rot: fc.nat({ max: 4 }),
  });
  const render = (fn: string, field: string | undefined, extra: string[] = []) => (c: { by?: string; window?: string; where?: string; incl: boolean; rot: number }) => {
    // Calendar months end before the current month: they cannot include the current event.
    const incl = c.incl && !c.window?.includes('calendar');
    const parts = [
      ...(field ? [field] : []), ...extra,
      ...(c.by ? [`by ${c.by}`] : []), ...(c.window ? [c.window] : []), ...(c.where ? [`where ${c.where}`] : []),
      ...(incl ? ['including current'] : []),
    ];
    const k = parts.length ? c.rot % parts.length : 0;
    return `${fn}(${[...parts.slice(k), ...parts.slice(0, k)].join(', ')})`;
  };
  // An aggregate field that is the only plain argument of min/max: a field, never an expression.
  const over = (fns: string[], fields: readonly string[], want: T) => {
    const fs = fields.filter((f) => aggType(fns[0]!, f) === want);
    return fs.length ? [fc.tuple(A(...fns), A(...fs)).chain(([fn, f]) => clauses(true).map(render(fn, f)))] : [];
  };
  // The field must come first in percentile(); its second argument is which percentile.
  const percentiles = (want: T) => {
    const fs = AGG_FIELDS.avg.filter((f) => aggType('percentile', f) === want);
    return fs.length ? [fc.tuple(A(...fs), A('0', '50', '90', '100', '33.3')).chain(([f, q]) => clauses(true).map((c) => render('percentile', f, [q])({ ...c, rot: 0 })))] : [];
  };
  // sequence(A followed by B …): the steps are filters; `within` is optional.
  const sequence = fc.record({
    steps: fc.array(filter, { minLength: 2, maxLength: 3 }),
    within: fc.option(A('within 1h', 'within 1d', 'within 10m'), { nil: undefined }),
    c: clauses(true),
  }).map(({ steps, within, c }) => render('sequence', steps.join(' followed by '), within ? [within] : [])({ ...c, rot: 0 }));
  return (t: T): Arb[] => {
    const out: Arb[] = [];
    if (t === 'int') {
      out.push(clauses(true).map(render('count', undefined)), clauses(true).map(render('count', undefined)));
      out.push(A(...AGG_FIELDS.distinct).chain((f) => clauses(true).map(render('distinct', f))));
    }
    if (t === 'dur') out.push(clauses(false).map(render('time_since_last', undefined)), clauses(false).map(render('time_since_last', undefined)));
    if (t === 'bool') out.push(sequence);
    out.push(...over(['sum'], AGG_FIELDS.sum, t), ...over(['avg'], AGG_FIELDS.avg, t), ...over(['min', 'max'], AGG_FIELDS.minmax, t));
    out.push(...over(['stddev'], AGG_FIELDS.avg, t), ...percentiles(t), ...over(['latest'], AGG_FIELDS.minmax, t));
    return out;
  };
}

function aggType(fn: string, field: string): T {
  const ft = FIELD_TYPE[field]!;
  return (fn === 'avg' || fn === 'stddev' || fn === 'percentile') && ft === 'int' ? 'num' : ft;
}

// ---------- packs ----------
/** A leading test on the pack's dispatch field (what codegen's rule indexing switches on). */
export interface Guard {
  readonly form: number;
  readonly picks: readonly number[];
}
export interface GenRule {
  readonly guard?: Guard;
  readonly when: string;
  readonly outcome?: string;
  readonly score?: number;
  readonly disabled: boolean;
  readonly effective?: string;
  readonly message?: { zh: string; en?: string };
  readonly title?: string;
  /** The rule's `let`s LB (bool), LI (integer) and LM (money). */
  readonly lets: { readonly bool: string; readonly int: string; readonly money: string };
  readonly note?: { readonly when: string; readonly zh: string; readonly en?: string };
}
export interface GenPack {
  /** The event field rule guards test, so that most rules can be sorted by it. */
  readonly dispatch: keyof typeof DISPATCH;
  readonly thresholds: readonly [string, number][];
  readonly consts: Readonly<Record<string, string>>;
  readonly lists: { small: readonly string[]; big: readonly number[]; risky: readonly string[]; amounts: readonly string[] };
  readonly snippets: Readonly<Record<string, readonly string[]>>;
  readonly preds: readonly string[];
  readonly rules: readonly GenRule[];
}

const PREDS = ['P0', 'P1', 'P2'];

function cfgFor(scope: Scope, over: Partial<Cfg>, flags: GenFlags): Cfg {
  return {
    scope, preds: [], filterPreds: [], snippets: false, tmpl: false, maxDepth: 3, id: 'x', lets: false,
    missingMember: !flags.missingListMember, emptyList: !flags.emptyList, dateOfComputed: !flags.dateOfComputedTimestamp, ...over,
  };
}

/** Literal-text pieces of a message: escapes, braces, Chinese, quotes. */
const MSG_TEXT = A('疑似诈骗 ', 'amount ', '\\{literal\\} ', 'quote \\" ', 'tab\\t', '', ' — ', 'x\\u00e9 ', "it's ");

export function packArb(flags: GenFlags = DEFAULT_FLAGS): fc.Arbitrary<GenPack> {
  const constE = exprs(cfgFor('const', { id: 'const', maxDepth: 2 }, flags));
  const snipE = exprs(cfgFor('rule', { id: 'snip', maxDepth: 2 }, flags));
  const inFilter = flags.predicateInFilter ? [] : ['P0'];
  const predE = PREDS.map((_, i) => exprs(cfgFor('rule', {
    id: `pred${i}`, preds: PREDS.slice(0, i), filterPreds: i > 0 ? inFilter : [], snippets: true, maxDepth: 3,
  }, flags)));
  const ruleE = exprs(cfgFor('rule', { id: 'rule', preds: PREDS, filterPreds: inFilter, snippets: true, maxDepth: 4, lets: true }, flags));
  const tmplE = exprs(cfgFor('rule', { id: 'tmpl', preds: PREDS, filterPreds: inFilter, tmpl: true, maxDepth: 2, lets: true }, flags));
  // A `let`'s value names no `let` (each sees only those before it; these are independent).
  const letE = exprs(cfgFor('rule', { id: 'let', preds: PREDS, filterPreds: inFilter, maxDepth: 2 }, flags));

  const placeholder = fc.oneof(
    A('event.amount', 'event.n', 'event.ts', 'event.tags', 'customer.limit', 'event.channel', 'event.dur', 'CZ', 'CM1', 'P0', 'event.x', 'LB', 'LI', 'LM'),
    ...(['int', 'num', 'money', 'dur', 'ts', 'bool', 'str', 'ch'] as const).map((t) => tmplE[t]),
  );
  const template = fc.array(fc.tuple(MSG_TEXT, fc.option(placeholder, { nil: undefined })), { minLength: 1, maxLength: 3 })
    .map((parts) => `"${parts.map(([t, x]) => t + (x === undefined ? '' : `{${x}}`)).join('')}"`);
  const effective = A(
    'effective @2026-03-01T10:00', 'effective @2026-03-01 until @2026-03-02', 'until @2026-03-01T10:00',
    'effective @2026-02-01T00:00Z until @2026-03-01T10:00:00.001', 'effective @2027-01-01',
  );
  const guard: fc.Arbitrary<Guard> = fc.record({ form: fc.nat({ max: 7 }), picks: fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 3 }) });
  const rule: fc.Arbitrary<GenRule> = fc.record({
    guard: fc.option(guard, { nil: undefined, freq: 3 }),
    when: ruleE.bool,
    outcome: fc.option(A('block', 'hold', 'review', 'allow'), { nil: undefined, freq: 3 }),
    score: fc.option(fc.oneof(fc.integer({ min: -30, max: 90 }), A(0.5, 12.25, ...(flags.inexactScores ? [] : [0.1, 0.2, 0.3, 0.7, 1.1, 33.3]))), { nil: undefined, freq: 2 }),
    disabled: fc.nat({ max: 7 }).map((k) => k === 7), // rarely, and shrinks to enabled
    effective: rarely(effective, 10),
    message: fc.option(fc.record({ zh: template, en: fc.option(template, { nil: undefined }) }, { requiredKeys: ['zh'] }), { nil: undefined, freq: 2 }),
    title: fc.option(A('Large transfer', '大额转账', 'a "quoted" title'), { nil: undefined }),
    lets: fc.record({ bool: letE.bool, int: letE.int, money: letE.money }),
    note: fc.option(fc.record({ when: ruleE.bool, zh: template, en: fc.option(template, { nil: undefined }) }, { requiredKeys: ['when', 'zh'] }), { nil: undefined, freq: 3 }),
  }, { requiredKeys: ['when', 'disabled', 'lets'] });

  return fc.record({
    dispatch: A(...(Object.keys(DISPATCH) as (keyof typeof DISPATCH)[])),
    thresholds: fc.subarray([['review', 40], ['hold', 80], ['block', 150]] as [string, number][]),
    consts: fc.record({
      CI0: intLit, CN0: numLit, CM0: moneyLit, CD0: durLit, CT0: tsLit, CS0: strLit(false), CB0: A('true', 'false'),
      CI1: constE.int, CN1: constE.num, CM1: constE.money, CD1: constE.dur, CB1: constE.bool,
    }),
    lists: fc.record({
      small: fc.subarray(STRINGS.slice(0, 8), { minLength: flags.emptyList ? 1 : 0 }),
      big: fc.uniqueArray(fc.integer({ min: -2, max: 12 }), { minLength: 7, maxLength: 10 }),
      risky: fc.subarray([...ENUM_MEMBERS.ch], { minLength: flags.emptyList ? 1 : 0 }),
      amounts: fc.subarray(['¥100', '¥0.01', '150fen', '¥5,000', '¥1,000'], { minLength: flags.emptyList ? 1 : 0 }),
    }),
    snippets: fc.record({
      bool: fc.array(snipE.bool, { minLength: 1, maxLength: 3 }),
      int: fc.array(snipE.int, { minLength: 1, maxLength: 2 }),
      num: fc.array(snipE.num, { minLength: 1, maxLength: 2 }),
      money: fc.array(snipE.money, { minLength: 1, maxLength: 2 }),
    }),
    preds: fc.tuple(...predE.map((e) => e.bool)),
    rules: fc.array(rule, { minLength: 1, maxLength: 8 }),
  });
}

export function renderPack(g: GenPack): string {
  const snip = (s: string): string => s.replace(/\u0001(\w+):(\d+)\u0001/g, (_, t: string, i: string) => {
    const pool = g.snippets[t]!;
    return p(pool[Number(i) % pool.length]!);
  });
  const lines = [SCHEMA];
  for (const [o, at] of g.thresholds) lines.push(`threshold ${o} at ${at}`);
  lines.push(`list small_names: string = [${g.lists.small.map((s) => dslString(s)).join(', ')}]`);
  lines.push(`list big_ints: integer = [${g.lists.big.join(', ')}]`);
  lines.push(`list risky_channels: enum(${ENUM_MEMBERS.ch.join(', ')}) = [${g.lists.risky.map((s) => `"${s}"`).join(', ')}]`);
  lines.push(`list amounts: money = [${g.lists.amounts.join(', ')}]`);
  lines.push('');
  for (const [name, v] of Object.entries(g.consts)) lines.push(`const ${name} = ${v}`);
  lines.push('const CZ = 1 / 0', `const ${CH_CONST} = "app"`, '');
  g.preds.forEach((body, i) => lines.push(`predicate P${i} "shared condition ${i}" = ${snip(body)}`));
  lines.push('');
  g.rules.forEach((r, i) => {
    const out = [`rule R${i}${r.title ? ` ${dslString(r.title)}` : ''}`];
    if (r.disabled) out.push('  disabled');
    if (r.effective) out.push(`  ${r.effective}`);
    out.push(`  let LB = ${snip(r.lets.bool)}`, `  let LI = ${snip(r.lets.int)}`, `  let LM = ${snip(r.lets.money)}`);
    out.push(`  when ${r.guard ? `${renderGuard(g.dispatch, r.guard)} and ` : ''}${snip(r.when)}`);
    if (r.outcome || r.score === undefined) out.push(`  then ${r.outcome ?? 'review'}`);
    if (r.score !== undefined) out.push(`  score ${r.score < 0 ? '-' : '+'}${Math.abs(r.score)}`);
    out.push(`  reason CODE_${i}`);
    if (r.message) out.push(`  message ${r.message.zh}${r.message.en ? ` en ${r.message.en}` : ''}`);
    if (r.note) out.push(`  note when ${snip(r.note.when)} ${r.note.zh}${r.note.en ? ` en ${r.note.en}` : ''}`);
    lines.push(out.join('\n'), '');
  });
  return lines.join('\n');
}

/** Dispatch fields and the literals guards compare them with. */
const DISPATCH = {
  type: ENUM_MEMBERS.ty.map((m) => `"${m}"`),
  channel: ENUM_MEMBERS.ch.map((m) => `"${m}"`),
  name: STRINGS.slice(0, 8).map((s) => dslString(s)),
  n: ['0', '1', '2', '3', '(-1)', '7', '100', '2.5'],
  flag: ['true', 'false'],
};

function renderGuard(field: keyof typeof DISPATCH, g: Guard): string {
  const pool = DISPATCH[field];
  const lits = g.picks.map((i) => pool[i % pool.length]!);
  const f = `event.${field}`;
  switch (g.form) {
    case 0: case 1: return p(`${f} == ${lits[0]}`);
    case 2: return p(`${lits[0]} == ${f}`);
    case 3: case 4: return p(`${f} in [${lits.join(', ')}]`);
    case 5: return p(lits.map((l) => p(`${f} == ${l}`)).join(' or '));
    case 6: return p(`${f} != ${lits[0]}`);
    default: return p(`${f} not in [${lits.join(', ')}]`);
  }
}

/** Lists used in rules but declared from generated contents. */
export const PACK_LISTS = ['small_names', 'big_ints', 'risky_channels', 'amounts'];
