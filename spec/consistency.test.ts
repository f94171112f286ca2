// The proof that decisions stay true: the demo timeline played in time order
// through the real service with --log, one process per shipped pack, then
// each pack backtested over the same database. Every event gets the same
// outcome, score and fired rules live and in the backtest, and every logged
// decision replays from its snapshot to the same result. Before profile
// history (and before logging passed the calendar through), this found the
// differences the audit reported. A small demo database from the same
// generator keeps it inside the suite's time; the full size gives the same
// (see the closing note of the issue).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { compile } from '../compiler/index.ts';
import { InputError } from '../compiler/input.ts';
import { readPack } from '../cli/pack-files.ts';
import { load } from '../runtime/index.ts';
import { RecordingProvider } from '../runtime/store/decision-log.ts';
import { SqliteProvider, openStore } from '../runtime/store/sqlite/index.ts';
import { decodeRow } from '../runtime/store/tables.ts';
import { runConsistency, SHIPPED, type ConsistencyRun } from './consistency-run.ts';

const root = join(import.meta.dirname, '..');
let run: ConsistencyRun;

test.before(async () => {
  run = await runConsistency({ customers: 50, root, workers: 2 });
});

test('live decisions and the backtest agree on every event of every shipped pack', () => {
  assert.ok(run.events > 2_500 && run.versions > 500, `${run.events} events, ${run.versions} profile versions`);
  for (const p of run.packs) {
    assert.ok(p.sent > 100, `${p.pack}: ${p.sent} events sent`);
    assert.is(p.refused, 0, `${p.pack}: every event it is for is valid input`);
    assert.is(p.decided, p.sent, `${p.pack}: the backtest decided the events the service did`);
    assert.is(p.differ, 0, `${p.pack}: ${p.examples.join('\n')}`);
  }
  // The packs do fire here: agreement is not agreement on "nothing".
  const fired = (pack: string) => run.packs.find((p) => p.pack === pack)!.backtest.rules.filter((r) => r.hits > 0).length;
  assert.ok(fired('fraud') >= 30 && fired('demo') >= 6 && fired('conduct/gates') >= 5 && fired('conduct/sweeps') >= 3,
    SHIPPED.map((p) => `${p}: ${fired(p)}`).join(', '));
});

test('every logged decision replays from its snapshot to the same result, and names its bundle', () => {
  for (const p of run.packs) {
    assert.is(p.logged, p.sent - p.refused, `${p.pack}: one log record per decision`);
    assert.is(p.replayDiffer, 0, p.pack);
  }
});

test('the backtests read profiles as of each event, decide only their events, and score against their own label kinds', () => {
  for (const p of run.packs) {
    const b = p.backtest;
    for (const e of b.profiles.entities) {
      assert.is(e.undated, 0, `${p.pack}: ${e.entity} reads as of the event`);
      assert.is(e.asOfEvent + e.notYet, e.reads);
    }
    assert.ok(b.events.skippedBy.every((s) => s.reason.startsWith('not decided by the pack: type ')), `${p.pack}: ${JSON.stringify(b.events.skippedBy)}`);
    assert.ok(b.labels.kinds.length > 0 && b.labels.positive > 0, `${p.pack}: ${JSON.stringify(b.labels)}`);
  }
  const kinds = Object.fromEntries(run.packs.map((p) => [p.pack, p.backtest.labels.kinds]));
  assert.equal(kinds, {
    demo: ['fraud', 'chargeback'], fraud: ['fraud', 'chargeback'],
    'conduct/gates': ['qa_breach', 'complaint_upheld'], 'conduct/sweeps': ['hardship_confirmed', 'complaint_upheld'],
  });
});

test('logging never changes a decision: every stored event on every shipped pack, with and without the recorder', () => {
  const db = openStore(run.path, { readonly: true });
  try {
    for (const name of SHIPPED) {
      const c = compile(readPack([join(root, 'rules', name)]));
      const engine = load({ pack: c.optimized!, code: c.code! });
      const provider = new SqliteProvider(db, c.optimized!);
      const types = c.checked!.decides!;
      const rows = db.prepare(`SELECT * FROM zy_events WHERE type IN (SELECT value FROM json_each(?)) ORDER BY zy_seq`).all(JSON.stringify(types)) as Record<string, unknown>[];
      let compared = 0;
      db.exec('BEGIN');
      for (const row of rows) {
        const event = decodeRow(c.checked!.schema.event, row);
        const view = provider.asOf(row['occurred_at'] as number, row['zy_seq'] as number);
        let plain;
        try { plain = engine.decide(event, view); } catch (e) { if (e instanceof InputError) continue; throw e; }
        const recorded = engine.decide(event, new RecordingProvider(view));
        if (JSON.stringify(recorded) !== JSON.stringify(plain)) assert.unreachable(`${name} #${row['zy_seq']}: ${JSON.stringify(plain)} vs ${JSON.stringify(recorded)}`);
        compared++;
      }
      db.exec('COMMIT');
      assert.ok(compared === rows.length && compared > 100, `${name}: ${compared} of ${rows.length}`);
    }
  } finally { db.close(); }
});

test.run();
