// `zhiyu check` (diagnostics, lint, invariants proved or refuted) and `zhiyu fmt`.
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { compile, isJsonLogicSource, renderDiagnostic, type SourceFile, type Span } from '../compiler/index.ts';
import { sortDiagnostics } from '../compiler/diagnostics.ts';
import { format } from '../compiler/format.ts';
import { lintReport, type Suppressed } from '../compiler/lint/index.ts';
import { conclusionText, proofDiagnostics, proveInvariants, type InvariantResult } from '../compiler/prove/index.ts';
import { counterexampleTest } from '../compiler/prove/as-test.ts';
import { withHistory } from '../runtime/store/sqlite/counterexample.ts';
import { Spans } from '../compiler/lint/spans.ts';
import { isStackOverflow, tooDeep } from '../compiler/limits.ts';
import { diagnosticsJson, sarif, type Located } from './reports.ts';
import { readPacks } from './pack-files.ts';
import { count, oneOf, write } from './options.ts';
import { Exit, EXIT, paint } from './output.ts';

const { red, green, dim } = paint;

export function registerCheck(cli: Command): void {
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

/** The pack's name (its `pack` declaration, when it has one) and where it was read from. */
function packTitle(where: string, l: Located): string {
  const name = /^\s*pack\s+([A-Za-z_][A-Za-z0-9_]*)/m.exec(l.files.map((f) => f.text).join('\n'))?.[1];
  return name && name !== where ? `${name} (${where})` : where;
}
