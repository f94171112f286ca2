// ZY6011: a rule's `let` that nothing in the rule uses — not its condition,
// its messages, its note or another `let` of the rule. Usually a leftover of
// an edit, or a typo in the name where it was meant to be used (which the
// checker reports as an unknown name). On the rule, so it can be suppressed.
import type { IR } from '../ir.ts';
import { children } from '../optimize/fold.ts';
import { ruleExprs, type Finding, type LintRule } from './context.ts';

export const unusedLets: LintRule = {
  code: 'ZY6011',
  name: 'unused-let',
  run(cx) {
    const out: Finding[] = [];
    for (const r of cx.pack.rules) {
      if (r.locals.length === 0) continue;
      const used = new Set<number>();
      const walk = (x: IR): void => {
        if (x.k === 'local') {
          if (used.has(x.slot)) return;
          used.add(x.slot);
        }
        children(x).forEach(walk);
      };
      for (const { ir } of ruleExprs(r)) walk(ir);
      // A `let` used only inside an aggregate's filter is used too.
      for (const a of cx.pack.aggregates) [...(a.filter ? [a.filter] : []), ...(a.steps ?? [])].forEach(walk);
      for (const l of r.locals) {
        if (used.has(l.slot)) continue;
        const start = l.span.start + 'let '.length;
        const name = cx.files[l.span.file]?.text.indexOf(l.name, start) ?? start;
        out.push(cx.finding('ZY6011', { file: l.span.file, start: name, end: name + l.name.length },
          `\`let ${l.name}\` is never used in rule \`${r.id}\``, 'remove it, or use it in the condition or a message', r));
      }
    }
    return out;
  },
};
