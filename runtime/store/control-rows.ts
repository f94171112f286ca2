// The bundle history's and the audit trail's rows from their columns, which
// the SQLite and PostgreSQL tables share (sqlite/control.ts, postgres/control.ts).
import type { AuditRow } from '../audit.ts';
import type { StoredBundle } from '../history.ts';

/** A history row's fields (the SQLite and PostgreSQL tables share their columns). */
export function metaOf(r: Record<string, unknown>): Omit<StoredBundle, 'text'> {
  return {
    hash: r['hash'] as string, pack: r['pack'] as string, ...(r['version'] !== null ? { version: r['version'] as string } : {}),
    sourceHash: r['source_hash'] as string, ...(r['effective_from'] !== null ? { effectiveFrom: r['effective_from'] as number } : {}),
    storedAt: r['stored_at'] as number,
  };
}

/** An audit row from its columns (the SQLite and PostgreSQL tables share them). */
export function rowOf(r: Record<string, unknown>): AuditRow {
  let detail: Record<string, unknown>;
  // A row edited into something that is not JSON is still shown, and its hash then fails.
  try { detail = JSON.parse(r['detail'] as string) as Record<string, unknown>; } catch { detail = { unreadable: String(r['detail']) }; }
  const hash = r['bundle_hash'] as string | null;
  return {
    seq: r['seq'] as number, at: r['at'] as number, action: r['action'] as AuditRow['action'],
    ...(hash !== null ? { bundle: { hash, pack: (r['pack'] as string | null) ?? '', ...(r['version'] !== null ? { version: r['version'] as string } : {}) } } : {}),
    detail, prevHash: r['prev_hash'] as string, hash: r['hash'] as string,
  };
}
