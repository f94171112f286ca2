// What the language's operations do to values, in one place. The interpreter
// calls these directly; generated code calls the same functions through the
// helper object it is given, so the two evaluators cannot drift apart.
// `undefined` is *missing*.
import type { Value } from './ir.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Asia/Shanghai has been UTC+8 without daylight saving since 1991. */
export const SHANGHAI_OFFSET = 8 * HOUR;

export const localHour = (t: number): number => Math.floor(mod(t + SHANGHAI_OFFSET, DAY) / HOUR);
export const localMinute = (t: number): number => Math.floor(mod(t + SHANGHAI_OFFSET, HOUR) / 60_000);
/** 1 = Monday … 7 = Sunday. 1970-01-01 (local) was a Thursday. */
export const localWeekday = (t: number): number => ((Math.floor((t + SHANGHAI_OFFSET) / DAY) + 3) % 7 + 7) % 7 + 1;
export const startOfLocalDay = (t: number): number => t - mod(t + SHANGHAI_OFFSET, DAY);
export const startOfLocalWeek = (t: number): number => startOfLocalDay(t) - (localWeekday(t) - 1) * DAY;
export function startOfLocalMonth(t: number): number {
  const d = new Date(t + SHANGHAI_OFFSET);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) - SHANGHAI_OFFSET;
}
const localParts = (t: number): Date => new Date(t + SHANGHAI_OFFSET);
export const localDay = (t: number): number => localParts(t).getUTCDate();
export const localMonth = (t: number): number => localParts(t).getUTCMonth() + 1;
export const localYear = (t: number): number => localParts(t).getUTCFullYear();
export function localDate(t: number): string {
  const d = localParts(t);
  return `${String(d.getUTCFullYear()).padStart(4, '0')}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/**
 * Whole calendar months from t to now by local dates (a month is complete on
 * the same day of the month, or the month's last day when it is shorter);
 * negative when t is after now. Ages and tenures counted at the decision time.
 */
export function wholeMonths(now: number, t: number): number {
  if (t > now) return -wholeMonths(t, now);
  const a = localParts(t);
  const b = localParts(now);
  let months = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
  // The anniversary day in now's month: t's day, or that month's last day (31 Jan → 28/29 Feb).
  const last = new Date(Date.UTC(b.getUTCFullYear(), b.getUTCMonth() + 1, 0)).getUTCDate();
  if (b.getUTCDate() < Math.min(a.getUTCDate(), last)) months--;
  return months;
}
export const wholeYears = (now: number, t: number): number => Math.trunc(wholeMonths(now, t) / 12);

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}
function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** A finite result or missing: arithmetic never yields NaN or Infinity. */
export function finite(v: number): number | undefined {
  return Number.isFinite(v) ? v : undefined;
}

export function add(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : finite(a + b);
}
export function sub(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : finite(a - b);
}
export function mul(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : finite(a * b);
}
/** Division by zero is missing, not Infinity. */
export function div(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : finite(a / b);
}
export function rem(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : finite(a % b);
}
export function neg(a: number | undefined): number | undefined {
  return a === undefined ? undefined : a === 0 ? 0 : -a;
}

export type Cmp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** Comparison of two present values of comparable types. */
export function compare(op: Cmp, a: unknown, b: unknown): boolean {
  switch (op) {
    case '==': return a === b;
    case '!=': return a !== b;
    case '<': return (a as number) < (b as number);
    case '<=': return (a as number) <= (b as number);
    case '>': return (a as number) > (b as number);
    case '>=': return (a as number) >= (b as number);
  }
}

/** Kleene logic: false wins `and`, true wins `or`, otherwise missing stays missing. */
export function and3(values: readonly (boolean | undefined)[]): boolean | undefined {
  let unknown = false;
  for (const v of values) {
    if (v === false) return false;
    if (v === undefined) unknown = true;
  }
  return unknown ? undefined : true;
}
export function or3(values: readonly (boolean | undefined)[]): boolean | undefined {
  let unknown = false;
  for (const v of values) {
    if (v === true) return true;
    if (v === undefined) unknown = true;
  }
  return unknown ? undefined : false;
}

/**
 * `any of` / `all of` / `count of`, given each member's membership (missing
 * when the member is): Kleene `or`, Kleene `and`, or how many are certainly in.
 */
export function quantify(q: 'any' | 'all' | 'count', found: readonly (boolean | undefined)[]): boolean | number | undefined {
  if (q === 'any') return or3(found);
  if (q === 'all') return and3(found);
  let n = 0;
  for (const f of found) if (f === true) n++;
  return n;
}

/** Membership in computed members: true if there, missing if not there but some member is missing. */
export function memberOf(x: Value, members: readonly Value[]): boolean | undefined {
  if (members.includes(x)) return true;
  return members.includes(undefined) ? undefined : false;
}

export function setHas(members: readonly unknown[] | ReadonlySet<unknown>, v: unknown): boolean {
  return Array.isArray(members) ? members.includes(v) : (members as ReadonlySet<unknown>).has(v);
}

// Formatting values for people lives in display.ts; these names stay here for existing imports.
export { formatDuration, formatMoney, formatNumber, formatTimestamp, MISSING_TEXT } from './display.ts';

const EARTH_RADIUS_KM = 6371.0088;
const RAD = Math.PI / 180;

/** Haversine distance between two points in degrees; missing for coordinates outside the globe. */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number | undefined {
  if (Math.abs(lat1) > 90 || Math.abs(lat2) > 90 || Math.abs(lon1) > 180 || Math.abs(lon2) > 180) return undefined;
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Start of the local calendar month `n` months before `t`'s month (n = 0: `t`'s own). */
export function startOfLocalMonthBack(t: number, n: number): number {
  const d = new Date(t + SHANGHAI_OFFSET);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - n, 1) - SHANGHAI_OFFSET;
}

/** Dates the calendar marks as working (true) or not (false); other dates follow Monday–Friday. */
export type CalendarLookup = (fromDate: string, toDate: string) => ReadonlyMap<string, boolean>;
export const NO_CALENDAR: CalendarLookup = () => new Map();

/** A calendar of holidays only (no make-up working days): `isHoliday` is asked about each local date in range. */
export function holidayCalendar(isHoliday: (date: string, midnight: number) => boolean): CalendarLookup {
  return (fromDate, toDate) => {
    const out = new Map<string, boolean>();
    const start = (d: string) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10))) - SHANGHAI_OFFSET;
    for (let t = start(fromDate), end = start(toDate); t <= end; t += DAY) {
      const date = localDate(t);
      if (isHoliday(date, t)) out.set(date, false);
    }
    return out;
  };
}
const MAX_CALENDAR_DAYS = 36_600;

/**
 * Working days from a to b: the local dates d with date(a) < d <= date(b) that
 * are working days (negative when b is before a). Holidays and make-up working
 * days come from the calendar. Spans over 100 years are missing.
 */
export function workingDays(cal: CalendarLookup, a: number, b: number): number | undefined {
  const sign = b >= a ? 1 : -1;
  const lo = startOfLocalDay(Math.min(a, b));
  const hi = startOfLocalDay(Math.max(a, b));
  const days = Math.round((hi - lo) / DAY);
  if (days > MAX_CALENDAR_DAYS) return undefined;
  if (days === 0) return 0;
  const overrides = cal(localDate(lo + DAY), localDate(hi));
  let n = 0;
  for (let t = lo + DAY; t <= hi; t += DAY) {
    const o = overrides.get(localDate(t));
    if (o ?? localWeekday(t) <= 5) n++;
  }
  return sign * n;
}
