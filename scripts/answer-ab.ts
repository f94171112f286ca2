// node --import tsx scripts/answer-ab.ts
//
// A decision's answer text, main's way (JSON.stringify of the decision, the
// service's keys appended: copied here from f0c8610's runtime/server.ts)
// against runtime/http-answer.ts, alternated in one process, on what
// rules/demo decides: the benchmark's event (no rule fires) and an event on
// which rules fire with their messages (zh and en) and values. Prints CPU ns per
// answer (Buffer.byteLength included, as send() does) and new ÷ old.
import { join } from 'node:path';
import { readPack } from '../cli/pack-files.ts';
import { compile } from '../compiler/index.ts';
import { loadBundle, writeBundle } from '../runtime/bundle.ts';
import { Engine } from '../runtime/engine.ts';
import { MemoryProvider } from '../runtime/provider.ts';
import { answeredJson, type Answered } from '../runtime/http-answer.ts';

const files = readPack([join(import.meta.dirname, '..', 'rules', 'demo')]);
const bundle = loadBundle(writeBundle(compile(files), files));
const engine = new Engine(bundle.program);
const provider = new MemoryProvider({
  lists: { police_fraud_accounts: ['mule-7'] },
  entities: { device: { 'd-1': { in_call: true, call_peer_in_contacts: false, is_emulator: true, is_rooted: false } }, payee: { 'mule-7': { first_seen_at: Date.parse('2026-03-01T09:55Z') } } },
});
const quiet = engine.decide({ type: 'transfer_out', customer_id: 'C-100001', payee_id: 'acct-9', amount: 500000, device_id: 'd-1x', occurred_at: '2026-03-01T10:00' }, provider, {});
const fired = engine.decide({ type: 'transfer_out', customer_id: 'C-1', payee_id: 'mule-7', amount: 500000, device_id: 'd-1', occurred_at: '2026-03-01T10:00' }, provider, {});

/** main's (f0c8610) answeredJson. */
function oldJson(a: Answered): string {
  const d = JSON.stringify(a.decision);
  return `${d.length > 2 ? `${d.slice(0, -1)},` : '{'}"bundle":${JSON.stringify(a.bundle)}${a.arm ? `,"arm":${JSON.stringify(a.arm)}` : ''}${a.decisionId !== undefined ? `,"decisionId":${JSON.stringify(a.decisionId)}` : ''}}`;
}

const N = 200_000;
let sink = 0;
for (const [name, d] of [['no rule fires', quiet], [`${fired.fired.length} rules fire`, fired]] as const) {
  const a: Answered = { decision: d, bundle: bundle.hash };
  if (oldJson(a) !== answeredJson(a)) throw new Error('different text');
  const ratios: number[] = [];
  const ns = { old: [] as number[], new: [] as number[] };
  for (let round = 0; round < 12; round++) {
    for (const which of round % 2 ? ['new', 'old'] as const : ['old', 'new'] as const) {
      const f = which === 'old' ? oldJson : answeredJson;
      const t = process.cpuUsage();
      for (let i = 0; i < N; i++) sink += Buffer.byteLength(f(a));
      const u = process.cpuUsage(t);
      ns[which].push(((u.user + u.system) * 1000) / N);
    }
    if (round >= 2) ratios.push(ns.new.at(-1)! / ns.old.at(-1)!);
  }
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  console.log(`${name} (${oldJson(a).length} chars): old ${med(ns.old.slice(2)).toFixed(0)} ns, new ${med(ns.new.slice(2)).toFixed(0)} ns per answer; new ÷ old median ${med(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})`);
}
if (sink < 0) console.log(sink);
