// The open workspace in the page: one Monaco model per pack file, what is on
// disk (its hash when last read or saved) and what is unsaved. Unsaved text
// is kept in localStorage, so it survives a reload; saving never overwrites
// a file that changed on disk unless the user chooses to.
import * as monaco from 'monaco-editor/editor/editor.api.js';
import { api, ApiError, type PackInfo } from './api.ts';
import { choose } from './dialog.ts';
import { referencedJsonLogicFiles } from '../../compiler/jsonlogic/sources.ts';

export const LANGUAGE = 'zhiyu';
const STORE_PREFIX = 'zhiyu.unsaved:';

interface OpenFile {
  readonly path: string;
  model: monaco.editor.ITextModel;
  /** Hash of the disk text this buffer started from. */
  baseHash: string;
  /** The disk text at baseHash (to tell dirty from clean). */
  savedText: string;
}

type Listener = () => void;

export class Files {
  packs: PackInfo[] = [];
  private readonly open = new Map<string, OpenFile>();
  private readonly listeners: Listener[] = [];

  onChange(l: Listener): void { this.listeners.push(l); }
  private changed(): void { for (const l of this.listeners) l(); }

  async refresh(): Promise<void> {
    this.packs = (await api.workspace()).packs;
    this.changed();
  }

  packOf(path: string): PackInfo | undefined {
    return [...this.packs].sort((a, b) => b.name.length - a.name.length).find((p) => path.startsWith(`${p.name}/`) || p.name === '.');
  }

  isDirty(path: string): boolean {
    const f = this.open.get(path);
    return !!f && f.model.getValue() !== f.savedText;
  }

  dirtyPaths(): string[] {
    return [...this.open.keys()].filter((p) => this.isDirty(p));
  }

  model(path: string): monaco.editor.ITextModel | undefined {
    return this.open.get(path)?.model;
  }

  /** Opens (or returns) the model of a file; restores unsaved text from a previous page. */
  async openFile(path: string): Promise<monaco.editor.ITextModel> {
    const have = this.open.get(path);
    if (have) return have.model;
    const disk = await api.read(path);
    const kept = readKept(path);
    const text = kept ? kept.text : disk.text;
    const model = monaco.editor.createModel(text, path.endsWith('.json') ? 'plaintext' : LANGUAGE, monaco.Uri.parse(`file:///${path}`));
    const f: OpenFile = { path, model, baseHash: kept ? kept.baseHash : disk.hash, savedText: kept ? (kept.baseHash === disk.hash ? disk.text : kept.savedText) : disk.text };
    this.open.set(path, f);
    model.onDidChangeContent(() => {
      this.keep(f);
      this.changed();
    });
    this.changed();
    return model;
  }

  /** Every rule file of a pack, open or not, with the text being edited. */
  async packSources(pack: PackInfo): Promise<{ path: string; text: string }[]> {
    const zy = pack.files.filter((f) => f.path.endsWith('.zy'));
    const rules = await Promise.all(zy.map(async (f) => ({ path: f.path, text: (await this.openFile(f.path)).getValue() })));
    // JSON Logic files count only when a predicate names them (scenarios never do).
    // (Parsing every file on each keystroke would cost the page's thread; most packs name none.)
    const named = new Set(rules.some((r) => r.text.includes('jsonlogic')) ? referencedJsonLogicFiles(rules) : []);
    const json = pack.files.filter((f) => named.has(f.path));
    return [...rules, ...await Promise.all(json.map(async (f) => ({ path: f.path, text: (await this.openFile(f.path)).getValue() })))];
  }

  /** Saves; when the file changed on disk since it was opened, asks what to do. Returns whether it saved. */
  async save(path: string): Promise<boolean> {
    const f = this.open.get(path);
    if (!f) return false;
    const text = f.model.getValue();
    try {
      const r = await api.save(path, text, f.baseHash);
      this.saved(f, text, r.hash);
      return true;
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== 'ZY8102') throw e;
      const pick = await choose(`${path} changed on disk since you opened it.`, 'Your unsaved text and the file on disk differ. Nothing has been written.', [
        { id: 'overwrite', label: 'Overwrite the file on disk' },
        { id: 'reload', label: 'Discard my changes and load the disk version' },
        { id: 'cancel', label: 'Cancel' },
      ]);
      if (pick === 'overwrite') {
        const r = await api.save(path, text, f.baseHash, true);
        this.saved(f, text, r.hash);
        return true;
      }
      if (pick === 'reload') {
        const disk = await api.read(path);
        f.baseHash = disk.hash;
        f.savedText = disk.text;
        f.model.setValue(disk.text);
        localStorage.removeItem(STORE_PREFIX + path);
        this.changed();
      }
      return false;
    }
  }

  private saved(f: OpenFile, text: string, hash: string): void {
    f.baseHash = hash;
    f.savedText = text;
    // Typing may have gone on while the save was in flight: keep that text.
    this.keep(f);
    this.changed();
  }

  private keep(f: OpenFile): void {
    const now = f.model.getValue();
    if (now === f.savedText) localStorage.removeItem(STORE_PREFIX + f.path);
    else localStorage.setItem(STORE_PREFIX + f.path, JSON.stringify({ text: now, baseHash: f.baseHash, savedText: f.savedText }));
  }

  async create(path: string, text: string): Promise<void> {
    await api.create(path, text);
    await this.refresh();
  }

  async rename(from: string, to: string): Promise<void> {
    if (this.isDirty(from)) await this.save(from);
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
    f.model.dispose();
    this.open.delete(path);
    localStorage.removeItem(STORE_PREFIX + path);
  }
}

function readKept(path: string): { text: string; baseHash: string; savedText: string } | undefined {
  try {
    const v = JSON.parse(localStorage.getItem(STORE_PREFIX + path) ?? 'null');
    return v && typeof v.text === 'string' && typeof v.baseHash === 'string' ? v : undefined;
  } catch { return undefined; }
}
