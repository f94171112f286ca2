// The consistency check of "decisions that stay true", shared by the test
// (a small demo database) and the full-size run for the numbers: play the
// whole demo timeline in time order through the real service, one
// `zhiyu serve --bundle … --db … --log` process per shipped pack, with
// profiles and lists changing as the timeline reaches their changes and
// every event stored after it is decided; then backtest each pack over the
// same database, and replay every logged decision.
import { scratchDir } from './scratch.ts';
import { join } from 'node:path';
import { compile } from '../compiler/index.ts';
import { readPack } from '../cli/pack-files.ts';
import { demoTimeline, prepareDemoStore, TimelinePlayer } from '../demo/index.ts';
import { backtest } from '../runtime/backtest/index.ts';
import { loadBundle, writeBundle, type Bundle } from '../runtime/bundle.ts';
import { load } from '../runtime/index.ts';
import { DecisionLog, ensureIndexes, openStore } from '../runtime/store/sqlite/index.ts';
import { SnapshotProvider } from '../runtime/store/decision-log.ts';
import { serveCli, type Served } from './cli-run.ts';
import { writeFileSync } from 'node:fs';

export const SHIPPED = ['demo', 'fraud', 'conduct/gates', 'conduct/sweeps'];

interface Live { outcome: string; score: number; fired: string[] }

export interface PackResult {
  readonly pack: string;
  /** Events the service was asked to decide, and those it refused as input (422). */
  readonly sent: number;
  readonly refused: number;
  /** Events the backtest decided. */
  readonly decided: number;
  /** Events whose outcome, score or fired rules differ between the service and the backtest (and which). */
  readonly differ: number;
  readonly examples: readonly string[];
  readonly logged: number;
  /** Logged decisions that replay from their snapshot to another result, or do not match what the service answered. */
  readonly replayDiffer: number;
  readonly backtest: Awaited<ReturnType<typeof backtest>>;
}

export interface ConsistencyRun {
  readonly path: string;
  readonly events: number;
  readonly versions: number;
  readonly packs: readonly PackResult[];
}

export async function runConsistency(opts: { customers: number; root: string; dir?: string; workers?: number; log?: (s: string) => void }): Promise<ConsistencyRun> {
  const dir = opts.dir ?? scratchDir('zhiyu-consistency-');
  const log = opts.log ?? (() => {});
  const compiled = SHIPPED.map((p) => {
    const files = readPack([join(opts.root, 'rules', p)]);
    const c = compile(files);
    if (!c.ok) throw new Error(`rules/${p} does not compile`);
    const path = join(dir, `${p.replace('/', '-')}.zyb`);
    writeFileSync(path, writeBundle(c, files));
    return { name: p, checked: c.checked!, bundlePath: path, bundle: loadBundle(path) as Bundle };
  });
  const path = join(dir, 'demo.db');
  const db = openStore(path, { create: true });
  const schema = prepareDemoStore(db, compiled.map((c) => c.checked.schema));
  // The covering indexes the packs' windows need, as a seeded database has them (a bundle service only reads the store).
  ensureIndexes(db, compiled.map((c) => c.checked));
  const { timeline } = demoTimeline({ customers: opts.customers });
  const player = new TimelinePlayer(db, schema, timeline);
  player.calendar();
  log(`timeline: ${timeline.events.length} events, ${timeline.versions.length} profile versions`);

  const services: Served[] = [];
  const live = compiled.map(() => new Map<number, Live | 'refused'>());
  try {
    for (const c of compiled) services.push(await serveCli(['--bundle', c.bundlePath, '--insecure-unsigned', '--db', path, '--log', '--workers', '1'], opts.root));
    const decides = compiled.map((c) => new Set(c.checked.decides ?? []));
    let i = 0;
    while (!player.done) {
      const row = player.peek()!;
      player.advanceTo(row['occurred_at'] as number);
      const body = JSON.stringify(row);
      // Every pack the event is for decides it against the store as it is now; then it joins the history.
      await Promise.all(compiled.map(async (c, k) => {
        if (!decides[k]!.has(row['type'] as string)) return;
        const res = await fetch(`${services[k]!.url}/v1/decide`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
        const json = await res.json() as { outcome: string; score: number; fired: { id: string }[]; error?: unknown };
        if (res.status === 422) { live[k]!.set(i, 'refused'); return; }
        if (res.status !== 200) throw new Error(`${c.name}: ${res.status} ${JSON.stringify(json)}`);
        live[k]!.set(i, { outcome: json.outcome, score: json.score, fired: json.fired.map((f) => f.id) });
      }));
      player.appendNext();
      i++;
      if (i % 20_000 === 0) log(`  ${i} events played`);
    }
    player.finish();
  } finally {
    for (const s of services) await s.stop();
    db.close();
  }

  const store = openStore(path, { readonly: true });
  const decisionLog = DecisionLog.open(store);
  const logged = decisionLog.ids().map((id) => decisionLog.get(id));
  decisionLog.close();
  store.close();
  const indexOfSeq = new Map(player.seqs.map((s, i) => [s, i]));
  const packs: PackResult[] = [];
  for (const [k, c] of compiled.entries()) {
    const run = await backtest(c.bundle, path, { decisions: true, workers: opts.workers ?? 0, examples: 3 });
    const answered = live[k]!;
    let differ = 0;
    const examples: string[] = [];
    const seen = new Set<number>();
    for (const d of run.decisions!) {
      const i = indexOfSeq.get(d.seq)!;
      seen.add(i);
      const l = answered.get(i);
      const same = l !== undefined && l !== 'refused' && l.outcome === d.outcome && l.score === d.score && JSON.stringify(l.fired) === JSON.stringify(d.fired);
      if (!same) { differ++; if (examples.length < 5) examples.push(`#${d.seq}: live ${JSON.stringify(l)}, backtest ${d.outcome} ${d.score} ${d.fired.join(',')}`); }
    }
    // Decided live but not in the backtest (or the other way round) is a difference too.
    for (const [i, l] of answered) {
      if (l === 'refused' || seen.has(i)) continue;
      differ++;
      if (examples.length < 5) examples.push(`event ${i}: live ${JSON.stringify(l)}, not decided by the backtest`);
    }
    const refused = [...answered.values()].filter((l) => l === 'refused').length;
    const mine = logged.filter((x) => x.bundleHash === c.bundle.hash);
    const engine = load(c.bundle.program);
    let replayDiffer = 0;
    for (const x of mine) {
      const snap = new SnapshotProvider(x.snapshot);
      const d = engine.decide(x.input, snap);
      const fired = d.fired.map((f) => f.id);
      if (d.outcome !== x.outcome || d.score !== x.score || JSON.stringify(fired) !== JSON.stringify(x.fired) || snap.gaps.length) replayDiffer++;
    }
    const answeredOk = answered.size - refused;
    if (mine.length !== answeredOk) replayDiffer += Math.abs(mine.length - answeredOk);
    packs.push({ pack: c.name, sent: answered.size, refused, decided: run.events.decided, differ, examples, logged: mine.length, replayDiffer, backtest: run });
    log(`${c.name}: ${answered.size} sent, ${run.events.decided} decided by the backtest, ${differ} differ, ${mine.length} logged, ${replayDiffer} replay differently`);
  }
  return { path, events: timeline.events.length, versions: timeline.versions.length, packs };
}
