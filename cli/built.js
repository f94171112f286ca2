// Which file the `zhiyu` command runs: dist/cli.js (scripts/build-cli.js)
// when it was built in this checkout and no source is newer than it, else
// nothing (cli/bin.js then runs the sources through tsx). A source edited
// after `npm install` is run as edited, never an older build of it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// What the command is built from; the editor's browser client is built apart and served as files.
const SOURCES = ['compiler', 'runtime', 'cli', 'editor', 'index.ts', 'package.json'];

function newerThan(path, time, skip) {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s) return false;
  if (!s.isDirectory()) return s.mtimeMs > time;
  if (path === skip) return false;
  return readdirSync(path).some((name) => newerThan(join(path, name), time, skip));
}

/** The built command's path, or undefined when the sources of the checkout at `root` must be run instead. */
export function builtCli(root = ROOT) {
  if (process.env.ZHIYU_FROM_SOURCE) return undefined;
  const file = join(root, 'dist', 'cli.js');
  const built = statSync(file, { throwIfNoEntry: false });
  if (!built) return undefined;
  try {
    if (JSON.parse(readFileSync(join(root, 'dist', 'cli.json'), 'utf8')).root !== root) return undefined;
  } catch { return undefined; }
  const skip = join(root, 'editor', 'client');
  return SOURCES.some((s) => newerThan(join(root, s), built.mtimeMs, skip)) ? undefined : file;
}
