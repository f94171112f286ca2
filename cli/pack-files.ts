// Finding packs on disk — the one rule every command (and the editor's
// workspace) follows, documented in spec/LANGUAGE.md §2.2:
//   - a directory with .zy files directly in it is one pack, made of every
//     .zy file below it (subdirectories included), in path order;
//   - a directory without any is a folder of packs: each subdirectory is
//     looked at the same way, in name order;
//   - .zy files named on the command line form one pack together.
// Paths are shown relative to the working directory.
//
// JSON files are sources only when a rule file names them: `predicate p =
// jsonlogic "p.json"` adds p.json (next to the file that says so) to the pack.
// Other JSON in a pack's directory — scenarios, fixtures — is never read as a
// source. A named file that is missing is left out, and compile() reports it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { referencedJsonLogicFiles, type SourceFile } from '../compiler/index.ts';
import { CliError, fsReason } from './output.ts';

export const PACK_EXTENSION = '.zy';

export interface PackSource {
  /** The pack's directory, or the files' names when given one by one. */
  readonly name: string;
  /** The rule files, then the JSON Logic files they name. */
  readonly files: SourceFile[];
}

/**
 * The packs at the paths. A path that is not there, or a file that is not a
 * .zy file, is ZY8201; a folder with no pack in it is ZY8202 (a CI run over
 * the wrong folder must not pass on nothing).
 */
export function readPacks(paths: readonly string[]): PackSource[] {
  const packs: PackSource[] = [];
  const loose: string[] = [];
  for (const p of paths) {
    let isDir: boolean;
    try { isDir = statSync(p).isDirectory(); } catch (e) {
      throw new CliError('ZY8201', `cannot read ${p}: ${fsReason(e)}`);
    }
    if (!isDir) {
      if (!p.endsWith(PACK_EXTENSION)) throw new CliError('ZY8201', `${p} is not a pack: give a folder or ${PACK_EXTENSION} files`);
      loose.push(p);
      continue;
    }
    const found = packDirs(p);
    if (found.length === 0) throw new CliError('ZY8202', `there is no pack in ${p} (a pack is a folder with ${PACK_EXTENSION} files)`);
    packs.push(...found.map((d) => ({ name: shown(d), files: withJsonLogic(load(walk(d))) })));
  }
  if (loose.length) packs.push({ name: loose.map(shown).join(' '), files: withJsonLogic(load(loose)) });
  return packs;
}

/** The files of the one pack the paths hold (a folder, or .zy files); several packs are ZY8202. */
export function readPack(paths: readonly string[]): SourceFile[] {
  const packs = readPacks(paths);
  if (packs.length !== 1) throw new CliError('ZY8202', `give one pack; ${paths.join(' ')} holds ${packs.length}: ${packs.map((p) => p.name).join(', ')}`);
  return packs[0]!.files;
}

export function packDirs(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && e.name.endsWith(PACK_EXTENSION))) return [dir];
  return entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name)).flatMap((e) => packDirs(join(dir, e.name)));
}

function shown(p: string): string {
  return relative(process.cwd(), p) || p;
}

function load(files: string[]): SourceFile[] {
  return files.map((f) => {
    try {
      return { path: shown(f), text: readFileSync(f, 'utf8') };
    } catch (e) {
      throw new CliError('ZY8201', `cannot read ${f}: ${fsReason(e)}`);
    }
  });
}

/**
 * The rule files and the JSON Logic files they name (paths as compile()
 * resolves them: relative to the naming file, which is itself shown relative
 * to the working directory). A .json file given on the command line is not
 * read a second time.
 */
function withJsonLogic(files: SourceFile[]): SourceFile[] {
  const have = new Set(files.map((f) => f.path));
  const out = [...files];
  for (const path of referencedJsonLogicFiles(files)) {
    if (have.has(path)) continue;
    let text: string;
    try {
      if (!statSync(path).isFile()) continue;
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // not there: the checker says which declaration names it
    }
    out.push({ path, text });
    have.add(path);
  }
  return out;
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
