// What an embedding service imports: `import { compile, load, loadBundle, openStore } from 'zhiyu'`.
// The browser editor imports compiler/ and runtime/ directly (no Node modules there).
export { compile, COMPILER_VERSION, renderDiagnostic, CATALOG, InputError } from './compiler/index.ts';
export type { CompileResult, Diagnostic, SourceFile, CheckedPack, Value } from './compiler/index.ts';
export { load, Engine, interpret, MemoryProvider, EMPTY_PROVIDER, runTests } from './runtime/index.ts';
export type { Decision, FiredRule, FeatureProvider, AggregateQuery, Program, Traced, DecideOptions, TimeOption, FiredIndexes, OutcomeDecision, RawDecision } from './runtime/index.ts';
export { loadBundle, parseBundle, readBundle, writeBundle, BundleError, type Bundle, type LoadOptions, type Manifest } from './runtime/bundle.ts';
export { keyFingerprint, publicKeyOf, TrustError, type Trust, type TrustPolicy } from './runtime/trust.ts';
export { migrate, SqliteProvider, StoreWriter, importFile, DecisionLog, logPathFor } from './runtime/store/sqlite/index.ts';
export { RecordingProvider, SnapshotProvider } from './runtime/store/decision-log.ts';
export { StoreError } from './runtime/store/errors.ts';
export type { StoreProvider, EntityVersion } from './runtime/provider.ts';
// A file or a postgres:// URL; on PostgreSQL a decision is resolved asynchronously (store/resolve.ts).
export { openStore, openAnyStore, providerOf, decideOn } from './runtime/store/open.ts';
export { PostgresStore } from './runtime/store/postgres/store.ts';
export { PostgresProvider } from './runtime/store/postgres/provider.ts';
export { isAsyncSource, type AsyncSource } from './runtime/store/resolve.ts';
export type { LogEntry, LoggedDecision, Snapshot } from './runtime/store/decision-log.ts';
export { serve, DEFAULT_LIMITS, type Service, type ServeOptions, type ServerLimits } from './runtime/server.ts';
export { readPack, readPacks } from './cli/pack-files.ts';
