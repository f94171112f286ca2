// Finding a pack's files on disk: a directory (all *.zy below it, sorted) or
// single files. Paths are shown relative to the working directory.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { SourceFile } from '../compiler/index.ts';

export const PACK_EXTENSION = '.zy';

export function readPack(paths: readonly string[]): SourceFile[] {
  const files: string[] = [];
  for (const p of paths) {
    const st = statSync(p);
    if (st.isDirectory()) files.push(...walk(p));
    else files.push(p);
  }
  return files.map((f) => ({ path: relative(process.cwd(), f) || f, text: readFileSync(f, 'utf8') }));
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.name.endsWith(PACK_EXTENSION)) out.push(p);
  }
  return out;
}
