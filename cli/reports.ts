// Reports for CI: diagnostics as JSON and SARIF 2.1.0 (`zhiyu check`), test
// results as JSON and JUnit XML (`zhiyu test`), and the coverage table.
import { conclusionText, type InvariantResult } from '../compiler/prove/index.ts';
import { counterexampleTest } from '../compiler/prove/as-test.ts';
import type { CheckedPack } from '../compiler/ir.ts';
import { COMPILER_VERSION } from '../compiler/index.ts';
import { CATALOG, type Code, type Diagnostic } from '../compiler/diagnostics.ts';
import { LINT_RULES, UNUSED_SUPPRESSION, type Suppressed } from '../compiler/lint/index.ts';
import { positionOf, type SourceFile, type Span } from '../compiler/source.ts';
import type { Coverage } from '../runtime/coverage.ts';
import { failureLines, type TestResult } from '../runtime/testing.ts';

export interface Region { readonly startLine: number; readonly startColumn: number; readonly endLine: number; readonly endColumn: number }

/** 1-based lines and columns (UTF-16 units); the end column is the one after the last character, as SARIF counts. */
export function region(file: SourceFile, span: Span): Region {
  const s = positionOf(file, span.start);
  const e = positionOf(file, Math.max(span.start, span.end));
  return { startLine: s.line, startColumn: s.column, endLine: e.line, endColumn: e.column };
}

/** The diagnostics of one pack, located. */
export interface Located {
  readonly files: readonly SourceFile[];
  readonly diagnostics: readonly Diagnostic[];
  readonly suppressed: readonly Suppressed[];
  /** The pack's invariants and what the prover made of each (absent when it states none). */
  readonly proofs?: readonly InvariantResult[];
  readonly proofMs?: number;
  /** The checked pack the proofs are about (with proofs only). */
  readonly checked?: CheckedPack;
}

export function diagnosticsJson(packs: readonly Located[]): unknown[] {
  return packs.flatMap((p) => p.diagnostics.map((d) => {
    const f = p.files[d.span.file];
    const refuted = d.code === 'ZY5101' ? p.proofs?.find((r) => r.verdict.k === 'refuted' && d.message.startsWith(`invariant ${JSON.stringify(r.invariant.title)}`)) : undefined;
    return { ...d, file: f?.path, ...(f ? region(f, d.span) : {}), ...(refuted && p.checked ? { counterexample: counterexampleJson(p.checked, refuted) } : {}) };
  }));
}

/** A counterexample as data: the event, entity rows, window results, the history built for them, the same as a test, and what a store holding it decided. */
function counterexampleJson(pack: CheckedPack, r: InvariantResult): unknown {
  if (r.verdict.k !== 'refuted') return undefined;
  const x = r.verdict.example;
  const unbuilt = new Map(x.history?.unbuilt.map((u) => [u.id, u.why]));
  return {
    event: x.event,
    entities: x.entities,
    windows: [...x.aggregates].map(([id, value]) => ({ aggregate: pack.aggregates[id]!.text, value: value ?? null, ...(unbuilt.has(id) ? { noHistory: unbuilt.get(id) } : {}) })),
    history: x.history?.rows ?? [],
    decides: { outcome: x.outcome, fired: x.fired },
    breaks: conclusionText(x.conclusion),
    ...(x.history?.store ? { store: x.history.store } : {}),
    test: counterexampleTest(pack, r.invariant.title, x),
  };
}

// ---------------------------------------------------------------- SARIF 2.1.0

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;
const LINT_NAMES = new Map<string, string>([...LINT_RULES.map((r) => [r.code, r.name] as const), [UNUSED_SUPPRESSION.code, UNUSED_SUPPRESSION.name]]);

/** One run; every code of the catalog is a rule of the driver, so `ruleIndex` is stable. */
export function sarif(packs: readonly Located[]): object {
  const codes = Object.keys(CATALOG) as Code[];
  const rules = codes.map((code) => ({
    id: code,
    name: LINT_NAMES.get(code) ?? camel(CATALOG[code].title),
    shortDescription: { text: CATALOG[code].title },
    defaultConfiguration: { level: LEVEL[CATALOG[code].severity] },
  }));
  const result = (files: readonly SourceFile[], d: Diagnostic, s?: Suppressed) => {
    const f = files[d.span.file];
    return {
      ruleId: d.code,
      ruleIndex: codes.indexOf(d.code),
      level: LEVEL[d.severity],
      message: { text: d.hint ? `${d.message} (${d.hint})` : d.message },
      ...(f ? { locations: [{ physicalLocation: { artifactLocation: { uri: uri(f.path), uriBaseId: '%SRCROOT%' }, region: region(f, d.span) } }] } : {}),
      ...(s ? { suppressions: [{ kind: 'inSource', status: 'accepted', justification: s.reason }] } : {}),
    };
  };
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'zhiyu', version: COMPILER_VERSION, rules } },
      originalUriBaseIds: { '%SRCROOT%': { uri: `${pathToFileUri(process.cwd())}/` } },
      columnKind: 'utf16CodeUnits',
      results: packs.flatMap((p) => [
        ...p.diagnostics.map((d) => result(p.files, d)),
        ...p.suppressed.map((s) => result(p.files, s.diagnostic, s)),
      ]),
    }],
  };
}

function camel(title: string): string {
  return title.replace(/(?:^|\W+)(\w)/g, (_, c: string) => c.toUpperCase()).replace(/\W/g, '');
}

/** A relative path as a URI reference: `/` separators, each segment percent-encoded. */
function uri(path: string): string {
  return path.split(/[\\/]/).map(encodeURIComponent).join('/');
}

function pathToFileUri(p: string): string {
  return `file://${p.split(/[\\/]/).map(encodeURIComponent).join('/').replace(/^(?!\/)/, '/')}`;
}

// ---------------------------------------------------------------- tests

export interface SuiteResult {
  /** The pack's directory (or files), as given. */
  readonly name: string;
  /** The pack's own name (its `pack` declaration), when it compiled. */
  readonly pack?: string;
  readonly files: readonly SourceFile[];
  readonly results: readonly (TestResult & { readonly ms: number })[];
  /** Set when the pack did not compile: its rendered diagnostics. */
  readonly error?: string;
  /** Rendered warnings about the pack's tests (ZY5xxx). */
  readonly warnings?: readonly string[];
  readonly coverage?: Coverage;
}

export function testsJson(suites: readonly SuiteResult[], coverage: boolean): object {
  const passed = suites.reduce((n, s) => n + s.results.filter((r) => r.passed).length, 0);
  const failed = suites.reduce((n, s) => n + s.results.filter((r) => !r.passed).length + (s.error ? 1 : 0), 0);
  return {
    passed, failed,
    suites: suites.map((s) => ({
      name: s.name, ...(s.pack ? { pack: s.pack } : {}), ...(s.error ? { error: s.error } : {}),
      tests: s.results.map((r) => {
        const f = s.files[r.span.file];
        return {
          name: r.name, passed: r.passed, failures: r.failures, ...(r.explanations.length ? { explanations: r.explanations } : {}),
          file: f?.path, line: f ? positionOf(f, r.span.start).line : undefined, ms: round(r.ms),
        };
      }),
      ...(coverage && s.coverage ? { coverage: coverageJson(s.coverage, s.files) } : {}),
    })),
  };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** XML 1.0 text: markup characters escaped, characters XML cannot hold at all written as \uXXXX. */
export function xml(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/[&<>"'\n\r\t]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\n': '&#10;', '\r': '&#13;', '\t': '&#9;' })[c]!);
}

/** JUnit XML as Jenkins, GitLab and GitHub read it: one testsuite per pack. */
export function junit(suites: readonly SuiteResult[]): string {
  const attrs = (o: Record<string, string | number | undefined>) =>
    Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}="${xml(String(v))}"`).join('');
  const secs = (ms: number) => (ms / 1000).toFixed(3);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const total = suites.reduce((n, s) => n + s.results.length + (s.error ? 1 : 0), 0);
  const failures = suites.reduce((n, s) => n + s.results.filter((r) => !r.passed).length, 0);
  const errors = suites.filter((s) => s.error).length;
  const time = suites.reduce((n, s) => n + s.results.reduce((m, r) => m + r.ms, 0), 0);
  lines.push(`<testsuites${attrs({ name: 'zhiyu', tests: total, failures, errors, time: secs(time) })}>`);
  for (const s of suites) {
    const sFailures = s.results.filter((r) => !r.passed).length;
    const sTime = s.results.reduce((m, r) => m + r.ms, 0);
    lines.push(`  <testsuite${attrs({ name: s.name, tests: s.results.length + (s.error ? 1 : 0), failures: sFailures, errors: s.error ? 1 : 0, skipped: 0, time: secs(sTime) })}>`);
    if (s.error) {
      lines.push(`    <testcase${attrs({ name: 'the pack compiles', classname: s.pack ?? s.name })}>`);
      lines.push(`      <error${attrs({ message: 'the pack does not compile', type: 'compile' })}>${xml(s.error)}</error>`);
      lines.push('    </testcase>');
    }
    for (const r of s.results) {
      const f = s.files[r.span.file];
      const a = attrs({ name: r.name, classname: s.pack ?? s.name, file: f?.path, line: f ? positionOf(f, r.span.start).line : undefined, time: secs(r.ms) });
      if (r.passed) { lines.push(`    <testcase${a}/>`); continue; }
      lines.push(`    <testcase${a}>`);
      lines.push(`      <failure${attrs({ message: r.failures[0] ?? 'failed', type: 'ZY5001' })}>${xml(failureLines(r).join('\n'))}</failure>`);
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- coverage

const pct = (p: number) => `${p.toFixed(1)}%`;

function conditionText(files: readonly SourceFile[], span: Span): string {
  const t = files[span.file]?.text.slice(span.start, span.end) ?? '';
  const one = t.replace(/\s+/g, ' ').trim();
  return one.length > 70 ? `${one.slice(0, 69)}…` : one;
}

function where(files: readonly SourceFile[], span: Span): string {
  const f = files[span.file];
  if (!f) return '?';
  const p = positionOf(f, span.start);
  return `${f.path}:${p.line}:${p.column}`;
}

export function coverageJson(c: Coverage, files: readonly SourceFile[]): object {
  return {
    outcomes: c.outcomes, conditions: c.conditions, total: c.total,
    rules: c.rules.map((r) => ({
      id: r.id, enabled: r.enabled, location: where(files, r.span), evaluated: r.evaluated, fired: r.fired, notFired: r.notFired,
      conditions: r.conditions.map((x) => ({
        text: conditionText(files, x.span), location: where(files, x.span), kind: x.kind, true: x.seenTrue, false: x.seenFalse, missing: x.seenMissing,
      })),
    })),
  };
}

/** The coverage table and the list of what is not covered. */
export function coverageText(c: Coverage, files: readonly SourceFile[]): string {
  const idWidth = Math.max(4, ...c.rules.map((r) => r.id.length));
  const mark = (n: number) => (n > 0 ? 'yes' : 'NO ');
  const lines = [`  ${'rule'.padEnd(idWidth)}  fired  not fired  conditions (true and false)`];
  const missing: string[] = [];
  for (const r of c.rules) {
    if (!r.enabled) { lines.push(`  ${r.id.padEnd(idWidth)}  (disabled, not counted)`); continue; }
    const covered = r.conditions.reduce((n, x) => n + (x.seenTrue > 0 ? 1 : 0) + (x.seenFalse > 0 ? 1 : 0), 0);
    lines.push(`  ${r.id.padEnd(idWidth)}  ${mark(r.fired).padEnd(5)}  ${mark(r.notFired).padEnd(9)}  ${covered}/${r.conditions.length * 2}`);
    if (!r.fired) missing.push(`  ${r.id}: no test makes it fire`);
    if (!r.notFired) missing.push(`  ${r.id}: every test makes it fire`);
    for (const x of r.conditions) {
      const never = [x.seenTrue ? '' : 'true', x.seenFalse ? '' : 'false'].filter(Boolean);
      if (never.length) {
        missing.push(`  ${r.id}: \`${conditionText(files, x.span)}\` never ${never.join(' nor ')} (${where(files, x.span)})`);
      }
    }
  }
  if (missing.length) lines.push('', 'not covered:', ...missing);
  lines.push('', `rules ${c.outcomes.covered}/${c.outcomes.total} (${pct(c.outcomes.percent)}) · conditions ${c.conditions.covered}/${c.conditions.total} (${pct(c.conditions.percent)}) · total ${c.total.covered}/${c.total.total} (${pct(c.total.percent)})`);
  return lines.join('\n');
}
