// The built-in functions: each keeps its type rule and its evaluation side by
// side. Arguments are never missing when `impl` runs: a missing argument makes
// the call missing, a rule the checker and both evaluators share.
import { MAX_MATCH_INPUT, type Matcher } from './regex-safety.ts';
import * as S from './semantics.ts';
import { BOOL, DURATION, INTEGER, NUMBER, STRING, type Type, isNumeric, typeName } from './types.ts';

export interface FunctionDef {
  readonly name: string;
  readonly doc: string;
  readonly arity: number;
  /** The result type, or a message saying what the arguments should be. */
  readonly type: (args: readonly Type[]) => Type | string;
  /** Receives the decision time first when `usesNow`. */
  readonly impl: (...args: any[]) => unknown;
  readonly usesNow?: boolean;
  /** Receives the working-day calendar first when `usesCalendar`. */
  readonly usesCalendar?: boolean;
  /** The second argument must be a compile-time constant pattern. */
  readonly constPattern?: boolean;
}

/** Beyond ±8.64e15 ms (less the zone offset) a Date cannot say what local day it is. */
const DATE_LIMIT = 8.64e15 - 8 * 3_600_000;
const ts = (name: string, doc: string, result: Type, impl: (t: number) => unknown): FunctionDef => ({
  name, doc, arity: 1, impl: (t: number) => (Math.abs(t) <= DATE_LIMIT ? impl(t) : undefined),
  type: ([a]) => (a!.t === 'timestamp' ? result : `${name}() takes a timestamp, not ${typeName(a!)}`),
});
const dur = (name: string, doc: string, size: number): FunctionDef => ({
  name, doc, arity: 1, impl: (d: number) => d / size,
  type: ([a]) => (a!.t === 'duration' ? NUMBER : `${name}() takes a duration, not ${typeName(a!)}`),
});
const str1 = (name: string, doc: string, impl: (s: string) => string): FunctionDef => ({
  name, doc, arity: 1, impl,
  type: ([a]) => (a!.t === 'string' || a!.t === 'enum' ? STRING : `${name}() takes a string, not ${typeName(a!)}`),
});
const str2 = (name: string, doc: string, impl: (s: string, p: string) => boolean): FunctionDef => ({
  name, doc, arity: 2, impl,
  type: ([a, b]) => ((a!.t === 'string' || a!.t === 'enum') && b!.t === 'string' ? BOOL : `${name}() takes two strings, not ${typeName(a!)} and ${typeName(b!)}`),
});
const measured = (t: Type) => isNumeric(t) || t.t === 'money' || t.t === 'duration';
const num1 = (name: string, doc: string, impl: (x: number) => number, round = false): FunctionDef => ({
  name, doc, arity: 1, impl,
  type: ([a]) => (measured(a!) ? (round && a!.t === 'number' ? INTEGER : a!) : `${name}() takes a number, money or a duration, not ${typeName(a!)}`),
});
const num2 = (name: string, doc: string, impl: (x: number, y: number) => number): FunctionDef => ({
  name, doc, arity: 2, impl,
  type: ([a, b]) => {
    if (isNumeric(a!) && isNumeric(b!)) return a!.t === 'integer' && b!.t === 'integer' ? INTEGER : NUMBER;
    if (a!.t === b!.t && (a!.t === 'money' || a!.t === 'duration' || a!.t === 'timestamp')) return a!;
    return `${name}() takes two values of the same kind, not ${typeName(a!)} and ${typeName(b!)}`;
  },
});

const DEFS: FunctionDef[] = [
  ts('hour', 'Local hour (0–23) in Asia/Shanghai.', INTEGER, S.localHour),
  ts('minute', 'Local minute (0–59).', INTEGER, S.localMinute),
  ts('weekday', 'Local day of the week, 1 = Monday … 7 = Sunday.', INTEGER, S.localWeekday),
  ts('day', 'Local day of the month (1–31).', INTEGER, S.localDay),
  ts('month', 'Local month (1–12).', INTEGER, S.localMonth),
  ts('year', 'Local year.', INTEGER, S.localYear),
  ts('date', 'Local calendar date as "YYYY-MM-DD".', STRING, S.localDate),
  {
    name: 'age', doc: 'Time from a timestamp to the decision time (negative if in the future).', arity: 1, usesNow: true,
    impl: (now: number, t: number) => now - t,
    type: ([a]) => (a!.t === 'timestamp' ? DURATION : `age() takes a timestamp, not ${typeName(a!)}`),
  },
  {
    name: 'years_since', doc: 'Whole years from a timestamp to the decision time by local dates (an age from a birth date); negative if in the future.',
    arity: 1, usesNow: true,
    impl: (now: number, t: number) => (Math.abs(t) <= DATE_LIMIT && Math.abs(now) <= DATE_LIMIT ? S.wholeYears(now, t) : undefined),
    type: ([a]) => (a!.t === 'timestamp' ? INTEGER : `years_since() takes a timestamp, not ${typeName(a!)}`),
  },
  {
    name: 'months_since', doc: 'Whole months from a timestamp to the decision time by local dates (a tenure); negative if in the future.',
    arity: 1, usesNow: true,
    impl: (now: number, t: number) => (Math.abs(t) <= DATE_LIMIT && Math.abs(now) <= DATE_LIMIT ? S.wholeMonths(now, t) : undefined),
    type: ([a]) => (a!.t === 'timestamp' ? INTEGER : `months_since() takes a timestamp, not ${typeName(a!)}`),
  },
  {
    name: 'working_days', doc: 'Working days after the first timestamp\'s local date up to the second\'s, by the holiday calendar (Monday–Friday where it says nothing).',
    arity: 2, usesCalendar: true,
    impl: (cal: S.CalendarLookup, a: number, b: number) => S.workingDays(cal, a, b),
    type: ([a, b]) => (a!.t === 'timestamp' && b!.t === 'timestamp' ? INTEGER : `working_days() takes two timestamps, not ${typeName(a!)} and ${typeName(b!)}`),
  },
  dur('days', 'A duration in days (may be fractional).', 86_400_000),
  dur('hours', 'A duration in hours.', 3_600_000),
  dur('minutes', 'A duration in minutes.', 60_000),
  str1('lower', 'Lower-case.', (s) => s.toLowerCase()),
  str1('upper', 'Upper-case.', (s) => s.toUpperCase()),
  str1('trim', 'Without leading and trailing white space.', (s) => s.trim()),
  {
    name: 'len', doc: 'Length of a string (in characters) or number of members of a set.', arity: 1,
    impl: (s: string | readonly unknown[]) => (typeof s === 'string' ? [...s].length : s.length),
    type: ([a]) => (a!.t === 'string' || a!.t === 'enum' || a!.t === 'set' || a!.t === 'list' ? INTEGER : `len() takes a string or a set, not ${typeName(a!)}`),
  },
  str2('starts_with', 'Whether the string starts with the prefix.', (s, p) => s.startsWith(p)),
  str2('ends_with', 'Whether the string ends with the suffix.', (s, p) => s.endsWith(p)),
  str2('contains', 'Whether the string contains the text.', (s, p) => s.includes(p)),
  {
    name: 'matches', doc: 'Whether the pattern (RE2 syntax, a constant) occurs in the string; linear time; inputs over 4096 characters never match.',
    arity: 2, constPattern: true,
    impl: (s: string, re: Matcher) => s.length <= MAX_MATCH_INPUT && re.test(s),
    type: ([a, b]) => ((a!.t === 'string' || a!.t === 'enum') && b!.t === 'string' ? BOOL : `matches() takes a string and a pattern string, not ${typeName(a!)} and ${typeName(b!)}`),
  },
  num1('abs', 'Absolute value.', Math.abs),
  num1('round', 'Rounded to the nearest whole unit (halves away from zero).', (x) => Math.sign(x) * Math.round(Math.abs(x)), true),
  num1('floor', 'Rounded down.', Math.floor, true),
  num1('ceil', 'Rounded up.', Math.ceil, true),
  num2('min', 'The smaller of two values.', Math.min),
  num2('max', 'The larger of two values.', Math.max),
  {
    name: 'distance_km', doc: 'Great-circle distance in kilometres between two points given as latitude and longitude in degrees (missing for a latitude outside ±90 or a longitude outside ±180).',
    arity: 4, impl: S.distanceKm,
    type: (args) => (args.every(isNumeric) ? NUMBER : `distance_km() takes four numbers (latitude, longitude, latitude, longitude), not ${args.map(typeName).join(', ')}`),
  },
];

export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = new Map(DEFS.map((d) => [d.name, d]));

export const AGGREGATE_FUNCTIONS = ['count', 'sum', 'avg', 'min', 'max', 'distinct', 'time_since_last', 'stddev', 'percentile', 'latest', 'sequence'] as const;
export const AGGREGATE_DOCS: Record<string, string> = {
  count: 'Number of matching prior events: count(by key, last 24h, where …).',
  sum: 'Sum of a field over matching prior events: sum(amount, by customer_id, today).',
  avg: 'Average of a field (missing when no event matches).',
  min: 'Smallest value of a field (missing when no event matches).',
  max: 'Largest value of a field (missing when no event matches).',
  distinct: 'Number of distinct values of a field: distinct(id_number, by device_id, last 30d).',
  time_since_last: 'Time since the latest matching prior event (missing when there is none).',
  stddev: 'Sample standard deviation of a field (missing with fewer than two values): stddev(amount, by customer_id, last 90d).',
  percentile: 'A percentile of a field, 0–100, interpolated between values: percentile(amount, 95, by customer_id, last 90d).',
  latest: 'The field\'s value on the latest matching event that has it: latest(gps_lat, by customer_id, where type == "login").',
  sequence: 'Whether matching events happened in this order: sequence(A followed by B, by customer_id, within 10m).',
};
