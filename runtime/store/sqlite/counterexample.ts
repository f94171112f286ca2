// A counterexample proved end to end: its entity rows and history written to
// a fresh SQLite store (the same schema, writer and provider a deployment
// uses), and its event decided by the compiled pack reading that store. The
// invariant's condition is read by the reference interpreter over the same
// store. Only when both say so is the counterexample "confirmed in a store".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckedPack } from '../../../compiler/ir.ts';
import { satisfies, type Counterexample } from '../../../compiler/prove/index.ts';
import { decideWith, historyFor } from '../../counterexample.ts';
import { load, type Program } from '../../engine.ts';
import { migrate, openStore } from './schema.ts';
import { SqliteProvider } from './provider.ts';
import { encode } from '../tables.ts';
import { StoreWriter } from './write.ts';

export interface StoreReplay { readonly outcome: string; readonly fired: readonly string[]; readonly broken: boolean }

/** Stores the counterexample (with `x.history`'s rows) in a temporary SQLite file and decides its event there. */
export function replayInStore(pack: CheckedPack, program: Program, x: Counterexample): StoreReplay {
  const dir = mkdtempSync(join(tmpdir(), 'zhiyu-counterexample-'));
  const db = openStore(join(dir, 'store.db'), { create: true });
  try {
    migrate(db, pack.schema);
    const w = new StoreWriter(db, pack.schema);
    const now = x.event.occurred_at as number;
    db.transaction(() => {
      for (const [name, row] of Object.entries(x.entities)) {
        const info = pack.schema.entities.get(name)!;
        const key = x.event[info.key];
        if (key === undefined) continue;
        w.entity(name, key as string | number, [...info.fields.values()].map((f) => encode(f.type, row[f.name])), now);
      }
      for (const row of x.history?.rows ?? []) {
        const fields = Object.keys(row).filter((f) => row[f] !== undefined && pack.schema.event.fields.has(f));
        w.event(fields, fields.map((f) => encode(pack.schema.event.fields.get(f)!.type, row[f])));
      }
    })();
    const d = load(program).decide({ ...x.event }, new SqliteProvider(db, program.pack));
    const fired = d.fired.map((f) => f.id);
    // The condition, read by the interpreter over the same store; the compiled pack's decision is what counts.
    const condition = decideWith(pack, x, new SqliteProvider(db, pack));
    if (condition.outcome !== d.outcome) throw new Error(`the interpreter and the compiled pack disagree on the counterexample: ${condition.outcome} / ${d.outcome}`);
    return { outcome: d.outcome, fired, broken: condition.condition && !satisfies(pack, x.conclusion, d.outcome, new Set(fired)) };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A refuted invariant's counterexample with its history built and, when every window was built, confirmed through a store. */
export function withHistory(pack: CheckedPack, program: Program | undefined, x: Counterexample): Counterexample {
  try {
    const history = historyFor(pack, x);
    const store = program && history.unbuilt.length === 0 ? replayInStore(pack, program, { ...x, history }) : undefined;
    return { ...x, history: { ...history, ...(store ? { store } : {}) } };
  } catch {
    // The prover confirmed this counterexample with the evaluator, which does not validate input; the history is
    // decided by the validating interpreter. Should they ever disagree, the confirmed counterexample is still shown,
    // with its window results as values.
    return x;
  }
}
