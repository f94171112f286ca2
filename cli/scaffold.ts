// `zhiyu init`: the files of a new pack. The scaffold passes `zhiyu check`
// (no findings at all, lint included), `zhiyu test` (with full coverage) and
// `zhiyu fmt --check` out of the box; spec/cli-reports.test.ts makes sure.
import { KEYWORD_WORDS } from '../compiler/lexer.ts';

/** A pack name from a directory name: letters, digits and `_`, not a keyword. */
export function packName(dir: string): string {
  let n = dir.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'my_pack';
  if (/^\d/.test(n)) n = `pack_${n}`;
  if (KEYWORD_WORDS.includes(n)) n = `${n}_pack`;
  return n;
}

export function scaffold(name: string): Record<string, string> {
  return {
    'pack.zy': `# ${name}: the pack header, the schema of the events it decides, and its limits.
pack ${name} version "0.1.0"
outcomes block > review > allow

event "A customer's event as it reaches the decision API" {
  type: enum(login, transfer_out) required "What happened"
  amount: money "Amount of money moved"
}

# How much event history the feature store keeps; lint (ZY6004) checks windows against it.
const HISTORY_KEPT = 90d
`,
    'rules.zy': `const LARGE_TRANSFER = ¥50,000

rule LARGE_TRANSFER_REVIEW "A large transfer is reviewed by a person"
  owner "risk-team"
  severity medium
  when event.type == "transfer_out" and event.amount >= LARGE_TRANSFER
  then review
  reason LARGE_TRANSFER
  message "大额转账 {event.amount}，请人工复核" en "Large transfer of {event.amount}: review"
`,
    'rules.test.zy': `fixture large_transfer "A transfer of exactly the limit"
  at @2026-03-01T10:00
  given event { type: "transfer_out", amount: ¥50,000 }

test "a large transfer is reviewed"
  given large_transfer
  expect review
  expect fired LARGE_TRANSFER_REVIEW
  expect message en "Large transfer of ¥50,000.00: review"

test "one fen below the limit is allowed"
  given large_transfer
  given event { amount: ¥49,999.99 }
  expect allow
  expect not fired LARGE_TRANSFER_REVIEW

test "a login is allowed"
  at @2026-03-01T10:00
  given event { type: "login" }
  expect allow
  expect not fired LARGE_TRANSFER_REVIEW
`,
    'README.md': `# ${name}

A zhiyu rule pack: \`zhiyu check .\` lints it, \`zhiyu test . --coverage\` runs its tests, \`zhiyu fmt .\` formats it.
`,
  };
}
