// Temporary folders for the suites: made under the system's temp directory
// and removed when the test process exits, whatever the tests did (uvu runs
// every suite in one process, so one exit handler covers them all).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
let armed = false;

function removeAll(): void {
  for (const dir of made.splice(0)) {
    try { rmSync(dir, { recursive: true, force: true }); } catch { /* a child process may still hold it; nothing to keep */ }
  }
}

/** A new empty folder named `prefix` + six random characters, removed at exit. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  if (!armed) { armed = true; process.once('exit', removeAll); }
  return dir;
}
