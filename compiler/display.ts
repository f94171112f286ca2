// Values for people, in one place. Two forms:
//   - formatValue: the text a message placeholder becomes (`{event.amount}` →
//     `¥5,000.00`, a timestamp as local time without a zone);
//   - showValue: a value as an analyst writes it in a rule or a test, for
//     `zhiyu eval`, Try it and failing tests: `¥25,000.00`,
//     `2026-03-01 10:00 +08:00`, `3h20m`, `"transfer_out"`, `missing` —
//     never fen or epoch milliseconds.
import type { Value } from './ir.ts';
import { localDate, SHANGHAI_OFFSET } from './semantics.ts';
import type { Type } from './types.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** A whole number ≥ 0 grouped by thousands with commas; arithmetic, since messages format amounts on every explained decision. */
function thousands(n: number): string {
  if (n <= Number.MAX_SAFE_INTEGER) {
    // Three digits at a time from the right: exact for every safe integer, and no digit string to cut up.
    let out = '';
    while (n >= 1000) {
      const g = n % 1000;
      out = (g < 10 ? ',00' : g < 100 ? ',0' : ',') + g + out;
      n = (n - g) / 1000;
    }
    return n + out;
  }
  // Larger values print as String() gives them, exponent and all, grouped as the pattern always did.
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatMoney(fen: number): string {
  const neg = Math.round(fen) < 0;
  // Fractional fen (after * or /) round to the nearest fen before splitting.
  const abs = Math.round(Math.abs(fen));
  const yuan = Math.floor(abs / 100);
  const cents = abs - yuan * 100;
  const whole = thousands(yuan);
  return `${neg ? '-' : ''}¥${whole}.${pad2(cents)}`;
}

export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  let out = sign;
  for (const [unit, size] of DURATION_UNITS) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

const DURATION_UNITS = [['d', DAY], ['h', HOUR], ['m', 60_000], ['s', 1000], ['ms', 1]] as const;

/** Local Asia/Shanghai time, to the second, without a zone: how messages show a timestamp. */
export function formatTimestamp(t: number): string {
  const d = new Date(t + SHANGHAI_OFFSET);
  return `${localDate(t)} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

/** ISO text with the +08:00 zone (`2026-03-01T10:00:00+08:00`): what the editor shows and sends for a stored or typed time. */
export function isoShanghai(t: number): string {
  return `${new Date(t + SHANGHAI_OFFSET).toISOString().slice(0, 19)}+08:00`;
}

export function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 10_000) / 10_000);
}

export const MISSING_TEXT = '(missing)';

/** The text a message placeholder becomes. */
export function formatValue(type: Type, v: Value): string {
  if (v === undefined) return MISSING_TEXT;
  switch (type.t) {
    case 'money': return formatMoney(v as number);
    case 'duration': return formatDuration(v as number);
    case 'timestamp': return formatTimestamp(v as number);
    case 'number': case 'integer': return formatNumber(v as number);
    case 'set': return (v as readonly unknown[]).join(', ');
    default: return String(v);
  }
}

/** A timestamp as an analyst reads it: `2026-03-01 10:00 +08:00` (seconds and milliseconds only when there are any). */
export function showTimestamp(t: number): string {
  if (!Number.isFinite(t) || Math.abs(t) > 8.64e15 - SHANGHAI_OFFSET) return String(t);
  const d = new Date(t + SHANGHAI_OFFSET);
  const s = d.getUTCSeconds();
  const ms = d.getUTCMilliseconds();
  const secs = s || ms ? `:${pad2(s)}${ms ? `.${String(ms).padStart(3, '0')}` : ''}` : '';
  return `${localDate(t)} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}${secs} +08:00`;
}

/** A value as it is written in a rule or a test: `¥25,000.00`, `2026-03-01 10:00 +08:00`, `3h20m`, `"x"`, `missing`. */
export function showValue(type: Type, v: Value): string {
  if (v === undefined) return 'missing';
  switch (type.t) {
    case 'money': return formatMoney(v as number);
    case 'duration': return formatDuration(v as number);
    case 'timestamp': return showTimestamp(v as number);
    case 'number': case 'integer': return formatNumber(v as number);
    case 'string': case 'enum': return JSON.stringify(v);
    case 'set': case 'list': return `[${(v as readonly Value[]).map((x) => showValue(type.element, x)).join(', ')}]`;
    default: return String(v);
  }
}
