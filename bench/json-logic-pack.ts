// The fraud40 pack as JSON Logic, for json-logic-js 2.0.5: what zhiyu's own
// exporter (`zhiyu jsonlogic export`, compiler/jsonlogic/export.ts) gives,
// rule by rule. The exporter refuses three of the 40 rules, because JSON
// Logic has no local-time or rounding operator; they are written here by
// hand, in the exporter's style, with arithmetic that is equivalent on this
// pack's inputs (the checksum in run.ts holds them to it on every event):
//   hour(event.occurred_at) < 6   ⇔  (occurred_at + 8 h) mod 24 h < 6 h
//       Asia/Shanghai has no daylight saving; timestamps here are positive
//   floor(amount / ¥1,000) * ¥1,000 == amount  ⇔  amount % ¥1,000 == 0
//       money is whole fen, and the rule has already asked amount >= ¥20,000
// The data of a decision is `{ event, customer }`: the event object as it
// arrived and the customer row (absent when there is none); json-logic-js
// reads a missing key or a null as null, which the exported guards test.
import type { CheckedPack } from '../compiler/ir.ts';
import { exportJsonLogic } from '../compiler/jsonlogic/export.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const v = (name: string) => ({ var: name });
const present = (name: string) => ({ '!=': [v(name), null] });
const night = { '<': [{ '%': [{ '+': [v('event.occurred_at'), 8 * HOUR] }, DAY] }, 6 * HOUR] };

const BY_HAND: Readonly<Record<string, unknown>> = {
  // is_application and night and event.completion_time < 60s
  NIGHT_SCRIPTED: { and: [{ '===': [v('event.type'), 'application'] }, night, present('event.completion_time'), { '<': [v('event.completion_time'), 60_000] }] },
  // moving_money and event.amount >= ¥20,000 and floor(event.amount / ¥1,000) * ¥1,000 == event.amount
  ROUND_AMOUNT: {
    and: [{ in: [v('event.type'), ['drawdown', 'transfer_out']] }, present('event.amount'), { '>=': [v('event.amount'), 2_000_000] },
      { '===': [{ '%': [v('event.amount'), 100_000] }, 0] }],
  },
  // event.channel == "atm" and night and event.amount >= ¥3,000
  ATM_NIGHT: { and: [{ '===': [v('event.channel'), 'atm'] }, night, present('event.amount'), { '>=': [v('event.amount'), 300_000] }] },
};

export interface JsonLogicPack {
  /** One JSON Logic rule per pack rule, in pack order. */
  readonly rules: readonly unknown[];
  readonly exported: number;
  readonly byHand: readonly string[];
}

export function fraud40JsonLogic(pack: CheckedPack): JsonLogicPack {
  const { document, problems } = exportJsonLogic(pack);
  const refused = new Set(problems.map((p) => p.rule));
  const missing = [...refused].filter((id) => !(id in BY_HAND));
  if (missing.length) throw new Error(`the exporter refuses ${missing.join(', ')} and bench/json-logic-pack.ts has no hand translation`);
  const rules = pack.rules.map((r) => (refused.has(r.id) ? BY_HAND[r.id] : document.rules[r.id]));
  return { rules, exported: pack.rules.length - refused.size, byHand: [...refused] };
}
