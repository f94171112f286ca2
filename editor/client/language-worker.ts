// The language worker: the compiler itself, off the page's thread. It keeps
// the last analysis of the pack being edited so completion, hover and go to
// definition answer from it at once; only changed files are parsed again.
import { compile, type ParseCache } from '../../compiler/index.ts';
import { diag, type Diagnostic } from '../../compiler/diagnostics.ts';
import { format } from '../../compiler/format.ts';
import { analyze, completeAt, definition, hover, lintAnalysis, type Analysis } from '../../compiler/service/index.ts';
import { load } from '../../runtime/engine.ts';
import { failureLines, runTests } from '../../runtime/testing.ts';
import type { RequestMessage, Requests, ResponseMessage, WireDiagnostic, WireFile } from './protocol.ts';

let last: Analysis | undefined;
const parseCache: ParseCache = new Map();

const fileIndex = (path: string): number => last?.files.findIndex((f) => f.path === path) ?? -1;

function wire(ds: readonly Diagnostic[], files: readonly WireFile[]): WireDiagnostic[] {
  return ds.map((d) => ({
    path: files[d.span.file]?.path ?? files[0]?.path ?? '', start: d.span.start, end: d.span.end,
    code: d.code, severity: d.severity, message: d.message, ...(d.hint ? { hint: d.hint } : {}),
  }));
}

function analyzeSafely(files: WireFile[]): Analysis {
  try {
    return analyze(files, parseCache);
  } catch (e) {
    // The same limit compile() reports: nesting deep enough to exhaust the stack.
    if (!(e instanceof RangeError)) throw e;
    return { files, diagnostics: [diag('ZY1005', { file: 0, start: 0, end: 1 }, 'the pack is nested too deeply to compile', 'split long conditions into named predicates')], index: { symbols: new Map(), refs: [] } };
  }
}

const handlers: { [K in keyof Requests]: (body: Requests[K]['req']) => Requests[K]['res'] } = {
  analyze({ files }) {
    const t = performance.now();
    last = analyzeSafely(files);
    const pack = last.checked;
    return {
      diagnostics: wire(last.diagnostics, files), ms: performance.now() - t,
      tests: pack ? pack.tests.map((x) => x.name) : [],
      rules: pack ? pack.rules.map((r) => ({ id: r.id, path: files[r.span.file]?.path ?? '', start: r.span.start })) : [],
    };
  },
  lint() {
    const t = performance.now();
    return { diagnostics: last ? wire(lintAnalysis(last), last.files) : [], ms: performance.now() - t };
  },
  complete({ path, offset, text }) {
    const i = fileIndex(path);
    if (!last || i < 0) return { from: offset, items: [] };
    const r = completeAt(last, i, offset, text);
    return { from: r.from, items: [...r.items] };
  },
  hover({ path, offset }) {
    const i = fileIndex(path);
    const h = last && i >= 0 ? hover(last, i, offset) : undefined;
    return h ? { start: h.span.start, end: h.span.end, doc: h.doc } : null;
  },
  definition({ path, offset }) {
    const i = fileIndex(path);
    const s = last && i >= 0 ? definition(last, i, offset) : undefined;
    return s && last ? { path: last.files[s.file]!.path, start: s.start, end: s.end } : null;
  },
  format({ text }) {
    const r = format(text);
    return 'text' in r ? { text: r.text } : { error: r.diagnostics.map((d) => `${d.code}: ${d.message}`).join('\n') };
  },
  tests({ files }) {
    const c = compile(files);
    if (!c.ok || !c.checked || !c.optimized || !c.code) return { results: [], diagnostics: wire(c.diagnostics.filter((d) => d.severity === 'error'), files) };
    // The tests run on the compiled code, as production decides.
    const engine = load({ pack: c.optimized, code: c.code });
    const results = runTests(c.checked, (event, provider) => engine.decide(event, provider), { files });
    return {
      diagnostics: [],
      results: results.map((r) => ({
        name: r.name, passed: r.passed, failures: r.failures, path: files[r.span.file]?.path ?? '', start: r.span.start,
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
    msg = { id, ok: true, body: (handlers[type] as (b: unknown) => unknown)(body) };
  } catch (err) {
    msg = { id, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
  (self as unknown as Worker).postMessage(msg);
};
