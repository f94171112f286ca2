// The zhiyu CLI. Exit codes: 0 ok, 1 findings or failed tests, 2 usage or
// internal error.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { compile, renderDiagnostic, type CompileResult, type SourceFile } from '../compiler/index.ts';
import { printIR } from '../compiler/print.ts';
import { InputError, interpret, load, MemoryProvider, runTests, type Decision, type FeatureProvider } from '../runtime/index.ts';
import { readPacks } from './pack-files.ts';
import { validateRecord } from '../runtime/validate.ts';
import { registerDb } from './db-commands.ts';
import { Exit, EXIT, paint } from './output.ts';
import { packHash } from '../runtime/pack-hash.ts';
import { DecisionLog, openStore, RecordingProvider, SqliteProvider, StoreError } from '../runtime/store/index.ts';
import { TIME_FIELD } from '../compiler/check/context.ts';
import { coerce } from '../compiler/input.ts';
import { TIMESTAMP } from '../compiler/types.ts';

const { red, green, dim } = paint;

/** Exactly one pack (dump, eval): several packs are a usage error. */
function onePack(paths: string[]): SourceFile[] {
  const packs = readPacks(paths);
  if (packs.length !== 1) {
    console.error(red(`give one pack; ${paths.join(' ')} holds ${packs.length}: ${packs.map((p) => p.name).join(', ')}`));
    throw new Exit(EXIT.USAGE);
  }
  return packs[0]!.files;
}

function compilePaths(paths: string[]): CompileResult {
  return compile(onePack(paths));
}

function printDiagnostics(r: CompileResult, format: string): void {
  if (format === 'json') {
    console.log(JSON.stringify(r.diagnostics.map((d) => ({ ...d, file: r.files[d.span.file]?.path })), null, 2));
    return;
  }
  for (const d of r.diagnostics) console.log(`${renderDiagnostic(d, r.files)}\n`);
  const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
  const msg = `${r.files.length} file${r.files.length === 1 ? '' : 's'}, ${errors} error${errors === 1 ? '' : 's'}, ${r.diagnostics.length - errors} other finding${r.diagnostics.length - errors === 1 ? '' : 's'}`;
  console.log(errors ? red(msg) : green(msg));
}

function requireOk(r: CompileResult): asserts r is CompileResult & Required<Pick<CompileResult, 'checked' | 'optimized' | 'code'>> {
  if (!r.ok) {
    for (const d of r.diagnostics) console.error(`${renderDiagnostic(d, r.files)}\n`);
    throw new Exit(EXIT.FINDINGS);
  }
}

interface Scenario {
  event: Record<string, unknown>;
  entities?: Record<string, Record<string, object>>;
  history?: Record<string, unknown>[];
  lists?: Record<string, unknown[]>;
}

function readJson(arg: string): unknown {
  const text = arg.trim().startsWith('{') ? arg : readFileSync(arg, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    console.error(red(`cannot read JSON from ${arg.trim().startsWith('{') ? 'the argument' : arg}: ${(e as Error).message}`));
    throw new Exit(EXIT.USAGE);
  }
}

function printDecision(d: Decision): void {
  console.log(`outcome ${d.outcome}  score ${d.score}  (${d.pack}${d.version ? ` ${d.version}` : ''})`);
  if (d.fired.length === 0) console.log(dim('  no rule fired'));
  for (const f of d.fired) {
    console.log(`  ${f.id}${f.outcome ? ` → ${f.outcome}` : ''}${f.score ? ` (+${f.score})` : ''}${f.reason ? `  [${f.reason}]` : ''}${f.title ? `  ${f.title}` : ''}`);
    if (f.message.zh) console.log(`    ${f.message.zh}`);
    if (f.message.en) console.log(`    ${f.message.en}`);
    for (const s of f.seen) console.log(dim(`    ${s.feature} = ${s.value === undefined ? '(missing)' : JSON.stringify(s.value)}`));
  }
}

export function program(): Command {
  const cli = new Command('zhiyu')
    .description('智御 zhiyu — compile, check and run fraud and consumer-protection rule packs')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .addHelpText('after', '\nExit codes: 0 ok · 1 findings or failed tests · 2 usage or internal error');

  cli.command('check')
    .description('parse and type-check a pack; report every diagnostic')
    .argument('<paths...>', 'pack directories or .zy files')
    .option('--format <format>', 'text or json', 'text')
    .addHelpText('after', '\nExamples:\n  zhiyu check rules/demo\n  zhiyu check rules/demo --format json')
    .action((paths: string[], o: { format: string }) => {
      const results = readPacks(paths).map((p) => compile(p.files));
      if (o.format === 'json') {
        console.log(JSON.stringify(results.flatMap((r) => r.diagnostics.map((d) => ({ ...d, file: r.files[d.span.file]?.path }))), null, 2));
      } else {
        results.forEach((r) => printDiagnostics(r, o.format));
      }
      if (results.some((r) => r.diagnostics.some((d) => d.severity === 'error'))) throw new Exit(EXIT.FINDINGS);
    });

  cli.command('dump')
    .description('print what the compiler made of a pack: the generated JavaScript, or the checked rules')
    .argument('<paths...>', 'pack directories or .zy files')
    .option('--stage <stage>', 'code, checked or optimized', 'code')
    .addHelpText('after', '\nExamples:\n  zhiyu dump rules/demo\n  zhiyu dump rules/demo --stage optimized')
    .action((paths: string[], o: { stage: string }) => {
      const r = compilePaths(paths);
      requireOk(r);
      if (o.stage === 'code') {
        console.log(`// constants (K)\n${r.code.constants.map((c, i) => `// K[${i}] = ${JSON.stringify(c)}`).join('\n')}\n${r.code.source}`);
        return;
      }
      const pack = o.stage === 'checked' ? r.checked : o.stage === 'optimized' ? r.optimized : undefined;
      if (!pack) { console.error(red(`unknown stage ${o.stage}: use code, checked or optimized`)); throw new Exit(EXIT.USAGE); }
      for (const [name, p] of pack.predicates) console.log(`predicate ${name} = ${printIR(p.body)}`);
      pack.aggregates.forEach((a) => console.log(`agg#${a.id} = ${a.text}`));
      for (const rule of pack.rules) console.log(`rule ${rule.id}: ${printIR(rule.condition)}${rule.outcome ? ` → ${rule.outcome}` : ''}${rule.score ? ` +${rule.score}` : ''}`);
    });

  cli.command('eval')
    .description('decide one event and explain the decision')
    .argument('<paths...>', 'pack directories or .zy files')
    .option('--event <json|file>', 'the event, as JSON or a JSON file')
    .option('--scenario <file>', 'a JSON file {event, entities, history, lists}')
    .option('--db <file>', 'read entities, lists and history from this SQLite store')
    .option('--labelled <n>', 'with --db: decide the first n stored events labelled fraud, each as of its own time')
    .option('--log', 'with --db: append the decision to the decision log')
    .option('--interpret', 'use the reference interpreter and print its trace')
    .option('--strict', 'reject event fields the schema does not declare')
    .option('--json', 'print the decision as JSON')
    .addHelpText('after', `
Examples:
  zhiyu eval rules/demo --scenario rules/demo/scenarios/phone-scam.json
  zhiyu eval rules/demo --event '{"type":"login","customer_id":"c1","occurred_at":"2026-02-20T10:00"}' --db demo.db --log
  zhiyu eval rules/demo --db demo.db --labelled 5`)
    .action((paths: string[], o: { event?: string; scenario?: string; db?: string; labelled?: string; log?: boolean; interpret?: boolean; strict?: boolean; json?: boolean }) => {
      if (!o.event && !o.scenario && !o.labelled) { console.error(red('give --event, --scenario or --labelled')); throw new Exit(EXIT.USAGE); }
      if ((o.labelled || o.log) && !o.db) { console.error(red('--labelled and --log need --db')); throw new Exit(EXIT.USAGE); }
      const files = onePack(paths);
      const r = compile(files);
      requireOk(r);
      const store = o.db ? openStore(o.db, { readonly: !o.log }) : undefined;
      try {
        const engine = load({ pack: r.optimized, code: r.code });
        const base = store ? new SqliteProvider(store, o.interpret ? r.checked : r.optimized) : undefined;
        const decideOne = (event: unknown, provider: FeatureProvider): Decision => {
          if (o.interpret) {
            const t = interpret(r.checked, event, provider, { strict: !!o.strict });
            if (!o.json) for (const rt of t.trace) console.log(dim(`  trace ${rt.id}: ${rt.active ? (rt.value === undefined ? 'missing' : String(rt.value)) : 'inactive'}`));
            return t.decision;
          }
          return engine.decide(event, provider, { strict: !!o.strict });
        };
        const show = (d: Decision) => (o.json ? console.log(JSON.stringify(d, null, 2)) : printDecision(d));
        if (o.labelled) {
          const rows = store!.prepare(`SELECT e.* FROM zy_labels l JOIN zy_events e ON e.zy_seq = CAST(l.subject AS INTEGER)
            WHERE l.subject_kind = 'event' AND l.label = 'fraud' ORDER BY e.zy_seq LIMIT ?`).all(Number(o.labelled)) as Record<string, unknown>[];
          for (const row of rows) {
            const { zy_seq: seq, ...event } = row;
            for (const k of Object.keys(event)) if (event[k] === null) delete event[k];
            console.log(dim(`event #${seq} ${JSON.stringify(event)}`));
            show(decideOne(event, base!.before(seq as number)));
          }
          return;
        }
        const s = (o.scenario ? readJson(o.scenario) : { event: readJson(o.event!) }) as Scenario;
        const provider = base ?? new MemoryProvider({
          entities: Object.fromEntries(Object.entries(s.entities ?? {}).map(([k, rows]) => [k, new Map(Object.entries(rows))])),
          // Scenario history is checked like an event (ISO times become epoch ms).
          history: (s.history ?? []).map((h, i) => validateRecord(r.checked.schema.event, h, `history[${i}]`)), lists: (s.lists ?? {}) as never,
        });
        if (o.log) {
          const rec = new RecordingProvider(provider);
          const d = decideOne(s.event, rec);
          const id = new DecisionLog(store!).append(packHash(files), s.event, Number(coerce(TIMESTAMP, (s.event as Record<string, unknown>)[TIME_FIELD], `event.${TIME_FIELD}`) ?? 0), rec.snapshot, d);
          show(d);
          if (!o.json) console.log(dim(`logged as decision ${id}; zhiyu replay ${o.db} ${id} --pack ${paths.join(' ')}`));
          return;
        }
        show(decideOne(s.event, provider));
      } catch (e) {
        if (e instanceof InputError) { console.error(red(`${e.code}: ${e.message}`)); throw new Exit(EXIT.FINDINGS); }
        throw e;
      } finally {
        store?.close();
      }
    });

  cli.command('test')
    .description("run a pack's own tests; ends with 'N passed, N failed'")
    .argument('<paths...>', 'pack directories or .zy files')
    .option('--interpret', 'run the tests on the reference interpreter instead of compiled code')
    .addHelpText('after', '\nExamples:\n  zhiyu test rules/demo')
    .action((paths: string[], o: { interpret?: boolean }) => {
      const packs = readPacks(paths);
      let passed = 0;
      let failed = 0;
      for (const p of packs) {
        const r = compile(p.files);
        requireOk(r);
        if (packs.length > 1) console.log(paint.bold(p.name));
        const engine = load({ pack: r.optimized, code: r.code });
        const results = runTests(r.checked, o.interpret ? (e, pr) => interpret(r.checked, e, pr).decision : (e, pr) => engine.decide(e, pr));
        for (const t of results) {
          if (t.passed) { passed++; console.log(`${green('✓')} ${t.name}`); continue; }
          failed++;
          const f = r.files[t.span.file];
          console.log(`${red('✗')} ${t.name}${f ? dim(`  (${f.path})`) : ''}`);
          for (const m of t.failures) console.log(`    ${m}`);
        }
      }
      console.log(`${passed} passed, ${failed} failed`);
      if (failed) throw new Exit(EXIT.FINDINGS);
    });

  registerDb(cli);
  return cli;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return EXIT.OK;
  } catch (e) {
    if (e instanceof Exit) return e.code;
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    if (e instanceof StoreError) { console.error(red(`${e.code}: ${e.message}`)); return EXIT.FINDINGS; }
    console.error(red(`internal error: ${(e as Error).stack ?? e}`));
    return EXIT.USAGE;
  }
}
