// `zhiyu shadow report`: what the shadow candidate decided beside the live
// bundle, from the decision log, in the backtest report's shape.
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { BacktestError, shadowReport, sqliteShadowSource, type ShadowReport, type ShadowSource } from '../runtime/backtest/index.ts';
import { StoreError } from '../runtime/store/errors.ts';
import { closeAnyStore, logOf, openAnyStore, type AnyStore } from '../runtime/store/open.ts';
import { LABEL_KIND } from '../runtime/store/rows.ts';
import { backtestHtml } from './backtest-html.ts';
import { backtestText, int, type ReportWords } from './backtest-report.ts';
import { CliError, Exit, EXIT, fsReason, paint } from './output.ts';

const words = (r: ShadowReport): ReportWords => ({
  title: `shadow report: ${r.pack.name}${r.pack.version ? ` ${r.pack.version}` : ''} (${r.shadow.candidate.slice(0, 19)}…) beside ${r.comparison ? `${r.comparison.baseline.pack}${r.comparison.baseline.version ? ` ${r.comparison.baseline.version}` : ''}` : 'the live bundle'}`,
  ids: 'decision ids', one: 'decision',
});

export function registerShadow(cli: Command): void {
  const shadow = cli.command('shadow').description('the shadow candidate a service runs beside its live bundle (serve --shadow)');
  shadow.command('report')
    .description('what the shadow decided beside every logged request: outcome changes from live to candidate, per-rule hits, money, precision and recall by label')
    .requiredOption('--db <file|url>', 'the store, a SQLite file or a postgres:// URL (its decision log holds both decisions; its labels score them)')
    .option('--candidate <hash>', 'the shadow bundle (its hash, or a prefix); default: the one shadowed last')
    .option('--from <date>', 'decisions of events at or after this time')
    .option('--to <date>', 'decisions of events before this time; a date alone includes that whole day')
    .option('--labels-as-of <date>', 'score against the labels known by then (default: every stored label)')
    .option('--labels <kinds>', 'score against these label kinds, comma-separated (default: the candidate\'s `measured by`)')
    .option('--examples <n>', 'example decision ids kept per rule and per change', '5')
    .option('--json', 'print the whole report as JSON')
    .option('--html <file>', 'also write a self-contained HTML report with charts')
    .addHelpText('after', `
Nothing is decided again: the service logged, for each request, the decision it
sent and the shadow's decision on the same read of the store (serve --shadow
--log). The report has a backtest's shape, with the live bundle as the baseline:
"changes" are requests whose outcome the candidate would have changed. A logged
decision is labelled in labels.csv as subject_kind decision, subject its id (the
decisionId /v1/decide returns), or through its customer. Requests the shadow
failed on are counted as skipped, with the error; they were answered all the same.

Examples:
  zhiyu shadow report --db demo.db
  zhiyu shadow report --db demo.db --from 2026-03-01 --html shadow.html
  zhiyu shadow report --db postgres://analyst@db/risk`)
    .action(async (o: { db: string; candidate?: string; from?: string; to?: string; labelsAsOf?: string; labels?: string; examples: string; json?: boolean; html?: string }) => {
      if (!/^\d+$/.test(o.examples)) throw new CliError('ZY8203', `--examples takes a whole number, not ${JSON.stringify(o.examples)}`);
      const kinds = o.labels?.split(',').map((k) => k.trim()).filter(Boolean);
      if (kinds && (kinds.length === 0 || kinds.some((k) => !LABEL_KIND.test(k)))) throw new CliError('ZY8203', `--labels takes label kinds such as fraud,chargeback, not ${JSON.stringify(o.labels)}`);
      let store: AnyStore;
      try { store = await openAnyStore(o.db, { readonly: true }); } catch (e) {
        if (e instanceof StoreError) { console.error(paint.red(`${e.code}: ${e.message}`)); throw new Exit(EXIT.USAGE); }
        throw e;
      }
      const log = logOf(store);
      let r: ShadowReport;
      try {
        r = await shadowReport(sourceOf(store, log), {
          ...(o.candidate !== undefined ? { candidate: o.candidate } : {}), ...(o.from !== undefined ? { from: o.from } : {}), ...(o.to !== undefined ? { to: o.to } : {}),
          ...(o.labelsAsOf !== undefined ? { labelsAsOf: o.labelsAsOf } : {}), ...(kinds ? { labelKinds: kinds } : {}), examples: Number(o.examples),
        });
      } catch (e) {
        if (e instanceof BacktestError || e instanceof StoreError) { console.error(paint.red(`${e.code}: ${e.message}`)); throw new Exit(e.code === 'ZY7504' ? EXIT.FINDINGS : EXIT.USAGE); }
        throw e;
      } finally { log.close(); await closeAnyStore(store); }
      if (o.html) {
        try { writeFileSync(o.html, backtestHtml(r, words(r))); } catch (e) { throw new CliError('ZY8204', `cannot write ${o.html}: ${fsReason(e)}`); }
        if (!o.json) console.error(paint.dim(`report written to ${o.html}`));
      }
      if (o.json) { console.log(JSON.stringify(r, null, 2)); return; }
      console.log(backtestText(r, words(r)));
      console.log(paint.dim(`\n${int(r.shadow.logged)} decisions logged with the shadow beside them${r.shadow.canary ? `, ${int(r.shadow.canary)} of them answered by the canary (left out)` : ''}; live bundles: ${r.shadow.live.join(', ') || 'none'}`));
    });
}

/** The decision log, bundle history and labels of either backend. */
function sourceOf(store: AnyStore, log: ReturnType<typeof logOf>): ShadowSource {
  if (store.kind === 'sqlite') return sqliteShadowSource(log.sqlite!, store.db);
  const pgLog = store.pg.log();
  return {
    candidates: () => pgLog.shadowCandidates(), shadowed: (o) => pgLog.shadowed(o), history: log.history,
    labels: (asOf, kinds) => store.pg.labelRows(asOf, kinds),
  };
}
