// The shadow beside the answer: a candidate bundle deciding the same request
// on the same reads (its decision logged, never sent), and the snapshot both
// read, for replaying either. Used by runtime/server.ts for every request while
// a shadow runs.
import { InputError } from '../compiler/input.ts';
import { isStackOverflow } from '../compiler/limits.ts';
import type { Decision } from './decision.ts';
import type { FeatureProvider } from './provider.ts';
import type { Loaded } from './rollout.ts';
import { RecordingProvider, type ShadowResult, type Snapshot } from './store/decision-log.ts';
import { isAsyncSource, NeedRead } from './store/resolve.ts';

/** The answer's decision, and the shadow's beside it (given to `shadowed`). */
export function decideBoth(serving: Loaded, shadow: Loaded | undefined, event: unknown, reads: FeatureProvider, strict: boolean, record: boolean, shadowed: (s: { result: ShadowResult; snapshot?: Snapshot }) => void): Decision {
  const decision = serving.engine.decide(event, reads, { strict });
  if (shadow) shadowed(decideShadow(shadow, event, strict, record));
  return decision;
}

/** The shadow's decision of a request: never throws (a failing candidate fails nothing), and what it read, when logging. */
function decideShadow(shadow: Loaded, event: unknown, strict: boolean, record: boolean, provider = shadow.provider as FeatureProvider): { result: ShadowResult; snapshot?: Snapshot } {
  const recorder = record ? new RecordingProvider(provider) : undefined;
  try {
    const d = shadow.engine.decide(event, recorder ?? provider, { strict });
    return { result: { bundleHash: shadow.bundle.hash, outcome: d.outcome, score: d.score, fired: d.fired.map((f) => f.id) }, ...(recorder ? { snapshot: recorder.snapshot } : {}) };
  } catch (e) {
    // A read the asynchronous store has not fetched yet: not a failure of the shadow (see decideShadowAsync).
    if (e instanceof NeedRead) throw e;
    const code = (e as { code?: unknown }).code;
    const what = e instanceof InputError ? `${e.code} ${e.field}: ${e.message}`
      : isStackOverflow(e) ? 'ZY1005 the pack is nested too deeply' : `${typeof code === 'string' ? `${code} ` : ''}${(e as Error)?.message ?? String(e)}`;
    return { result: { bundleHash: shadow.bundle.hash, error: what.slice(0, 500) }, ...(recorder ? { snapshot: recorder.snapshot } : {}) };
  }
}

/** The shadow over an asynchronous store: its reads resolved like the answer's; never throws. */
export async function decideShadowAsync(shadow: Loaded, event: unknown, strict: boolean, record: boolean): Promise<{ result: ShadowResult; snapshot?: Snapshot }> {
  const source = shadow.provider;
  if (!isAsyncSource(source)) return decideShadow(shadow, event, strict, record);
  try {
    return await source.resolve((p) => decideShadow(shadow, event, strict, record, p), event);
  } catch (e) {
    return { result: { bundleHash: shadow.bundle.hash, error: `${(e as { code?: string }).code ?? ''} ${(e as Error)?.message ?? String(e)}`.trim().slice(0, 500) } };
  }
}

/** One snapshot holding what both decisions read (the same read transaction), so either can be replayed from it. */
export function mergeSnapshots(a: Snapshot, b: Snapshot): Snapshot {
  return {
    entities: [...a.entities, ...b.entities], aggregates: [...a.aggregates, ...b.aggregates], lists: [...a.lists, ...b.lists],
    calendar: [...(a.calendar ?? []), ...(b.calendar ?? [])],
    ...(a.historySeq !== undefined ? { historySeq: a.historySeq } : b.historySeq !== undefined ? { historySeq: b.historySeq } : {}),
    ...(a.asOf !== undefined ? { asOf: a.asOf } : {}),
  };
}
