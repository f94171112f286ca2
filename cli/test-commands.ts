// `zhiyu test`: each pack's own tests on compiled code (or the interpreter, with coverage), as text, JSON or JUnit.
import type { Command } from 'commander';
import { compile, renderDiagnostic, type SourceFile } from '../compiler/index.ts';
import { Spans } from '../compiler/lint/spans.ts';
import { positionOf } from '../compiler/source.ts';
import { CoverageCollector } from '../runtime/coverage.ts';
import { failureLines, runTest, type Decider } from '../runtime/testing.ts';
import { interpret, load } from '../runtime/index.ts';
import { coverageText, junit, testsJson, type SuiteResult } from './reports.ts';
import { readPacks } from './pack-files.ts';
import { oneOf, write } from './options.ts';
import { Exit, EXIT, paint } from './output.ts';

const { red, green, dim } = paint;

export function registerTest(cli: Command): void {
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

function percent(value: string): number {
  const n = Number(value.replace(/%$/, ''));
  if (value.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= 100) return n;
  console.error(red(`--coverage-threshold takes a percentage from 0 to 100, not ${JSON.stringify(value)}`));
  throw new Exit(EXIT.USAGE);
}

/** `fraud (rules/fraud)`: the pack's own name and where it was read from. */
function suiteTitle(s: SuiteResult): string {
  return s.pack && s.pack !== s.name ? `${s.pack} (${s.name})` : s.name;
}
