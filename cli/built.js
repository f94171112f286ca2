// Which file the `zhiyu` command runs: dist/cli.js (scripts/build-cli.js)
// when it was built in this checkout and none of the files it was built from
// has changed since (each is as old as the build, and there), else nothing
// (cli/bin.js then runs the sources through tsx). A source edited after
// `npm install` is run as edited, never an older build of it.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The built command's path, or undefined when the sources of the checkout at `root` must be run instead. */
export function builtCli(root = ROOT) {
  if (process.env.ZHIYU_FROM_SOURCE) return undefined;
  const file = join(root, 'dist', 'cli.js');
  const built = statSync(file, { throwIfNoEntry: false });
  if (!built) return undefined;
  let made;
  try { made = JSON.parse(readFileSync(join(root, 'dist', 'cli.json'), 'utf8')); } catch { return undefined; }
  if (made?.root !== root || !Array.isArray(made.sources) || made.sources.length === 0) return undefined;
  const changed = (f) => !((statSync(join(root, f), { throwIfNoEntry: false })?.mtimeMs ?? Infinity) <= built.mtimeMs);
  return made.sources.some(changed) || changed('package.json') ? undefined : file;
}
