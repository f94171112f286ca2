// The open workspace in the page: one Monaco model per pack file, what is on
// disk (its hash when last read or saved) and what is unsaved. Unsaved text
// is kept in the browser (unsaved.ts), so it survives a reload — written once
// typing pauses and when the page goes away, never on every keystroke. A change on
// disk is noticed while the file is open: a clean buffer takes it (undoably),
// an edited one is flagged. Saving never overwrites a file that changed on
// disk unless the user chooses to.
import * as monaco from 'monaco-editor/editor/editor.api.js';
import { api, ApiError, type PackInfo } from './api.ts';
import { referencedJsonLogicFiles } from '../../compiler/jsonlogic/sources.ts';
import type { PackFile } from './worker-client.ts';
import { UnsavedStore } from './unsaved.ts';

export const LANGUAGE = 'zhiyu';
/** Unsaved text is kept this long after the last keystroke (and whenever the page is hidden). */
const KEEP_AFTER_MS = 1500;

interface OpenFile {
  readonly path: string;
  readonly model: monaco.editor.ITextModel;
  /** Tells this model's versions from those of a model the path had before. */
  readonly serial: number;
  /** Hash of the disk text this buffer started from. */
  baseHash: string;
  /** The model's alternative version when it held the disk text; -1 when it never has in this page. */
  savedVersion: number;
  /** The disk text, kept only while the buffer came back unsaved from a previous page (to notice it is clean again). */
  diskText?: string;
  dirty: boolean;
  /** A disk version already reported as a conflict (not reported again). */
  conflictHash?: string;
  /** The text and its version, so the workers get a model's text once per change. */
  cache?: { version: number; text: string };
}

export interface DiskChange {
  readonly path: string;
  /** reloaded: the buffer was clean and now holds the disk text; conflict: it has unsaved changes; deleted: the file is gone. */
  readonly kind: 'reloaded' | 'conflict' | 'deleted';
}

/** How the user resolves a save that found the file changed on disk. */
export type ConflictChoice = 'overwrite' | 'reload' | 'cancel';
export type ResolveConflict = (path: string, mine: string, disk: { text: string; hash: string }) => Promise<ConflictChoice>;

type Listener = () => void;
let serials = 0;

export class Files {
  packs: PackInfo[] = [];
  /** What the server says it works around (ZY7012: covering indexes its store role may not create). */
  warnings: { code: string; message: string }[] = [];
  private readonly open = new Map<string, OpenFile>();
  private readonly opening = new Map<string, Promise<OpenFile>>();
  private readonly listeners: Listener[] = [];
  private readonly diskListeners: ((c: DiskChange) => void)[] = [];
  private readonly editListeners: ((path: string) => void)[] = [];
  private readonly toKeep = new Set<OpenFile>();
  private keepTimer: ReturnType<typeof setTimeout> | undefined;
  /** Saves in flight: the disk is not looked at meanwhile (it may already hold what is being saved). */
  private saving = 0;
  readonly kept = new UnsavedStore();

  constructor() {
    // Whatever is unsaved is written before the page goes away or is hidden.
    addEventListener('pagehide', () => this.flush(true));
    document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') this.flush(true); });
  }

  /** The file list or a file's unsaved state changed (not every keystroke). */
  onChange(l: Listener): void { this.listeners.push(l); }
  onDisk(l: (c: DiskChange) => void): void { this.diskListeners.push(l); }
  /** A file's text changed (typing, a rename across files, a reload from disk). */
  onEdit(l: (path: string) => void): void { this.editListeners.push(l); }
  private changed(): void { for (const l of this.listeners) l(); }

  async refresh(): Promise<void> {
    const w = await api.workspace();
    this.packs = w.packs;
    this.warnings = w.warnings ?? [];
    this.changed();
  }

  /** Reads the workspace again and reacts to what changed on disk under the open files. */
  async checkDisk(): Promise<DiskChange[]> {
    if (this.saving) return [];
    const before = JSON.stringify([this.packs, this.warnings]);
    const w = await api.workspace();
    this.packs = w.packs;
    // An edit can change what the store lacks (a new window's index its role may not create).
    this.warnings = w.warnings ?? [];
    const hashes = new Map(this.packs.flatMap((p) => p.files.map((f) => [f.path, f.hash] as const)));
    const out: DiskChange[] = [];
    for (const f of this.open.values()) {
      if (this.saving) break;
      const hash = hashes.get(f.path);
      if (hash === undefined) {
        if (f.conflictHash !== 'deleted') { f.conflictHash = 'deleted'; out.push({ path: f.path, kind: 'deleted' }); }
        continue;
      }
      if (hash === f.baseHash || hash === f.conflictHash) continue;
      if (!f.dirty) {
        const disk = await api.read(f.path);
        if (f.dirty) continue; // typing started meanwhile: next time
        this.takeDisk(f, disk.text, disk.hash);
        out.push({ path: f.path, kind: 'reloaded' });
      } else {
        f.conflictHash = hash;
        out.push({ path: f.path, kind: 'conflict' });
      }
    }
    if (out.length || JSON.stringify([this.packs, this.warnings]) !== before) this.changed();
    for (const c of out) for (const l of this.diskListeners) l(c);
    return out;
  }

  packOf(path: string): PackInfo | undefined {
    return [...this.packs].sort((a, b) => b.name.length - a.name.length).find((p) => path.startsWith(`${p.name}/`) || p.name === '.');
  }

  isDirty(path: string): boolean {
    return this.open.get(path)?.dirty ?? false;
  }

  dirtyPaths(): string[] {
    return [...this.open.values()].filter((f) => f.dirty).map((f) => f.path);
  }

  /** Paths with a change on disk the user has not resolved. */
  conflicts(): string[] {
    return [...this.open.values()].filter((f) => f.conflictHash !== undefined && f.conflictHash !== 'deleted').map((f) => f.path);
  }

  model(path: string): monaco.editor.ITextModel | undefined {
    return this.open.get(path)?.model;
  }

  /** Opens (or returns) the model of a file; restores unsaved text from a previous page. */
  async openFile(path: string): Promise<monaco.editor.ITextModel> {
    const have = this.open.get(path);
    if (have) return have.model;
    let p = this.opening.get(path);
    if (!p) {
      p = this.load(path).finally(() => this.opening.delete(path));
      this.opening.set(path, p);
    }
    return (await p).model;
  }

  private async load(path: string): Promise<OpenFile> {
    const [disk, kept] = await Promise.all([api.read(path), this.kept.get(path)]);
    const text = kept ? kept.text : disk.text;
    const model = monaco.editor.createModel(text, path.endsWith('.json') ? 'plaintext' : LANGUAGE, monaco.Uri.parse(`file:///${path}`));
    // Kept text from an older disk version stays dirty, and saving it meets the conflict check.
    const clean = text === disk.text;
    const f: OpenFile = {
      path, model, serial: ++serials, baseHash: kept && !clean ? kept.baseHash : disk.hash,
      savedVersion: clean ? model.getAlternativeVersionId() : -1, dirty: !clean,
      ...(!clean && kept?.baseHash === disk.hash ? { diskText: disk.text } : {}),
    };
    this.open.set(path, f);
    model.onDidChangeContent(() => {
      const dirty = model.getAlternativeVersionId() !== f.savedVersion;
      this.toKeep.add(f);
      this.keepTimer ??= setTimeout(() => this.flush(), KEEP_AFTER_MS);
      if (dirty !== f.dirty) { f.dirty = dirty; this.changed(); }
      for (const l of this.editListeners) l(path);
    });
    this.changed();
    return f;
  }

  /** The pack's sources as the workers take them: every rule file, and the JSON Logic files a predicate names. */
  entries(pack: PackInfo): PackFile[] {
    const entry = (f: OpenFile): PackFile => ({
      path: f.path,
      version: f.serial * 1e9 + f.model.getVersionId(),
      text: () => this.textOf(f),
    });
    const rules = pack.files.filter((x) => x.path.endsWith('.zy')).map((x) => this.open.get(x.path)).filter((x): x is OpenFile => !!x);
    // (Parsing every rule file to find them is left to packs that mention JSON Logic at all.)
    const named = rules.some((r) => this.textOf(r).includes('jsonlogic'))
      ? new Set(referencedJsonLogicFiles(rules.map((r) => ({ path: r.path, text: this.textOf(r) }))))
      : new Set<string>();
    const json = pack.files.filter((x) => named.has(x.path)).map((x) => this.open.get(x.path)).filter((x): x is OpenFile => !!x);
    return [...rules, ...json].map(entry);
  }

  private textOf(f: OpenFile): string {
    const v = f.model.getVersionId();
    if (f.cache?.version !== v) f.cache = { version: v, text: f.model.getValue() };
    return f.cache.text;
  }

  /** Opens every rule file of a pack (and the JSON Logic files it names), so all of it is checked. */
  async openPack(pack: PackInfo): Promise<void> {
    await Promise.all(pack.files.filter((f) => f.path.endsWith('.zy')).map((f) => this.openFile(f.path)));
    const rules = pack.files.filter((f) => f.path.endsWith('.zy')).map((f) => ({ path: f.path, text: this.model(f.path)!.getValue() }));
    const named = new Set(rules.some((r) => r.text.includes('jsonlogic')) ? referencedJsonLogicFiles(rules) : []);
    await Promise.all(pack.files.filter((f) => named.has(f.path)).map((f) => this.openFile(f.path)));
  }

  /** The pack's texts for the server (Try it, backtests). */
  async packSources(pack: PackInfo): Promise<{ path: string; text: string }[]> {
    await this.openPack(pack);
    return this.entries(pack).map((e) => ({ path: e.path, text: e.text() }));
  }

  /**
   * Saves; when the file changed on disk since it was opened, `resolve` says
   * what to do (nothing is written meanwhile). Returns whether it saved.
   */
  async save(path: string, resolve: ResolveConflict): Promise<boolean> {
    const f = this.open.get(path);
    if (!f) return false;
    const text = f.model.getValue();
    const version = f.model.getAlternativeVersionId();
    this.saving++;
    try {
      const r = f.conflictHash === 'deleted' ? await api.create(path, text) : await api.save(path, text, f.baseHash);
      this.saved(f, version, r.hash);
      return true;
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== 'ZY8102') throw e;
      const disk = await api.read(path);
      const pick = await resolve(path, text, disk);
      if (pick === 'overwrite') {
        const r = await api.save(path, text, f.baseHash, true);
        this.saved(f, version, r.hash);
        return true;
      }
      if (pick === 'reload') this.takeDisk(f, disk.text, disk.hash);
      return false;
    } finally {
      this.saving--;
    }
  }

  /** Replaces the buffer with the disk text as one edit, so Ctrl+Z brings the analyst's text back. */
  takeDisk(f: OpenFile | string, text: string, hash: string): void {
    const file = typeof f === 'string' ? this.open.get(f) : f;
    if (!file) return;
    const m = file.model;
    if (m.getValue() !== text) {
      m.pushStackElement();
      m.pushEditOperations([], [{ range: m.getFullModelRange(), text }], () => null);
      m.pushStackElement();
    }
    file.baseHash = hash;
    delete file.conflictHash;
    delete file.diskText;
    file.savedVersion = m.getAlternativeVersionId();
    file.dirty = false;
    this.forget(file);
    this.changed();
  }

  private saved(f: OpenFile, version: number, hash: string): void {
    f.baseHash = hash;
    delete f.conflictHash;
    delete f.diskText;
    f.savedVersion = version;
    // Typing may have gone on while the save was in flight: that stays unsaved.
    f.dirty = f.model.getAlternativeVersionId() !== version;
    if (!f.dirty) this.forget(f);
    this.changed();
  }

  /** Keeps the unsaved text of every file changed since the last time (or forgets what is saved now); `now` when the page is going away. */
  flush(now = false): void {
    clearTimeout(this.keepTimer);
    this.keepTimer = undefined;
    for (const f of this.toKeep) {
      if (!this.open.has(f.path)) continue;
      if (f.dirty && f.diskText !== undefined && f.model.getValue() === f.diskText) {
        // Restored unsaved text, edited back to what is on disk: clean again.
        f.savedVersion = f.model.getAlternativeVersionId();
        f.dirty = false;
        delete f.diskText;
        this.changed();
      }
      if (!f.dirty) { this.kept.remove(f.path); continue; }
      const kept = { text: f.model.getValue(), baseHash: f.baseHash };
      if (now) this.kept.putNow(f.path, kept); else void this.kept.put(f.path, kept);
    }
    this.toKeep.clear();
  }

  private forget(f: OpenFile): void {
    this.toKeep.delete(f);
    this.kept.remove(f.path);
  }

  async create(path: string, text: string): Promise<void> {
    await api.create(path, text);
    await this.refresh();
  }

  async rename(from: string, to: string, resolve: ResolveConflict): Promise<void> {
    if (this.isDirty(from) && !(await this.save(from, resolve))) return;
    await api.rename(from, to);
    this.close(from);
    await this.refresh();
  }

  async remove(path: string): Promise<void> {
    await api.remove(path);
    this.close(path);
    await this.refresh();
  }

  private close(path: string): void {
    const f = this.open.get(path);
    if (!f) return;
    this.forget(f);
    f.model.dispose();
    this.open.delete(path);
  }
}
