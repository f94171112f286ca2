// The audit trail of a decision service: every start, reload, approval
// check, promotion, rollback, scheduled or effective switch and refused
// activation, appended as one row. Rows are hash-chained: each holds the
// hash of the row before it and a hash of its own content and that link, so
// editing, deleting or reordering any row breaks the chain where it happened.
// What the chain cannot show by itself is the newest rows cut off the end;
// `audit verify --head` checks against a head recorded elsewhere (the
// service prints it with every row it appends).
//
// This file is the backend-neutral part: what a row holds, how its hash is
// made, how a chain is checked. A store backend (runtime/store/ for SQLite)
// only keeps rows in order and appends one atomically after the last
// (SQLite synchronously, PostgreSQL asynchronously: callers await both).
import { createHash } from 'node:crypto';
import type { Awaitable } from './history.ts';

export type AuditAction =
  /** The service started serving a bundle. */
  | 'start'
  /** POST /v1/reload replaced the live bundle. */
  | 'reload'
  /** A bundle that takes effect later was accepted; the live one serves until then. */
  | 'schedule'
  /** A scheduled bundle took effect. */
  | 'effective'
  /** A canary or shadow candidate began deciding beside the live bundle. */
  | 'candidate'
  /** The candidate became the live bundle. */
  | 'promote'
  /** The candidate was dropped, or the previous live bundle restored. */
  | 'rollback'
  /** Signatures were checked against the approvals the service requires. */
  | 'approvals'
  /** An activation was refused (approvals, an older version, another pack, not in effect). */
  | 'refused'
  /** The service stopped. */
  | 'stop';

export interface AuditEntry {
  readonly action: AuditAction;
  /** When (epoch ms, the service's clock). */
  readonly at: number;
  /** The bundle the row is about. */
  readonly bundle?: { readonly hash: string; readonly pack: string; readonly version?: string };
  /** Everything else: reasons, signers, arms, the previous bundle, where the request came from. */
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface AuditRow extends AuditEntry {
  /** 1, 2, 3, … with no gaps. */
  readonly seq: number;
  /** The previous row's hash (GENESIS for the first row). */
  readonly prevHash: string;
  readonly hash: string;
}

/** What a store backend keeps. */
export interface AuditTrail {
  /** Appends one row after the current last one, atomically (several processes may append). */
  append(e: AuditEntry): Awaitable<AuditRow>;
  /** Every row, by seq. */
  rows(): Awaitable<AuditRow[]>;
}

export const GENESIS = '0'.repeat(64);

/** The hash of a row's content and its link to the row before. */
export function rowHash(r: Omit<AuditRow, 'hash'>): string {
  const content = [r.seq, r.at, r.action, r.bundle?.hash ?? null, r.bundle?.pack ?? null, r.bundle?.version ?? null, canonical(r.detail), r.prevHash];
  return createHash('sha256').update(JSON.stringify(content), 'utf8').digest('hex');
}

/** JSON with object keys sorted, so a row's hash does not depend on how its detail was built. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x)
    ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : x));
}

/** The next row after `last` (undefined: the first row). */
export function nextRow(last: AuditRow | undefined, e: AuditEntry): AuditRow {
  const base = { ...e, seq: (last?.seq ?? 0) + 1, prevHash: last?.hash ?? GENESIS };
  return { ...base, hash: rowHash(base) };
}

export interface ChainFinding {
  /** The row where the chain breaks (its seq as stored), and the position it was read at (1-based). */
  readonly seq: number;
  readonly position: number;
  readonly kind: 'edited' | 'deleted' | 'reordered' | 'inserted';
  readonly message: string;
}

export interface ChainReport {
  readonly rows: number;
  readonly head?: { readonly seq: number; readonly hash: string };
  readonly findings: readonly ChainFinding[];
}

/**
 * Checks a chain read in seq order and says where it breaks. A row whose
 * content no longer matches its hash was edited; one that matches under
 * another number (the number its link says it had) was moved: rows were
 * reordered; a row linking to a row that is not there follows deleted rows
 * (as many as its number says); a row that shares its link with another and
 * that no row follows was inserted.
 */
export function verifyChain(rows: readonly AuditRow[]): ChainReport {
  const findings: ChainFinding[] = [];
  const byHash = new Map(rows.map((r) => [r.hash, r]));
  // The number each row was written with: its own, else the one after the row it links to, if its hash then matches.
  const written = new Map<AuditRow, number | undefined>();
  const writtenSeq = (r: AuditRow): number | undefined => {
    if (written.has(r)) return written.get(r);
    written.set(r, undefined);
    let seq: number | undefined;
    if (rowHash(r) === r.hash) seq = r.seq;
    else {
      const pred = r.prevHash === GENESIS ? null : byHash.get(r.prevHash);
      const before = pred === null ? 0 : pred ? writtenSeq(pred) : undefined;
      if (before !== undefined && rowHash({ ...r, seq: before + 1 }) === r.hash) seq = before + 1;
    }
    written.set(r, seq);
    return seq;
  };
  const followers = new Map<string, AuditRow[]>();
  for (const r of rows) followers.set(r.prevHash, [...(followers.get(r.prevHash) ?? []), r]);
  const intactSeqs = rows.map(writtenSeq).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  const lastSeq = intactSeqs[intactSeqs.length - 1];
  const where = (r: AuditRow) => `row ${r.seq} (${r.action}${r.bundle ? ` ${r.bundle.pack} ${r.bundle.version ?? ''}`.trimEnd() : ''}, ${new Date(r.at).toISOString()})`;
  rows.forEach((r, i) => {
    const position = i + 1;
    const seq = writtenSeq(r);
    if (seq === undefined) {
      findings.push({ seq: r.seq, position, kind: 'edited', message: `${where(r)} was edited: its content no longer matches its hash` });
      return;
    }
    if (seq !== r.seq) findings.push({ seq: r.seq, position, kind: 'reordered', message: `${where(r)} was written as row ${seq}: rows were reordered` });
    if (seq > 1 && !byHash.has(r.prevHash)) {
      const before = intactSeqs.filter((x) => x < seq).pop() ?? 0;
      const gone = seq - before - 1;
      const which = gone > 1 ? `rows ${before + 1}–${seq - 1} were` : `row ${seq - 1} was`;
      findings.push({ seq: r.seq, position, kind: 'deleted', message: `before ${where(r)}: ${gone > 0 ? which : 'the row it follows was'} deleted` });
    }
    const twins = followers.get(r.prevHash) ?? [];
    if (twins.length > 1 && seq !== lastSeq && !(followers.get(r.hash)?.length)) {
      findings.push({ seq: r.seq, position, kind: 'inserted', message: `${where(r)} was inserted: it claims the place of another row, and no row follows it` });
    }
  });
  const last = rows[rows.length - 1];
  return { rows: rows.length, ...(last ? { head: { seq: last.seq, hash: last.hash } } : {}), findings };
}

/** Actions after which the row's bundle is the live one. */
export const LIVE_ACTIONS: ReadonlySet<AuditAction> = new Set(['start', 'reload', 'effective', 'promote']);

/** The bundle live after the last activation recorded for `pack` (any pack when not given), from the newest row back. */
export function lastLive(rows: readonly AuditRow[], pack?: string): AuditRow | undefined {
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = rows[i]!;
    if (!r.bundle || (pack !== undefined && r.bundle.pack !== pack)) continue;
    if (LIVE_ACTIONS.has(r.action) || (r.action === 'rollback' && r.detail['restored'] === true)) return r;
  }
  return undefined;
}
