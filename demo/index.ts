// The one demo database that every shipped pack is tried and backtested on:
// rules/demo's small scenarios (seed.ts), rules/fraud's population and
// scenarios (seed-fraud.ts) and rules/conduct's collection, complaint and
// hardship cases (seed-conduct.ts), in one SQLite file. A type conflict
// between packs (ZY7004) stops the seed before any row is written.
import type { Schema } from '../../compiler/ir.ts';
import { seedDemo, type SeedReport } from './seed.ts';
import { seedConduct, type ConductReport } from './seed-conduct.ts';
import { seedFraud, type FraudReport } from './seed-fraud.ts';
import { mergeSchemas } from './seed-rows.ts';
import { migrate, openStore, type DB } from './schema.ts';

export interface DemoSchemas {
  /** rules/demo (the schema its scenarios are written for). */
  readonly demo: Schema;
  /** rules/fraud, or nothing to leave its scenarios out. */
  readonly fraud?: Schema;
  /** rules/conduct/gates and rules/conduct/sweeps. */
  readonly conduct?: readonly Schema[];
}

export interface DemoDatabaseReport {
  readonly demo: SeedReport;
  readonly fraud?: FraudReport;
  readonly conduct?: ConductReport;
  readonly events: number;
}

/**
 * `customers` sizes the whole data set: rules/demo gets that many, the fraud
 * population half, the conduct cases a fifth (3,000 gives 3,000, 1,500 and 600).
 */
export function seedDemoDatabase(db: DB, schemas: DemoSchemas, opts: { customers?: number } = {}): DemoDatabaseReport {
  const all = [schemas.demo, ...(schemas.fraud ? [schemas.fraud] : []), ...(schemas.conduct ?? [])];
  // Conflicts first, on a scratch database: nothing is written to a file the packs cannot share.
  const probe = openStore(':memory:', { create: true });
  try { for (const s of all) migrate(probe, s); } finally { probe.close(); }
  const n = opts.customers ?? 3000;
  // Each part migrates its own schema just before its rows: rows written before
  // a column exists store nothing for it, which keeps rules/demo's 150,000
  // events from carrying a NULL for every other pack's field.
  const demo = seedDemo(db, schemas.demo, { customers: n });
  const fraud = schemas.fraud ? seedFraud(db, [schemas.demo, schemas.fraud], { customers: Math.max(100, Math.round(n / 2)) }) : undefined;
  const conduct = schemas.conduct?.length ? seedConduct(db, schemas.conduct, { customers: Math.max(60, Math.round(n / 5)) }) : undefined;
  // The schema kept in the file is every pack's fields, so `zhiyu db import` without --pack accepts rows for any of them.
  migrate(db, mergeSchemas(all));
  const events = db.prepare('SELECT count(*) FROM zy_events').pluck().get() as number;
  return { demo, ...(fraud ? { fraud } : {}), ...(conduct ? { conduct } : {}), events };
}
