// The zhiyu CLI. Exit codes: 0 ok, 1 findings or failed tests, 2 usage or
// internal error. Each group of commands registers itself from its own file.
import { Command, CommanderError } from 'commander';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { compile } from '../compiler/index.ts';
import { printIR } from '../compiler/print.ts';
import { codeListing } from '../compiler/escape.ts';
import { isStackOverflow } from '../compiler/limits.ts';
import { packName, scaffold } from './scaffold.ts';
import { readPack } from './pack-files.ts';
import { registerCheck } from './check-commands.ts';
import { registerEval } from './eval-commands.ts';
import { registerTest } from './test-commands.ts';
import { registerDb } from './db-commands.ts';
import { registerBundle } from './bundle-commands.ts';
import { registerJsonLogic } from './jsonlogic-commands.ts';
import { registerBacktest } from './backtest-commands.ts';
import { registerRollout } from './rollout-commands.ts';
import { registerShadow } from './shadow-commands.ts';
import { registerDiff } from './diff-commands.ts';
import { registerReport } from './outcomes-report.ts';
import { BundleError } from '../runtime/bundle.ts';
import { TrustError } from '../runtime/trust.ts';
import { CliError, Exit, EXIT, paint, requireOk } from './output.ts';
import { StoreError } from '../runtime/store/errors.ts';

const { red } = paint;

export function program(): Command {
  const cli = new Command('zhiyu')
    .description('智御 zhiyu — compile, check and run fraud and consumer-protection rule packs')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .addHelpText('after', '\nExit codes: 0 ok · 1 findings or failed tests · 2 usage or internal error');

  registerCheck(cli);
  cli.command('init')
    .description('create a new pack: schema, one rule, its tests and a README; it passes check, test and fmt --check')
    .argument('<dir>', 'the directory to create (it must not exist, or be empty)')
    .option('--name <name>', 'the pack name (default: from the directory name)')
    .addHelpText('after', `
Examples:
  zhiyu init my-pack
  zhiyu init rules/collections --name collection_gates`)
    .action((dir: string, o: { name?: string }) => {
      if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0)) {
        console.error(red(`${dir} ${statSync(dir).isDirectory() ? 'is not empty' : 'is a file'}: zhiyu init only creates a pack in a new or empty directory`));
        throw new Exit(EXIT.USAGE);
      }
      const name = packName(o.name ?? basename(resolve(dir)));
      mkdirSync(dir, { recursive: true });
      for (const [file, text] of Object.entries(scaffold(name))) {
        writeFileSync(join(dir, file), text);
        console.log(`created ${join(dir, file)}`);
      }
      console.log(`\nnext:\n  zhiyu check ${dir}\n  zhiyu test ${dir} --coverage`);
    });

  cli.command('dump')
    .description('print what the compiler made of a pack: the generated JavaScript, or the checked rules')
    .argument('<paths...>', 'pack directories or .zy files')
    .option('--stage <stage>', 'code, checked or optimized', 'code')
    .addHelpText('after', '\nExamples:\n  zhiyu dump rules/demo\n  zhiyu dump rules/demo --stage optimized')
    .action((paths: string[], o: { stage: string }) => {
      const r = compile(readPack(paths));
      requireOk(r);
      if (o.stage === 'code') {
        console.log(codeListing(r.code));
        return;
      }
      const pack = o.stage === 'checked' ? r.checked : o.stage === 'optimized' ? r.optimized : undefined;
      if (!pack) { console.error(red(`unknown stage ${o.stage}: use code, checked or optimized`)); throw new Exit(EXIT.USAGE); }
      for (const [name, p] of pack.predicates) console.log(`predicate ${name} = ${printIR(p.body)}`);
      pack.aggregates.forEach((a) => console.log(`agg#${a.id} = ${a.text}`));
      for (const rule of pack.rules) console.log(`rule ${rule.id}: ${printIR(rule.condition)}${rule.outcome ? ` → ${rule.outcome}` : ''}${rule.score ? ` +${rule.score}` : ''}`);
    });

  registerEval(cli);
  registerTest(cli);
  registerDb(cli);
  registerBundle(cli);
  registerJsonLogic(cli);
  registerBacktest(cli);
  registerRollout(cli);
  registerShadow(cli);
  registerDiff(cli);
  registerReport(cli);
  return cli;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return EXIT.OK;
  } catch (e) {
    if (e instanceof Exit) return e.code;
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    if (e instanceof CliError) { console.error(red(`${e.code}: ${e.message}`)); return e.exit; }
    if (e instanceof StoreError || e instanceof BundleError || e instanceof TrustError) { console.error(red(`${e.code}: ${e.message}`)); return EXIT.FINDINGS; }
    // SQLite's own errors surface while reading a damaged or unreadable file, anywhere in a command.
    if (e instanceof Error && e.name === 'SqliteError') { console.error(red(`ZY7007: the database cannot be read (${e.message}); is it a zhiyu database, and undamaged?`)); return EXIT.FINDINGS; }
    if (isStackOverflow(e)) { console.error(red('ZY1005: the pack is nested too deeply to process; split long conditions into named predicates')); return EXIT.FINDINGS; }
    // A bug: one line, and the stack only when asked for.
    const err = e as Error;
    console.error(red(`internal error: ${String(err?.message ?? e).split('\n')[0]} (set ZHIYU_DEBUG=1 for the stack, and please report it)`));
    if (process.env['ZHIYU_DEBUG']) console.error(err?.stack ?? e);
    return EXIT.USAGE;
  }
}
