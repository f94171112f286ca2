// Turning literal token text into values. Money becomes integer fen, durations
// milliseconds, timestamps epoch milliseconds (local times are Asia/Shanghai).

export type LiteralResult<T> = { ok: true; value: T } | { ok: false; message: string; range?: boolean };

const SHANGHAI_OFFSET_MS = 8 * 3600_000;

export function parseNumber(raw: string): LiteralResult<number> {
  const v = Number(raw.replace(/_/g, ''));
  if (!Number.isFinite(v)) return { ok: false, message: `number ${raw} is too large`, range: true };
  if (!/[.eE]/.test(raw) && !Number.isSafeInteger(v)) return { ok: false, message: `number ${raw} is larger than ${Number.MAX_SAFE_INTEGER} and cannot be represented exactly`, range: true };
  return { ok: true, value: v };
}

export function parseMoney(raw: string): LiteralResult<number> {
  const m = /^(?:[¥￥]([\d_,]+(?:\.\d+)?)|([\d_]+(?:\.\d+)?)[ \t]*(yuan|元|fen|分))$/.exec(raw);
  if (!m) return { ok: false, message: `malformed amount ${raw}` };
  const digits = (m[1] ?? m[2]!).replace(/[_,]/g, '');
  const unit = m[3] ?? 'yuan';
  const [whole, frac = ''] = digits.split('.');
  if (unit === 'fen' || unit === '分') {
    if (frac) return { ok: false, message: `${raw}: fen are whole numbers` };
    return safeInt(Number(whole), raw);
  }
  if (frac.length > 2) return { ok: false, message: `${raw}: an amount in yuan has at most 2 decimal places (fen)` };
  return safeInt(Number(whole) * 100 + Number(frac.padEnd(2, '0')), raw);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseDuration(raw: string): LiteralResult<number> {
  const m = /^([\d_]+)(ms|s|m|h|d|w)$/.exec(raw);
  if (!m) return { ok: false, message: `malformed duration ${raw}` };
  return safeInt(Number(m[1]!.replace(/_/g, '')) * DURATION_UNITS[m[2]!]!, raw);
}

function safeInt(v: number, raw: string): LiteralResult<number> {
  return Number.isSafeInteger(v) ? { ok: true, value: v } : { ok: false, message: `${raw} is too large`, range: true };
}

export function parseTimestamp(raw: string): LiteralResult<number> {
  const m = /^@(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(raw);
  if (!m) return { ok: false, message: `malformed timestamp ${raw}` };
  const [y, mo, d, h = 0, mi = 0, s = 0] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as number[];
  const ms = Number((m[7] ?? '0').padEnd(3, '0'));
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > daysInMonth(y!, mo!) || h > 23 || mi > 59 || s > 59) {
    return { ok: false, message: `${raw} is not a valid date and time` };
  }
  let offset = SHANGHAI_OFFSET_MS;
  const z = m[8];
  if (z === 'Z') offset = 0;
  else if (z) {
    const [zh, zm] = [Number(z.slice(1, 3)), Number(z.slice(4, 6))];
    // Real UTC offsets run from -12:00 to +14:00, in whole minutes.
    if (zm > 59 || zh * 60 + zm > (z[0] === '-' ? 12 : 14) * 60) return { ok: false, message: `${raw}: the UTC offset ${z} is not a real one (offsets run from -12:00 to +14:00)` };
    offset = (z[0] === '-' ? -1 : 1) * (zh * 3600_000 + zm * 60_000);
  }
  return { ok: true, value: utc(y!, mo! - 1, d!, h, mi, s, ms) - offset };
}

/** The epochs a timestamp may hold: 0000-01-01T00:00Z to 9999-12-31T23:59:59.999Z, what ISO 8601's four-digit years can write. */
export const MIN_TIMESTAMP = -62_167_219_200_000;
export const MAX_TIMESTAMP = 253_402_300_799_999;

function daysInMonth(y: number, m: number): number {
  return new Date(utc(y, m, 0, 0, 0, 0, 0)).getUTCDate();
}

/** Date.UTC, but years 0–99 are those years, not 1900–1999. */
function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const t = new Date(Date.UTC(2000, 0, 1, h, mi, s, ms));
  t.setUTCFullYear(y, mo, d);
  return t.getTime();
}

/** Decodes a quoted string literal: \" \\ \n \r \t \uXXXX \u{X…}. */
export function parseString(raw: string): LiteralResult<string> {
  const body = raw.slice(1, -1);
  // Most strings have no escape: their body is the value. (Built a character
  // at a time, each string was as many string objects as characters.)
  const first = body.indexOf('\\');
  if (first < 0) return { ok: true, value: body };
  let out = body.slice(0, first);
  for (let i = first; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') { out += c; continue; }
    const n = body[++i];
    switch (n) {
      case '"': out += '"'; break;
      case "'": out += "'"; break;
      case '\\': out += '\\'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case '{': out += '{'; break;
      case '}': out += '}'; break;
      case 'u': {
        let hex: string;
        if (body[i + 1] === '{') {
          const close = body.indexOf('}', i + 2);
          if (close < 0) return { ok: false, message: 'unterminated \\u{…} escape' };
          hex = body.slice(i + 2, close);
          i = close;
        } else {
          hex = body.slice(i + 1, i + 5);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) return { ok: false, message: `\\u takes exactly four hex digits (or \\u{…}), not \\u${hex}` };
          i += 4;
        }
        const cp = /^[0-9a-fA-F]{1,6}$/.test(hex) ? parseInt(hex, 16) : NaN;
        if (!(cp <= 0x10ffff)) return { ok: false, message: `invalid unicode escape \\u${hex}` };
        out += String.fromCodePoint(cp);
        break;
      }
      default:
        return { ok: false, message: `unknown escape \\${n ?? ''} in string` };
    }
  }
  return { ok: true, value: out };
}
