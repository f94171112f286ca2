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
export function timestampFromString(s: string): { value: number } | { why: string } {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?))?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) return { why: 'a timestamp (epoch milliseconds or ISO 8601)' };
  const zone = m[3] && m[3] !== 'Z' && !m[3].includes(':') ? `${m[3].slice(0, 3)}:${m[3].slice(3)}` : m[3];
  const r = parseTimestamp(`@${m[1]}${m[2] ? `T${m[2]}` : ''}${zone ?? ''}`);
  if (r.ok) return { value: r.value };
  return { why: zone && /offset/.test(r.message) ? `a timestamp with a real UTC offset (-12:00 to +14:00), not ${m[3]}` : 'a valid date and time (ISO 8601)' };
}

const ZERO = 48;
/** The digits at s[i], s[i+1] as a number, or -1 when either is not 0–9. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - ZERO;
  const b = s.charCodeAt(i + 1) - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (any year 0–9999; the civil-from-days algorithm's inverse). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The timestamps events carry, read without a regular expression or a Date:
 * `YYYY-MM-DD`, then `T` or a space and `HH:MM`, `:SS`, `.f` to `.fff`, then
 * `Z` or nothing (Asia/Shanghai). It returns the same epoch milliseconds as
 * timestampFromString, or undefined for anything else — another zone, a
 * malformed or impossible date — which timestampFromString then reads or
 * rejects with its own words.
 */
export function plainTimestamp(s: string): number | undefined {
  let n = s.length;
  let offset = 8 * 3600_000;
  if (n > 10 && s.charCodeAt(n - 1) === 90 /* Z */) { offset = 0; n--; }
  if (n !== 10 && n !== 16 && n !== 19 && !(n >= 21 && n <= 23)) return undefined;
  const y = two(s, 0) * 100 + two(s, 2);
  const mo = two(s, 5);
  const d = two(s, 8);
  if (y < 0 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || mo < 1 || mo > 12 || d < 1) return undefined;
  if (d > (mo === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : MONTH_DAYS[mo - 1]!)) return undefined;
  let ms = 0;
  if (n > 10) {
    const sep = s.charCodeAt(10);
    const h = two(s, 11);
    const mi = two(s, 14);
    if ((sep !== 84 /* T */ && sep !== 32) || s.charCodeAt(13) !== 58 || h < 0 || h > 23 || mi < 0 || mi > 59) return undefined;
    ms = h * 3600_000 + mi * 60_000;
    if (n > 16) {
      const sec = two(s, 17);
      if (s.charCodeAt(16) !== 58 || sec < 0 || sec > 59) return undefined;
      ms += sec * 1000;
      if (n > 19) {
        if (s.charCodeAt(19) !== 46 /* . */) return undefined;
        let frac = 0;
        for (let i = 20; i < 23; i++) {
          const c = i < n ? s.charCodeAt(i) - ZERO : 0;
          if (c < 0 || c > 9) return undefined;
          frac = frac * 10 + c;
        }
        ms += frac;
      }
    }
  }
  return daysFromCivil(y, mo, d) * 86_400_000 + ms - offset;
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
      const quick = plainTimestamp(v);
      if (quick !== undefined) return quick;
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
