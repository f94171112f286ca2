// The shadow report: what the shadow candidate decided beside every request
// the live bundle answered, in the shape of a backtest (transitions from the
// live outcome to the candidate's, per-rule hits, money, precision and recall
// by the pack's label kinds once labels arrive). Nothing is decided again:
// both decisions are read from the decision log, and the candidate's pack
// (rule names, outcomes) from the bundle history, by the hash the log names.
//
// Labels: a logged decision is labelled by subject_kind 'decision' and its
// log id, or through its customer (labels.ts). Examples are decision ids.
import { coerce } from '../../compiler/input.ts';
import type { Program } from '../engine.ts';
import { bundleFromHistory, type Awaitable, type BundleHistory } from '../history.ts';
import type { DecisionLog } from '../store/sqlite/log.ts';
import type { LoggedDecision } from '../store/decision-log.ts';
import type { DB } from '../store/sqlite/schema.ts';
import { Accumulator } from './accumulate.ts';
import { BacktestError } from './errors.ts';
import { time } from './time.ts';
import { Labels, type LabelRow } from './labels.ts';
import { outcomeNames } from './replay.ts';
import { summarize } from './summarize.ts';
import type { BacktestRun, TimeInput } from './types.ts';

export interface ShadowReportOptions {
  /** The shadow bundle's hash; default: the candidate shadowed last. */
  readonly candidate?: string;
  /** Decisions of events at or after this time. */
  readonly from?: TimeInput;
  /** …and before this one (a date alone includes that day). */
  readonly to?: TimeInput;
  readonly labelsAsOf?: TimeInput;
  /** Default: the candidate's `measured by`. */
  readonly labelKinds?: readonly string[];
  readonly amountField?: string;
  readonly examples?: number;
}

export interface ShadowReport extends BacktestRun {
  readonly shadow: {
    readonly candidate: string;
    /** The live bundles that answered while it ran (the comparison names the latest). */
    readonly live: readonly string[];
    /** Decisions logged with this shadow beside them, in range. */
    readonly logged: number;
    /** Of those, answered by a canary: left out, they do not compare with the live bundle. */
    readonly canary: number;
  };
}

/** What a shadow report reads, from either backend: the decision log, the bundle history, the labels. */
export interface ShadowSource {
  /** The shadow candidates in the log, newest last. */
  candidates(): Awaitable<{ candidate: string; live: string[] }[]>;
  /** The decisions logged with a shadow beside them, by id. */
  shadowed(o: { candidate: string; from?: number; to?: number }): Awaitable<LoggedDecision[]>;
  readonly history: BundleHistory;
  /** The labels of `kinds` known by `asOf`, oldest first (labels.ts). */
  labels(asOf: number | null, kinds: readonly string[]): Awaitable<readonly LabelRow[] | DB>;
}

/** A SQLite store's: its log file and its labels. */
export function sqliteShadowSource(log: DecisionLog, store: DB): ShadowSource {
  return { candidates: () => log.shadowCandidates(), shadowed: (o) => [...log.shadowed(o)], history: log.history, labels: () => store };
}

const programOf = async (history: BundleHistory, hash: string): Promise<Program> => {
  // Only the pack's names are read: its code never runs here.
  try { return (await bundleFromHistory(history, hash, { trust: { keys: [], allowUnverified: true } })).program; } catch (e) {
    throw new BacktestError('ZY7501', `bundle ${hash} is not readable from the bundle history: ${(e as Error).message}`);
  }
};

export async function shadowReport(src: ShadowSource, opts: ShadowReportOptions = {}): Promise<ShadowReport> {
  const started = performance.now();
  const candidates = await src.candidates();
  const chosen = opts.candidate !== undefined
    ? candidates.find((c) => c.candidate === opts.candidate || c.candidate.slice(7).startsWith(opts.candidate!.replace(/^sha256:/, '')))
    : candidates[candidates.length - 1];
  if (!chosen) {
    throw new BacktestError('ZY7504', opts.candidate !== undefined
      ? `no decision in the log has shadow ${opts.candidate} beside it${candidates.length ? ` (shadows logged: ${candidates.map((c) => c.candidate.slice(0, 19)).join(', ')})` : ''}`
      : 'no decision in the log has a shadow beside it: serve --bundle live.zyb --shadow cand.zyb --db … --log');
  }
  const from = time(opts.from, 'from', 0);
  const to = time(opts.to, 'to', 'next');
  const labelsAsOf = time(opts.labelsAsOf, 'labelsAsOf', 'last');
  const examples = opts.examples ?? 5;
  const candidate = await programOf(src.history, chosen.candidate);
  const rows: LoggedDecision[] = [];
  let canary = 0;
  for (const d of await src.shadowed({ candidate: chosen.candidate, ...(from !== null ? { from } : {}), ...(to !== null ? { to } : {}) })) {
    if (d.arm === 'canary') canary++; else rows.push(d);
  }
  const liveHashes = [...new Set(rows.map((d) => d.bundleHash).filter((h): h is string => !!h))];
  const latest = rows.length ? rows[rows.length - 1]!.bundleHash : chosen.live[chosen.live.length - 1];
  const baseline = latest ? await programOf(src.history, latest) : undefined;
  const pack = candidate.pack;
  const names = outcomeNames(pack);
  const bNames = baseline ? outcomeNames(baseline.pack) : names;
  const ruleIndex = new Map(pack.rules.map((r, i) => [r.id, i]));
  const labelKinds = [...(opts.labelKinds ?? pack.measuredBy)];
  const labels = new Labels(await src.labels(labelsAsOf, labelKinds), labelsAsOf, labelKinds);
  const money = [...pack.schema.event.fields.values()].filter((f) => f.type.t === 'money');
  const amountField = opts.amountField ?? money.find((f) => f.name === 'amount')?.name ?? money[0]?.name ?? null;
  const amountType = amountField ? pack.schema.event.fields.get(amountField)?.type : undefined;
  if (amountField && !amountType) throw new BacktestError('ZY7503', `amountField ${JSON.stringify(amountField)} is not an event field of ${pack.name}`);
  const customerField = pack.schema.entities.get('customer')?.key ?? (pack.schema.event.fields.has('customer_id') ? 'customer_id' : null);
  const acc = new Accumulator(pack.rules.length, { outcomes: names, defaultOutcome: names.length - 1 }, { outcomes: bNames, defaultOutcome: bNames.length - 1 }, examples, false);
  for (const d of rows) {
    const s = d.shadow!;
    if (s.error !== undefined || s.outcome === undefined) {
      const code = /^(ZY\d{4}(?: [\w.[\]]+)?)/.exec(s.error ?? '')?.[1] ?? 'error';
      acc.skip(`shadow failed ${code}`, d.id, (s.error ?? 'no outcome').replace(/^ZY\d{4}\s*[\w.[\]]*:?\s*/, ''));
      continue;
    }
    const input = (d.input ?? {}) as Record<string, unknown>;
    let amount = 0;
    if (amountField && amountType) {
      try { const v = coerce(amountType, input[amountField], `event.${amountField}`); if (typeof v === 'number') amount = v; } catch { /* read as no money */ }
    }
    const customer = customerField ? input[customerField] : undefined;
    const fired = (s.fired ?? []).map((id) => ruleIndex.get(id)).filter((i): i is number => i !== undefined);
    const oc = names.indexOf(s.outcome);
    acc.add(d.id, d.eventTime, fired, oc < 0 ? names.length - 1 : oc, s.score ?? 0, labels.ofDecision(d.id, customer), amount, customer, bNames.indexOf(d.outcome));
  }
  const tally = acc.finish();
  const warnings = [
    ...(liveHashes.length > 1 ? [`${liveHashes.length} live bundles answered while the shadow ran; transitions compare with what each answered, outcome names with the latest (${latest?.slice(0, 19)}…)`] : []),
    ...(canary ? [`${canary.toLocaleString('en-US')} decisions answered by a canary were left out: they do not show what the live bundle did`] : []),
    ...(labelKinds.length === 0 ? ['the candidate declares no label kinds (`measured by`): precision and recall are not computed'] : []),
    ...(amountField === null ? ['the candidate\'s events have no money field: money is not reported'] : []),
  ];
  const result = summarize({
    candidate, ...(baseline ? { baseline } : {}), tally, from, to, labelsAsOf, amountField, customerField, labelKinds,
    decides: pack.decides ?? null, otherTypes: [], profileFields: {}, warnings,
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    ...result, run: { workers: 0, seconds, eventsPerSecond: seconds > 0 ? Math.round(result.events.total / seconds) : 0 },
    shadow: { candidate: chosen.candidate, live: liveHashes, logged: rows.length + canary, canary },
  };
}
