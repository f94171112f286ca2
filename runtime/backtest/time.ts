// A time bound from what a caller gives (epoch ms, a Date, ISO text in
// Asia/Shanghai unless a zone is given): backtests and shadow reports.
import { coerce, InputError } from '../../compiler/input.ts';
import { TIMESTAMP } from '../../compiler/types.ts';
import { BacktestError } from './errors.ts';
import type { TimeInput } from './types.ts';

const DAY = 86_400_000;

/** `dayEnd`: what a date alone means — its start (0), the next midnight (for an exclusive end) or the day's last millisecond. */
export function time(v: TimeInput | undefined, what: string, dayEnd: 0 | 'next' | 'last'): number | null {
  if (v === undefined) return null;
  let t: number | undefined;
  if (v instanceof Date) t = v.getTime();
  else if (typeof v === 'number') t = v;
  else {
    try { t = coerce(TIMESTAMP, v.trim(), what) as number | undefined; } catch (e) {
      if (!(e instanceof InputError)) throw e;
    }
    // A date alone as the end of the range means the end of that local day.
    if (t !== undefined && dayEnd && /^\d{4}-\d{2}-\d{2}$/.test(v.trim())) t += dayEnd === 'next' ? DAY : DAY - 1;
  }
  if (t === undefined || !Number.isFinite(t)) {
    throw new BacktestError('ZY7502', `${what} ${JSON.stringify(String(v))} is not a time: give a date (2026-02-01), a date and time (2026-02-01T08:00, Asia/Shanghai unless a zone is given) or epoch milliseconds`);
  }
  return t;
}

