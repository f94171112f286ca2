// The PRC working-day calendar the project ships (data/calendar): public
// holidays and make-up working days from the State Council's notices, read
// by `zhiyu db seed` and loaded by `zhiyu db calendar import`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { StoreError } from './errors.ts';

/** 2025 and 2026, with each day's notice in its note (data/calendar/README.md). */
export const SHIPPED_CALENDAR = fileURLToPath(new URL('../../data/calendar/cn-2025-2026.csv', import.meta.url));

export interface CalendarDay { readonly date: string; readonly working: boolean; readonly note: string }

/** A calendar file (date, is_working_day, note), checked row by row. */
export function readCalendar(path: string = SHIPPED_CALENDAR): CalendarDay[] {
  const rows = parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  return rows.map((r, i) => {
    const date = r['date'] ?? '';
    const working = r['is_working_day'];
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !isCalendarDate(date)) throw new StoreError('ZY7006', `${path}: row ${i + 2}: date should be YYYY-MM-DD, not ${JSON.stringify(date)}`);
    if (working !== 'true' && working !== 'false') throw new StoreError('ZY7006', `${path}: row ${i + 2}: is_working_day should be true or false, not ${JSON.stringify(working)}`);
    return { date, working: working === 'true', note: r['note'] ?? '' };
  });
}

/** Whether `date` (YYYY-MM-DD) names a real day: Date.parse would take 2027-02-30 as 2 March. */
function isCalendarDate(date: string): boolean {
  const t = Date.parse(`${date}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === date;
}
