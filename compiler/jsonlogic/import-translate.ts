// JSON Logic import (import.ts): one rule's operators translated to DSL text,
// each comparison split on the fields that may be missing.
import type { JlNode, OpNode } from './ast.ts';
import { compileJsonLogic } from './compile.ts';
import { Unsupported, type Field, type Fields, type Kind } from './import-fields.ts';
import { andT, dslString, notT, orT, reads } from './import-text.ts';
import type { ProblemKind } from './import.ts';


/** A value, given that every field in it is present: a JSON scalar, NaN, or DSL text of a type. */
type V =
  | { readonly k: 'json'; readonly v: null | boolean | number | string }
  | { readonly k: 'nan' }
  | { readonly k: 'dsl'; readonly text: string; readonly kind: Kind; readonly members?: readonly string[]; readonly element?: Kind; readonly field?: Field };

const NUMERIC: readonly Kind[] = ['number', 'integer', 'money', 'duration', 'timestamp'];
const CMP = ['==', '===', '!=', '!==', '<', '<=', '>', '>='] as const;
type Cmp = (typeof CMP)[number];
const FLIP: Record<Cmp, Cmp> = { '==': '==', '===': '===', '!=': '!=', '!==': '!==', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

export class Translator {
  constructor(private readonly rule: string, private readonly fields: Fields) {}

  private no(n: JlNode, reason: string, kind: ProblemKind = 'subset'): never {
    throw new Unsupported(n.path, reason, kind);
  }

  /**
   * DSL text that is true exactly when `n` is truthy. `positive`: it may be
   * missing instead of false (the result only decides whether something fires);
   * otherwise it must be exactly true or false (it is negated or branched on).
   * Fields in `present` are known to be present.
   */
  cond(n: JlNode, present: ReadonlySet<string>, positive: boolean): string {
    if (n.kind === 'value') return String(!!n.value);
    if (n.kind === 'array') return String(n.items.length > 0);
    if (n.kind === 'object') return 'true';
    switch (n.op) {
      case 'and': case 'or': {
        if (n.args.length === 0) return 'false';
        const parts = n.args.map((x) => this.cond(x, present, positive));
        return n.op === 'and' ? andT(parts) : orT(parts);
      }
      case '!': return notT(this.cond(n.args[0] ?? UNDEF, present, false));
      case '!!': return this.cond(n.args[0] ?? UNDEF, present, positive);
      case 'if': {
        const a = n.args;
        if (a.length === 0) return 'false';
        let acc = a.length % 2 === 1 ? this.cond(a[a.length - 1]!, present, positive) : 'false';
        for (let i = a.length % 2 === 1 ? a.length - 3 : a.length - 2; i >= 0; i -= 2) {
          const c = this.cond(a[i]!, present, false);
          acc = orT([andT([c, this.cond(a[i + 1]!, present, positive)]), andT([notT(c), acc])]);
        }
        return acc;
      }
      case 'missing': return this.missing(n);
      case 'var': case 'in': case '==': case '===': case '!=': case '!==': case '<': case '<=': case '>': case '>=':
        return this.split(n, present, positive);
      default:
        return this.no(n, reasonFor(n));
    }
  }

  /** An atom with fields that may be missing: one case per field, present or null. */
  private split(n: JlNode, present: ReadonlySet<string>, positive: boolean): string {
    if (n.kind !== 'op') return this.cond(n, present, positive); // a var replaced by null
    const rest = this.maybeMissing(n).filter((x) => !present.has(x.text));
    const f = rest[0];
    if (!f) return this.atom(n);
    const withIt = this.split(n, new Set([...present, f.text]), positive);
    const without = this.split(substitute(n, f.text, this.fields), present, false);
    // When f is the last field split on, `withIt` is an atom; an atom that reads f is missing
    // when f is (atoms pass missing through), so where only "true" matters the guard adds
    // nothing. (After further splits, or when the atom folded to a constant, it is needed.)
    const presentCase = positive && rest.length === 1 && reads(withIt, f.text) ? withIt : andT([`${f.text} is not missing`, withIt]);
    return orT([presentCase, andT([`${f.text} is missing`, without])]);
  }

  /** Fields read without a default that may be missing, in the order they appear. */
  private maybeMissing(n: JlNode): Field[] {
    const out: Field[] = [];
    const visit = (x: JlNode) => {
      if (x.kind === 'op' && x.op === 'var') {
        if (x.args.length < 2) {
          const f = this.fields.resolve(x);
          if (!f.required && !out.some((o) => o.text === f.text)) out.push(f);
        }
        return;
      }
      if (x.kind === 'op') x.args.forEach(visit);
      if (x.kind === 'array') x.items.forEach(visit);
    };
    visit(n);
    if (out.length > 3) this.no(n, `${out.length} fields that may be missing in one comparison: the translation would need ${2 ** out.length} cases`);
    return out;
  }

  /** An atom whose fields are all present (or replaced by null). Exactly true or false. */
  private atom(n: OpNode): string {
    if (n.op === 'var') return this.truthy(this.value(n), n);
    if (n.op === 'in') return this.in(n);
    const op = n.op as Cmp;
    const args = n.args;
    if (args.length >= 3 && (op === '<' || op === '<=')) {
      // json-logic-js's between: (a < b) && (b < c).
      return andT([this.compare(op, this.value(args[0]!), this.value(args[1]!), n), this.compare(op, this.value(args[1]!), this.value(args[2]!), n)]);
    }
    return this.compare(op, args[0] ? this.value(args[0]) : { k: 'json', v: null }, args[1] ? this.value(args[1]) : UNDEFINED_VALUE(n), n);
  }

  private truthy(v: V, n: JlNode): string {
    if (v.k === 'json') return String(!!v.v);
    if (v.k === 'nan') return 'false';
    switch (v.kind) {
      case 'bool': return v.text;
      case 'string': return `${v.text} != ""`;
      case 'enum': return 'true'; // members are names, never ""
      case 'set': return `len(${v.text}) > 0`;
      default: return `${v.text} != ${numberIn(0, v.kind) ?? this.no(n, 'zero in this unit')}`;
    }
  }

  // ---------- values ----------

  private value(n: JlNode): V {
    if (n.kind === 'value') return { k: 'json', v: n.value === undefined ? null : n.value };
    if (n.kind !== 'op') return this.no(n, `${n.kind === 'array' ? 'an array' : 'an object'} as a value: zhiyu compares scalars`);
    if (n.op === 'var') return this.field(n);
    if (['+', '-', '*', '/', '%', 'min', 'max'].includes(n.op)) return this.arith(n);
    return this.no(n, reasonFor(n));
  }

  private field(n: OpNode): V {
    const f = this.fields.resolve(n);
    const base: V = { k: 'dsl', text: f.text, kind: f.kind, ...(f.members ? { members: f.members } : {}), ...(f.element ? { element: f.element } : {}), field: f };
    const d = n.args[1];
    if (!d || (d.kind === 'value' && d.value === null)) return base;
    // json-logic-js returns the default for an absent field; zhiyu cannot tell absent from null (see spec/JSONLOGIC.md).
    if (d.kind !== 'value') return this.no(d, 'a var default that is not a literal');
    const lit = this.literalAs(d.value as string | number | boolean, base, d);
    if (lit === undefined) return this.no(d, `the default ${JSON.stringify(d.value)} is not a value of ${f.text}'s type (${f.kind})`, 'type');
    return { ...base, text: `(${f.text} ?? ${lit})`, field: undefined };
  }

  /** A JSON literal written as a value of `like`'s type, or undefined when it is not one. */
  private literalAs(v: null | boolean | number | string | undefined, like: Extract<V, { k: 'dsl' }>, n: JlNode): string | undefined {
    if (typeof v === 'number' && NUMERIC.includes(like.kind)) return numberIn(v, like.kind);
    if (typeof v === 'string' && like.kind === 'string') return dslString(v);
    if (typeof v === 'string' && like.kind === 'enum') return like.members?.includes(v) ? dslString(v) : undefined;
    if (typeof v === 'boolean' && like.kind === 'bool') return String(v);
    void n;
    return undefined;
  }

  /** Arithmetic with json-logic-js's conversions: `+` and `*` parseFloat, the others ToNumber. */
  private arith(n: OpNode): V {
    const op = n.op;
    const args = n.args.map((x) => this.value(x));
    if (args.every((a) => a.k === 'json')) return constant(n);
    if (op === '*' && args.length === 1) return args[0]!; // returned unconverted
    const conv = (a: V): V => {
      if (a.k !== 'json') return a;
      const x = op === '+' || op === '*' ? parseFloat(a.v as string) : Number(a.v);
      return Number.isNaN(x) ? { k: 'nan' } : { k: 'json', v: x };
    };
    const vs = args.map(conv);
    if (vs.some((a) => a.k === 'nan')) return { k: 'nan' };
    for (const a of vs) if (a.k === 'dsl' && !NUMERIC.includes(a.kind)) this.no(n, `arithmetic on ${a.text}, a ${a.kind}: json-logic-js converts it to a number while running`, 'type');
    if (op === '-' && vs.length === 1) {
      const a = vs[0] as Extract<V, { k: 'dsl' }>;
      if (a.kind === 'timestamp') this.no(n, 'the negation of a timestamp');
      return { ...a, text: `(-${a.text})`, field: undefined };
    }
    if (vs.length < 2) return this.no(n, `${op} with ${vs.length} argument(s)`);
    if ((op === 'min' || op === 'max') && vs.length !== 2) return this.no(n, `${op} of ${vs.length} values: zhiyu's ${op}() takes two`);
    if (op !== '+' && op !== '*' && op !== 'min' && op !== 'max' && vs.length > 2) return this.no(n, `${op} reads two arguments; the others would be left out`);
    let acc = vs[0]!;
    for (const b of vs.slice(1)) acc = this.binary(op, acc, b, n);
    return acc;
  }

  private binary(op: string, a: V, b: V, n: OpNode): V {
    if (a.k === 'json' && b.k === 'json') return constant({ kind: 'op', op: op as never, name: op, args: [{ kind: 'value', value: a.v, path: '' }, { kind: 'value', value: b.v, path: '' }], path: n.path });
    const [x, y] = [a as Extract<V, { k: 'dsl' } | { k: 'json' }>, b as Extract<V, { k: 'dsl' } | { k: 'json' }>];
    if ((op === '/' || op === '%') && !(y.k === 'json' && y.v !== 0)) {
      return this.no(n, `${op === '/' ? 'division' : 'remainder'} by ${y.k === 'json' ? 'zero' : 'a value that may be zero'}: json-logic-js gives Infinity or NaN, zhiyu gives missing`);
    }
    if (op === 'min' || op === 'max') {
      const kind = x.k === 'dsl' ? x.kind : (y as Extract<V, { k: 'dsl' }>).kind;
      const t = (v: typeof x) => (v.k === 'dsl' ? v.text : numberIn(v.v as number, kind) ?? this.no(n, 'a literal this unit cannot write'));
      if (x.k === 'dsl' && y.k === 'dsl' && !sameUnit(x.kind, y.kind)) this.no(n, `${op} of ${x.kind} and ${y.kind}`, 'type');
      return { k: 'dsl', text: `${op}(${t(x)}, ${t(y)})`, kind: kind === 'integer' && (x.k === 'json' ? Number.isInteger(x.v) : true) && (y.k === 'json' ? Number.isInteger(y.v) : true) ? 'integer' : kind === 'integer' ? 'number' : kind };
    }
    const result = resultKind(op, x.k === 'dsl' ? x.kind : undefined, y.k === 'dsl' ? y.kind : undefined, x.k === 'json' ? (x.v as number) : y.k === 'json' ? (y.v as number) : undefined);
    if (!result) return this.no(n, `${op} of ${x.k === 'dsl' ? x.kind : 'a number'} and ${y.k === 'dsl' ? y.kind : 'a number'} has no zhiyu type`, 'type');
    // A literal next to a unit takes the unit for + and - (money + 100 → + 100fen), stays a plain number for * / %.
    const lit = (v: { v: unknown }, other: Kind) => {
      const unit = op === '+' || op === '-' ? (other === 'timestamp' ? 'duration' : other) : 'number';
      return numberIn(v.v as number, unit) ?? this.no(n, `${v.v} cannot be written as ${unit}`);
    };
    const tx = x.k === 'dsl' ? x.text : lit(x, (y as Extract<V, { k: 'dsl' }>).kind);
    const ty = y.k === 'dsl' ? y.text : lit(y, (x as Extract<V, { k: 'dsl' }>).kind);
    return { k: 'dsl', text: `(${tx} ${op} ${ty})`, kind: result };
  }

  // ---------- comparisons ----------

  private compare(op: Cmp, a: V, b: V, n: OpNode): string {
    if (a.k === 'json' && b.k === 'json') return String(jsCompare(op, a.v, b.v));
    if (a.k === 'nan' || b.k === 'nan') return String(op === '!=' || op === '!==');
    if (a.k === 'json') return this.compare(FLIP[op], b, a, n);
    if (b.k === 'json') return this.withLiteral(op, a as Extract<V, { k: 'dsl' }>, b.v, n);
    return this.twoFields(op, a as Extract<V, { k: 'dsl' }>, b as Extract<V, { k: 'dsl' }>, n);
  }

  /** A value compared with a literal: JavaScript's conversions happen here, on the literal. */
  private withLiteral(op: Cmp, a: Extract<V, { k: 'dsl' }>, lit: null | boolean | number | string, n: OpNode): string {
    const strict = op === '===' || op === '!==';
    const eq = op === '==' || op === '===' ? '==' : op === '!=' || op === '!==' ? '!=' : op;
    if (a.kind === 'enum' || a.kind === 'bool') {
      // Finitely many values: ask JavaScript about each.
      const all: readonly (string | boolean)[] = a.kind === 'bool' ? [true, false] : a.members!;
      const yes = all.filter((m) => jsCompare(op, m, lit));
      if (yes.length === 0) return 'false';
      if (yes.length === all.length) return 'true';
      if (a.kind === 'bool') return `${a.text} == ${yes[0]}`;
      return yes.length === 1 ? `${a.text} == ${dslString(yes[0] as string)}` : `${a.text} in [${yes.map((m) => dslString(m as string)).join(', ')}]`;
    }
    if (a.kind === 'set') return this.no(n, `${a.text}, a set, compared with ${JSON.stringify(lit)}: json-logic-js converts the array to a string`, 'type');
    if (NUMERIC.includes(a.kind)) {
      let x: number;
      if (strict) {
        if (typeof lit !== 'number') return String(op === '!==');
        x = lit;
      } else if (lit === null && (op === '==' || op === '!=')) {
        return String(op === '!='); // a number is never == null
      } else {
        x = Number(lit); // == and the orderings convert the literal with ToNumber
        if (Number.isNaN(x)) return String(op === '!=');
      }
      return this.numeric(eq, a, x, n);
    }
    // a string
    if (typeof lit === 'string') return `${a.text} ${eq} ${dslString(lit)}`;
    if (strict) return String(op === '!==');
    if (lit === null && (op === '==' || op === '!=')) return String(op === '!=');
    return this.no(n, `${a.text}, a string, compared with ${JSON.stringify(lit)}: json-logic-js converts the string to a number while running`, 'type');
  }

  /** `a op x` for a numeric value and a number, in a's unit, or as a plain number when the unit cannot write x. */
  private numeric(op: string, a: Extract<V, { k: 'dsl' }>, x: number, n: OpNode): string {
    const lit = numberIn(x, a.kind);
    if (lit !== undefined) return `${a.text} ${op} ${lit}`;
    const plain = a.kind === 'money' ? `(${a.text} / 1fen)` : a.kind === 'duration' ? `(${a.text} / 1ms)` : a.kind === 'timestamp' ? `((${a.text} - @1970-01-01T00:00:00.000Z) / 1ms)` : undefined;
    if (!plain) return this.no(n, `${x} cannot be written in zhiyu`);
    return `${plain} ${op} ${numberIn(x, 'number')}`;
  }

  private twoFields(op: Cmp, a: Extract<V, { k: 'dsl' }>, b: Extract<V, { k: 'dsl' }>, n: OpNode): string {
    const eq = op === '==' || op === '===' ? '==' : op === '!=' || op === '!==' ? '!=' : op;
    const ordered = eq !== '==' && eq !== '!=';
    if (NUMERIC.includes(a.kind) && NUMERIC.includes(b.kind)) {
      if (!sameUnit(a.kind, b.kind)) return this.no(n, `${a.text} (${a.kind}) compared with ${b.text} (${b.kind})`, 'type');
      return `${a.text} ${eq} ${b.text}`;
    }
    const textual = (k: Kind) => k === 'string' || k === 'enum';
    if (textual(a.kind) && textual(b.kind) && !(ordered && (a.kind === 'enum' || b.kind === 'enum'))) return `${a.text} ${eq} ${b.text}`;
    if (a.kind === 'bool' && b.kind === 'bool' && !ordered) return `${a.text} ${eq} ${b.text}`;
    return this.no(n, `${a.text} (${a.kind}) ${op} ${b.text} (${b.kind}): json-logic-js converts one of them while running`, 'type');
  }

  // ---------- in, missing ----------

  private in(n: OpNode): string {
    const [x, set] = n.args;
    if (!x || !set) return this.no(n, '`in` with fewer than two arguments');
    if (set.kind === 'array') {
      if (!set.items.every((i) => i.kind === 'value')) return this.no(set, 'a list with computed members');
      const members = set.items.map((i) => (i as { value: null | boolean | number | string }).value);
      const v = this.value(x);
      if (v.k === 'json') return String(members.includes(v.v));
      if (v.k === 'nan') return 'false';
      // indexOf is ===: only members of the value's own JavaScript type can match.
      if (v.kind === 'enum' || v.kind === 'bool') return orT(members.map((m) => this.withLiteral('===', v, m, n)));
      if (v.kind === 'set') return 'false'; // an array is never === a scalar
      const same = members.filter((m) => (NUMERIC.includes(v.kind) ? typeof m === 'number' : typeof m === 'string'));
      if (same.length === 0) return 'false';
      if (NUMERIC.includes(v.kind)) {
        const lits = same.map((m) => numberIn(m as number, v.kind));
        if (lits.some((l) => l === undefined)) return orT(same.map((m) => this.numeric('==', v, m as number, n)));
        return `${v.text} in [${lits.join(', ')}]`;
      }
      return `${v.text} in [${same.map((m) => dslString(m as string)).join(', ')}]`;
    }
    if (set.kind === 'value' && typeof set.value === 'string') {
      // "text".indexOf(x): a substring; json-logic-js finds nothing in "".
      const s = set.value;
      const v = this.value(x);
      if (v.k === 'json') return String(s !== '' && s.indexOf(String(v.v)) !== -1);
      if (v.k === 'nan') return String(s.indexOf('NaN') !== -1);
      if (s === '') return 'false';
      if (v.kind === 'string') return `contains(${dslString(s)}, ${v.text})`;
      if (v.kind === 'enum' || v.kind === 'bool') {
        const all: readonly (string | boolean)[] = v.kind === 'bool' ? [true, false] : v.members!;
        return orT(all.filter((m) => s.indexOf(String(m)) !== -1).map((m) => (v.kind === 'bool' ? `${v.text} == ${m}` : `${v.text} == ${dslString(m as string)}`)));
      }
      return this.no(n, `${v.text}, a ${v.kind}, searched for as text: json-logic-js converts it to a string while running`, 'type');
    }
    if (set.kind === 'value') return 'false'; // no indexOf on null, numbers, booleans
    const container = this.value(set);
    if (container.k === 'json') return 'false';
    if (container.k === 'nan') return 'false';
    const needle = this.value(x);
    if (container.kind === 'set') {
      if (needle.k === 'json') {
        const ok = container.element === 'integer' ? typeof needle.v === 'number' && Number.isInteger(needle.v) : typeof needle.v === 'string';
        return ok ? `${container.element === 'integer' ? String(needle.v) : dslString(needle.v as string)} in ${container.text}` : 'false';
      }
      if (needle.k === 'nan') return 'false';
      const fits = container.element === 'integer' ? needle.kind === 'integer' : needle.kind === 'string' || needle.kind === 'enum';
      if (!fits) return this.no(n, `${needle.text} (${needle.kind}) searched for in ${container.text}, a set of ${container.element}`, 'type');
      return `${needle.text} in ${container.text}`;
    }
    if (container.kind === 'string') {
      // field.indexOf(x): a substring of the field, never in "".
      if (needle.k === 'json') return andT([`${container.text} != ""`, `contains(${container.text}, ${dslString(String(needle.v))})`]);
      if (needle.k === 'dsl' && (needle.kind === 'string' || needle.kind === 'enum')) return andT([`${container.text} != ""`, `contains(${container.text}, ${needle.text})`]);
      return this.no(n, `${needle.k === 'dsl' ? needle.text : 'NaN'} searched for in the text ${container.text}: json-logic-js converts it to a string while running`, 'type');
    }
    if (container.kind === 'enum') {
      if (needle.k !== 'json') return this.no(n, `a value searched for in the text of ${container.text}`, 'type');
      const hits = container.members!.filter((m) => m.indexOf(String(needle.v)) !== -1);
      return hits.length ? `${container.text} in [${hits.map(dslString).join(', ')}]` : 'false';
    }
    return 'false'; // numbers and booleans have no indexOf
  }

  /** `missing` as a condition: some key's value is null (missing) or "". */
  private missing(n: OpNode): string {
    const first = n.args[0];
    const keys = first?.kind === 'array' ? first.items : n.args;
    if (!keys.every((k) => k.kind === 'value' && (typeof k.value === 'string' || typeof k.value === 'number'))) {
      return this.no(n, '`missing` with keys computed while running');
    }
    return orT(keys.map((k) => {
      const f = this.fields.resolve({ kind: 'op', op: 'var', name: 'var', args: [k], path: k.path });
      if (f.kind === 'string') return `(${f.text} ?? "") == ""`;
      return f.required ? 'false' : `${f.text} is missing`;
    }));
  }
}

const UNDEF: JlNode = { kind: 'value', value: undefined, path: '' };
/** An argument left out of a comparison: undefined, which == null but is not null. */
const UNDEFINED_VALUE = (n: JlNode): V => { throw new Unsupported(n.path, 'a comparison with one argument (compares with undefined)'); };

function reasonFor(n: OpNode): string {
  switch (n.op) {
    case 'map': case 'filter': case 'reduce': case 'all': case 'some': case 'none':
      return `${n.name} iterates over an array: zhiyu rules have no loops (aggregates over history are the nearest thing)`;
    case 'cat': case 'substr': return `${n.name} builds text: zhiyu has no string concatenation or substring`;
    case 'merge': return 'merge builds arrays: zhiyu lists are written in the rule';
    case 'missing_some': return 'missing_some counts present fields: write the cases with `is missing`';
    case 'log': return 'log prints: zhiyu rules have no side effects';
    case 'if': return '`if` as a value: zhiyu has no conditional expression (only as a condition)';
    default: return `${n.name} in this position has no zhiyu translation`;
  }
}

/** Replaces every default-less var of `field` by null: what json-logic-js reads when it is missing. */
function substitute(n: JlNode, field: string, fields: Fields): JlNode {
  if (n.kind === 'array') return { ...n, items: n.items.map((x) => substitute(x, field, fields)) };
  if (n.kind !== 'op') return n;
  if (n.op === 'var' && n.args.length < 2) {
    try {
      if (fields.resolve(n).text === field) return { kind: 'value', value: null, path: n.path };
    } catch {
      return n;
    }
    return n;
  }
  return { ...n, args: n.args.map((x) => substitute(x, field, fields)) };
}

/** A sub-rule of literals only, evaluated as json-logic-js would (by zhiyu's compiled JSON Logic). */
function constant(n: JlNode): V {
  const v = compileJsonLogic(toJson(n)).apply(null);
  if (typeof v === 'number') return Number.isNaN(v) ? { k: 'nan' } : Number.isFinite(v) ? { k: 'json', v } : (() => { throw new Unsupported(n.path, 'an infinite number'); })();
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return { k: 'json', v };
  throw new Unsupported(n.path, 'a constant that is not a scalar');
}

function toJson(n: JlNode): unknown {
  if (n.kind === 'value') return n.value === undefined ? null : n.value;
  if (n.kind === 'object') return n.value;
  if (n.kind === 'array') return n.items.map(toJson);
  return { [n.name]: n.args.map(toJson) };
}

function jsCompare(op: Cmp, a: unknown, b: unknown): boolean {
  return compileJsonLogic({ [op]: [a, b] }).apply(null) as boolean;
}

function sameUnit(a: Kind, b: Kind): boolean {
  const num = (k: Kind) => k === 'number' || k === 'integer';
  return a === b || (num(a) && num(b));
}

/** The type of `a op b` in zhiyu (a literal `lit` standing for a missing side), or undefined. */
function resultKind(op: string, a: Kind | undefined, b: Kind | undefined, lit: number | undefined): Kind | undefined {
  const x = a ?? (b === 'timestamp' && op === '+' ? 'duration' : (op === '+' || op === '-') && b && b !== 'number' && b !== 'integer' ? b : Number.isInteger(lit) ? 'integer' : 'number');
  const y = b ?? (a === 'timestamp' ? 'duration' : (op === '+' || op === '-') && a && a !== 'number' && a !== 'integer' ? a : Number.isInteger(lit) ? 'integer' : 'number');
  const num = (k: Kind) => k === 'number' || k === 'integer';
  if (num(x) && num(y)) return op === '/' || x === 'number' || y === 'number' ? 'number' : 'integer';
  if (op === '+' || op === '-') {
    if (x === y && (x === 'money' || x === 'duration')) return x;
    if (x === 'timestamp' && y === 'duration') return 'timestamp';
    if (op === '+' && x === 'duration' && y === 'timestamp') return 'timestamp';
    if (op === '-' && x === 'timestamp' && y === 'timestamp') return 'duration';
    return undefined;
  }
  if (op === '*') {
    if ((x === 'money' || x === 'duration') && num(y)) return x;
    if (num(x) && (y === 'money' || y === 'duration')) return y;
    return undefined;
  }
  if (op === '/') {
    if ((x === 'money' || x === 'duration') && num(y)) return x;
    if (x === y && (x === 'money' || x === 'duration')) return 'number';
  }
  return undefined;
}

/** A number written as a zhiyu literal of a kind, or undefined when that kind cannot write it exactly. */
function numberIn(x: number, kind: Kind): string | undefined {
  if (!Number.isFinite(x)) return undefined;
  const plain = (v: number) => (Number.isInteger(v) && Math.abs(v) > Number.MAX_SAFE_INTEGER ? v.toExponential() : String(v));
  switch (kind) {
    case 'number': return plain(x);
    case 'integer': return plain(x);
    case 'money': return Number.isSafeInteger(x) ? `${x}fen` : undefined;
    case 'duration': return Number.isSafeInteger(x) ? `${x}ms` : undefined;
    case 'timestamp': {
      if (!Number.isSafeInteger(x) || Math.abs(x) > 8.64e15) return undefined;
      const iso = new Date(x).toISOString();
      return /^\d{4}-/.test(iso) ? `@${iso}` : undefined;
    }
    default: return undefined;
  }
}
