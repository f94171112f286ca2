// The zhiyu CLI. Exit codes: 0 ok, 1 findings or failed tests, 2 usage or
// internal error.
import { Command, CommanderError } from 'commander';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { compile, isJsonLogicSource, renderDiagnostic, type CheckedPack, type CompileResult, type SourceFile, type Span } from '../compiler/index.ts';
import { sortDiagnostics } from '../compiler/diagnostics.ts';
import { format } from '../compiler/format.ts';
import { lintReport, type Suppressed } from '../compiler/lint/index.ts';
import { conclusionText, proofDiagnostics, proveInvariants, type InvariantResult } from '../compiler/prove/index.ts';
import { counterexampleTest } from '../compiler/prove/as-test.ts';
import { withHistory } from '../runtime/store/sqlite/counterexample.ts';
import { Spans } from '../compiler/lint/spans.ts';
import { positionOf } from '../compiler/source.ts';
import { CoverageCollector } from '../runtime/coverage.ts';
import { failureLines, runTest, type Decider } from '../runtime/testing.ts';
import { showValue } from '../compiler/display.ts';
import { coverageText, diagnosticsJson, junit, sarif, testsJson, type Located, type SuiteResult } from './reports.ts';
import { packName, scaffold } from './scaffold.ts';
import { printIR } from '../compiler/print.ts';
import { codeListing } from '../compiler/escape.ts';
import { isStackOverflow, tooDeep } from '../compiler/limits.ts';
import { InputError, interpret, load, MemoryProvider, type Decision, type FeatureProvider } from '../runtime/index.ts';
import { readPack, readPacks } from './pack-files.ts';
import { validateRecord } from '../runtime/validate.ts';
import { decodeRow } from '../runtime/store/tables.ts';
import { registerDb } from './db-commands.ts';
import { bundleToRun, registerBundle } from './bundle-commands.ts';
import { registerJsonLogic } from './jsonlogic-commands.ts';
import { registerBacktest } from './backtest-commands.ts';
import { registerRollout } from './rollout-commands.ts';
import { registerShadow } from './shadow-commands.ts';
import { registerDiff } from './diff-commands.ts';
import { registerReport } from './outcomes-report.ts';
import { BundleError } from '../runtime/bundle.ts';
import { TrustError } from '../runtime/trust.ts';
import { CliError, Exit, EXIT, fsReason, paint } from './output.ts';
import { packHash } from '../runtime/pack-hash.ts';
import { RecordingProvider } from '../runtime/store/decision-log.ts';
import { StoreError } from '../runtime/store/errors.ts';
import { closeAnyStore, decideOn, logOf, openAnyStore, providerOf } from '../runtime/store/open.ts';
import type { AsyncSource } from '../runtime/store/resolve.ts';
import { TIME_FIELD } from '../compiler/check/context.ts';
import { coerce } from '../compiler/input.ts';
import { TIMESTAMP } from '../compiler/types.ts';

const { red, green, dim } = paint;

/** Exactly one pack (dump, eval): several packs are a usage error (reported by main()). */
function onePack(paths: string[]): SourceFile[] {
  return readPack(paths);
}

function compilePaths(paths: string[]): CompileResult {
  return compile(onePack(paths));
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

/**
 * An option's JSON object (`--event`, `--scenario`): a file holding it, or the
 * JSON itself. Anything but an object is ZY8203; a file that cannot be read ZY8201.
 */
function readJsonObject(arg: string, option: string): Record<string, unknown> {
  const looksLikeJson = /^\s*[[{"\d-]|^\s*(null|true|false)\s*$/.test(arg);
  let text = arg;
  if (!looksLikeJson || existsSync(arg)) {
    try { text = readFileSync(arg, 'utf8'); } catch (e) {
      throw new CliError('ZY8201', `${option}: cannot read ${arg}: ${fsReason(e)}`);
    }
  }
  const from = text === arg ? 'the argument' : arg;
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) {
    throw new CliError('ZY8203', `${option}: ${from} is not valid JSON: ${(e as Error).message.split('\n')[0]!.slice(0, 120)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new CliError('ZY8203', `${option}: ${from} should hold a JSON object, not ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
  }
  return v as Record<string, unknown>;
}

/** A decision for people: values as analysts write them (¥25,000.00, 2026-03-01 10:00 +08:00, 3h20m), never fen or epoch ms. */
function printDecision(d: Decision, pack: CheckedPack): void {
  console.log(`outcome ${d.outcome}  score ${d.score}  (${d.pack}${d.version ? ` ${d.version}` : ''})`);
  if (d.fired.length === 0) console.log(dim('  no rule fired'));
  for (const f of d.fired) {
    console.log(`  ${f.id}${f.outcome ? ` → ${f.outcome}` : ''}${f.score ? ` (${f.score > 0 ? '+' : ''}${f.score})` : ''}${f.reason ? `  [${f.reason}]` : ''}${f.title ? `  ${f.title}` : ''}`);
    if (f.message.zh) console.log(`    ${f.message.zh}`);
    if (f.message.en) console.log(`    ${f.message.en}`);
    const leaves = pack.rules.find((r) => r.id === f.id)?.leaves ?? [];
    f.seen.forEach((s, i) => console.log(dim(`    ${s.feature} = ${leaves[i] ? showValue(leaves[i]!.type, s.value) : s.value === undefined ? 'missing' : JSON.stringify(s.value)}`)));
  }
  for (const n of d.notes ?? []) {
    console.log(`  note from ${n.id}:`);
    if (n.message.zh) console.log(`    ${n.message.zh}`);
    if (n.message.en) console.log(`    ${n.message.en}`);
  }
}

/** Compile, and lint when the pack is free of errors. Spans are given their real ends for display. */
function checkPack(files: SourceFile[], withLint = true): Located {
  const r = compile(files);
  let diagnostics = [...r.diagnostics];
  let suppressed: Suppressed[] = [];
  // A pack refused only for lint errors (ZY6001) is linted in full.
  const clean = r.ok || (r.checked && r.diagnostics.every((d) => d.severity !== 'error' || d.code.startsWith('ZY6')));
  if (withLint && clean && r.checked) {
    try {
      const l = lintReport(r.checked, r.files);
      diagnostics = sortDiagnostics([...diagnostics, ...l.diagnostics]);
      suppressed = l.suppressed;
    } catch (e) {
      if (!isStackOverflow(e)) throw e;
      diagnostics = [...diagnostics, tooDeep({ file: 0, start: 0, end: 1 })];
    }
  }
  // Invariants: proved for every input, or refuted with an input the evaluator confirms (ZY5101), or undecided (ZY5102).
  let proofs: InvariantResult[] | undefined;
  let proofMs = 0;
  if (r.checked && !r.diagnostics.some((d) => d.severity === 'error' && !d.code.startsWith('ZY6'))) {
    const t = performance.now();
    const program = r.optimized && r.code ? { pack: r.optimized, code: r.code } : undefined;
    // A counterexample's window results become earlier events, stored and decided again in a real SQLite store.
    proofs = proveInvariants(r.checked).map((p) => (p.verdict.k === 'refuted' ? { ...p, verdict: { ...p.verdict, example: withHistory(r.checked!, program, p.verdict.example) } } : p));
    proofMs = performance.now() - t;
    diagnostics = sortDiagnostics([...diagnostics, ...proofDiagnostics(r.checked, proofs)]);
  }
  const fix = spanFixer(r.files);
  return { files: r.files, ...(proofs?.length ? { proofs, proofMs, checked: r.checked } : {}), diagnostics: diagnostics.map((d) => ({ ...d, span: fix(d.span) })), suppressed: suppressed.map((s) => ({ ...s, diagnostic: { ...s.diagnostic, span: fix(s.diagnostic.span) } })) };
}

function spanFixer(files: readonly SourceFile[]): (s: Span) => Span {
  const spans = new Spans(files);
  return (s) => spans.span(s);
}

function checkText(l: Located): string {
  const out = l.diagnostics.map((d) => `${renderDiagnostic(d, l.files)}\n`);
  const errors = l.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = l.diagnostics.filter((d) => d.severity === 'warning').length;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const msg = `${plural(l.files.length, 'file')}, ${plural(errors, 'error')}, ${plural(warnings, 'warning')}${l.suppressed.length ? `, ${l.suppressed.length} suppressed` : ''}`;
  if (l.proofs) {
    const n = (k: string) => l.proofs!.filter((p) => p.verdict.k === k).length;
    const inv = `${plural(l.proofs.length, 'invariant')}: ${n('proved')} proved for every input, ${n('refuted')} refuted, ${n('unknown')} undecided (${Math.round(l.proofMs ?? 0)} ms)`;
    out.push(...counterexamplesText(l), n('proved') === l.proofs.length ? green(inv) : red(inv));
  }
  out.push(errors ? red(msg) : warnings ? msg : green(msg));
  return out.join('\n');
}

/** Each counterexample as a test an analyst can paste into the pack, and whether a SQLite store holding it confirms it. */
function counterexamplesText(l: Located): string[] {
  const out: string[] = [];
  for (const p of l.proofs ?? []) {
    if (p.verdict.k !== 'refuted' || !l.checked) continue;
    const x = p.verdict.example;
    const h = x.history;
    out.push(`counterexample to "${p.invariant.title}", as a test (paste it into the pack to keep the fix):`, counterexampleTest(l.checked, p.invariant.title, x).replace(/^/gm, '  '));
    if (!h) continue;
    for (const u of h.unbuilt) out.push((`  no history for ${l.checked.aggregates[u.id]!.text}: ${u.why}; the test cannot give its value`));
    const said = (o: { outcome: string; fired: readonly string[] }) => `decides ${o.outcome}${o.fired.length ? ` (fired ${o.fired.join(', ')})` : ' (no rule fired)'}`;
    if (h.store) {
      const msg = `  a SQLite store holding ${h.rows.length ? `this history` : 'this input'}: the compiled pack ${said(h.store)}, ${h.store.broken ? 'not' : 'and that satisfies'} \`${conclusionText(x.conclusion)}\``;
      out.push(h.store.broken ? dim(`${msg} — confirmed`) : red(`${msg}: the history built does not reproduce the counterexample`));
    } else if (!h.reproduced && !h.unbuilt.length) {
      out.push(red(`  over the history built the pack ${said(h)}: it does not reproduce the counterexample`));
    }
  }
  return out;
}

interface SuiteOptions { readonly interpret: boolean; readonly coverage: boolean }

/** Compiles one pack and runs its tests (timed), with coverage on the interpreter when asked. */
function runSuite(name: string, files: SourceFile[], o: SuiteOptions): SuiteResult {
  const r = compile(files);
  if (!r.ok || !r.checked || !r.optimized || !r.code) {
    return { name, files, results: [], error: r.diagnostics.map((d) => renderDiagnostic(d, r.files)).join('\n\n') };
  }
  const checked = r.checked;
  const spans = new Spans(files);
  const collector = o.coverage ? new CoverageCollector(checked, (e) => spans.of(e)) : undefined;
  const engine = load({ pack: r.optimized, code: r.code });
  const decide: Decider = collector
    ? (e, p) => { const t = interpret(checked, e, p); collector.add(t.trace); return t.decision; }
    : o.interpret ? (e, p) => interpret(checked, e, p).decision : (e, p) => engine.decide(e, p);
  const results = checked.tests.map((t) => {
    const started = performance.now();
    const res = runTest(checked, t, decide, { files });
    return { ...res, ms: performance.now() - started };
  });
  // Warnings about the tests themselves (an expectation that never applies, history never counted) are shown with them.
  const warnings = r.diagnostics.filter((d) => d.code.startsWith('ZY5')).map((d) => renderDiagnostic(d, r.files));
  return { name, pack: checked.name, files, results, ...(warnings.length ? { warnings } : {}), ...(collector ? { coverage: collector.result() } : {}) };
}

/** To standard output, or to a file (without terminal colours). */
function write(file: string | undefined, text: string): void {
  if (!file) { console.log(text); return; }
  const plain = text.replace(/\x1b\[[0-9;]*m/g, '');
  try {
    writeFileSync(file, plain.endsWith('\n') ? plain : `${plain}\n`);
  } catch (e) {
    throw new CliError('ZY8204', `cannot write ${file}: ${fsReason(e)}`);
  }
}

function oneOf(value: string, allowed: string[], option: string): string {
  if (allowed.includes(value)) return value;
  console.error(red(`${option} must be ${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}, not ${JSON.stringify(value)}`));
  throw new Exit(EXIT.USAGE);
}

/** A whole number of at least 1 (`--labelled 5`); anything else is ZY8203. */
function positiveCount(value: string, option: string): number {
  if (/^\d+$/.test(value) && Number(value) >= 1 && Number.isSafeInteger(Number(value))) return Number(value);
  throw new CliError('ZY8203', `${option} takes a whole number of at least 1, not ${JSON.stringify(value)}`);
}

function count(value: string, option: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  console.error(red(`${option} takes a whole number, not ${JSON.stringify(value)}`));
  throw new Exit(EXIT.USAGE);
}

function percent(value: string): number {
  const n = Number(value.replace(/%$/, ''));
  if (value.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= 100) return n;
  console.error(red(`--coverage-threshold takes a percentage from 0 to 100, not ${JSON.stringify(value)}`));
  throw new Exit(EXIT.USAGE);
}

export function program(): Command {
  const cli = new Command('zhiyu')
    .description('智御 zhiyu — compile, check and run fraud and consumer-protection rule packs')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .addHelpText('after', '\nExit codes: 0 ok · 1 findings or failed tests · 2 usage or internal error');

  cli.command('check')
    .description('parse, type-check and lint packs; report every diagnostic (errors exit 1)')
    .argument('<paths...>', 'pack directories or .zy files')
    .option('--format <format>', 'text, json or sarif (SARIF 2.1.0, for code-scanning UIs)', 'text')
    .option('-o, --output <file>', 'write the report to this file instead of standard output')
    .option('--max-warnings <n>', 'also exit 1 when there are more than n warnings (CI: --max-warnings 0)')
    .option('--no-lint', 'parse and type-check only, without the ZY6xxx lint findings')
    .addHelpText('after', `
Lint findings (ZY6xxx) are warnings, except ZY6001 (a protected feature used in a
decision), which is an error. Silence one on a rule with: suppress ZY6003 "why".

Examples:
  zhiyu check rules/demo
  zhiyu check rules --format sarif -o zhiyu.sarif
  zhiyu check rules/demo --format json --max-warnings 0`)
    .action((paths: string[], o: { format: string; output?: string; maxWarnings?: string; lint: boolean }) => {
      const format = oneOf(o.format, ['text', 'json', 'sarif'], '--format');
      const maxWarnings = o.maxWarnings === undefined ? Infinity : count(o.maxWarnings, '--max-warnings');
      const packs = readPacks(paths);
      const located = packs.map((p) => checkPack(p.files, o.lint));
      const errors = located.reduce((n, l) => n + l.diagnostics.filter((d) => d.severity === 'error').length, 0);
      const warnings = located.reduce((n, l) => n + l.diagnostics.filter((d) => d.severity === 'warning').length, 0);
      if (format === 'json') write(o.output, JSON.stringify(diagnosticsJson(located), null, 2));
      else if (format === 'sarif') write(o.output, JSON.stringify(sarif(located), null, 2));
      else write(o.output, located.map((l, i) => `${paint.bold(packTitle(packs[i]!.name, l))}\n${checkText(l)}`).join('\n\n'));
      if (errors > 0 || warnings > maxWarnings) throw new Exit(EXIT.FINDINGS);
    });

  cli.command('fmt')
    .description('format .zy files canonically, in place (refuses files with syntax errors)')
    .argument('<paths...>', 'pack directories or .zy files')
    .option('--check', 'change nothing: list the files that would change, and exit 1 if there are any')
    .addHelpText('after', `
Formatting only changes layout: white space, line breaks, optional commas. Comments
stay where they are, and the result parses to the same rules. It is idempotent.

Examples:
  zhiyu fmt rules/demo
  zhiyu fmt --check rules          # in CI: exit 1 if a file is not formatted`)
    .action((paths: string[], o: { check?: boolean }) => {
      const files = readPacks(paths).flatMap((p) => p.files).filter((f) => !isJsonLogicSource(f)); // JSON Logic files are not rules to lay out
      let broken = 0;
      const changed: string[] = [];
      for (const f of files) {
        const r = format(f.text);
        if ('diagnostics' in r) {
          broken++;
          for (const d of r.diagnostics) console.error(`${renderDiagnostic(d, [f])}\n`);
          console.error(red(`${f.path}: not formatted, it has syntax errors`));
          continue;
        }
        if (r.text === f.text) continue;
        changed.push(f.path);
        if (!o.check) writeFileSync(f.path, r.text);
      }
      if (o.check) {
        for (const c of changed) console.log(`would reformat ${c}`);
        console.log(`${changed.length} of ${files.length} file${files.length === 1 ? '' : 's'} would be reformatted`);
      } else {
        for (const c of changed) console.log(`formatted ${c}`);
        console.log(`${changed.length} of ${files.length} file${files.length === 1 ? '' : 's'} reformatted`);
      }
      if (broken || (o.check && changed.length)) throw new Exit(EXIT.FINDINGS);
    });

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
      const r = compilePaths(paths);
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

  cli.command('eval')
    .description('decide one event and explain the decision')
    .argument('<paths...>', 'a pack directory, .zy files, or a bundle (.zyb)')
    .option('--event <json|file>', 'the event, as JSON or a JSON file')
    .option('--scenario <file>', 'a JSON file {event, entities, history, lists}')
    .option('--db <file|url>', 'read entities, lists and history from this store (a SQLite file or a postgres:// URL)')
    .option('--at [time]', 'with --db: read the store as it stood at this time (2026-02-10T09:00), or at the event\'s own time when no time is given; default: profiles as they are now, as a live decision reads them')
    .option('--labelled <n>', 'with --db: decide the first n stored events labelled positive (the pack\'s `measured by` kinds, else fraud), each as of its own time')
    .option('--log', 'with --db: append the decision to the decision log')
    .option('--interpret', 'use the reference interpreter and print its trace')
    .option('--strict', 'reject event fields the schema does not declare')
    .option('--json', 'print the decision as JSON')
    .option('--public-key <file.pem>', 'with a bundle: run it only if signed by this ed25519 key (without: run it with a warning)')
    .addHelpText('after', `
Examples:
  zhiyu eval rules/demo --scenario rules/demo/scenarios/phone-scam.json
  zhiyu eval rules/demo --event '{"type":"login","customer_id":"f1","occurred_at":"2026-02-20T10:00"}' --db demo.db --log
  zhiyu eval rules/fraud --event event.json --db demo.db --at          # profiles as they stood at the event's time
  zhiyu eval rules/demo --db demo.db --labelled 5
  zhiyu eval demo.zyb --event event.json --public-key keys/zhiyu.pub.pem`)
    .action(async (paths: string[], o: { event?: string; scenario?: string; db?: string; at?: string | true; labelled?: string; log?: boolean; interpret?: boolean; strict?: boolean; json?: boolean; publicKey?: string }) => {
      if (!o.event && !o.scenario && o.labelled === undefined) { console.error(red('give --event, --scenario or --labelled')); throw new Exit(EXIT.USAGE); }
      if ((o.labelled !== undefined || o.log || o.at) && !o.db) { console.error(red('--labelled, --at and --log need --db')); throw new Exit(EXIT.USAGE); }
      const labelled = o.labelled === undefined ? undefined : positiveCount(o.labelled, '--labelled');
      // A bundle (.zyb) or a pack; a bundle carries the optimized pack, which the
      // interpreter decides identically (property-tested).
      const source = (() => {
        if (paths.length === 1 && paths[0]!.endsWith('.zyb')) {
          try {
            const b = bundleToRun(paths[0]!, o.publicKey);
            return { program: b.program, checked: b.program.pack, sourceHash: b.manifest.sourceHash, bundleHash: b.hash };
          } catch (e) {
            if (e instanceof BundleError) { console.error(red(`${e.code}: ${e.message}`)); throw new Exit(EXIT.FINDINGS); }
            throw e;
          }
        }
        const files = onePack(paths);
        const c = compile(files);
        requireOk(c);
        return { program: { pack: c.optimized, code: c.code }, checked: c.checked, sourceHash: packHash(files), bundleHash: null };
      })();
      const r = { checked: source.checked };
      // The decision log is a file of its own: the store itself is only read.
      const any = o.db ? await openAnyStore(o.db, { readonly: true }) : undefined;
      const store = any?.kind === 'sqlite' ? any.db : undefined;
      try {
        const engine = load(source.program);
        const base = any ? providerOf(any, o.interpret ? r.checked : source.program.pack) : undefined;
        let trace: ReturnType<typeof interpret>['trace'] = [];
        const decideOne = (event: unknown, provider: FeatureProvider): Decision => {
          if (o.interpret) {
            const t = interpret(r.checked, event, provider, { strict: !!o.strict });
            trace = t.trace;
            return t.decision;
          }
          return engine.decide(event, provider, { strict: !!o.strict });
        };
        // Printed with the decision: over PostgreSQL a decision may run more than once before it has every read.
        const show = (d: Decision) => {
          if (!o.json) for (const rt of trace) console.log(dim(`  trace ${rt.id}: ${rt.active ? (rt.value === undefined ? 'missing' : String(rt.value)) : 'inactive'}`));
          trace = [];
          return o.json ? console.log(JSON.stringify(d, null, 2)) : printDecision(d, r.checked);
        };
        if (labelled !== undefined) {
          const kinds = r.checked.measuredBy.length ? r.checked.measuredBy : ['fraud'];
          const types = r.checked.decides;
          const rows = store ? store.prepare(`SELECT e.* FROM zy_events e WHERE e.zy_seq IN (SELECT CAST(l.subject AS INTEGER) FROM zy_labels l
              WHERE l.subject_kind = 'event' AND l.positive = 1 AND l.kind IN (${kinds.map(() => '?').join(', ')}))
            ${types ? `AND e.type IN (${types.map(() => '?').join(', ')})` : ''} ORDER BY e.zy_seq LIMIT ?`)
            .all(...kinds, ...(types ?? []), labelled) as Record<string, unknown>[]
            : any?.kind === 'postgres' ? await any.pg.labelledEvents(kinds, types ?? null, labelled) : [];
          for (const row of rows) {
            const seq = row['zy_seq'] as number;
            // Stored rows are decoded by the schema (bools are 0/1 in both stores).
            const event = decodeRow(r.checked.schema.event, row);
            console.log(dim(`event #${seq} ${JSON.stringify(event)}`));
            // As of its own time, counting only the events stored before it.
            show(await decideOn(base!.asOf(row[TIME_FIELD] as number, seq), (p) => decideOne(event, p)));
          }
          return;
        }
        const s = (o.scenario ? readJsonObject(o.scenario, '--scenario') : { event: readJsonObject(o.event!, '--event') }) as unknown as Scenario;
        const eventTime = () => Number(coerce(TIMESTAMP, (s.event as Record<string, unknown>)?.[TIME_FIELD], `event.${TIME_FIELD}`) ?? NaN);
        const asOf = o.at === undefined ? undefined : o.at === true ? eventTime() : Number(coerce(TIMESTAMP, o.at, '--at'));
        if (asOf !== undefined && !Number.isFinite(asOf)) { console.error(red(`--at needs a time, or an event with ${TIME_FIELD}`)); throw new Exit(EXIT.USAGE); }
        const provider: FeatureProvider | AsyncSource = (base && asOf !== undefined ? base.asOf(asOf) : base) ?? new MemoryProvider({
          entities: Object.fromEntries(Object.entries(s.entities ?? {}).map(([k, rows]) => [k, new Map(Object.entries(rows))])),
          // Scenario history is checked like an event (ISO times become epoch ms).
          history: (s.history ?? []).map((h, i) => validateRecord(r.checked.schema.event, h, `history[${i}]`)), lists: (s.lists ?? {}) as never,
        });
        if (o.log) {
          const { d, snapshot } = await decideOn(provider, (p) => {
            const rec = new RecordingProvider(p);
            return { d: decideOne(s.event, rec), snapshot: rec.snapshot };
          });
          const log = logOf(any!, { write: true });
          try {
            const id = await log.append({ bundleHash: source.bundleHash, sourceHash: source.sourceHash, input: s.event, eventTime: eventTime(), snapshot, decision: d });
            show(d);
            if (!o.json) console.log(dim(`logged as decision ${id}; zhiyu replay ${o.db} ${id} --pack ${paths.join(' ')}`));
          } finally { log.close(); }
          return;
        }
        show(await decideOn(provider, (p) => decideOne(s.event, p)));
      } catch (e) {
        if (e instanceof InputError) { console.error(red(`${e.code}: ${e.message}`)); throw new Exit(EXIT.FINDINGS); }
        throw e;
      } finally {
        if (any) await closeAnyStore(any);
      }
    });

  cli.command('test')
    .description("run packs' own tests; the text report ends with 'N passed, N failed'")
    .argument('<paths...>', 'pack directories or .zy files')
    .option('--interpret', 'run the tests on the reference interpreter instead of compiled code')
    .option('--reporter <name>', 'text, json or junit (JUnit XML)', 'text')
    .option('--json', 'the same as --reporter json')
    .option('-o, --output <file>', 'write the json or junit report to this file, and the text report to standard output')
    .option('--coverage', 'run on the interpreter and report, per rule, fired / not fired and each condition true / false')
    .option('--coverage-threshold <percent>', 'exit 1 when a pack\'s total coverage is below this (implies --coverage)')
    .addHelpText('after', `
A pack that does not compile counts as one failed test. With --coverage the tests run
on the reference interpreter, whose trace shows every condition's value.

Examples:
  zhiyu test rules/demo
  zhiyu test rules --reporter junit -o junit.xml
  zhiyu test rules/demo --coverage --coverage-threshold 90
  zhiyu test rules/demo --coverage --json`)
    .action((paths: string[], o: { interpret?: boolean; reporter: string; json?: boolean; output?: string; coverage?: boolean; coverageThreshold?: string }) => {
      const reporter = o.json ? 'json' : oneOf(o.reporter, ['text', 'json', 'junit'], '--reporter');
      const threshold = o.coverageThreshold === undefined ? undefined : percent(o.coverageThreshold);
      const coverage = !!o.coverage || threshold !== undefined;
      const packs = readPacks(paths);
      const suites = packs.map((p) => runSuite(p.name, p.files, { interpret: !!o.interpret, coverage }));
      const passed = suites.reduce((n, s) => n + s.results.filter((r) => r.passed).length, 0);
      const failed = suites.reduce((n, s) => n + s.results.filter((r) => !r.passed).length + (s.error ? 1 : 0), 0);
      const low = threshold === undefined ? [] : suites.filter((s) => s.coverage && s.coverage.total.percent < threshold);
      const lines: string[] = [];
      for (const s of suites) {
        lines.push(paint.bold(suiteTitle(s)));
        if (s.error) lines.push(`${red('✗')} ${s.name} does not compile`, s.error);
        for (const w of s.warnings ?? []) lines.push(w, '');
        for (const t of s.results) {
          if (t.passed) { lines.push(`${green('✓')} ${t.name}`); continue; }
          const f = s.files[t.span.file];
          lines.push(`${red('✗')} ${t.name}${f ? dim(`  (${f.path}:${positionOf(f, t.span.start).line})`) : ''}`);
          for (const m of failureLines(t)) lines.push(`    ${m}`);
        }
        if (s.coverage) lines.push('', `coverage of ${suiteTitle(s)} (interpreter trace):`, coverageText(s.coverage, s.files), '');
      }
      for (const s of low) lines.push(red(`coverage of ${suiteTitle(s)} is ${s.coverage!.total.percent.toFixed(1)}%, below the threshold of ${threshold}%`));
      // One line per pack, then the total.
      lines.push('');
      for (const s of suites) {
        const p = s.results.filter((r) => r.passed).length;
        const f = s.results.length - p + (s.error ? 1 : 0);
        lines.push(`${suiteTitle(s)}: ${s.error ? 'does not compile, ' : ''}${p} passed, ${f} failed`);
      }
      const summary = `${passed} passed, ${failed} failed`;
      if (reporter === 'text') {
        write(o.output, [...lines, summary].join('\n'));
      } else {
        const report = reporter === 'json' ? `${JSON.stringify(testsJson(suites, coverage), null, 2)}\n` : junit(suites);
        if (o.output) { write(o.output, report); console.log([...lines, summary].join('\n')); }
        else { process.stdout.write(report); console.error(summary); }
      }
      if (failed || low.length) throw new Exit(EXIT.FINDINGS);
    });

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

/** The pack's name (its `pack` declaration, when it has one) and where it was read from. */
function packTitle(where: string, l: Located): string {
  const name = /^\s*pack\s+([A-Za-z_][A-Za-z0-9_]*)/m.exec(l.files.map((f) => f.text).join('\n'))?.[1];
  return name && name !== where ? `${name} (${where})` : where;
}

/** `fraud (rules/fraud)`: the pack's own name and where it was read from. */
function suiteTitle(s: SuiteResult): string {
  return s.pack && s.pack !== s.name ? `${s.pack} (${s.name})` : s.name;
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
