// The data an exported pack's JSON Logic reads for one decision, built the
// way a caller of `zhiyu jsonlogic export` would: the event and entity rows as
// zhiyu validates them, every aggregate computed, the external lists. The
// aggregates' values are recorded from the reference interpreter, which
// evaluates every operand of every rule in force.
import type { CheckedPack, Value } from '../../compiler/index.ts';
import { aggregateNames } from '../../compiler/jsonlogic/export.ts';
import { interpret, type AggregateQuery, type Decision, type FeatureProvider } from '../../runtime/index.ts';
import { validateRecord } from '../../runtime/validate.ts';

class Recording implements FeatureProvider {
  readonly aggs = new Map<number, Value>();
  constructor(private readonly inner: FeatureProvider) {}
  entity(entity: string, key: Value) { return this.inner.entity(entity, key); }
  listHas(list: string, value: Value, now: number) { return this.inner.listHas(list, value, now); }
  calendar(a: string, b: string) { return this.inner.calendar ? this.inner.calendar(a, b) : new Map(); }
  aggregate(q: AggregateQuery): Value {
    const v = this.inner.aggregate(q);
    this.aggs.set(q.spec.id, v);
    return v;
  }
}

export interface ExportCase {
  readonly data: Record<string, unknown>;
  /** zhiyu's own decision (the reference interpreter's). */
  readonly decision: Decision;
}

/** Throws (an InputError) when zhiyu refuses the input. */
export function exportCase(pack: CheckedPack, event: Record<string, unknown>, provider: FeatureProvider, lists: Readonly<Record<string, readonly unknown[]>>): ExportCase {
  const rec = new Recording(provider);
  const decision = interpret(pack, event, rec).decision;
  const ev = { ...validateRecord(pack.schema.event, event, 'event') } as Record<string, unknown>;
  const data: Record<string, unknown> = { event: ev };
  for (const [name, info] of pack.schema.entities) {
    const key = ev[info.key];
    const row = key === undefined ? undefined : provider.entity(name, key as Value);
    if (row !== undefined && row !== null) data[name] = { ...validateRecord(info, row, name) };
  }
  const names = aggregateNames(pack.aggregates);
  data['agg'] = Object.fromEntries(pack.aggregates.map((a) => [names.get(a.id)!, rec.aggs.get(a.id) ?? null]));
  data['list'] = lists;
  return { data, decision };
}
