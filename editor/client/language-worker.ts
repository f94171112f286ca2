// A language worker: the compiler itself, off the page's thread. The page
// runs four (see worker-client.ts): one checks as you type, one answers
// hover, references and the like, one lints and runs tests, and one answers
// completion and signature help from names the page hands it (never waiting
// for an analysis), so a long job in one never holds up another. Each keeps
// the pack's texts (a request brings only what changed) and its last
// analysis; only changed files are parsed again.
import { compile, type ParseCache } from '../../compiler/index.ts';
import { diag, type Diagnostic } from '../../compiler/diagnostics.ts';
import { format } from '../../compiler/format.ts';
import {
  analyze, complete, definition, hover, lintAnalysis, outline, packSymbols, prepareRename, references, rename, signatureAt,
  type Analysis, type OutlineItem,
} from '../../compiler/service/index.ts';
import type { Span } from '../../compiler/source.ts';
import type { SymbolIndex } from '../../compiler/service/symbols.ts';
import { typeName } from '../../compiler/types.ts';
import { load } from '../../runtime/engine.ts';
import { failureLines, runTests } from '../../runtime/testing.ts';
import type { FileSync, RequestMessage, Requests, ResponseMessage, WireDiagnostic, WireFile, WireOutline, WireSpan } from './protocol.ts';

// ---- the pack's texts, as the page last sent them -----------------------------
const texts = new Map<string, string>();
let order: readonly string[] = [];
let version = 0;
let analysis: { version: number; a: Analysis } | undefined;
const parseCache: ParseCache = new Map();
/**
 * The completion worker's names, given by the page from the service worker's
 * analysis: with them, completion never analyses (an analysis and its index
 * of a 2,000-line pack take 100–300 ms, and a `.` typed meanwhile would wait).
 */
let given: SymbolIndex | undefined;

function apply(sync: FileSync | undefined): void {
  if (!sync) return;
  let changed = sync.changed.length > 0;
  for (const f of sync.changed) texts.set(f.path, f.text);
  if (sync.order.join('\n') !== order.join('\n')) {
    order = sync.order;
    // Names given for other files (another pack) are not this pack's: completion analyses for itself until new ones come.
    given = undefined;
    for (const p of [...texts.keys()]) if (!order.includes(p)) texts.delete(p);
    changed = true;
  }
  if (changed) version++;
}

const files = (): WireFile[] => order.map((path) => ({ path, text: texts.get(path) ?? '' }));

function analyzeSafely(fs: WireFile[]): Analysis {
  try {
    return analyze(fs, parseCache);
  } catch (e) {
    // The same limit compile() reports: nesting deep enough to exhaust the stack.
    if (!(e instanceof RangeError)) throw e;
    return {
      files: fs, sources: fs, toSource: (s) => s, asts: [], index: { symbols: new Map(), refs: [] },
      diagnostics: [diag('ZY1005', { file: 0, start: 0, end: 1 }, 'the pack is nested too deeply to compile', 'split long conditions into named predicates')],
    };
  }
}

/** The analysis of the texts as they are now. */
function fresh(): Analysis {
  if (!analysis || analysis.version !== version) analysis = { version, a: analyzeSafely(files()) };
  return analysis.a;
}

// Completion answers from the last analysis at once (its names rarely change
// between keystrokes) and brings it up to date once typing pauses.
let refresh: ReturnType<typeof setTimeout> | undefined;
function lastOrFresh(): SymbolIndex {
  const a = analysis?.a ?? fresh();
  if (analysis?.version !== version) {
    clearTimeout(refresh);
    refresh = setTimeout(() => void fresh().index, 1000);
  }
  return a.index;
}

const indexOf = (path: string): number => order.indexOf(path);
const span = (s: Span): WireSpan => ({ path: order[s.file] ?? '', start: s.start, end: s.end });

function wire(ds: readonly Diagnostic[], fs: readonly { path: string }[]): WireDiagnostic[] {
  return ds.map((d) => ({
    path: fs[d.span.file]?.path ?? fs[0]?.path ?? '', start: d.span.start, end: d.span.end,
    code: d.code, severity: d.severity, message: d.message, ...(d.hint ? { hint: d.hint } : {}),
  }));
}

const wireOutline = (o: OutlineItem): WireOutline => ({ name: o.name, detail: o.detail, kind: o.kind, span: span(o.span), nameSpan: span(o.nameSpan), children: o.children.map(wireOutline) });

/**
 * What completion's names are made of, as a short hash: every declaration but
 * the bodies of rules and tests (their `let`s are read from the text being
 * completed). Typing inside a rule leaves it unchanged, so the page does not
 * have the pack analysed again for completion after every pause.
 */
function namesOf(a: Analysis): string {
  let h = 0x811c9dc5;
  for (const src of a.sources) {
    const text = /^(?:rule|test)\b/.test(src.text) ? src.text.slice(0, src.text.indexOf('\n') >>> 0) : src.text;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0x0a, 0x01000193);
  }
  return `${a.sources.length}:${(h >>> 0).toString(36)}`;
}

const handlers: { [K in keyof Requests]: (body: Requests[K]['req']) => Requests[K]['res'] } = {
  analyze() {
    const t = performance.now();
    const a = fresh();
    const pack = a.checked;
    return {
      diagnostics: wire(a.diagnostics, a.files), ms: performance.now() - t, names: namesOf(a),
      tests: pack ? pack.tests.map((x) => x.name) : [],
      rules: pack ? pack.rules.map((r) => ({ id: r.id, ...span(a.toSource(r.span)) })) : [],
      eventFields: pack ? [...pack.schema.event.fields.values()].map((f) => ({
        name: f.name, t: f.type.t, type: typeName(f.type), required: f.required,
        ...(f.type.t === 'enum' ? { members: f.type.members } : {}), ...(f.description ? { description: f.description } : {}),
      })) : [],
    };
  },
  lint() {
    const t = performance.now();
    const a = fresh();
    return { diagnostics: wire(lintAnalysis(a), a.files), ms: performance.now() - t };
  },
  warm() {
    // The symbol index too: the first completion, hover or go to definition finds it built.
    void fresh().index;
    return null;
  },
  complete({ path, offset, explicit }) {
    if (indexOf(path) < 0) return { from: offset, items: [] };
    const r = complete(texts.get(path) ?? '', offset, given ?? lastOrFresh(), { explicit });
    return { from: r.from, items: [...r.items] };
  },
  symbols() {
    return [...fresh().index.symbols];
  },
  useSymbols({ symbols }) {
    const first = !given;
    given = { symbols: new Map(symbols), refs: [] };
    // The first completion builds the grammar's tables (the words a declaration starts with): now, not at a keystroke.
    if (first) complete('', 0, given, { explicit: true });
    return null;
  },
  signature({ path, offset }) {
    return signatureAt(texts.get(path) ?? '', offset) ?? null;
  },
  hover({ path, offset }) {
    const i = indexOf(path);
    const h = i >= 0 ? hover(fresh(), i, offset) : undefined;
    return h ? { start: h.span.start, end: h.span.end, doc: h.doc } : null;
  },
  definition({ path, offset }) {
    const i = indexOf(path);
    const s = i >= 0 ? definition(fresh(), i, offset) : undefined;
    return s ? span(s) : null;
  },
  references({ path, offset }) {
    const i = indexOf(path);
    return i >= 0 ? references(fresh(), i, offset).map(span) : [];
  },
  prepareRename({ path, offset }) {
    const i = indexOf(path);
    if (i < 0) return { error: 'not a file of the pack' };
    const r = prepareRename(fresh(), i, offset);
    return 'error' in r ? r : { span: span(r.span), text: r.text };
  },
  rename({ path, offset, newName }) {
    const i = indexOf(path);
    if (i < 0) return { error: 'not a file of the pack' };
    const r = rename(fresh(), i, offset, newName);
    return 'error' in r ? r : { edits: r.edits.map((e) => ({ span: span(e.span), text: e.text })) };
  },
  outline({ path }) {
    const i = indexOf(path);
    return i >= 0 ? outline(fresh(), i).map(wireOutline) : [];
  },
  packSymbols({ query }) {
    return packSymbols(fresh(), query).map((o) => ({ ...wireOutline(o), path: o.path }));
  },
  format({ path, text }) {
    const r = format(text);
    return 'text' in r ? { text: r.text } : { error: r.diagnostics.map((d) => `${d.code}: ${d.message}`).join('\n'), diagnostics: wire(r.diagnostics, [{ path }]) };
  },
  tests() {
    const fs = files();
    const c = compile(fs);
    if (!c.ok || !c.checked || !c.optimized || !c.code) return { results: [], diagnostics: wire(c.diagnostics.filter((d) => d.severity === 'error'), fs) };
    // The tests run on the compiled code, as production decides.
    const engine = load({ pack: c.optimized, code: c.code });
    const results = runTests(c.checked, (event, provider) => engine.decide(event, provider), { files: fs });
    return {
      diagnostics: [],
      results: results.map((r) => ({
        name: r.name, passed: r.passed, failures: r.failures, path: fs[r.span.file]?.path ?? '', start: r.span.start,
        ...(r.passed ? {} : { details: failureLines(r).slice(r.failures.length) }),
        ...(r.decision ? { outcome: r.decision.outcome } : {}),
      })),
    };
  },
};

self.onmessage = (e: MessageEvent<RequestMessage>) => {
  const { id, type, body } = e.data;
  let msg: ResponseMessage;
  try {
    apply((body as { sync?: FileSync }).sync);
    msg = { id, ok: true, body: (handlers[type] as (b: unknown) => unknown)(body) };
  } catch (err) {
    msg = { id, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
  (self as unknown as Worker).postMessage(msg);
};
