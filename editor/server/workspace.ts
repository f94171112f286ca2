// The packs the editor works on, as files on disk. Every path the browser
// sends is checked here before it touches the disk: it must name a .zy or
// .json file inside one of the packs, with no `..`, no absolute path, no
// hidden segment and no symlink on the way. Writes are atomic (temporary
// file, then rename) and refuse to overwrite a file that changed on disk
// since the browser read it, unless the user said so.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { packDirs } from '../../cli/pack-files.ts';
import { referencedJsonLogicFiles } from '../../compiler/jsonlogic/sources.ts';

export type WorkspaceCode =
  /** The path is not inside a pack, or not a pack file. */
  | 'ZY8101'
  /** The file changed on disk since it was opened. */
  | 'ZY8102'
  /** A file already exists there. */
  | 'ZY8103'
  /** No such file. */
  | 'ZY8104'
  /** Refused by the access guard (origin, host, token, content type): editor/server/guard.ts. */
  | 'ZY8105';

export class WorkspaceError extends Error {
  constructor(readonly code: WorkspaceCode, message: string, readonly status: number, readonly detail: Record<string, unknown> = {}) {
    super(message);
  }
}

export interface FileInfo { readonly path: string; readonly hash: string }
export interface PackInfo { readonly name: string; readonly files: readonly FileInfo[] }

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const EXTENSIONS = ['.zy', '.json'];

export const contentHash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

export class Workspace {
  readonly root: string;

  constructor(root: string) {
    this.root = realpathSync(resolve(root));
  }

  /** Pack directories relative to the root ('fraud', 'conduct/gates'). */
  packNames(): string[] {
    return packDirs(this.root).map((d) => relative(this.root, d).split(sep).join('/') || '.');
  }

  packs(): PackInfo[] {
    return this.packNames().map((name) => ({ name, files: this.packFiles(name) }));
  }

  packFiles(pack: string): FileInfo[] {
    const dir = this.resolvePack(pack);
    const out: FileInfo[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        if (!SEGMENT.test(e.name)) continue;
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile() && EXTENSIONS.some((x) => e.name.endsWith(x))) {
          out.push({ path: relative(this.root, p).split(sep).join('/'), hash: contentHash(readFileSync(p, 'utf8')) });
        }
      }
    };
    walk(dir);
    return out;
  }

  /** The rule sources of a pack (what compile() takes), paths relative to the root. */
  sources(pack: string): { path: string; text: string }[] {
    const all = this.packFiles(pack);
    const rules = all.filter((f) => f.path.endsWith('.zy')).map((f) => ({ path: f.path, text: this.read(f.path).text }));
    const named = new Set(referencedJsonLogicFiles(rules));
    return [...rules, ...all.filter((f) => named.has(f.path)).map((f) => ({ path: f.path, text: this.read(f.path).text }))];
  }

  read(path: string): { path: string; text: string; hash: string } {
    const abs = this.resolveFile(path);
    if (!existsSync(abs)) throw new WorkspaceError('ZY8104', `no file ${path}`, 404);
    const text = readFileSync(abs, 'utf8');
    return { path, text, hash: contentHash(text) };
  }

  /** Writes `text`; refuses when the disk no longer holds what the writer last saw (`baseHash`) unless `force`. */
  write(path: string, text: string, baseHash: string | undefined, force = false): FileInfo {
    const abs = this.resolveFile(path);
    if (!existsSync(abs)) throw new WorkspaceError('ZY8104', `no file ${path}; create it first`, 404);
    const current = contentHash(readFileSync(abs, 'utf8'));
    if (!force && current !== baseHash) {
      throw new WorkspaceError('ZY8102', `${path} changed on disk since it was opened`, 409, { diskHash: current });
    }
    atomicWrite(abs, text);
    return { path, hash: contentHash(text) };
  }

  create(path: string, text: string): FileInfo {
    const abs = this.resolveFile(path);
    if (existsSync(abs)) throw new WorkspaceError('ZY8103', `${path} already exists`, 409);
    mkdirSync(dirname(abs), { recursive: true });
    this.resolveFile(path); // the new directories are checked like any other
    atomicWrite(abs, text);
    return { path, hash: contentHash(text) };
  }

  rename(from: string, to: string): FileInfo {
    const a = this.resolveFile(from);
    const b = this.resolveFile(to);
    if (!existsSync(a)) throw new WorkspaceError('ZY8104', `no file ${from}`, 404);
    if (existsSync(b)) throw new WorkspaceError('ZY8103', `${to} already exists`, 409);
    if (this.packOf(from) !== this.packOf(to)) throw new WorkspaceError('ZY8101', 'a file can only be renamed within its pack', 403);
    renameSync(a, b);
    return { path: to, hash: contentHash(readFileSync(b, 'utf8')) };
  }

  remove(path: string): void {
    const abs = this.resolveFile(path);
    if (!existsSync(abs)) throw new WorkspaceError('ZY8104', `no file ${path}`, 404);
    unlinkSync(abs);
  }

  /** The pack a file belongs to (the longest pack name that prefixes it). */
  packOf(path: string): string {
    const names = this.packNames().sort((a, b) => b.length - a.length);
    const pack = names.find((n) => n === '.' || path.startsWith(`${n}/`));
    if (pack === undefined) throw new WorkspaceError('ZY8101', `${path} is not inside a pack (packs: ${names.join(', ')})`, 403);
    return pack;
  }

  resolvePack(pack: string): string {
    if (!this.packNames().includes(pack)) throw new WorkspaceError('ZY8104', `no pack ${pack}`, 404);
    return pack === '.' ? this.root : join(this.root, ...pack.split('/'));
  }

  /** An absolute path for a pack file, or a ZY8101 refusal saying why not. */
  resolveFile(path: unknown): string {
    const refuse = (why: string): never => { throw new WorkspaceError('ZY8101', `refused path ${JSON.stringify(path)}: ${why}`, 403); };
    if (typeof path !== 'string' || path.length === 0 || path.length > 512) return refuse('not a file path');
    if (path.includes('\\') || path.includes('\0')) return refuse('use / between folders');
    if (path.startsWith('/')) return refuse('absolute paths are not allowed');
    const parts = path.split('/');
    if (parts.some((p) => p === '..' || p === '.')) return refuse('`..` and `.` are not allowed');
    if (!parts.every((p) => SEGMENT.test(p))) return refuse('names are letters, digits, `_`, `-` and `.`, not starting with `.`');
    if (!EXTENSIONS.some((x) => path.endsWith(x))) return refuse(`only ${EXTENSIONS.join(' and ')} files`);
    this.packOf(path);
    // A folder named like a pack file would be read, renamed or deleted as one.
    if (parts.slice(0, -1).some((p) => EXTENSIONS.some((x) => p.endsWith(x)))) return refuse(`folder names may not end in ${EXTENSIONS.join(' or ')}`);
    // No symlink anywhere between the root and the file: a link could point
    // outside. Every folder on the way is a folder, and the file, if it is there, a file.
    let at = this.root;
    for (const [i, p] of parts.entries()) {
      at = join(at, p);
      if (!existsSync(at)) break;
      const st = lstatSync(at);
      if (st.isSymbolicLink()) return refuse('symbolic links are not followed');
      if (i < parts.length - 1 && !st.isDirectory()) return refuse(`${parts.slice(0, i + 1).join('/')} is a file, not a folder`);
      if (i === parts.length - 1 && !st.isFile()) return refuse('it is a folder, not a file');
    }
    const abs = join(this.root, ...parts);
    if (!abs.startsWith(this.root + sep)) return refuse('outside the workspace');
    return abs;
  }
}

function atomicWrite(abs: string, text: string): void {
  const tmp = join(dirname(abs), `.${randomBytes(6).toString('hex')}.zhiyu-tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, abs);
}
