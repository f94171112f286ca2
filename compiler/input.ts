// Values arriving from outside (events, entity rows) are checked against the
// schema before any rule sees them. Both evaluators use these same functions,
// so a wrong-typed field fails the same way in each. `null` counts as missing.
import type { Value } from './ir.ts';
import { MAX_TIMESTAMP, MIN_TIMESTAMP, parseTimestamp } from './literals.ts';
import { TIMESTAMP, type Type, typeName } from './types.ts';

export class InputError extends Error {
  readonly code: 'ZY4001' | 'ZY4002' | 'ZY4003';
  readonly field: string;
  readonly expected?: string;
  constructor(code: 'ZY4001' | 'ZY4002' | 'ZY4003', field: string, message: string, expected?: string) {
    super(message);
    this.name = 'InputError';
    this.code = code;
    this.field = field;
    if (expected !== undefined) this.expected = expected;
  }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function wrong(path: string, type: Type, v: unknown, expected = typeName(type)): InputError {
  return new InputError('ZY4001', path, `${path} should be ${expected}, but is ${describe(v)}`, expected);
}

/** ISO 8601 timestamps are accepted as strings; without a zone they are Asia/Shanghai local time. */
function timestampFromString(s: string): { value: number } | { why: string } {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?))?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) return { why: 'a timestamp (epoch milliseconds or ISO 8601)' };
  const zone = m[3] && m[3] !== 'Z' && !m[3].includes(':') ? `${m[3].slice(0, 3)}:${m[3].slice(3)}` : m[3];
  const r = parseTimestamp(`@${m[1]}${m[2] ? `T${m[2]}` : ''}${zone ?? ''}`);
  if (r.ok) return { value: r.value };
  return { why: zone && /offset/.test(r.message) ? `a timestamp with a real UTC offset (-12:00 to +14:00), not ${m[3]}` : 'a valid date and time (ISO 8601)' };
}

export function coerce(type: Type, v: unknown, path: string): Value {
  if (v === undefined || v === null) return undefined;
  switch (type.t) {
    case 'number':
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      throw wrong(path, type, v, 'a finite number');
    case 'integer':
      if (Number.isSafeInteger(v)) return v as number;
      throw wrong(path, type, v, 'an integer');
    case 'money':
      if (Number.isSafeInteger(v)) return v as number;
      throw wrong(path, type, v, 'money as a whole number of fen');
    case 'duration':
      if (Number.isSafeInteger(v)) return v as number;
      throw wrong(path, type, v, 'a duration in milliseconds');
    case 'timestamp': {
      if (Number.isSafeInteger(v)) {
        if ((v as number) >= MIN_TIMESTAMP && (v as number) <= MAX_TIMESTAMP) return v as number;
        throw wrong(path, type, v, 'epoch milliseconds between the years 0000 and 9999');
      }
      if (typeof v !== 'string') throw wrong(path, type, v, 'a timestamp (epoch milliseconds or ISO 8601)');
      const t = timestampFromString(v);
      if ('value' in t) return t.value;
      throw wrong(path, type, v, t.why);
    }
    case 'bool':
      if (typeof v === 'boolean') return v;
      throw wrong(path, type, v, 'true or false');
    case 'string':
      if (typeof v === 'string') return v;
      throw wrong(path, type, v, 'a string');
    case 'enum':
      if (typeof v === 'string' && type.members.includes(v)) return v;
      throw wrong(path, type, v, `one of ${type.members.map((m) => JSON.stringify(m)).join(', ')}`);
    case 'set': {
      if (!Array.isArray(v)) throw wrong(path, type, v, `a list of ${typeName(type.element)}`);
      const out = v.map((x, i) => {
        const c = coerce(type.element, x, `${path}[${i}]`);
        if (c === undefined) throw wrong(`${path}[${i}]`, type.element, x);
        return c;
      });
      return Object.freeze(out);
    }
    default:
      throw new InputError('ZY4003', path, `${path} has a type that cannot be given as input`);
  }
}

/**
 * The decision time a caller gives (`decide(event, provider, { at })`):
 * epoch milliseconds, an ISO 8601 string (Asia/Shanghai without a zone) or a
 * Date, checked like `event.occurred_at` and reported as `at`.
 */
export function decisionTime(at: unknown): number {
  if (typeof at === 'number' && Number.isSafeInteger(at) && at >= MIN_TIMESTAMP && at <= MAX_TIMESTAMP) return at;
  const v = coerce(TIMESTAMP, at instanceof Date ? at.getTime() : at, 'at');
  if (v === undefined) throw new InputError('ZY4001', 'at', `at should be a timestamp, but is ${at === null ? 'null' : 'undefined'}`, 'a timestamp');
  return v as number;
}

export function requiredMissing(path: string): InputError {
  return new InputError('ZY4001', path, `${path} is required but missing`);
}

/** Own properties only: an input's `constructor` or `__proto__` is never read from a prototype. */
export function own(o: object, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}

/**
 * A stored history event's field, as the rules see it: own properties only,
 * and a value whose JavaScript type does not fit the declared type is missing.
 */
export function historyValue(h: object, field: string, type: Type): Value {
  const v = own(h, field);
  if (v === undefined || v === null) return undefined;
  switch (type.t) {
    case 'number': case 'integer': case 'money': case 'timestamp': case 'duration':
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    case 'bool': return typeof v === 'boolean' ? v : undefined;
    case 'string': case 'enum': return typeof v === 'string' ? v : undefined;
    case 'set': return Array.isArray(v) ? (v as Value) : undefined;
    default: return undefined;
  }
}
