// The Backtest panel's route: replays the database through the pack as
// edited, against the pack as saved on disk, on worker threads (the server's
// event loop keeps answering). One backtest at a time.
import { compile, type SourceFile } from '../../compiler/index.ts';
import { HttpError } from '../../runtime/server.ts';
import { backtest, BacktestError, type BacktestRun } from '../../runtime/backtest/index.ts';
import type { DB } from '../../runtime/store/schema.ts';
import type { ApiOptions } from './api.ts';
import type { Workspace } from './workspace.ts';

/** What the panel and the code lens show. */
export interface BacktestSummary {
  events: number; skipped: number; labelled: number; ms: number;
  outcomes: Record<string, number>;
  rules: { id: string; hits: number; hitRate: number | null; precision: number | null; recall: number | null; unique: number }[];
  baseline?: { label: string; changed: number; transitions: { from: string; to: string; count: number }[] };
  warnings: readonly string[];
}

export function summarize(r: BacktestRun, baselineLabel?: string): BacktestSummary {
  return {
    events: r.events.decided, skipped: r.events.skipped, labelled: r.labels.positive + r.labels.negative, ms: r.run.seconds * 1000,
    outcomes: Object.fromEntries(r.outcomes.map((o) => [o.outcome, o.events])),
    rules: r.rules.map((x) => ({ id: x.id, hits: x.hits, hitRate: x.hitRate, precision: x.precision, recall: x.recall, unique: x.uniqueHits })),
    ...(r.comparison && baselineLabel ? {
      baseline: { label: baselineLabel, changed: r.comparison.changed, transitions: r.comparison.transitions.map((t) => ({ from: t.from, to: t.to, count: t.events })) },
    } : {}),
    warnings: r.warnings,
  };
}

export function backtestRoutes(store: DB | undefined, workspace: () => Workspace): { more?: ApiOptions['more'] } {
  let running = false;
  return {
    more: async (route, body) => {
      if (route !== 'POST /api/backtest') return undefined;
      if (!store) throw new HttpError(409, { code: 'ZY7503', message: 'the server was started without a database (--db)' });
      if (running) throw new HttpError(409, { code: 'ZY7503', message: 'a backtest is already running; wait for it' });
      const b = await body() as { pack?: unknown; files?: unknown };
      if (typeof b.pack !== 'string' || !Array.isArray(b.files)) throw new HttpError(400, { code: 'ZY4003', message: 'give {pack, files}' });
      const files = b.files as SourceFile[];
      if (!files.every((f) => typeof f?.path === 'string' && typeof f?.text === 'string')) throw new HttpError(400, { code: 'ZY4003', message: 'files should be {path, text}' });
      const edited = compile(files);
      if (!edited.ok || !edited.optimized || !edited.code) throw new HttpError(422, { code: edited.diagnostics[0]?.code ?? 'ZY2000', message: 'the pack has errors; fix them to backtest it' });
      // The pack as saved is the baseline: what the edit would change.
      const savedFiles = workspace().sources(b.pack);
      const changedText = savedFiles.length !== files.length || savedFiles.some((f, i) => f.path !== files[i]?.path || f.text !== files[i]?.text);
      const saved = changedText ? compile(savedFiles) : undefined;
      running = true;
      try {
        const run = await backtest({ pack: edited.optimized, code: edited.code }, store, {
          workers: 2, createIndexes: !store.readonly,
          ...(saved?.ok && saved.optimized && saved.code ? { baseline: { pack: saved.optimized, code: saved.code } } : {}),
        });
        return summarize(run, saved?.ok ? 'the pack as saved' : undefined);
      } catch (e) {
        if (e instanceof BacktestError) throw new HttpError(422, { code: e.code, message: e.message });
        throw e;
      } finally { running = false; }
    },
  };
}
