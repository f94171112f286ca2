// Exit codes and terminal output shared by the commands. Colour only on a terminal.
export const EXIT = { OK: 0, FINDINGS: 1, USAGE: 2 } as const;

export class Exit extends Error {
  constructor(readonly code: number) { super(`exit ${code}`); }
}

const tty = !!process.stdout.isTTY && !process.env['NO_COLOR'];
const color = (code: number) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
export const paint = { red: color(31), green: color(32), dim: color(2), bold: color(1) };
