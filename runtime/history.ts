// The bundle history: every bundle a service ever ran (live, canary or
// shadow) kept by its content hash, signatures and all, so a logged decision
// can be replayed with the very bundle that made it, and a rollback can
// restore a bundle that is no longer on any disk. Backend-neutral: a store
// backend keeps the rows (runtime/store/sqlite/control.ts in SQLite, synchronously;
// runtime/store/postgres/control.ts on PostgreSQL, asynchronously). Callers
// await every call, so one caller serves both.
import { BundleError } from './bundle-error.ts';
import { parseBundle, type Bundle, type LoadOptions } from './bundle.ts';

export interface StoredBundle {
  readonly hash: string;
  readonly pack: string;
  readonly version?: string;
  readonly sourceHash: string;
  readonly effectiveFrom?: number;
  /** When the history first kept it (epoch ms). */
  readonly storedAt: number;
  /** The bundle file's text. */
  readonly text: string;
}

/** A value now (SQLite) or later (PostgreSQL). */
export type Awaitable<T> = T | Promise<T>;

export interface BundleHistory {
  /** Keeps the bundle (once per hash; keeping it again changes nothing, whoever keeps it). */
  keep(b: Bundle, at: number): Awaitable<void>;
  get(hash: string): Awaitable<StoredBundle | undefined>;
  /** Every kept bundle, oldest first, without their text. */
  list(): Awaitable<Omit<StoredBundle, 'text'>[]>;
}

/**
 * A bundle from the history by its hash. The content address is the check:
 * a body changed in the history no longer has the hash it is stored under,
 * and is refused (ZY8002). Signatures are checked under `opts` as for any bundle.
 */
export async function bundleFromHistory(history: BundleHistory, hash: string, opts: LoadOptions | ((text: string) => Bundle) = {}): Promise<Bundle> {
  return bundleOfStored(await history.get(hash), hash, opts);
}

/** bundleFromHistory's check, on a row already read (`undefined`: not in the history). */
export function bundleOfStored(stored: StoredBundle | undefined, hash: string, opts: LoadOptions | ((text: string) => Bundle) = {}): Bundle {
  if (!stored) throw new BundleError('ZY8013', `bundle ${hash} is not in the bundle history`);
  const b = typeof opts === 'function' ? opts(stored.text) : parseBundle(stored.text, opts);
  if (b.hash !== hash) throw new BundleError('ZY8002', `the bundle history was altered: the bundle kept as ${hash.slice(0, 23)}… now hashes to ${b.hash.slice(0, 23)}…`);
  return b;
}

/** A row for the history, from a loaded bundle. */
export function storedOf(b: Bundle, at: number): StoredBundle {
  const m = b.manifest;
  return {
    hash: b.hash, pack: m.pack, ...(m.version !== undefined ? { version: m.version } : {}), sourceHash: m.sourceHash,
    ...(m.effectiveFrom !== undefined ? { effectiveFrom: m.effectiveFrom } : {}), storedAt: at, text: b.text,
  };
}
