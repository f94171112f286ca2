// Messages carry values: "转账金额 {event.amount}" → "转账金额 ¥5,000.00".
// Placeholders are expressions, parsed by the same parser from the raw
// string text so their spans point into the source.
import type { StringLit } from '../ast.ts';
import { diag } from '../diagnostics.ts';
import type { Template, TemplatePart } from '../ir.ts';
import { parseString } from '../literals.ts';
import { parseExpression } from '../parse.ts';
import type { CheckContext } from './context.ts';
import { checkExpr } from './expressions.ts';

export function checkTemplate(s: StringLit, cx: CheckContext): Template {
  const raw = s.raw.slice(1, -1);
  const base = s.span.start + 1;
  const parts: TemplatePart[] = [];
  let literal = '';
  const flush = () => {
    if (!literal) return;
    const decoded = parseString(`"${literal}"`);
    parts.push({ text: decoded.ok ? decoded.value : literal });
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
      if (c === '}') cx.diagnostics.push(diag('ZY3007', { file: s.span.file, start: base + i, end: base + i + 1 }, 'unmatched `}` in message', 'write \\} for a literal brace'));
      literal += c;
      continue;
    }
    const close = raw.indexOf('}', i + 1);
    if (close < 0) {
      cx.diagnostics.push(diag('ZY3007', { file: s.span.file, start: base + i, end: base + raw.length }, 'unclosed `{` in message', 'write \\{ for a literal brace'));
      return parts;
    }
    flush();
    const source = raw.slice(i + 1, close);
    if (source.includes('\\')) {
      cx.diagnostics.push(diag('ZY3007', { file: s.span.file, start: base + i, end: base + close + 1 }, 'a placeholder cannot contain escapes', "write strings inside a placeholder in single quotes: {count(where type == 'login')}"));
    } else if (!source.trim()) {
      cx.diagnostics.push(diag('ZY3007', { file: s.span.file, start: base + i, end: base + close + 1 }, 'empty placeholder `{}` in message'));
    } else {
      const parsed = parseExpression(source, s.span.file, base + i + 1);
      cx.diagnostics.push(...parsed.diagnostics);
      if (parsed.expr) parts.push({ expr: checkExpr(parsed.expr, 'rule', cx), source: source.trim() });
    }
    i = close;
  }
  flush();
  return parts;
}
