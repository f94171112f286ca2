// Exit codes and terminal output shared by the commands. Colour only on a terminal.
import { renderDiagnostic, type CompileResult } from '../compiler/index.ts';

export const EXIT = { OK: 0, FINDINGS: 1, USAGE: 2 } as const;

export class Exit extends Error {
  constructor(readonly code: number) { super(`exit ${code}`); }
}

/**
 * A mistake on the command line, shown as one line `ZY82xx: message`:
 * ZY8201 a path that is not there or is the wrong kind (a folder for a file),
 * ZY8202 a folder with no pack in it (or several where one is needed), ZY8203 an option value that is not
 * what the option takes, ZY8204 an output that cannot be written.
 */
export type CliCode = 'ZY8201' | 'ZY8202' | 'ZY8203' | 'ZY8204';

export class CliError extends Error {
  constructor(readonly code: CliCode, message: string, readonly exit: number = EXIT.USAGE) {
    super(message);
    this.name = 'CliError';
  }
}

/** Why a file could not be read or written, in words (ENOENT → no such file). */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT': return 'no such file or folder';
    case 'EISDIR': return 'it is a folder, not a file';
    case 'ENOTDIR': return 'a part of the path is a file, not a folder';
    case 'EACCES': case 'EPERM': return 'permission denied';
    default: return code ?? (e as Error).message;
  }
}

const tty = !!process.stdout.isTTY && !process.env['NO_COLOR'];
const color = (code: number) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
export const paint = { red: color(31), green: color(32), dim: color(2), bold: color(1) };

/** A pack that compiled, or its diagnostics printed and exit 1 (dump, eval). */
export function requireOk(r: CompileResult): asserts r is CompileResult & Required<Pick<CompileResult, 'checked' | 'optimized' | 'code'>> {
  if (!r.ok) {
    for (const d of r.diagnostics) console.error(`${renderDiagnostic(d, r.files)}\n`);
    throw new Exit(EXIT.FINDINGS);
  }
}
