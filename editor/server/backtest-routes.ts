// The Backtest panel's routes: replays the database (a SQLite file, or a
// PostgreSQL server) through the pack as edited, against the pack as saved
// on disk, on worker threads (the server's event loop keeps answering). One backtest at a time, which reports its
// progress and can be cancelled; the events behind its numbers can be listed.
//
//   POST /api/backtest           {pack, files} → the summary (ZY7505 if cancelled)
//   GET  /api/backtest/progress  → {running, phase, done, total, rate, etaMs, elapsedMs, copy?}
//                                  (phase 'copy' over PostgreSQL: the snapshot's rows copied, table by table; then 'replay')
//   POST /api/backtest/cancel    → {cancelled}
//   GET  /api/backtest/events?rule=ID&kind=hits|fraud|good → the stored events behind a number
import { compile, type CompileResult, type SourceFile } from '../../compiler/index.ts';
import type { CheckedPack } from '../../compiler/ir.ts';
import { HttpError } from '../../runtime/server.ts';
import { backtest, BacktestError, type BacktestProgress, type BacktestRun } from '../../runtime/backtest/index.ts';
import { PostgresStore } from '../../runtime/store/postgres/store.ts';
import type { ApiOptions } from './api.ts';
import { eventsBySeq } from './events.ts';
import { storeRows, type EditorStore } from './store.ts';
import type { Workspace } from './workspace.ts';

/** Events listed per rule and kind (the first ones, in replay order). */
const LISTED = 200;

/** What the panel and the code lens show. */
export interface BacktestSummary {
  events: number; skipped: number; labelled: number; ms: number;
  outcomes: Record<string, number>;
  /** Money is reported in fen when the events have a money field. */
  money: boolean;
  rules: {
    id: string; hits: number; hitRate: number | null; precision: number | null; recall: number | null; unique: number;
    /** Fen on hits on positive events (caught: labelled by a kind that measures the pack) and on the other hits (good money stopped). */
    caught: number | null; goodStopped: number | null; positiveHits: number;
    /** New in the edited pack, or changed from the pack as saved. */
    status?: 'new' | 'changed';
    redundantWith: string[];
  }[];
  /** Rules of the pack as saved that the edit removes. */
  removed: string[];
  baseline?: { label: string; changed: number; transitions: { from: string; to: string; count: number }[] };
  warnings: readonly string[];
}

export function summarize(r: BacktestRun, baselineLabel?: string, status: ReadonlyMap<string, 'new' | 'changed'> = new Map(), removed: string[] = []): BacktestSummary {
  return {
    events: r.events.decided, skipped: r.events.skipped, labelled: r.labels.positive + r.labels.negative, ms: r.run.seconds * 1000,
    outcomes: Object.fromEntries(r.outcomes.map((o) => [o.outcome, o.events])),
    money: r.amountField !== null,
    rules: r.rules.map((x) => ({
      id: x.id, hits: x.hits, hitRate: x.hitRate, precision: x.precision, recall: x.recall, unique: x.uniqueHits,
      caught: x.money?.positive ?? null, goodStopped: x.money?.other ?? null, positiveHits: x.positiveHits,
      ...(status.has(x.id) ? { status: status.get(x.id)! } : {}), redundantWith: [...x.redundantWith],
    })),
    removed,
    ...(r.comparison && baselineLabel ? {
      baseline: { label: baselineLabel, changed: r.comparison.changed, transitions: r.comparison.transitions.map((t) => ({ from: t.from, to: t.to, count: t.events })) },
    } : {}),
    warnings: r.warnings,
  };
}

/** Which rules the edit adds or changes, by their source text against the pack as saved. */
function ruleChanges(edited: CompileResult, editedFiles: readonly SourceFile[], saved: CompileResult | undefined, savedFiles: readonly SourceFile[]) {
  const text = (c: CompileResult, files: readonly SourceFile[]) =>
    new Map((c.checked?.rules ?? []).map((r) => [r.id, files[r.span.file]!.text.slice(r.span.start, r.span.end).replace(/\s+/g, ' ')]));
  const now = text(edited, editedFiles);
  const before = saved ? text(saved, savedFiles) : now;
  const status = new Map<string, 'new' | 'changed'>();
  for (const [id, t] of now) {
    if (!before.has(id)) status.set(id, 'new');
    else if (before.get(id) !== t) status.set(id, 'changed');
  }
  return { status, removed: [...before.keys()].filter((id) => !now.has(id)) };
}

/** `run` is the backtest to call (the tests hold one back to cancel it at a known moment). */
export function backtestRoutes(store: EditorStore | undefined, workspace: () => Workspace, { run: runBacktest = backtest }: { run?: typeof backtest } = {}): { more?: ApiOptions['more'] } {
  let running: { abort: AbortController; progress: BacktestProgress | undefined; started: number } | undefined;
  let last: { pack: CheckedPack; run: BacktestRun } | undefined;
  const needStore = (): EditorStore => {
    if (!store) throw new HttpError(409, { code: 'ZY7503', message: 'the server was started without a database (--db)' });
    return store;
  };
  return {
    more: async (route, body, url) => {
      switch (route) {
        case 'GET /api/backtest/progress': {
          if (!running) return { running: false };
          const p = running.progress;
          return {
            running: true, phase: p?.phase ?? null, done: p?.done ?? 0, total: p?.total ?? null, rate: p?.rate ?? 0, etaMs: p?.etaMs ?? null,
            elapsedMs: performance.now() - running.started, ...(p?.copy ? { copy: p.copy } : {}),
          };
        }
        case 'POST /api/backtest/cancel': {
          if (!running) throw new HttpError(409, { code: 'ZY7503', message: 'no backtest is running' });
          running.abort.abort();
          return { cancelled: true };
        }
        case 'GET /api/backtest/events': {
          const db = needStore();
          if (!last) throw new HttpError(409, { code: 'ZY7503', message: 'run a backtest first' });
          const rule = last.run.rules.find((r) => r.id === url.searchParams.get('rule'));
          if (!rule) throw new HttpError(404, { code: 'ZY7503', message: `the last backtest has no rule ${JSON.stringify(url.searchParams.get('rule'))}` });
          const kind = url.searchParams.get('kind') ?? 'hits';
          const seqs = kind === 'positive' ? rule.positiveExamples : kind === 'other' ? rule.otherExamples : kind === 'hits' ? rule.examples : undefined;
          if (!seqs) throw new HttpError(400, { code: 'ZY4003', field: 'kind', message: 'kind is hits, positive or other' });
          const total = kind === 'positive' ? rule.positiveHits : kind === 'other' ? rule.hits - rule.positiveHits : rule.hits;
          return { rule: rule.id, kind, total, events: await eventsBySeq(storeRows(db), last.pack, seqs) };
        }
        case 'POST /api/backtest':
          break;
        default:
          return undefined;
      }
      const db = needStore();
      if (running) throw new HttpError(409, { code: 'ZY7503', message: 'a backtest is already running; wait for it or cancel it' });
      const b = await body() as { pack?: unknown; files?: unknown };
      if (typeof b.pack !== 'string' || !Array.isArray(b.files)) throw new HttpError(400, { code: 'ZY4003', message: 'give {pack, files}' });
      const files = b.files as SourceFile[];
      if (!files.every((f) => typeof f?.path === 'string' && typeof f?.text === 'string')) throw new HttpError(400, { code: 'ZY4003', message: 'files should be {path, text}' });
      const edited = compile(files);
      if (!edited.ok || !edited.optimized || !edited.code || !edited.checked) throw new HttpError(422, { code: edited.diagnostics[0]?.code ?? 'ZY2000', message: 'the pack has errors; fix them to backtest it' });
      // The pack as saved is the baseline: what the edit would change.
      const savedFiles = workspace().sources(b.pack);
      const changedText = savedFiles.length !== files.length || savedFiles.some((f, i) => f.path !== files[i]?.path || f.text !== files[i]?.text);
      const saved = changedText ? compile(savedFiles) : undefined;
      const changes = ruleChanges(edited, files, saved?.checked ? saved : undefined, savedFiles);
      const mine = { abort: new AbortController(), progress: undefined as BacktestProgress | undefined, started: performance.now() };
      running = mine;
      try {
        // Over PostgreSQL the backtest replays one snapshot copied into a temporary file (runtime/backtest), as `zhiyu backtest` does.
        const pg = db instanceof PostgresStore;
        const run = await runBacktest({ pack: edited.optimized, code: edited.code }, pg ? db.url : db, {
          workers: 2, createIndexes: pg || !db.readonly, examples: LISTED, signal: mine.abort.signal,
          onProgress: (p) => { mine.progress = p; },
          ...(saved?.ok && saved.optimized && saved.code ? { baseline: { pack: saved.optimized, code: saved.code } } : {}),
        });
        last = { pack: edited.checked, run };
        return summarize(run, saved?.ok ? 'the pack as saved' : undefined, changes.status, changes.removed);
      } catch (e) {
        if (e instanceof BacktestError) throw new HttpError(422, { code: e.code, message: e.message });
        throw e;
      } finally { running = undefined; }
    },
  };
}
