// The content hash of a pack: what a decision log and a bundle name the
// rules by. Same files and compiler version, same hash, whatever path the
// pack was read from: paths are taken relative to the pack's own folder (the
// deepest folder holding every file), so `rules/demo`, `./rules/demo` and an
// absolute path give one hash.
import { createHash } from 'node:crypto';
import { COMPILER_VERSION, type SourceFile } from '../compiler/index.ts';

const parts = (p: string) => p.replace(/\\/g, '/').split('/').filter((x) => x !== '' && x !== '.');

/** The files' paths below their deepest common folder. */
export function packRelativePaths(files: readonly SourceFile[]): string[] {
  const split = files.map((f) => parts(f.path));
  let common = 0;
  const first = split[0] ?? [];
  // The last part of a path is its file name, never part of the folder.
  while (common < first.length - 1 && split.every((s) => common < s.length - 1 && s[common] === first[common])) common++;
  return split.map((s) => s.slice(common).join('/'));
}

export function packHash(files: readonly SourceFile[]): string {
  const h = createHash('sha256');
  h.update(`zhiyu ${COMPILER_VERSION}\n`);
  const rel = packRelativePaths(files);
  const sorted = files.map((f, i) => ({ path: rel[i]!, text: f.text })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const f of sorted) h.update(`${f.path.length}:${f.path}\n${f.text.length}:${f.text}\n`);
  return `sha256:${h.digest('hex')}`;
}
