// JSON Logic import (import.ts): the DSL text it writes: string literals,
// and, or and not without needless parentheses, layout, predicate names.
import { KEYWORD_WORDS } from '../lexer.ts';

/** A zhiyu string literal: double quotes, the escapes the language knows, \u for other control characters. */
export function dslString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f || c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Whether DSL text reads a feature (outside string literals). */
export function reads(text: string, feature: string): boolean {
  const code = text.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return new RegExp(`(^|[^A-Za-z0-9_.])${feature.replace('.', '\\.')}(?![A-Za-z0-9_])`).test(code);
}

/** `f is missing` and `f is not missing` side by side: one of them holds. */
function complementary(xs: readonly string[]): boolean {
  return xs.some((x) => x.endsWith(' is missing') && xs.includes(x.replace(/ is missing$/, ' is not missing')));
}

export function andT(xs: readonly string[]): string {
  if (xs.includes('false') || complementary(xs)) return 'false';
  const kept = xs.filter((x) => x !== 'true');
  return kept.length === 0 ? 'true' : kept.length === 1 ? kept[0]! : `(${kept.join(' and ')})`;
}
export function orT(xs: readonly string[]): string {
  if (xs.includes('true') || complementary(xs)) return 'true';
  const kept = xs.filter((x) => x !== 'false');
  return kept.length === 0 ? 'false' : kept.length === 1 ? kept[0]! : `(${kept.join(' or ')})`;
}
export function notT(x: string): string {
  return x === 'true' ? 'false' : x === 'false' ? 'true' : `not ${wrapped(x) ? x : `(${x})`}`;
}

/** Whether the whole text is one parenthesized group. */
function wrapped(x: string): boolean {
  if (!x.startsWith('(')) return false;
  let depth = 0;
  let quote = false;
  for (let i = 0; i < x.length; i++) {
    const ch = x[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === '"') quote = false;
      continue;
    }
    if (ch === '"') { quote = true; continue; }
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i === x.length - 1;
  }
  return false;
}

/** A top-level `and` is written one operand per line. */
export function layout(text: string): string {
  if (!text.startsWith('(') || !text.endsWith(')')) return text;
  const inner = text.slice(1, -1);
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let quote = false;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === '"') quote = false;
      continue;
    }
    if (ch === '"') { quote = true; continue; }
    if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (depth === 0 && inner.startsWith(' and ', i)) { parts.push(inner.slice(start, i)); start = i + 5; }
    else if (depth === 0 && inner.startsWith(' or ', i)) return text; // a top-level or: leave it
  }
  parts.push(inner.slice(start));
  return parts.length > 1 ? parts.join('\n  and ') : text;
}

/** A predicate name from a rule name: a zhiyu identifier, not a keyword, not used yet. */
export function identifier(name: string, used: Set<string>): string {
  let id = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(id)) id = `jl_${id}`;
  if (KEYWORD_WORDS.includes(id)) id = `jl_${id}`;
  let out = id;
  for (let i = 2; used.has(out); i++) out = `${id}_${i}`;
  used.add(out);
  return out;
}
