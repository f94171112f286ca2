// When the file on disk is not the one the analyst started from: a dialog
// that says so and offers to compare the two side by side (Monaco's diff
// editor: the disk on the left, the analyst's text on the right), to
// overwrite the disk, or to load the disk version (undoable with Ctrl+Z).
import * as monaco from 'monaco-editor/editor/editor.api.js';
import { el } from './dom.ts';
import { modal } from './dialog.ts';
import { LANGUAGE, type ConflictChoice } from './files.ts';

const CHOICES: { id: ConflictChoice; label: string }[] = [
  { id: 'overwrite', label: 'Overwrite the file on disk' },
  { id: 'reload', label: 'Load the disk version (Ctrl+Z brings mine back)' },
  { id: 'cancel', label: 'Cancel' },
];

/** Asks what to do about a file whose disk text changed under the analyst's edits. */
export function resolveConflict(path: string, mine: string, disk: { text: string }, saving = true): Promise<ConflictChoice> {
  return new Promise((resolve) => {
    const m = modal(`${path} changed on disk since you opened it.`,
      saving ? 'Your text and the file on disk differ. Nothing has been written.' : 'Someone changed the file on disk while you were editing it. Nothing has been written.',
      () => resolve('cancel'));
    const compare = el('button', { type: 'button', 'data-choice': 'compare' }, 'Compare side by side…');
    compare.onclick = () => { m.close(); void showDiff(path, mine, disk.text).then(resolve); };
    m.choices.append(compare, ...buttons(m, resolve, saving));
    compare.focus();
  });
}

function buttons(m: { close(): void }, resolve: (c: ConflictChoice) => void, saving: boolean): HTMLButtonElement[] {
  return CHOICES.map((c) => {
    const b = el('button', { type: 'button', 'data-choice': c.id }, c.id === 'cancel' && !saving ? 'Keep my text for now' : c.label);
    // Resolved first: a diff editor inside is disposed before its page goes.
    b.onclick = () => { resolve(c.id); m.close(); };
    return b;
  });
}

/**
 * One diff editor for the page, made on first use and kept: it is detached
 * between uses rather than disposed (its worker may still be diffing, and a
 * disposed editor answering later is an error), and laid out by hand so it
 * never measures itself while detached.
 */
let differ: { host: HTMLElement; editor: monaco.editor.IStandaloneDiffEditor; shown?: monaco.editor.ITextModel[] } | undefined;

/** The disk text and the analyst's side by side, with the same choices. */
function showDiff(path: string, mine: string, disk: string): Promise<ConflictChoice> {
  return new Promise((resolve) => {
    const original = monaco.editor.createModel(disk, LANGUAGE);
    const modified = monaco.editor.createModel(mine, LANGUAGE);
    // The texts stay attached until the next compare replaces them: taking them
    // away while the worker still diffs them is an error in Monaco.
    const done = (c: ConflictChoice): void => resolve(c);
    const m = modal(`${path}: the file on disk (left) and your text (right)`, '', () => done('cancel'), true);
    const host = differ?.host ?? el('div', { class: 'diff-host', 'data-testid': 'diff-editor' });
    m.box.insertBefore(host, m.choices);
    m.choices.append(...buttons(m, done, true));
    differ ??= {
      host,
      editor: monaco.editor.createDiffEditor(host, {
        readOnly: true, originalEditable: false, renderSideBySide: true, automaticLayout: false, theme: 'zhiyu',
        minimap: { enabled: false }, originalAriaLabel: 'The file on disk', modifiedAriaLabel: 'Your text',
      }),
    };
    // (The sides' own labels, set again: Monaco's diff editor leaves its text areas unnamed otherwise.)
    differ.editor.getOriginalEditor().updateOptions({ ariaLabel: 'The file on disk' });
    differ.editor.getModifiedEditor().updateOptions({ ariaLabel: 'Your text' });
    const before = differ.shown;
    differ.editor.setModel({ original, modified });
    differ.shown = [original, modified];
    for (const m of before ?? []) m.dispose();
    differ.editor.layout();
    m.choices.querySelector<HTMLElement>('[data-choice=cancel]')?.focus();
  });
}
