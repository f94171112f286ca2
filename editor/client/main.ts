// The editor page: explorer, Monaco, and the Problems / Try it / Tests /
// Backtest panels. The language worker checks the active pack as you type.
import './monaco-setup.ts';
import * as monaco from 'monaco-editor/editor/editor.api.js';
import './style.css';
import { clear, el } from './dom.ts';
import { renderExplorer } from './explorer.ts';
import { Files, LANGUAGE } from './files.ts';
import { registerLanguage } from './language.ts';
import { renderProblems, setMarkers } from './problems.ts';
import type { WireDiagnostic } from './protocol.ts';
import { renderTests } from './tests-panel.ts';
import { mountTry, traceDecorations } from './try-panel.ts';
import { mountBacktest } from './backtest-panel.ts';
import { mountDiff } from './diff-panel.ts';
import { LanguageWorker } from './worker-client.ts';
import type { TryResult } from './api.ts';

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const worker = new LanguageWorker();
// Lint runs whole-pack analyses that take longer than checking; its own worker
// keeps it from ever delaying the markers of the next keystroke.
const linter = new LanguageWorker();
const files = new Files();
const pathOf = (m: monaco.editor.ITextModel): string => m.uri.path.slice(1);

let active: string | undefined;
let diagnostics: WireDiagnostic[] = [];
let lintFindings: WireDiagnostic[] = [];
let testNames: string[] = [];
let rules: { id: string; path: string; start: number }[] = [];
let analyzed = 0;
let lastTrace: { result: TryResult; files: { path: string }[] } | undefined;
const decorations = new Map<string, monaco.editor.IEditorDecorationsCollection>();
const status = $('status');

registerLanguage(worker, pathOf, (path, start) => void go(path, start));

const editor = monaco.editor.create($('editor'), {
  model: null, theme: 'zhiyu', automaticLayout: true, fontSize: 14, minimap: { enabled: true },
  fixedOverflowWidgets: true, 'semanticHighlighting.enabled': false, tabSize: 2, renderWhitespace: 'none',
});

function report(msg: string, bad = false): void {
  status.textContent = msg;
  status.className = bad ? 'bad' : '';
}

async function go(path: string, offset: number): Promise<void> {
  await openPath(path);
  const model = files.model(path)!;
  const p = model.getPositionAt(offset);
  editor.setPosition(p);
  editor.revealPositionInCenter(p);
  editor.focus();
}

async function openPath(path: string): Promise<void> {
  const before = active ? files.packOf(active)?.name : undefined;
  const model = await files.openFile(path);
  active = path;
  editor.setModel(model);
  localStorage.setItem('zhiyu.active', path);
  $('file-title').textContent = path;
  const pack = files.packOf(path);
  if (pack && pack.name !== before) {
    await files.packSources(pack); // every file of the pack open, so all of it is checked
    lastTrace = undefined;
    tryPanel.refresh();
    void analyzeNow();
  }
  paintTrace();
  drawExplorer();
}

function drawExplorer(): void {
  renderExplorer($('explorer'), files, active, (p) => void openPath(p), report);
}

// ---- checking as you type -------------------------------------------------
let timer: ReturnType<typeof setTimeout> | undefined;
let generation = 0;
function scheduleAnalysis(): void {
  clearTimeout(timer);
  timer = setTimeout(() => void analyzeNow(), 25);
}

async function activeSources(): Promise<{ pack: string; files: { path: string; text: string }[] } | undefined> {
  const pack = active ? files.packOf(active) : undefined;
  return pack ? { pack: pack.name, files: await files.packSources(pack) } : undefined;
}

async function analyzeNow(): Promise<void> {
  const s = await activeSources();
  if (!s) return;
  const mine = ++generation;
  const started = performance.now();
  const r = await worker.call('analyze', { files: s.files });
  if (mine !== generation) return;
  diagnostics = r.diagnostics;
  testNames = r.tests;
  rules = r.rules;
  lintFindings = [];
  showDiagnostics(s.files.map((f) => f.path));
  analyzed = performance.now() - started;
  (window as unknown as { __zhiyu: Record<string, unknown> }).__zhiyu['lastAnalysis'] = { ms: analyzed, workerMs: r.ms, at: performance.now(), generation: mine };
  await new Promise((r) => setTimeout(r, 300));
  if (mine !== generation) return;
  await linter.call('analyze', { files: s.files });
  const lint = await linter.call('lint', {});
  if (mine !== generation) return;
  lintFindings = lint.diagnostics;
  showDiagnostics(s.files.map((f) => f.path));
  codeLenses.changed();
}

function showDiagnostics(paths: string[]): void {
  const all = [...diagnostics, ...lintFindings];
  setMarkers(files, paths, all);
  renderProblems($('problems'), files, all, (p, o) => void go(p, o));
  const errors = all.filter((d) => d.severity === 'error').length;
  const warnings = all.length - errors;
  $('tab-problems').textContent = `Problems (${all.length})`;
  report(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} · checked in ${Math.round(analyzed)} ms`, errors > 0);
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

const tryPanel = mountTry($('try'), {
  sources: activeSources,
  testNames: () => testNames,
  go: (p, o) => void go(p, o),
  paint(result, fs) { lastTrace = result ? { result, files: fs } : undefined; paintTrace(); },
});

// ---- Tests -----------------------------------------------------------------
async function runTests(): Promise<void> {
  const s = await activeSources();
  if (!s) return;
  showPanel('tests');
  clear($('tests'), el('p', {}, 'Running…'));
  const r = await worker.call('tests', { files: s.files });
  renderTests($('tests'), r.results, r.diagnostics, (p, o) => void go(p, o));
}

// ---- Backtest and its code lens ---------------------------------------------
const codeLenses = mountBacktest($('backtest'), { sources: activeSources, rules: () => rules, go: (p, o) => void go(p, o) });
monaco.languages.registerCodeLensProvider(LANGUAGE, codeLenses.provider(pathOf));
mountDiff($('diff'), { sources: activeSources, rules: () => rules, go: (p, o) => void go(p, o) });

// ---- panels, keys, start ------------------------------------------------------
function showPanel(name: string): void {
  for (const p of ['problems', 'try', 'tests', 'backtest', 'diff']) {
    $(p).hidden = p !== name;
    $(`tab-${p}`).classList.toggle('active', p === name);
  }
}
for (const p of ['problems', 'try', 'tests', 'backtest', 'diff']) $(`tab-${p}`).onclick = () => showPanel(p);

async function saveActive(): Promise<void> {
  if (!active) return;
  try {
    if (await files.save(active)) report(`saved ${active}`);
  } catch (e) { report(`not saved: ${(e as Error).message}`, true); }
}
editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => void saveActive());
// Ctrl+S saves wherever the focus is, never the browser's "save page".
document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') { e.preventDefault(); void saveActive(); }
});
$('save').onclick = () => void saveActive();
$('format').onclick = () => void editor.getAction('editor.action.formatDocument')?.run();
$('run-tests').onclick = () => void runTests();
window.addEventListener('beforeunload', (e) => { if (files.dirtyPaths().length) e.preventDefault(); });

files.onChange(() => { drawExplorer(); });
editor.onDidChangeModelContent(() => { lastTrace = undefined; paintTrace(); scheduleAnalysis(); });

(window as unknown as { __zhiyu: unknown }).__zhiyu = { monaco, editor, files, go, openPath, lastAnalysis: undefined, ready: false };

async function start(): Promise<void> {
  try {
    await files.refresh();
  } catch (e) { report(`cannot reach the server: ${(e as Error).message}`, true); return; }
  const first = files.packs.find((p) => p.name === 'fraud') ?? files.packs[0];
  const wanted = localStorage.getItem('zhiyu.active');
  const all = files.packs.flatMap((p) => p.files.map((f) => f.path));
  const path = wanted && all.includes(wanted) ? wanted : first?.files.find((f) => f.path.endsWith('.zy'))?.path;
  showPanel('problems');
  if (path) await openPath(path);
  (window as unknown as { __zhiyu: Record<string, unknown> }).__zhiyu['ready'] = true;
}
void start();
