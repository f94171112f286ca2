// `zhiyu backtest`: what a pack (or bundle) would have decided on the stored
// history, against the labels and, with --baseline, against another pack.
import type { Command } from 'commander';
import { isPostgresUrl } from '../runtime/store/postgres/connect.ts';
import { SingleBar } from 'cli-progress';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { compile, renderDiagnostic } from '../compiler/index.ts';
import { BundleError } from '../runtime/bundle.ts';
import { bundleToRun } from './bundle-commands.ts';
import type { Program } from '../runtime/engine.ts';
import { backtest, BacktestError, type BacktestRun } from '../runtime/backtest/index.ts';
import { StoreError } from '../runtime/store/errors.ts';
import { LABEL_KIND } from '../runtime/store/rows.ts';
import { backtestHtml } from './backtest-html.ts';
import { backtestText } from './backtest-report.ts';
import { Exit, EXIT, paint } from './output.ts';
import { PACK_EXTENSION, readPacks } from './pack-files.ts';

const fail = (code: string, message: string, exit: number = EXIT.USAGE): never => {
  console.error(paint.red(`${code}: ${message}`));
  throw new Exit(exit);
};

/** A pack directory, .zy files, or a bundle file, compiled or loaded into a program. */
export function programAt(path: string, what: string, publicKey?: string): Program {
  if (!existsSync(path)) fail('ZY7501', `${what} ${path} does not exist: give a pack directory or a bundle (.zyb)`);
  const isPack = statSync(path).isDirectory() || extname(path) === PACK_EXTENSION;
  if (!isPack) {
    try {
      return bundleToRun(path, publicKey).program;
    } catch (e) {
      if (e instanceof BundleError) fail(e.code, `${what} ${path}: ${e.message}`, EXIT.FINDINGS);
      throw e;
    }
  }
  const packs = readPacks([path]);
  if (packs.length !== 1) fail('ZY7501', `${what} ${path} holds ${packs.length} packs${packs.length ? ` (${packs.map((p) => p.name).join(', ')})` : ''}; give one`);
  const r = compile(packs[0]!.files);
  if (!r.ok || !r.optimized || !r.code) {
    for (const d of r.diagnostics) console.error(`${renderDiagnostic(d, r.files)}\n`);
    fail('ZY7501', `${what} ${path} has errors; run zhiyu check ${path}`, EXIT.FINDINGS);
  }
  return { pack: r.optimized!, code: r.code! };
}

function labelKinds(value: string): string[] {
  const kinds = value.split(',').map((k) => k.trim()).filter(Boolean);
  const bad = kinds.find((k) => !LABEL_KIND.test(k));
  if (bad !== undefined || kinds.length === 0) fail('ZY7503', `--labels takes label kinds such as fraud,chargeback, not ${JSON.stringify(value)}`);
  return kinds;
}

function wholeNumber(value: string, option: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  return fail('ZY7503', `${option} takes a whole number, not ${JSON.stringify(value)}`);
}

const seconds = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};

interface Options {
  db: string; from?: string; to?: string; baseline?: string; json?: boolean; html?: string;
  workers?: string; labelsAsOf?: string; labels?: string; decisions?: string; index: boolean; examples?: string; publicKey?: string;
}

export function registerBacktest(cli: Command): void {
  cli.command('backtest')
    .description('replay the stored events through a pack, each as of its own time: hits, precision and recall against labels, and what changes against a baseline')
    .argument('<pack>', 'a pack directory or a bundle (.zyb)')
    .requiredOption('--db <file|url>', 'the store with the events (and labels) to replay: a SQLite file, or a postgres:// URL (replayed from one snapshot copied locally)')
    .option('--from <date>', 'first event time included (2026-02-01, or 2026-02-01T08:00; Asia/Shanghai unless a zone is given)')
    .option('--to <date>', 'events before this time; a date alone includes that whole day')
    .option('--baseline <pack>', 'the pack or bundle in production now: count the events whose outcome changes')
    .option('--public-key <file.pem>', 'run a bundle (pack or baseline) only if signed by this ed25519 key')
    .option('--json', 'print the whole result as JSON')
    .option('--html <file>', 'also write a self-contained HTML report with charts')
    .option('--workers <n>', 'worker threads (default: one per core for large ranges; 0 = this thread)')
    .option('--labels-as-of <date>', 'score against the labels known by then (default: every stored label)')
    .option('--labels <kinds>', 'score against these label kinds, comma-separated (default: the pack\'s `measured by`)')
    .option('--decisions <file>', 'also write every decided event\'s outcome, score and fired rules as JSON lines')
    .option('--examples <n>', 'example events kept per rule and per change', '5')
    .option('--no-index', 'do not create the indexes the windows need, even when the file is writable')
    .addHelpText('after', `
Each event is decided as of its own time: windows over the events stored before it,
lists and entity profiles as they stood then (the report says how each profile
read was answered). A pack decides only the event types it names in \`decides\`;
the others are skipped and counted by type. Labels (zy_labels) mark events or
customers with a kind (fraud, chargeback, qa_breach, …) that holds or, checked,
does not; only the kinds the pack is \`measured by\` count. An event label beats
its customer's, the latest known label wins, unlabelled events count as negative.

Examples:
  zhiyu backtest rules/fraud --db demo.db
  zhiyu backtest rules/fraud --db demo.db --from 2026-02-01 --to 2026-02-28 --baseline live.zyb
  zhiyu backtest rules/fraud --db demo.db --json > backtest.json
  zhiyu backtest rules/conduct/gates --db demo.db --labels qa_breach --decisions gates.jsonl
  zhiyu backtest fraud.zyb --db demo.db --html backtest.html`)
    .action(async (path: string, o: Options) => {
      const program = programAt(path, 'pack', o.publicKey);
      const baseline = o.baseline ? programAt(o.baseline, 'baseline', o.publicKey) : undefined;
      if (!isPostgresUrl(o.db) && !existsSync(o.db)) fail('ZY7001', `database ${o.db} does not exist; create it with \`zhiyu db seed --demo ${o.db}\` or \`zhiyu db import ${o.db} <file>\``, EXIT.FINDINGS);
      const bar = process.stderr.isTTY && !o.json
        ? new SingleBar({ format: 'backtest [{bar}] {percentage}% | {done}/{events} {unit} | {rate} | ETA {left}', stream: process.stderr, hideCursor: true })
        : undefined;
      let run: BacktestRun;
      try {
        bar?.start(1, 0, { done: 0, events: '…', unit: 'events', rate: '–', left: '–' });
        run = await backtest(program, o.db, {
          ...(o.from !== undefined ? { from: o.from } : {}), ...(o.to !== undefined ? { to: o.to } : {}),
          ...(baseline ? { baseline } : {}), ...(o.workers !== undefined ? { workers: wholeNumber(o.workers, '--workers') } : {}),
          ...(o.labelsAsOf !== undefined ? { labelsAsOf: o.labelsAsOf } : {}),
          ...(o.labels !== undefined ? { labelKinds: labelKinds(o.labels) } : {}), ...(o.decisions ? { decisions: true } : {}),
          examples: wholeNumber(o.examples ?? '5', '--examples'), createIndexes: o.index,
          onProgress: (p) => {
            bar?.setTotal(Math.max(1, p.total));
            bar?.update(p.done, {
              done: p.done.toLocaleString('en-US'), events: p.copy && !p.copy.counted ? '…' : p.total.toLocaleString('en-US'),
              // Over PostgreSQL the snapshot copy comes first, table by table.
              unit: p.copy ? `rows of ${p.copy.table} copied (table ${p.copy.index} of ${p.copy.tables})` : 'events',
              rate: p.copy ? '–' : `${Math.round(p.rate).toLocaleString('en-US')} events/s`, left: p.etaMs === undefined ? '–' : seconds(p.etaMs),
            });
          },
        });
        bar?.stop();
      } catch (e) {
        bar?.stop();
        if (e instanceof BacktestError) fail(e.code, e.message, e.code === 'ZY7504' ? EXIT.FINDINGS : EXIT.USAGE);
        if (e instanceof StoreError) fail(e.code, e.message, EXIT.FINDINGS);
        throw e;
      }
      if (o.decisions) {
        writeFileSync(o.decisions, run.decisions!.map((d) => JSON.stringify(d)).join('\n') + (run.decisions!.length ? '\n' : ''));
        if (!o.json) console.error(paint.dim(`${run.decisions!.length} decisions written to ${o.decisions}`));
      }
      const { decisions: _kept, ...report } = run;
      if (o.html) {
        writeFileSync(o.html, backtestHtml(report));
        if (!o.json) console.error(paint.dim(`report written to ${o.html}`));
      }
      console.log(o.json ? JSON.stringify(report, null, 2) : backtestText(report));
    });
}
