// An aggregate's `where` filter as SQL, when it can be said exactly in SQL.
// SQL's NULL logic is the language's missing logic (Kleene and/or/not,
// comparisons with NULL are NULL, WHERE keeps only true), so comparisons,
// and/or/not, `is missing`, `in` and `between` on history fields translate
// one to one. Anything else (arithmetic, functions, the current event's
// fields, ordering on strings, whose collation differs) returns undefined and
// the store filters rows in JavaScript with the compiled filter instead.
import type { IR, Value } from '../../compiler/ir.ts';
import { q } from './tables.ts';

export interface SqlFilter {
  readonly sql: string;
  readonly params: readonly (number | string)[];
}

const ORDERED = new Set(['number', 'integer', 'money', 'timestamp', 'duration']);

/**
 * `postgres`: the same condition in PostgreSQL's words — parameters $1, $2, …
 * (numbered from `first`), truth as TRUE/FALSE; bool columns hold 0/1 in both.
 */
export function filterToSql(e: IR, dialect: 'sqlite' | 'postgres' = 'sqlite', first = 1): SqlFilter | undefined {
  const params: (number | string)[] = [];
  const pg = dialect === 'postgres';
  const [T, F] = pg ? ['TRUE', 'FALSE'] : ['1', '0'];
  const lit = (v: Value): string | undefined => {
    if (typeof v === 'boolean') return v ? '1' : '0';
    if (typeof v === 'number' || typeof v === 'string') {
      params.push(v);
      if (!pg) return '?';
      // A fraction compared with a whole-number column is compared as a fraction, as in SQLite.
      return `$${first + params.length - 1}${typeof v === 'number' && !Number.isInteger(v) ? '::float8' : ''}`;
    }
    return undefined;
  };
  const go = (x: IR): string | undefined => {
    switch (x.k) {
      case 'hfield': return x.type.t === 'bool' ? `(${q(x.field)} = 1)` : undefined;
      case 'lit': return typeof x.value === 'boolean' ? (x.value ? T : F) : x.value === undefined ? 'NULL' : undefined;
      case 'and': case 'or': {
        const parts = x.xs.map(go);
        return parts.every((p) => p !== undefined) ? `(${parts.join(x.k === 'and' ? ' AND ' : ' OR ')})` : undefined;
      }
      case 'not': { const p = go(x.x); return p === undefined ? undefined : `(NOT ${p})`; }
      case 'isMissing': return x.x.k === 'hfield' ? `(${q(x.x.field)} IS ${x.negated ? 'NOT ' : ''}NULL)` : undefined;
      case 'cmp': {
        const [col, other, op] = x.l.k === 'hfield' ? [x.l, x.r, x.op] : [x.r, x.l, flip(x.op)];
        if (col.k !== 'hfield' || other.k !== 'lit' || other.value === undefined) return undefined;
        if (op !== '==' && op !== '!=' && !ORDERED.has(col.type.t)) return undefined;
        const v = lit(other.value);
        return v === undefined ? undefined : `(${q(col.field)} ${op === '==' ? '=' : op} ${v})`;
      }
      case 'in': {
        if (x.x.k !== 'hfield' || x.set.kind !== 'values') return undefined;
        const col = q(x.x.field);
        if (x.set.values.length === 0) return `(CASE WHEN ${col} IS NULL THEN NULL ELSE ${F} END)`;
        const vs = x.set.values.map(lit);
        if (vs.some((v) => v === undefined)) return undefined;
        return `(${col} ${x.negated ? 'NOT IN' : 'IN'} (${vs.join(', ')}))`;
      }
      case 'between': {
        if (x.x.k !== 'hfield' || !ORDERED.has(x.x.type.t) || x.lo.k !== 'lit' || x.hi.k !== 'lit') return undefined;
        if (x.lo.value === undefined || x.hi.value === undefined) return undefined;
        const lo = lit(x.lo.value);
        const hi = lit(x.hi.value);
        return lo && hi ? `(${q(x.x.field)} BETWEEN ${lo} AND ${hi})` : undefined;
      }
      default: return undefined;
    }
  };
  const sql = go(e);
  return sql === undefined ? undefined : { sql, params };
}

function flip(op: '==' | '!=' | '<' | '<=' | '>' | '>='): typeof op {
  return ({ '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as const)[op];
}
