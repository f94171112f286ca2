// The content hash of a pack: what a decision log and a bundle name the
// rules by. Same files and compiler version, same hash.
import { createHash } from 'node:crypto';
import { COMPILER_VERSION, type SourceFile } from '../compiler/index.ts';

export function packHash(files: readonly SourceFile[]): string {
  const h = createHash('sha256');
  h.update(`zhiyu ${COMPILER_VERSION}\n`);
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`${f.path.length}:${f.path}\n${f.text.length}:${f.text}\n`);
  }
  return `sha256:${h.digest('hex')}`;
}
