// ZY6006: a feature of the schema that nothing reads. Read means: used in a
// rule's condition or message, a predicate, or an aggregate (its field, key
// or filter); an entity's key field is read when the entity is. Not reported:
// `occurred_at`, `required` event fields (a required field still refuses
// an event without it, so it does something) and `protected` fields (they are
// declared so that nothing decides on them; "use it" would be bad advice). An entity none of whose
// fields is read is reported once, at the entity.
import type { IR } from '../ir.ts';
import type { Span } from '../source.ts';
import { TIME_FIELD } from '../check/context.ts';
import { ruleExprs, walk, type Finding, type LintRule } from './context.ts';

export const unusedFeatures: LintRule = {
  code: 'ZY6006',
  name: 'unused-feature',
  run(cx) {
    const { pack } = cx;
    const used = new Set<string>();
    const read = (ir: IR) => walk(ir, (x) => {
      if (x.k === 'field') used.add(`${x.entity}.${x.field}`);
      if (x.k === 'hfield') used.add(`event.${x.field}`);
    });
    for (const r of pack.rules) for (const { ir } of ruleExprs(r)) read(ir);
    for (const p of pack.predicates.values()) read(p.body);
    for (const a of pack.aggregates) {
      if (a.field) used.add(`event.${a.field}`);
      if (a.by) used.add(`event.${a.by}`);
      if (a.filter) read(a.filter);
      a.steps?.forEach(read);
    }
    const out: Finding[] = [];
    for (const e of pack.schema.entities.values()) {
      const any = [...e.fields.values()].some((f) => f.protected || used.has(`${e.name}.${f.name}`));
      if (!any) {
        out.push(cx.finding('ZY6006', cx.nameSpan(e.name, e.span), `no rule, predicate or message reads entity \`${e.name}\``, 'remove it, or use it in a rule'));
        continue;
      }
      used.add(`event.${e.key}`);
      for (const f of e.fields.values()) {
        if (!f.protected && !used.has(`${e.name}.${f.name}`)) out.push(cx.finding('ZY6006', fieldName(f), `no rule, predicate or message reads \`${e.name}.${f.name}\``, 'remove the field, or use it'));
      }
    }
    for (const f of pack.schema.event.fields.values()) {
      if (f.name === TIME_FIELD || f.required || f.protected || used.has(`event.${f.name}`)) continue;
      out.push(cx.finding('ZY6006', fieldName(f), `no rule, predicate or message reads \`event.${f.name}\``, 'remove the field, or use it; a field the API must send is marked `required`'));
    }
    return out;
  },
};

/** A field declaration starts with its name; the finding points at the name only. */
function fieldName(f: { name: string; span: Span }): Span {
  return { file: f.span.file, start: f.span.start, end: f.span.start + f.name.length };
}
