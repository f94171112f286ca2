// The rule editor: a pack explorer, file tabs, a Monaco editor for .zy files,
// and panels for problems, search, Try it, tests and backtests. The language
// itself (tokens, checking, completion, references, rename …) comes from the
// compiler, run in four workers so that typing never waits for them; the
// first file is painted before any of them starts.
import './monaco-setup.ts';
import * as monaco from 'monaco-editor/editor/editor.api.js';
import './style.css';
import { api, type PackInfo, type TryResult } from './api.ts';
import { clear, el } from './dom.ts';
import { choose } from './dialog.ts';
import { Checks } from './checks.ts';
import { resolveConflict } from './conflict.ts';
import { renderExplorer } from './explorer.ts';
import { Files, LANGUAGE, type DiskChange } from './files.ts';
import { NavHistory, type Place } from './history.ts';
import { registerLanguage } from './language.ts';
import { renderProblems, setMarkers } from './problems.ts';
import type { RequestName, Requests, WireDiagnostic } from './protocol.ts';
import { mountSearch } from './search-panel.ts';
import { splitter } from './splitter.ts';
import { pickSymbol } from './symbol-picker.ts';
import { Tabs } from './tabs.ts';
import { renderTests } from './tests-panel.ts';
import { mountTry, traceDecorations } from './try-panel.ts';
import { mountBacktest } from './backtest-panel.ts';
import { mountDiff } from './diff-panel.ts';
import { LanguageWorker } from './worker-client.ts';
import { ACTIVE_KEY, firstFile } from './first-file.ts';
import { FONT_SIZE, LINE_HEIGHT, MONO } from './editor-look.ts';
import { clearFirstPaint } from './first-paint.ts';

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const files = new Files();
/** Checks as you type; answers completion, hover, references …; lints and runs the tests. */
const checker = new LanguageWorker('check');
const service = new LanguageWorker('service');
const background = new LanguageWorker('lint and tests');
/** Completion and signature help only: answers from names the service worker found, so never waits for an analysis. */
const completion = new LanguageWorker('completion');
const pathOf = (m: monaco.editor.ITextModel): string => m.uri.path.slice(1);
const history = new NavHistory();

let active: string | undefined;
let activePack: PackInfo | undefined;
let diagnostics: WireDiagnostic[] = [];
let lintFindings: WireDiagnostic[] = [];
let rules: { id: string; path: string; start: number }[] = [];
let analyzed = 0;
let lastTrace: { result: TryResult; files: { path: string }[] } | undefined;
const decorations = new Map<string, monaco.editor.IEditorDecorationsCollection>();

// ---- status: what the checker says, and announcements for screen readers ------
const checkStatus = el('span', { id: 'check-status', 'data-testid': 'check-status' });
const announcer = el('span', { id: 'announce', role: 'status', 'aria-live': 'polite' });
clear($('status'), checkStatus, announcer);
// What the server works around but the store's operator should fix (ZY7012: indexes its role may not create), as the workspace last said.
const storeWarnings = el('span', { class: 'bad store-warning', 'data-testid': 'store-warning', hidden: '' });
$('status').append(storeWarnings);
function showStoreWarnings(): void {
  const text = files.warnings.map((x) => `${x.code}: ${x.message}`).join(' · ');
  if (storeWarnings.textContent !== text) clear(storeWarnings, text);
  storeWarnings.hidden = text === '';
}
function report(msg: string, bad = false): void {
  announcer.textContent = msg;
  $('status').classList.toggle('bad', bad);
}

const packFiles = () => (activePack ? { pack: activePack.name, files: files.entries(activePack) } : undefined);
function ask<K extends RequestName>(type: K, body: Omit<Requests[K]['req'], 'sync'>): Promise<Requests[K]['res']> {
  const w = type === 'complete' || type === 'signature' || type === 'useSymbols' ? completion : service;
  return w.call(type, { ...body, sync: w.sync(packFiles()?.files ?? []) } as Requests[K]['req']);
}

// The names completion offers, brought up to date once typing pauses (the service
// worker analyses; the completion worker only takes the result).
const SYMBOLS_AFTER_MS = 500;
let symbolsTimer: ReturnType<typeof setTimeout> | undefined;
let symbolsRunning = false;
/** What the last check said completion's names are made of (a hash). */
let names: string | undefined;
function refreshSymbols(delay = SYMBOLS_AFTER_MS): void {
  clearTimeout(symbolsTimer);
  symbolsTimer = setTimeout(async () => {
    if (symbolsRunning) { refreshSymbols(); return; }
    symbolsRunning = true;
    try {
      const pack = activePack?.name;
      const symbols = await ask('symbols', {});
      // Another pack opened meanwhile: these names are not its names.
      if (pack !== activePack?.name) { refreshSymbols(0); return; }
      await ask('useSymbols', { symbols });
      (window as unknown as { __zhiyu: { symbolsGiven: number } }).__zhiyu.symbolsGiven++;
    } finally { symbolsRunning = false; }
  }, delay);
}

registerLanguage({
  pathOf, ask,
  model: (p) => files.model(p),
  reveal: (p, s, e) => void go(p, s, e),
  formatRefused(path, ds) {
    const first = ds[0];
    const model = files.model(path);
    const where = first && model ? ` (line ${model.getPositionAt(first.start).lineNumber}: ${first.code} ${first.message})` : '';
    report(`Format refused: ${path} has syntax errors${where}. Fix them, then format.`, true);
  },
});

// The minimap as blocks, not drawn letter by letter: on a 2,000-line file that drawing was a
// twentieth of the page's work on each keystroke (bench/editor.ts, Chromium's profiler).
// It is drawn from the frame after the first file's text: its first drawing held up that text by ~0.1 s.
const MINIMAP = { enabled: true, renderCharacters: false, showMarkSectionHeaders: false, showRegionSectionHeaders: false } as const;
const editor = monaco.editor.create($('editor'), {
  model: null, theme: 'zhiyu', automaticLayout: true, fontSize: FONT_SIZE, lineHeight: LINE_HEIGHT, fontFamily: MONO,
  minimap: { ...MINIMAP, enabled: false },
  fixedOverflowWidgets: true, 'semanticHighlighting.enabled': false, tabSize: 2, renderWhitespace: 'none',
  // Typing never fights the analyst: no words picked from the text, nothing
  // preselected in a list that pops up by itself (Enter is a new line unless
  // a suggestion was chosen with the arrow keys), nothing in comments.
  wordBasedSuggestions: 'off', quickSuggestions: { other: 'on', comments: 'off', strings: 'on' },
  suggest: { selectionMode: 'never', showWords: false, preview: false },
  acceptSuggestionOnCommitCharacter: false, unicodeHighlight: { ambiguousCharacters: false, invisibleCharacters: true },
  ariaLabel: 'Rule editor', accessibilitySupport: 'auto', links: false, occurrencesHighlight: 'singleFile',
});

// ---- opening files and moving around -----------------------------------------
const here = (): Place | undefined => {
  const m = editor.getModel();
  const p = editor.getPosition();
  return m && p && active ? { path: active, offset: m.getOffsetAt(p) } : undefined;
};

/** Opens a file at a place (a jump: Back returns to where the cursor was). */
async function go(path: string, offset: number, end?: number): Promise<void> {
  history.jumped(here(), { path, offset });
  await show(path, offset, end);
}

async function show(path: string, offset: number, end?: number): Promise<void> {
  await openPath(path);
  const model = files.model(path)!;
  const a = model.getPositionAt(offset);
  const b = model.getPositionAt(end ?? offset);
  editor.setSelection(new monaco.Selection(a.lineNumber, a.column, b.lineNumber, b.column));
  editor.revealRangeInCenterIfOutsideViewport(new monaco.Range(a.lineNumber, a.column, b.lineNumber, b.column));
  editor.focus();
}

const viewStates = new Map<string, monaco.editor.ICodeEditorViewState>();
async function openPath(path: string): Promise<void> {
  const model = await files.openFile(path);
  if (active !== path) {
    const state = editor.saveViewState();
    if (active && state) viewStates.set(active, state);
    active = path;
    editor.setModel(model);
    // In this task: the next frame draws Monaco's lines where boot.ts's plain ones were.
    clearFirstPaint($('editor'));
    if (!editor.getOption(monaco.editor.EditorOption.minimap).enabled) void afterPaint().then(() => editor.updateOptions({ minimap: MINIMAP }));
    const was = viewStates.get(path);
    if (was) editor.restoreViewState(was);
    localStorage.setItem(ACTIVE_KEY, path);
    $('file-title').textContent = path;
  }
  tabs.show(active);
  drawExplorer();
  const pack = files.packOf(path);
  if (pack && pack.name !== activePack?.name) {
    activePack = pack;
    lastTrace = undefined;
    // Every file of the pack open, so all of it is checked — after this file is painted.
    await afterPaint();
    await files.openPack(pack);
    checks.changed();
    void ask('warm', {});
    refreshSymbols(0);
    tryPanel.refresh();
  }
  paintTrace();
}

const afterPaint = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));

async function navigate(to: Place | undefined): Promise<void> {
  if (to && files.packs.some((p) => p.files.some((f) => f.path === to.path))) await show(to.path, to.offset);
}

function drawExplorer(): void {
  renderExplorer($('explorer'), files, active, {
    open: (p) => void openFile(p),
    report,
    rename: async (from, to) => {
      await files.rename(from, to, resolveConflict);
      if (active === from) active = undefined;
      await openPath(to);
    },
  });
}

/** Opens a file where its cursor last was (a tab, the explorer); Back returns. */
async function openFile(path: string): Promise<void> {
  history.jumped(here(), { path, offset: -1 });
  await openPath(path);
  editor.focus();
}
const tabs = new Tabs($('tabs'), files, (p) => void openFile(p));

// ---- checking as you type -------------------------------------------------
const checks = new Checks(checker, background, {
  files: packFiles,
  checked(r, pack, ms) {
    if (pack !== activePack?.name) return;
    diagnostics = r.diagnostics;
    rules = r.rules;
    lintFindings = [];
    analyzed = ms;
    showDiagnostics();
    if (r.names !== names) { names = r.names; refreshSymbols(); }
    (window as unknown as { __zhiyu: Record<string, unknown> }).__zhiyu['lastAnalysis'] = { ms, workerMs: r.ms, at: performance.now() };
  },
  linted(ds) {
    lintFindings = ds;
    showDiagnostics();
    codeLenses.changed();
  },
});

function showDiagnostics(): void {
  const all = [...diagnostics, ...lintFindings];
  const paths = activePack ? files.entries(activePack).map((e) => e.path) : [];
  setMarkers(files, paths, all);
  renderProblems($('problems'), files, all, (p, o) => void go(p, o));
  const errors = all.filter((d) => d.severity === 'error').length;
  const warnings = all.length - errors;
  $('tab-problems').textContent = `Problems (${all.length})`;
  checkStatus.textContent = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} · checked in ${Math.round(analyzed)} ms`;
  checkStatus.className = errors > 0 ? 'bad' : '';
}

// ---- Try it ----------------------------------------------------------------
function paintTrace(): void {
  for (const d of decorations.values()) d.clear();
  if (!lastTrace || !active) return;
  const model = files.model(active);
  const i = lastTrace.files.findIndex((f) => f.path === active);
  if (!model || i < 0) return;
  let c = decorations.get(active);
  if (!c) { c = editor.createDecorationsCollection(); decorations.set(active, c); }
  c.set(traceDecorations(model, i, lastTrace.result));
}

async function activeSources(): Promise<{ pack: string; files: { path: string; text: string }[] } | undefined> {
  return activePack ? { pack: activePack.name, files: await files.packSources(activePack) } : undefined;
}

const tryPanel = mountTry($('try'), {
  sources: activeSources,
  testNames: () => checks.last?.tests ?? [],
  eventFields: () => checks.last?.eventFields ?? [],
  go: (p, o) => void go(p, o),
  paint(result, fs) { lastTrace = result ? { result, files: fs } : undefined; paintTrace(); },
});

// ---- Tests -----------------------------------------------------------------
async function runTests(): Promise<void> {
  const at = packFiles();
  if (!at) return;
  showPanel('tests');
  clear($('tests'), el('p', {}, 'Running…'));
  const r = await background.call('tests', { sync: background.sync(at.files) });
  renderTests($('tests'), r.results, r.diagnostics, (p, o) => void go(p, o));
  const failed = r.results.filter((x) => !x.passed).length;
  report(r.diagnostics.length ? 'Tests not run: the pack has errors' : `Tests: ${r.results.length - failed} passed, ${failed} failed`, failed > 0 || r.diagnostics.length > 0);
}

// ---- Backtest and its code lens ---------------------------------------------
const codeLenses = mountBacktest($('backtest'), {
  sources: activeSources, rules: () => rules, go: (p, o) => void go(p, o),
  show: () => showPanel('backtest'),
  tryStored: (seq) => { showPanel('try'); void tryPanel.tryStored(seq); },
  announce: (m) => report(m),
});
monaco.languages.registerCodeLensProvider(LANGUAGE, codeLenses.provider(pathOf));
mountDiff($('diff'), { sources: activeSources, rules: () => rules, go: (p, o) => void go(p, o) });

// ---- Search ------------------------------------------------------------------
const search = mountSearch($('search'), {
  models: () => (activePack ? files.entries(activePack).map((e) => ({ path: e.path, model: files.model(e.path)! })) : []),
  go: (p, o, e) => void go(p, o, e),
});

// ---- panels (ARIA tabs), keys, start --------------------------------------------
const PANELS = ['problems', 'search', 'try', 'tests', 'backtest', 'diff'] as const;
/** Shows a panel; `focus`: its tab (arrow keys on the tabs) or, for search, its field (Ctrl+Shift+F). */
function showPanel(name: string, focus: 'tab' | 'field' | false = false): void {
  for (const p of PANELS) {
    const on = p === name;
    $(p).hidden = !on;
    const tab = $(`tab-${p}`);
    tab.classList.toggle('active', on);
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    if (on && focus === 'tab') tab.focus();
  }
  if (name === 'search' && focus === 'field') search.focus();
}
for (const p of PANELS) $(`tab-${p}`).onclick = () => showPanel(p);
$('panel-tabs').addEventListener('keydown', (e) => {
  const i = PANELS.findIndex((p) => $(`tab-${p}`) === document.activeElement);
  if (i < 0) return;
  const to = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? PANELS.length - 1 : undefined;
  if (to === undefined) return;
  e.preventDefault();
  showPanel(PANELS[(to + PANELS.length) % PANELS.length]!, 'tab');
});

let saving = false;
async function saveActive(): Promise<void> {
  if (!active || saving) return;
  saving = true;
  try { await save(active); } finally { saving = false; }
}

async function save(path: string): Promise<void> {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    const mine = errors.filter((d) => d.path === path).length;
    const pick = await choose(`Save ${path} with errors?`,
      `The pack has ${errors.length} error${errors.length === 1 ? '' : 's'}${mine ? ` (${mine} in this file)` : ''}: saved as it is, it will not compile (\`zhiyu check\` and the service refuse it).`,
      [{ id: 'save', label: 'Save anyway' }, { id: 'cancel', label: 'Cancel' }], 'cancel');
    if (pick !== 'save') { report('not saved'); return; }
  }
  try {
    if (await files.save(path, resolveConflict)) {
      report(`saved ${path}`);
      if (banner.dataset['path'] === path) clear(banner);
      afterSave();
    } else report(`not saved: ${path}`);
  } catch (e) { report(`not saved: ${(e as Error).message}`, true); }
}
// The page's own keys work wherever the focus is (the editor included), once each.
document.addEventListener('keydown', (e) => {
  const key = e.key.toLowerCase();
  const ctrl = e.ctrlKey || e.metaKey;
  let run: (() => void) | undefined;
  if (ctrl && !e.shiftKey && !e.altKey && key === 's') run = () => void saveActive(); // never the browser's "save page"
  else if (e.altKey && !ctrl && e.key === 'ArrowLeft') run = () => void navigate(history.goBack(here()));
  else if (e.altKey && !ctrl && e.key === 'ArrowRight') run = () => void navigate(history.goForward(here()));
  else if (ctrl && !e.shiftKey && key === 't') run = openSymbols;
  else if (ctrl && e.shiftKey && key === 'f') run = () => showPanel('search', 'field');
  if (!run || document.querySelector('.modal')) return;
  e.preventDefault();
  e.stopPropagation();
  run();
}, true);
const openSymbols = (): void => pickSymbol((q) => ask('packSymbols', { query: q }), (p, s, e) => void go(p, s, e));
// Find references: Monaco's peek, on the key VS Code users expect (Shift+F12) and in the context menu.
editor.addAction({
  id: 'zhiyu.findReferences', label: 'Find References', keybindings: [monaco.KeyMod.Shift | monaco.KeyCode.F12],
  contextMenuGroupId: 'navigation', contextMenuOrder: 1.5,
  run: () => editor.trigger('keyboard', 'editor.action.referenceSearch.trigger', {}),
});
// In the command palette (F1) too.
editor.addAction({ id: 'zhiyu.save', label: 'Save (Ctrl+S)', run: () => void saveActive() });
editor.addAction({ id: 'zhiyu.goToPackSymbol', label: 'Go to Symbol in Pack… (Ctrl+T)', run: openSymbols });
editor.addAction({ id: 'zhiyu.back', label: 'Go Back (Alt+←)', run: () => void navigate(history.goBack(here())) });
editor.addAction({ id: 'zhiyu.forward', label: 'Go Forward (Alt+→)', run: () => void navigate(history.goForward(here())) });
editor.addAction({ id: 'zhiyu.searchPack', label: 'Search the Pack (Ctrl+Shift+F)', run: () => showPanel('search', 'field') });
$('save').onclick = () => void saveActive();
// Monaco cancels a provider's request when the text moves on under it (a format, a hover, a completion); the promise it
// drops then rejects with "Canceled". VS Code treats those as benign, and so does the page: nothing to report.
window.addEventListener('unhandledrejection', (e) => {
  const reason = e.reason as { name?: unknown; message?: unknown } | undefined;
  if (reason?.name === 'Canceled' || reason?.message === 'Canceled') e.preventDefault();
});
$('format').onclick = () => {
  // A format the next keystroke overtakes is cancelled by Monaco (a rejection named "Canceled"): nothing to tell.
  editor.getAction('editor.action.formatDocument')?.run().catch((e: unknown) => {
    if ((e as Error | undefined)?.name !== 'Canceled') report(`Format failed: ${(e as Error | undefined)?.message ?? String(e)}`, true);
  });
};
$('run-tests').onclick = () => void runTests();
$('back').onclick = () => void navigate(history.goBack(here()));
$('forward').onclick = () => void navigate(history.goForward(here()));
$('symbols').onclick = openSymbols;
history.onChange(() => { ($('back') as HTMLButtonElement).disabled = !history.canBack; ($('forward') as HTMLButtonElement).disabled = !history.canForward; });
window.addEventListener('beforeunload', (e) => { if (files.dirtyPaths().length) e.preventDefault(); });

// Resizable: the explorer's width and the panels' height.
$('layout').insertBefore(splitter({ target: $('explorer-pane'), orientation: 'vertical', grows: true, min: 140, max: () => innerWidth * 0.5, label: 'Resize the explorer', key: 'explorer' }), $('main'));
$('main').insertBefore(splitter({ target: $('panels'), orientation: 'horizontal', grows: false, min: 90, max: () => innerHeight * 0.8, label: 'Resize the panels', key: 'panels' }), $('panels'));

files.onChange(() => { drawExplorer(); tabs.show(active); showStoreWarnings(); });
files.onEdit((path) => {
  if (!activePack || !activePack.files.some((f) => f.path === path)) return;
  if (lastTrace) { lastTrace = undefined; paintTrace(); }
  codeLenses.edited();
  checks.changed();
});

// ---- changes on disk, noticed while the file is open ------------------------------
const banner = $('disk-banner');
function onDisk(c: DiskChange): void {
  if (c.kind === 'reloaded') { report(`${c.path} changed on disk and was reloaded (Ctrl+Z brings back what it held)`); return; }
  const text = c.kind === 'deleted' ? `${c.path} was deleted on disk. Saving writes it again.` : `${c.path} changed on disk while you were editing it.`;
  const compare = el('button', { type: 'button', 'data-choice': 'compare' }, 'Compare and decide…');
  compare.onclick = async () => {
    const disk = await api.read(c.path);
    const mine = files.model(c.path)?.getValue() ?? '';
    const pick = await resolveConflict(c.path, mine, disk, false);
    if (pick === 'reload') { files.takeDisk(c.path, disk.text, disk.hash); report(`loaded the disk version of ${c.path} (Ctrl+Z brings yours back)`); }
    if (pick === 'overwrite') await saveForce(c.path);
    if (pick !== 'cancel') clear(banner);
  };
  const dismiss = el('button', { type: 'button' }, 'Keep my text for now');
  dismiss.onclick = () => clear(banner);
  banner.dataset['path'] = c.path;
  clear(banner, el('span', {}, text), ...(c.kind === 'conflict' ? [compare] : []), dismiss);
  report(text, true);
}
async function saveForce(path: string): Promise<void> {
  try {
    if (await files.save(path, async () => 'overwrite')) { report(`saved ${path} over the disk version`); afterSave(); }
  } catch (e) { report(`not saved: ${(e as Error).message}`, true); }
}
// A saved edit can change what the store lacks (a new window's covering index): the status bar says so now, not at the next poll.
function afterSave(): void { void files.checkDisk().catch(() => undefined); }
files.onDisk(onDisk);
const watchDisk = (): void => { if (document.visibilityState === 'visible') void files.checkDisk().catch(() => undefined); };
addEventListener('focus', watchDisk);
setInterval(watchDisk, 3000);

(window as unknown as { __zhiyu: unknown }).__zhiyu = { monaco, editor, files, go, openPath, checks, history, ask, lastAnalysis: undefined, symbolsGiven: 0, ready: false };

async function start(): Promise<void> {
  try {
    await files.refresh();
  } catch (e) { report(`cannot reach the server: ${(e as Error).message}`, true); clearFirstPaint($('editor')); return; }
  const path = firstFile(files.packs);
  showPanel('problems');
  try {
    if (path) await openPath(path);
  } finally { clearFirstPaint($('editor')); }
  (window as unknown as { __zhiyu: Record<string, unknown> }).__zhiyu['ready'] = true;
  // Only now: starting Try it's thread takes the server a core the first render needs.
  void api.warmTry().catch(() => undefined);
}
void start();
