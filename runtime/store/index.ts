// The SQLite store (Node only; the browser never imports this folder).
export { openStore, migrate, storedSchema, historyKept, STORE_VERSION, type DB, type MigrationReport, type MigrateOptions } from './schema.ts';
export { SqliteProvider } from './provider.ts';
export { StoreWriter, LABEL_KIND, type LabelRow, type Cell } from './write.ts';
export { importFile, targetFor, type ImportProgress, type ImportResult } from './ingest.ts';
export { DecisionLog, RecordingProvider, SnapshotProvider, logPathFor, type LogEntry, type LoggedDecision, type Snapshot } from './log.ts';
export { StoreError } from './errors.ts';
export { filterToSql } from './filter-sql.ts';
export { ensureIndexes, wantedIndexes } from './indexes.ts';
