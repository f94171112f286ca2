// Messages carry values: "转账金额 {event.amount}" → "转账金额 ¥5,000.00".
// Placeholders are expressions, parsed by the same parser from the raw
// string text so their spans point into the source.
import type { Expr, StringLit } from '../ast.ts';
import { diag, type Diagnostic } from '../diagnostics.ts';
import type { Template, TemplatePart } from '../ir.ts';
import { parseString } from '../literals.ts';
import { parseExpression } from '../parse.ts';
import type { CheckContext } from './context.ts';
import { checkExpr } from './expressions.ts';

/** A message split into literal text (raw, escapes kept) and parsed placeholders, with what is wrong in it. */
export type TemplateSegment = { readonly text: string } | { readonly expr?: Expr; readonly source: string };

export function scanTemplate(s: StringLit): { segments: TemplateSegment[]; diagnostics: Diagnostic[] } {
  const raw = s.raw.slice(1, -1);
  const base = s.span.start + 1;
  const segments: TemplateSegment[] = [];
  const diagnostics: Diagnostic[] = [];
  const at = (start: number, end: number) => ({ file: s.span.file, start: base + start, end: base + end });
  let literal = '';
  const flush = () => {
    if (literal) segments.push({ text: literal });
    literal = '';
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      // \u{…} is an escape, not a placeholder.
      const end = raw[i + 1] === 'u' && raw[i + 2] === '{' ? raw.indexOf('}', i + 3) : -1;
      const to = end >= 0 ? end : i + 1;
      literal += raw.slice(i, to + 1);
      i = to;
      continue;
    }
    if (c !== '{') {
      if (c === '}') diagnostics.push(diag('ZY3007', at(i, i + 1), 'unmatched `}` in message', 'write \\} for a literal brace'));
      literal += c;
      continue;
    }
    const close = raw.indexOf('}', i + 1);
    if (close < 0) {
      diagnostics.push(diag('ZY3007', at(i, raw.length), 'unclosed `{` in message', 'write \\{ for a literal brace'));
      flush();
      return { segments, diagnostics };
    }
    flush();
    const source = raw.slice(i + 1, close);
    if (source.includes('\\')) {
      diagnostics.push(diag('ZY3007', at(i, close + 1), 'a placeholder cannot contain escapes', "write strings inside a placeholder in single quotes: {count(where type == 'login')}"));
    } else if (!source.trim()) {
      diagnostics.push(diag('ZY3007', at(i, close + 1), 'empty placeholder `{}` in message'));
    } else {
      const parsed = parseExpression(source, s.span.file, base + i + 1);
      diagnostics.push(...parsed.diagnostics);
      segments.push({ ...(parsed.expr ? { expr: parsed.expr } : {}), source: source.trim() });
    }
    i = close;
  }
  flush();
  return { segments, diagnostics };
}

export function checkTemplate(s: StringLit, cx: CheckContext): Template {
  const { segments, diagnostics } = scanTemplate(s);
  cx.diagnostics.push(...diagnostics);
  const parts: TemplatePart[] = [];
  for (const seg of segments) {
    if ('text' in seg) {
      const decoded = parseString(`"${seg.text}"`);
      parts.push({ text: decoded.ok ? decoded.value : seg.text });
    } else if (seg.expr) parts.push({ expr: checkExpr(seg.expr, 'rule', cx), source: seg.source });
  }
  return parts;
}
