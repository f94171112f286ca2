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
// only keeps rows in order and appends one atomically after the last.
import { createHash } from 'node:crypto';

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
  append(e: AuditEntry): AuditRow;
  /** Every row, by seq. */
  rows(): AuditRow[];
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
 * Checks a chain read in seq order. Each row must hash to its stored hash
 * (else it was edited), link to the row before it (else rows were removed,
 * inserted or swapped) and carry the next seq. Every break is reported, with
 * the row where it is seen.
 */
export function verifyChain(rows: readonly AuditRow[]): ChainReport {
  const findings: ChainFinding[] = [];
  const byHash = new Map(rows.map((r, i) => [r.hash, i]));
  let prev: AuditRow | undefined;
  rows.forEach((r, i) => {
    const position = i + 1;
    const at = `row ${r.seq} (${r.action}${r.bundle ? ` ${r.bundle.pack} ${r.bundle.version ?? ''}`.trimEnd() : ''}, ${new Date(r.at).toISOString()})`;
    const expectedSeq = (prev?.seq ?? 0) + 1;
    const expectedPrev = prev?.hash ?? GENESIS;
    if (rowHash(r) !== r.hash) {
      findings.push({ seq: r.seq, position, kind: 'edited', message: `${at} was edited: its content no longer matches its hash` });
    }
    if (r.prevHash !== expectedPrev) {
      // Where the row it links to is: later in the file (reordered), nowhere (deleted), or it links to a row further back (deleted between).
      const linked = byHash.get(r.prevHash);
      if (linked !== undefined && linked > i) {
        findings.push({ seq: r.seq, position, kind: 'reordered', message: `${at} is out of order: it follows the row stored at position ${linked + 1}, which comes after it` });
      } else if (r.seq > expectedSeq || (linked !== undefined && linked < i - 1)) {
        const missing = r.seq > expectedSeq ? `${expectedSeq}${r.seq - 1 > expectedSeq ? `–${r.seq - 1}` : ''}` : 'rows';
        findings.push({ seq: r.seq, position, kind: 'deleted', message: `before ${at}: row${r.seq - expectedSeq > 1 ? 's' : ''} ${missing} ${r.seq - expectedSeq > 1 ? 'were' : 'was'} deleted (it links to ${linked === undefined ? 'a row that is no longer there' : `row ${rows[linked]!.seq}`})` });
      } else if (linked === undefined && r.seq === expectedSeq) {
        findings.push({ seq: r.seq, position, kind: 'inserted', message: `${at} does not link to the row before it: it was inserted or replaced` });
      } else {
        findings.push({ seq: r.seq, position, kind: 'reordered', message: `${at} does not follow the row before it (row ${prev?.seq ?? 'none'}): rows were reordered` });
      }
    } else if (r.seq !== expectedSeq) {
      findings.push({ seq: r.seq, position, kind: 'edited', message: `${at} has seq ${r.seq} where ${expectedSeq} was expected: its number was edited` });
    }
    prev = r;
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
