// Option values the commands share: checked as they are parsed, and where a report goes.
import { writeFileSync } from 'node:fs';
import { CliError, Exit, EXIT, fsReason, paint } from './output.ts';

const { red } = paint;

/** To standard output, or to a file (without terminal colours). */
export function write(file: string | undefined, text: string): void {
  if (!file) { console.log(text); return; }
  const plain = text.replace(/\x1b\[[0-9;]*m/g, '');
  try {
    writeFileSync(file, plain.endsWith('\n') ? plain : `${plain}\n`);
  } catch (e) {
    throw new CliError('ZY8204', `cannot write ${file}: ${fsReason(e)}`);
  }
}

export function oneOf(value: string, allowed: string[], option: string): string {
  if (allowed.includes(value)) return value;
  console.error(red(`${option} must be ${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}, not ${JSON.stringify(value)}`));
  throw new Exit(EXIT.USAGE);
}

/** A whole number of at least 1 (`--labelled 5`); anything else is ZY8203. */
export function positiveCount(value: string, option: string): number {
  if (/^\d+$/.test(value) && Number(value) >= 1 && Number.isSafeInteger(Number(value))) return Number(value);
  throw new CliError('ZY8203', `${option} takes a whole number of at least 1, not ${JSON.stringify(value)}`);
}

export function count(value: string, option: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  console.error(red(`${option} takes a whole number, not ${JSON.stringify(value)}`));
  throw new Exit(EXIT.USAGE);
}
