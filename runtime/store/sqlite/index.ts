// The SQLite store (Node only; the browser never imports this folder).
export { openStore, migrate, storedSchema, historyKept, type DB } from './schema.ts';
export { SqliteProvider } from './provider.ts';
export { StoreWriter } from './write.ts';
export { importFile } from './ingest.ts';
export { DecisionLog, logPathFor } from './log.ts';
export { ensureIndexes, wantedIndexes } from './indexes.ts';
