// Prometheus text exposition for the decision service: decisions per arm
// (live or canary) and outcome, and per rule, a latency histogram, errors by
// code, the shadow candidate's decisions and disagreements, and the bundles
// loaded in each arm.
import type { Bundle } from './bundle.ts';
import type { Decision } from './decision.ts';
import type { Arm } from './store/decision-log.ts';

const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5];

const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** Labels as Prometheus writes them: `a="x",b="y"`. */
const labels = (l: Record<string, string>) => Object.entries(l).map(([k, v]) => `${k}="${label(v)}"`).join(',');

class Counter {
  private readonly values = new Map<string, number>();
  add(l: Record<string, string>): void {
    this.inc(labels(l));
  }
  /** Counts one under labels already written (`labels()`). */
  inc(k: string): void {
    this.values.set(k, (this.values.get(k) ?? 0) + 1);
  }
  lines(name: string, help: string): string[] {
    return [`# HELP ${name} ${help}`, `# TYPE ${name} counter`, ...[...this.values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${name}{${k}} ${v}`)];
  }
}

export class Metrics {
  private readonly outcomes = new Counter();
  private readonly rules = new Counter();
  private readonly errors = new Counter();
  private readonly shadowOutcomes = new Counter();
  private readonly shadowChanged = new Counter();
  private readonly shadowErrors = new Counter();
  private readonly buckets = BUCKETS.map(() => 0);
  private count = 0;
  private sum = 0;
  private info: string[] = [];
  private liveHash: string | undefined;
  private reloads = 0;

  /** Label strings of decisions already counted, by arm, then outcome or rule: written once, not per decision. */
  private readonly keys = new Map<Arm, { readonly outcomes: Map<string, string>; readonly rules: Map<string, string> }>();

  decided(d: Decision, seconds: number, arm: Arm = 'live'): void {
    let keys = this.keys.get(arm);
    if (keys === undefined) this.keys.set(arm, keys = { outcomes: new Map(), rules: new Map() });
    let k = keys.outcomes.get(d.outcome);
    if (k === undefined) keys.outcomes.set(d.outcome, k = labels({ arm, outcome: d.outcome }));
    this.outcomes.inc(k);
    for (const f of d.fired) {
      let r = keys.rules.get(f.id);
      if (r === undefined) keys.rules.set(f.id, r = labels({ arm, rule: f.id }));
      this.rules.inc(r);
    }
    this.count++;
    this.sum += seconds;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) this.buckets[i]!++;
  }

  /** The shadow's decision of a request that `answered` (the outcome sent) decided. */
  shadowDecided(answered: string, outcome: string): void {
    this.shadowOutcomes.add({ outcome });
    if (answered !== outcome) this.shadowChanged.add({ from: answered, to: outcome });
  }

  shadowFailed(code: string): void {
    this.shadowErrors.add({ code });
  }

  failed(code: string): void {
    this.errors.add({ code });
  }

  /** The bundles each arm runs now; a new live bundle counts as a reload. */
  setBundles(arms: { live: Bundle; canary?: Bundle; shadow?: Bundle }): void {
    if (this.liveHash !== undefined && this.liveHash !== arms.live.hash) this.reloads++;
    this.liveHash = arms.live.hash;
    this.info = (['live', 'canary', 'shadow'] as const).flatMap((arm) => {
      const b = arms[arm];
      return b ? [`zhiyu_bundle_info{${labels({ arm, pack: b.manifest.pack, version: b.manifest.version ?? '', hash: b.hash })}} 1`] : [];
    });
  }

  text(): string {
    const lines: string[] = [
      ...this.outcomes.lines('zhiyu_decisions_total', 'Decisions made, by the arm that decided (live or canary) and outcome.'),
      ...this.rules.lines('zhiyu_rule_fired_total', 'Decisions in which a rule fired, by arm and rule.'),
      ...this.errors.lines('zhiyu_errors_total', 'Requests answered with an error, by code.'),
    ];
    lines.push('# HELP zhiyu_decision_seconds Time to decide one request, from body read to decision.', '# TYPE zhiyu_decision_seconds histogram');
    BUCKETS.forEach((b, i) => lines.push(`zhiyu_decision_seconds_bucket{le="${b}"} ${this.buckets[i]}`));
    lines.push(`zhiyu_decision_seconds_bucket{le="+Inf"} ${this.count}`, `zhiyu_decision_seconds_sum ${this.sum}`, `zhiyu_decision_seconds_count ${this.count}`);
    lines.push(
      ...this.shadowOutcomes.lines('zhiyu_shadow_decisions_total', 'Requests the shadow candidate decided too (its answer is never sent), by its outcome.'),
      ...this.shadowChanged.lines('zhiyu_shadow_changed_total', 'Requests where the shadow\'s outcome differs from the one sent, by outcome sent and shadow outcome.'),
      ...this.shadowErrors.lines('zhiyu_shadow_errors_total', 'Requests the shadow candidate failed to decide (the request itself was answered), by code.'),
    );
    lines.push('# HELP zhiyu_bundle_info The bundle each arm runs.', '# TYPE zhiyu_bundle_info gauge', ...this.info);
    lines.push('# HELP zhiyu_bundle_reloads_total Live bundles activated since start, after the first.', '# TYPE zhiyu_bundle_reloads_total counter', `zhiyu_bundle_reloads_total ${this.reloads}`);
    return `${lines.join('\n')}\n`;
  }
}
