// The SQLite store (Node only; the browser never imports this folder).
export { openStore, migrate, storedSchema, STORE_VERSION, type DB, type MigrationReport } from './schema.ts';
export { SqliteProvider } from './provider.ts';
export { importFile, targetFor, type ImportProgress, type ImportResult } from './ingest.ts';
export { DecisionLog, RecordingProvider, SnapshotProvider, type LoggedDecision, type Snapshot } from './log.ts';
export { seedDemo, rng, DEMO_END } from './seed.ts';
export { StoreError } from './errors.ts';
export { filterToSql } from './filter-sql.ts';
