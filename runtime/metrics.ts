// Prometheus text exposition for the decision service: decisions per outcome
// and per rule, a latency histogram, errors by code, and the loaded bundle.
import type { Bundle } from './bundle.ts';
import type { Decision } from './decision.ts';

const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5];

const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

export class Metrics {
  private readonly outcomes = new Map<string, number>();
  private readonly rules = new Map<string, number>();
  private readonly errors = new Map<string, number>();
  private readonly buckets = BUCKETS.map(() => 0);
  private count = 0;
  private sum = 0;
  private info = '';
  private reloads = -1;

  decided(d: Decision, seconds: number): void {
    this.outcomes.set(d.outcome, (this.outcomes.get(d.outcome) ?? 0) + 1);
    for (const f of d.fired) this.rules.set(f.id, (this.rules.get(f.id) ?? 0) + 1);
    this.count++;
    this.sum += seconds;
    BUCKETS.forEach((b, i) => { if (seconds <= b) this.buckets[i]!++; });
  }

  failed(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  setBundle(b: Bundle): void {
    this.reloads++;
    this.info = `zhiyu_bundle_info{pack="${label(b.manifest.pack)}",version="${label(b.manifest.version ?? '')}",hash="${label(b.hash)}"} 1`;
  }

  text(): string {
    const lines: string[] = [];
    const counter = (name: string, help: string, key: string, m: Map<string, number>) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [k, v] of [...m].sort()) lines.push(`${name}{${key}="${label(k)}"} ${v}`);
    };
    counter('zhiyu_decisions_total', 'Decisions made, by outcome.', 'outcome', this.outcomes);
    counter('zhiyu_rule_fired_total', 'Decisions in which a rule fired, by rule.', 'rule', this.rules);
    counter('zhiyu_errors_total', 'Requests answered with an error, by code.', 'code', this.errors);
    lines.push('# HELP zhiyu_decision_seconds Time to decide one request, from body read to decision.', '# TYPE zhiyu_decision_seconds histogram');
    BUCKETS.forEach((b, i) => lines.push(`zhiyu_decision_seconds_bucket{le="${b}"} ${this.buckets[i]}`));
    lines.push(`zhiyu_decision_seconds_bucket{le="+Inf"} ${this.count}`, `zhiyu_decision_seconds_sum ${this.sum}`, `zhiyu_decision_seconds_count ${this.count}`);
    lines.push('# HELP zhiyu_bundle_info The bundle being served.', '# TYPE zhiyu_bundle_info gauge', this.info);
    lines.push('# HELP zhiyu_bundle_reloads_total Bundles loaded since start, after the first.', '# TYPE zhiyu_bundle_reloads_total counter', `zhiyu_bundle_reloads_total ${this.reloads}`);
    return `${lines.join('\n')}\n`;
  }
}
