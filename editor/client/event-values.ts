// Event values the way an analyst reads and types them, and back to what the
// decision API takes: money in yuan (¥25,000 or 25000.00) ⇄ integer fen,
// times in local time (Asia/Shanghai, the language's clock) ⇄ ISO text.
// The parsing is the compiler's own (compiler/literals.ts), so the form
// accepts exactly what a rule's literals do.
import { parseDuration, parseMoney, parseNumber, parseTimestamp } from '../../compiler/literals.ts';
import { formatDuration, formatMoney, formatNumber, formatTimestamp, isoShanghai } from '../../compiler/display.ts';
import type { WireField } from './protocol.ts';

/** How a stored or JSON value shows in the form. */
export function showValue(f: WireField, v: unknown): string {
  if (v === undefined || v === null) return '';
  switch (f.t) {
    case 'money': return typeof v === 'number' ? formatMoney(v) : String(v);
    case 'timestamp': {
      const ms = typeof v === 'number' ? v : typeof v === 'string' ? parseTime(v) : undefined;
      return ms === undefined ? String(v) : localTime(ms);
    }
    case 'duration': return typeof v === 'number' ? formatDuration(v) : String(v);
    case 'number': case 'integer': return typeof v === 'number' ? formatNumber(v) : String(v);
    case 'set': return Array.isArray(v) ? v.join(', ') : String(v);
    case 'bool': return v === true ? 'true' : v === false ? 'false' : String(v);
    default: return String(v);
  }
}

/** `2026-03-01 10:00:00` in Asia/Shanghai. */
export const localTime = formatTimestamp;

/** A time as typed: `2026-03-01 10:00`, `2026-03-01T10:00:00+08:00`, a date alone, or epoch milliseconds. */
export function parseTime(text: string): number | undefined {
  const s = text.trim();
  if (/^\d{10,}$/.test(s)) return Number(s);
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?))?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) return undefined;
  const zone = m[3] && m[3] !== 'Z' && !m[3].includes(':') ? `${m[3].slice(0, 3)}:${m[3].slice(3)}` : m[3];
  const r = parseTimestamp(`@${m[1]}${m[2] ? `T${m[2]}` : ''}${zone ?? ''}`);
  return r.ok ? r.value : undefined;
}

export class ValueError extends Error {
  constructor(readonly field: string, message: string) { super(message); }
}

/** A form entry as the API's JSON value; '' is missing (undefined). Throws ValueError with what to type instead. */
export function readValue(f: WireField, text: string): unknown {
  const s = text.trim();
  if (s === '') return undefined;
  const fail = (what: string): never => { throw new ValueError(f.name, `${f.name}: ${JSON.stringify(s)} is not ${what}`); };
  switch (f.t) {
    case 'money': {
      // ¥25,000 · 25000.00 · 25,000 · 25000 元: yuan unless it says fen.
      const r = parseMoney(/^[\d_,]+(?:\.\d+)?$/.test(s) ? `¥${s}` : s.replace(/^[¥￥]\s+/, '¥'));
      return r.ok ? r.value : fail('an amount in yuan (¥25,000 or 25000.00)');
    }
    case 'timestamp': {
      const t = parseTime(s);
      return t === undefined ? fail('a time (2026-03-01 10:00, Asia/Shanghai)') : isoShanghai(t);
    }
    case 'duration': {
      const r = parseDuration(s.replace(/\s+/g, ''));
      return r.ok ? r.value : fail('a duration (30m, 24h, 7d)');
    }
    case 'number': case 'integer': {
      const r = parseNumber(s.replace(/,/g, ''));
      if (!r.ok || (f.t === 'integer' && !Number.isInteger(r.value))) return fail(f.t === 'integer' ? 'a whole number' : 'a number');
      return r.value;
    }
    case 'bool':
      if (s === 'true' || s === 'false') return s === 'true';
      return fail('true or false');
    case 'enum':
      return f.members?.includes(s) ? s : fail(`one of ${(f.members ?? []).join(', ')}`);
    case 'set':
      return s.split(',').map((x) => x.trim()).filter(Boolean);
    default:
      return s;
  }
}
