// `zhiyu diff old new`: the change request an approver reads, rule by rule
// and condition by condition, with --db the backtest of the change.
import type { Command } from 'commander';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { compile, renderDiagnostic } from '../compiler/index.ts';
import { backtest, BacktestError, type BacktestRun } from '../runtime/backtest/index.ts';
import { BundleError, readBundle } from '../runtime/bundle.ts';
import { diffPacks, type Side } from '../runtime/diff.ts';
import type { Program } from '../runtime/engine.ts';
import { StoreError } from '../runtime/store/errors.ts';
import { describeTrust } from '../runtime/trust.ts';
import { policyOf } from './bundle-commands.ts';
import { diffHtml, diffText } from './diff-report.ts';
import { CliError, Exit, EXIT, fsReason, paint } from './output.ts';
import { PACK_EXTENSION, readPack } from './pack-files.ts';

interface Options { db?: string; html?: string; json?: boolean; from?: string; to?: string; publicKey?: string; keyring?: string }

/** A bundle (its pack, hash and effective_from) or a pack directory compiled. */
function sideOf(path: string, o: Options, runs: boolean): { program: Program; side: Partial<Side> } {
  if (!existsSync(path)) throw new CliError('ZY8201', `${path} does not exist: give a bundle (.zyb) or a pack directory`);
  if (!statSync(path).isDirectory() && extname(path) !== PACK_EXTENSION) {
    const verify = !!(o.publicKey || o.keyring);
    try {
      const b = readBundle(path, { trust: policyOf(o, !verify) });
      // Without --db nothing of the bundle runs: only its pack's names are read.
      if (runs && !b.signed) console.error(paint.red(`warning: ${path} is ${describeTrust(b.trust)}; --db runs its code: give --public-key or --keyring to check who made it`));
      return { program: b.program, side: { hash: b.hash, ...(b.manifest.effectiveFrom !== undefined ? { effectiveFrom: b.manifest.effectiveFrom } : {}) } };
    } catch (e) {
      if (e instanceof BundleError) { console.error(paint.red(`${e.code}: ${path}: ${e.message}`)); throw new Exit(EXIT.FINDINGS); }
      throw e;
    }
  }
  const r = compile(readPack([path]));
  if (!r.ok || !r.optimized || !r.code) {
    for (const d of r.diagnostics) console.error(`${renderDiagnostic(d, r.files)}\n`);
    console.error(paint.red(`${path} has errors; run zhiyu check ${path}`));
    throw new Exit(EXIT.FINDINGS);
  }
  return { program: { pack: r.optimized, code: r.code }, side: {} };
}

export function registerDiff(cli: Command): void {
  cli.command('diff')
    .description('what a new bundle changes, rule by rule and condition by condition (thresholds and outcomes side by side); with --db, what it changes on the stored events')
    .argument('<old>', 'the bundle (or pack directory) running now')
    .argument('<new>', 'the candidate bundle (or pack directory)')
    .option('--db <file>', 'also backtest the change on this store: outcome changes from old to new, positives caught, good customers hit')
    .option('--from <date>', 'with --db: first event time included')
    .option('--to <date>', 'with --db: events before this time (a date alone includes that day)')
    .option('--html <file>', 'also write the change request as one self-contained HTML page')
    .option('--json', 'print the diff (and the backtest) as JSON')
    .option('--public-key <file.pem>', 'check the bundles are signed by this key (needed for trust when --db runs them)')
    .option('--keyring <file>', 'check the bundles are signed by keys of this keyring')
    .addHelpText('after', `
Each rule's condition is cut into the parts joined by \`and\`; a part is the same,
changed (the same feature with another threshold, operator or window: shown
before and after), added or removed; a rule's lets are paired by name.
Outcomes, scores, reasons, messages, notes and metadata are compared too, and
so are the pack's outcomes, thresholds, constants, lists, predicates and
schema. A rule whose predicate, list or constant changed is listed as changed.
Exit 0 when nothing differs, 1 otherwise.

Examples:
  zhiyu diff live.zyb cand.zyb
  zhiyu diff live.zyb cand.zyb --db demo.db --html change.html`)
    .action(async (oldPath: string, newPath: string, o: Options) => {
      if ((o.from || o.to) && !o.db) throw new CliError('ZY8203', '--from and --to need --db');
      const before = sideOf(oldPath, o, !!o.db);
      const after = sideOf(newPath, o, !!o.db);
      const d = diffPacks(before.program.pack, after.program.pack, { old: before.side, new: after.side });
      let run: BacktestRun | undefined;
      if (o.db) {
        if (!existsSync(o.db)) throw new CliError('ZY8201', `database ${o.db} does not exist`);
        try {
          run = await backtest(after.program, o.db, { baseline: before.program, ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}) });
        } catch (e) {
          if (e instanceof BacktestError || e instanceof StoreError) { console.error(paint.red(`${e.code}: ${e.message}`)); throw new Exit(EXIT.FINDINGS); }
          throw e;
        }
      }
      if (o.html) {
        try { writeFileSync(o.html, diffHtml(d, run)); } catch (e) { throw new CliError('ZY8204', `cannot write ${o.html}: ${fsReason(e)}`); }
        if (!o.json) console.error(paint.dim(`change request written to ${o.html}`));
      }
      if (o.json) {
        const { decisions: _d, ...bt } = run ?? ({} as BacktestRun);
        console.log(JSON.stringify({ ...d, ...(run ? { backtest: bt } : {}) }, null, 2));
      } else console.log(diffText(d, run));
      const differs = d.summary.added + d.summary.removed + d.summary.changed + d.pack.length + d.consts.length + d.lists.length + d.predicates.length + d.schema.length > 0;
      if (differs) throw new Exit(EXIT.FINDINGS);
    });
}
