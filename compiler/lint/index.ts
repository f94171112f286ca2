// Stage 5 (after a clean check): lint. The pack compiles, but something in
// it is probably wrong. An ordered table of small rules, one file each; each
// returns findings with a stable ZY6xxx code. A finding located on a rule can
// be silenced on that rule with `suppress ZY6xxx "reason"`; a suppression that
// silences nothing is itself a finding (ZY6010), found last.
//
// Lint runs only on a pack without errors: a rule the checker rejected is not
// in the checked pack, and every "unused" finding would then be a false alarm.
import { CATALOG, diag, sortDiagnostics, type Diagnostic } from '../diagnostics.ts';
import type { CheckedPack } from '../ir.ts';
import type { SourceFile, Span } from '../source.ts';
import { always } from './always.ts';
import { LintContext, type Finding, type LintRule } from './context.ts';
import { historyWindows } from './history.ts';
import { protectedFeatures } from './protected.ts';
import { reasons } from './reason.ts';
import { shadowed } from './shadowed.ts';
import { unusedConstants } from './unused-constants.ts';
import { unusedFeatures } from './unused-features.ts';
import { unusedLists } from './unused-lists.ts';
import { unusedPredicates } from './unused-predicates.ts';
import { unusedLets } from './unused-lets.ts';

export { HISTORY_KEPT, type Finding, type LintRule } from './context.ts';

/** In catalog order. Findings are sorted by position afterwards, so the order only matters for reading. */
export const LINT_RULES: readonly LintRule[] = [
  protectedFeatures, // ZY6001, an error: a decision on a protected characteristic
  always, // ZY6002
  shadowed, // ZY6003
  historyWindows, // ZY6004
  reasons, // ZY6005
  unusedFeatures, // ZY6006
  unusedConstants, // ZY6007
  unusedLists, // ZY6008
  unusedPredicates, // ZY6009
  unusedLets, // ZY6011
];

/** ZY6010 is not in the table: it depends on what every other rule found. */
export const UNUSED_SUPPRESSION = { code: 'ZY6010', name: 'unused-suppression' } as const;

export interface Suppressed {
  readonly diagnostic: Diagnostic;
  readonly rule: string;
  /** The reason the rule states. */
  readonly reason: string;
  /** Where the `suppress` clause is. */
  readonly suppression: Span;
}

export interface LintReport {
  /** Findings that stand, sorted. */
  readonly diagnostics: Diagnostic[];
  /** Findings silenced by a `suppress` clause, with its reason. */
  readonly suppressed: Suppressed[];
  /** Every finding of the rules of the table, suppressed or not, with what it is about. */
  readonly findings: readonly Finding[];
}

/**
 * The standing lint findings of a pack. `pack` is the checked pack
 * (`CompileResult.checked`, not the optimized one) of a compile without
 * errors; `files` are the files it was compiled from, in the same order.
 */
export function lint(pack: CheckedPack, files: readonly SourceFile[]): Diagnostic[] {
  return lintReport(pack, files).diagnostics;
}

export function lintReport(pack: CheckedPack, files: readonly SourceFile[], rules: readonly LintRule[] = LINT_RULES): LintReport {
  const cx = new LintContext(pack, files);
  const findings = rules.flatMap((r) => r.run(cx));
  const rulesById = new Map(pack.rules.map((r) => [r.id, r]));
  type Clause = (typeof pack.rules)[number]['suppress'][number];
  const used = new Set<Clause>();
  const standing: Diagnostic[] = [];
  const suppressed: Suppressed[] = [];
  const apply = (f: Finding): void => {
    const rule = f.rule === undefined ? undefined : rulesById.get(f.rule);
    const clause = rule?.suppress.find((s) => s.code === f.diagnostic.code);
    if (!rule || !clause) { standing.push(f.diagnostic); return; }
    used.add(clause);
    suppressed.push({ diagnostic: f.diagnostic, rule: rule.id, reason: clause.reason, suppression: clause.span });
  };
  findings.forEach(apply);
  // Suppressions that silenced nothing; then those may themselves be silenced by `suppress ZY6010`.
  const unused = (codes: (c: string) => boolean) => pack.rules.flatMap((r) => r.suppress
    .filter((s) => codes(s.code) && !used.has(s))
    .map((s): Finding => ({ diagnostic: diag('ZY6010', s.span, unusedMessage(r.id, s.code)), rule: r.id })));
  unused((c) => c !== 'ZY6010').forEach(apply);
  for (const f of unused((c) => c === 'ZY6010')) standing.push(f.diagnostic);
  return { diagnostics: sortDiagnostics(standing, Infinity), suppressed, findings };
}

/**
 * The lint findings that are errors (a protected feature in a decision),
 * less those a rule suppresses with its reason: what compile() refuses a
 * pack for. Without a protected field in the schema there is nothing to find,
 * and nothing is done.
 */
export function lintErrors(pack: CheckedPack, files: readonly SourceFile[]): Diagnostic[] {
  const fields = [pack.schema.event, ...pack.schema.entities.values()].flatMap((e) => [...e.fields.values()]);
  if (!fields.some((f) => f.protected)) return [];
  const rules = LINT_RULES.filter((r) => CATALOG[r.code].severity === 'error');
  const cx = new LintContext(pack, files);
  const byId = new Map(pack.rules.map((r) => [r.id, r]));
  return rules.flatMap((r) => r.run(cx))
    .filter((f) => !(f.rule !== undefined && byId.get(f.rule)?.suppress.some((s) => s.code === f.diagnostic.code)))
    .map((f) => f.diagnostic);
}

function unusedMessage(rule: string, code: string): string {
  if (!(code in CATALOG)) return `\`suppress ${code}\` on rule \`${rule}\` suppresses nothing: ${code} is not a diagnostic code`;
  if (!code.startsWith('ZY6')) return `\`suppress ${code}\` on rule \`${rule}\` suppresses nothing: only lint findings (ZY6xxx) can be suppressed, and ${code} is not one`;
  return `\`suppress ${code}\` on rule \`${rule}\` suppresses nothing: the rule has no ${code} finding (${CATALOG[code as keyof typeof CATALOG].title})`;
}
