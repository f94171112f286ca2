// Stage 3c: `predicate NAME = jsonlogic "FILE.json"`. The file is one of the
// pack's sources (compile() reads no files); its rule goes through the typed
// importer (compiler/jsonlogic/import.ts) against the pack's schema, and the
// DSL condition that comes out is checked like any predicate body. Every node
// of the checked body is given the span of the rule in the JSON file, so what
// shows a predicate's source (lint, coverage) shows the JSON Logic rule.
// Problems are located in the JSON file, at the part they are about.
import type * as A from '../ast.ts';
import { diag, type Code } from '../diagnostics.ts';
import type { IR } from '../ir.ts';
import { importJsonLogicCondition, type ImportProblem } from '../jsonlogic/import.ts';
import { locateJson, type LocatedJson } from '../jsonlogic/locate.ts';
import { OPERATORS } from '../jsonlogic/operators.ts';
import { badJsonLogicPath, findJsonLogicSource, isJsonLogicSource, resolveJsonLogicPath } from '../jsonlogic/sources.ts';
import { parseExpression } from '../parse.ts';
import type { SourceFile, Span } from '../source.ts';
import { checkCondition } from './expressions.ts';
import type { CheckContext } from './context.ts';

/** The pack's files, and each JSON file read once however many predicates name it. */
export class JsonLogicSources {
  private readonly located = new Map<number, LocatedJson>();

  constructor(readonly files: readonly SourceFile[]) {}

  locate(file: number): LocatedJson {
    let l = this.located.get(file);
    if (!l) this.located.set(file, (l = locateJson(this.files[file]!.text)));
    return l;
  }
}

/** The checked body of a JSON Logic predicate, or undefined (with diagnostics) when it cannot be had. */
export function checkJsonLogicPredicate(d: A.JsonLogicPredicateDecl, cx: CheckContext, sources: JsonLogicSources): IR | undefined {
  const report = (code: Code, span: Span, message: string, hint?: string): undefined => {
    cx.diagnostics.push(diag(code, span, message, hint));
    return undefined;
  };
  const ref = d.file.value;
  const bad = badJsonLogicPath(ref);
  if (bad) return report('ZY2009', d.file.span, `${JSON.stringify(ref)}: ${bad}`);
  const from = sources.files[d.span.file]?.path ?? '';
  const file = findJsonLogicSource(sources.files, from, ref);
  if (file === undefined) {
    const known = sources.files.filter(isJsonLogicSource).map((f) => f.path);
    return report('ZY2010', d.file.span, `no JSON Logic file ${JSON.stringify(resolveJsonLogicPath(from, ref))} in the pack`,
      known.length ? `the pack's JSON Logic files are ${known.map((p) => JSON.stringify(p)).join(', ')}` : 'put the file next to the .zy file that names it');
  }
  const json = sources.locate(file);
  if (!json.ok) return report('ZY1006', { file, start: json.offset, end: json.offset + 1 }, `not JSON: ${json.message}`);
  const root = { file, ...json.spans.get('$')! };
  const shape = notOneRule(json.value);
  if (shape) return report('ZY1006', root, `a jsonlogic predicate reads one JSON Logic rule; this file holds ${shape}`,
    'write the rule itself at the top of the file: {"and": […]}');
  const imported = importJsonLogicCondition(json.value, cx.schema);
  if ('problem' in imported) {
    const p = imported.problem;
    const at = json.spans.get(p.path);
    return report(codeOf(p), at ? { file, ...at } : root, p.reason, p.hint ?? (p.kind === 'subset' ? 'spec/JSONLOGIC.md §5 lists what a JSON Logic predicate may use' : undefined));
  }
  // The condition is the importer's DSL text; it is checked as it would be in a .zy file,
  // but any finding is about the JSON rule (a finding here is a bug of the importer).
  const parsed = parseExpression(imported.condition, file, 0);
  const own: typeof cx.diagnostics = [];
  const body = parsed.expr ? checkCondition(parsed.expr, 'rule', { ...cx, diagnostics: own }, `predicate \`${d.name.text}\``) : undefined;
  for (const x of [...parsed.diagnostics, ...own]) {
    cx.diagnostics.push(diag(x.code, root, `the JSON Logic rule, as zhiyu reads it (${imported.condition}): ${x.message}`, x.hint));
  }
  if (!body || parsed.diagnostics.length || own.some((x) => x.severity === 'error') || body.type.t === 'error') return undefined;
  return respan(body, root);
}

function codeOf(p: ImportProblem): Code {
  switch (p.kind) {
    case 'name': return 'ZY2001';
    case 'type': return 'ZY3001';
    case 'operator': return 'ZY2005';
    case 'limit': return p.code === 'ZY9003' ? 'ZY1005' : 'ZY3009';
    case 'subset': return 'ZY3009';
  }
}

/** Why a file's value is not one rule (an operation), or undefined when it is. */
function notOneRule(v: unknown): string | undefined {
  if (Array.isArray(v)) return 'an array';
  if (v === null || typeof v !== 'object') return `${v === null ? 'null' : `a ${typeof v}`}, not an operation`;
  const keys = Object.keys(v);
  if (keys.length === 1) return undefined; // an unknown operator is reported by the importer, with a suggestion
  if (keys.length === 0) return 'an empty object';
  const named = keys.filter((k) => !OPERATORS.has(k)).length === keys.length;
  return `an object of ${keys.length} keys${named ? ' (several named rules? give each its own file)' : ''}`;
}

/** A copy of a checked expression with every span set to `span` (types and values are shared, not copied). */
function respan<T>(x: T, span: Span): T {
  if (Array.isArray(x)) return x.map((y) => respan(y, span)) as T;
  if (x === null || typeof x !== 'object') return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) out[k] = k === 'span' ? span : k === 'type' || k === 'value' || k === 'values' ? v : respan(v, span);
  return out as T;
}
