// Changing the bundle a service runs, safely. One Rollout per service
// process holds what decides (the live bundle, a canary taking a share of the
// traffic, a shadow deciding beside it, bundles scheduled to take effect
// later) and every way it changes: start, reload, promote, rollback and the
// moment a scheduled bundle takes effect. Each change is checked the same
// way before anything switches:
//
//   approvals   with --require-approvals N, N distinct trusted keys signed,
//               one of them an approver's (runtime/trust.ts);
//   succession  the same pack, a newer version (or the same version rebuilt
//               from the same sources), unless the operator gives a reason
//               (--allow-rollback "…"), which is recorded;
//   in effect   a bundle whose effective_from is still ahead is scheduled,
//               not activated; the one before keeps serving until then.
//
// Every change, check and refusal is appended to the audit trail first; the
// state switches only once its row is written (an unwritable trail changes
// nothing). Every bundle that runs is kept in the bundle history by hash.
// Switching is one assignment: a decision in flight finishes on the bundle
// it started with. The trail and the history may answer later (PostgreSQL):
// every change awaits them, and changes run one after another, so two
// reloads at once never interleave their checks and rows.
//
// Several processes behind one port (runtime/cluster.ts) each run a Rollout
// of their own (engines and providers are per process); a process that takes
// over from one that died starts from resumable() of a running one
// (StartRequest.resume), not from the bundle files it was first given.
import { lastLive, LIVE_ACTIONS, type AuditAction, type AuditEntry, type AuditRow, type AuditTrail } from './audit.ts';
import type { Bundle } from './bundle.ts';
import { BundleError, type BundleCode } from './bundle-error.ts';
import type { Engine } from './engine.ts';
import { bundleOfStored, type BundleHistory } from './history.ts';
import type { FeatureProvider } from './provider.ts';
import type { AsyncSource } from './store/resolve.ts';
import { approvals, type ApprovalCheck } from './trust.ts';
import { compareVersions } from './version.ts';

/** A bundle ready to decide: its engine and its feature provider (statements are prepared per pack). */
export interface Loaded {
  readonly bundle: Bundle;
  readonly engine: Engine;
  readonly provider: FeatureProvider | AsyncSource;
}

export interface CanaryArm {
  readonly loaded: Loaded;
  /** The share of keys the canary decides, 0 to 100 (canary.ts). */
  readonly percent: number;
  /** The event field whose hash picks the arm (customer_id). */
  readonly key: string;
}

interface Scheduled { readonly loaded: Loaded; readonly allowRollback?: string }

export interface Deployment {
  readonly live: Loaded;
  readonly canary?: CanaryArm;
  readonly shadow?: Loaded;
  /** Bundles accepted to take effect later, soonest first. */
  readonly scheduled: readonly Scheduled[];
}

export interface BundleRef {
  readonly hash: string;
  readonly pack: string;
  readonly version?: string;
  readonly sourceHash?: string;
}

export const refOf = (b: Bundle): BundleRef => ({
  hash: b.hash, pack: b.manifest.pack, ...(b.manifest.version !== undefined ? { version: b.manifest.version } : {}), sourceHash: b.manifest.sourceHash,
});

const name = (r: BundleRef) => `${r.pack} ${r.version ?? '(no version)'}`;

/**
 * Why `next` may not follow `live` without a stated reason: another pack, an
 * older version, the same version with other rules, or no version to compare.
 * Undefined when it may (the same bundle always may).
 */
export function successionProblem(live: BundleRef | undefined, next: BundleRef): string | undefined {
  if (!live || live.hash === next.hash) return undefined;
  if (live.pack !== next.pack) return `it is pack ${next.pack}, and this service runs pack ${live.pack}`;
  if (next.version === undefined) return `it has no version, so it cannot be shown newer than ${name(live)} (declare pack ${next.pack} version "…")`;
  if (live.version === undefined) return `the live bundle has no version, so ${name(next)} cannot be shown newer`;
  const c = compareVersions(next.version, live.version);
  if (c < 0) return `version ${next.version} is older than the live ${live.version}`;
  if (c === 0 && next.sourceHash !== live.sourceHash) return `version ${next.version} is the live version, but its rules differ: give the change a new version`;
  return undefined;
}

export interface RolloutOptions {
  /** Builds a bundle's engine and provider; throws BundleError when its code does not load. */
  readonly build: (b: Bundle) => Loaded;
  /** A bundle from its text under the service's trust policy (bundles restored from the history). */
  readonly parse: (text: string) => Bundle;
  /** Distinct trusted keys that must have signed, one an approver's; 0: no approvals required. */
  readonly requireApprovals?: number;
  readonly history?: BundleHistory;
  readonly audit?: AuditTrail;
  /** Now, in epoch ms (tests give their own). */
  readonly clock?: () => number;
  /** Stamped on every audit row: which service wrote it. */
  readonly instance?: Readonly<Record<string, unknown>>;
  /** Told of every row appended (the service prints the head of the chain). */
  readonly onAudit?: (row: AuditRow) => void;
  /** Told when a scheduled bundle could not take effect (the audit trail could not be written). */
  readonly onError?: (e: Error) => void;
}

export interface StartRequest {
  readonly live: Bundle;
  readonly canary?: { readonly bundle: Bundle; readonly percent: number; readonly key: string };
  readonly shadow?: Bundle;
  /**
   * Taking over a deployment another process runs (a restarted cluster
   * worker): `live` is live as it is (in effect), these are scheduled after
   * it, and `previous` is what a rollback restores, newest last.
   */
  readonly resume?: Pick<Resumable, 'scheduled' | 'previous'>;
  /** The operator's reason to start an older version or another pack than the last one live. */
  readonly allowRollback?: string;
}

/** A deployment as bundles: what a process needs to decide, and to roll back, exactly as the one it came from. */
export interface Resumable {
  readonly live: Bundle;
  readonly canary?: { readonly bundle: Bundle; readonly percent: number; readonly key: string };
  readonly shadow?: Bundle;
  readonly scheduled: readonly { readonly bundle: Bundle; readonly allowRollback?: string }[];
  readonly previous: readonly Bundle[];
}

export interface ChangeRequest {
  /** The operator's reason to activate an older version or another pack; recorded. */
  readonly allowRollback?: string;
  /** Where the request came from (recorded). */
  readonly from?: string;
}

export interface ChangeResult {
  readonly status: 'started' | 'reloaded' | 'scheduled' | 'promoted' | 'rolled back';
  readonly bundle: BundleRef;
  readonly effectiveFrom?: number;
  readonly previous?: BundleRef;
}

/** What a refused change throws: the code, the reason, and the audit row that recorded it. */
export class ActivationError extends BundleError {
  constructor(code: BundleCode, message: string, readonly row?: AuditRow) { super(code, message); this.name = 'ActivationError'; }
}

const PREVIOUS_KEPT = 8;

const signerList = (a: ApprovalCheck) => a.signers.map((s) => ({ key: s.key, ...(s.name ? { name: s.name } : {}), roles: s.roles }));

export class Rollout {
  private state: Deployment;
  /** Live bundles before the current one, newest last (rollback restores the last). */
  private readonly previous: Bundle[] = [];
  private readonly clock: () => number;

  /** The change running now (changes run one at a time). */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly o: RolloutOptions, state: Deployment) {
    this.state = state;
    this.clock = o.clock ?? Date.now;
  }

  /** What decides now, as last switched (settle() first lets a scheduled bundle whose moment has come take effect). */
  current(): Deployment {
    return this.state;
  }

  /** Whether a scheduled bundle's moment has come. */
  due(): boolean {
    const at = this.nextSwitch();
    return at !== undefined && at <= this.clock();
  }

  /** What decides now, after any scheduled bundle whose moment has come took effect. */
  async settle(): Promise<Deployment> {
    if (this.due()) await this.tick();
    return this.state;
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The moment the next scheduled bundle takes effect, if any. */
  nextSwitch(): number | undefined {
    return this.state.scheduled[0]?.loaded.bundle.manifest.effectiveFrom;
  }

  /** Checks and starts: the live bundle (or the one before it, when it is not yet in effect), the canary, the shadow. */
  static async start(o: RolloutOptions, req: StartRequest): Promise<Rollout> {
    const clock = o.clock ?? Date.now;
    const now = clock();
    const rows = (await o.audit?.rows()) ?? [];
    const last = lastLive(rows, req.live.manifest.pack);
    const lastRef = last?.bundle ? { ...last.bundle, sourceHash: (await o.history?.get(last.bundle.hash))?.sourceHash } : undefined;
    const r = new Rollout(o, undefined as never);
    const pending: AuditEntry[] = [];
    const refuse = async (code: BundleCode, b: Bundle, message: string, detail: Record<string, unknown> = {}): Promise<never> => {
      await r.write(pending);
      const row = (await r.write([r.entry('refused', b, { code, attempted: 'start', reason: message, ...detail })]))[0];
      throw new ActivationError(code, message, row);
    };
    const approve = async (b: Bundle, role: string) => {
      const a = r.approvalsOf(b, role);
      if (a) pending.push(a.entry);
      if (a && !a.check.ok) await refuse('ZY8007', b, a.check.reason!);
    };

    await approve(req.live, 'live');
    const problem = successionProblem(lastRef, refOf(req.live));
    if (problem && !req.allowRollback) await refuse('ZY8008', req.live, `${problem}; the last bundle live for ${req.live.manifest.pack} was ${name(lastRef!)} (${lastRef!.hash.slice(0, 19)}…); start it with --allow-rollback "reason" to run it anyway`, { live: lastRef });
    let live: Bundle = req.live;
    let scheduled: Scheduled[] = [];
    const at = req.live.manifest.effectiveFrom;
    if (req.resume) {
      scheduled = req.resume.scheduled.map((x) => ({ loaded: o.build(x.bundle), ...(x.allowRollback ? { allowRollback: x.allowRollback } : {}) }));
      for (const b of req.resume.previous) r.remember(b);
    } else if (at !== undefined && at > now) {
      // Not in effect yet: serve the bundle live before it until then, from the history.
      const kept = lastRef && lastRef.hash !== req.live.hash ? await o.history?.get(lastRef.hash) : undefined;
      const before = kept ? bundleOfStored(kept, lastRef!.hash, o.parse) : undefined;
      if (!before) {
        await refuse('ZY8010', req.live, `it takes effect at ${new Date(at).toISOString()}, and there is no earlier bundle of ${req.live.manifest.pack} in the history to serve until then`);
      }
      await approve(before!, 'live');
      live = before!;
      scheduled = [{ loaded: o.build(req.live), ...(req.allowRollback ? { allowRollback: req.allowRollback } : {}) }];
    }
    let canary: CanaryArm | undefined;
    if (req.canary) {
      const c = req.canary.bundle;
      await approve(c, 'canary');
      const p = successionProblem(refOf(live), refOf(c));
      if (p && !req.allowRollback) await refuse('ZY8008', c, `the canary cannot become live: ${p}`);
      if (c.manifest.effectiveFrom !== undefined && c.manifest.effectiveFrom > now) {
        await refuse('ZY8010', c, `the canary takes effect only at ${new Date(c.manifest.effectiveFrom).toISOString()}; a canary decides traffic at once`);
      }
      canary = { loaded: o.build(c), percent: req.canary.percent, key: req.canary.key };
    }
    const state: Deployment = {
      live: o.build(live), ...(canary ? { canary } : {}), ...(req.shadow ? { shadow: o.build(req.shadow) } : {}), scheduled,
    };
    r.state = state;
    for (const b of [live, ...scheduled.map((s) => s.loaded.bundle), ...(canary ? [canary.loaded.bundle] : []), ...(req.shadow ? [req.shadow] : [])]) await r.keep(b);
    await r.write([
      ...pending,
      r.entry('start', live, { ...(lastRef && lastRef.hash !== live.hash ? { previous: lastRef } : {}), ...(problem ? { allowRollback: req.allowRollback, problem } : {}) }),
      ...scheduled.map((s) => r.entry('schedule', s.loaded.bundle, { effectiveFrom: s.loaded.bundle.manifest.effectiveFrom, live: refOf(live) })),
      ...(canary ? [r.entry('candidate', canary.loaded.bundle, { arm: 'canary', percent: canary.percent, key: canary.key })] : []),
      ...(req.shadow ? [r.entry('candidate', req.shadow, { arm: 'shadow' })] : []),
    ]);
    return r;
  }

  /** The deployment and the rollback memory, for a process that takes over (StartRequest.resume). */
  resumable(): Resumable {
    const s = this.state;
    return {
      live: s.live.bundle,
      ...(s.canary ? { canary: { bundle: s.canary.loaded.bundle, percent: s.canary.percent, key: s.canary.key } } : {}),
      ...(s.shadow ? { shadow: s.shadow.bundle } : {}),
      scheduled: s.scheduled.map((x) => ({ bundle: x.loaded.bundle, ...(x.allowRollback ? { allowRollback: x.allowRollback } : {}) })),
      previous: [...this.previous],
    };
  }

  /** POST /v1/reload: the bundle replaces the live one now, or is scheduled for its effective_from. */
  reload(next: Bundle, req: ChangeRequest = {}): Promise<ChangeResult> {
    return this.serial(async () => {
      await this.tickNow();
      const live = this.state.live.bundle;
      const checks = await this.check(next, live, 'reload', req);
      return this.activate(next, checks, 'reload', req);
    });
  }

  /** POST /v1/promote: the canary (or, given `arm`, the shadow) becomes live. `signed`: the same bundle with more signatures. */
  promote(req: ChangeRequest & { arm?: 'canary' | 'shadow'; signed?: Bundle } = {}): Promise<ChangeResult> {
    return this.serial(() => this.promoteNow(req));
  }

  private async promoteNow(req: ChangeRequest & { arm?: 'canary' | 'shadow'; signed?: Bundle }): Promise<ChangeResult> {
    await this.tickNow();
    const s = this.state;
    const arm = req.arm ?? (s.canary ? 'canary' : s.shadow ? 'shadow' : undefined);
    const candidate = arm === 'canary' ? s.canary?.loaded : arm === 'shadow' ? s.shadow : undefined;
    if (!arm || !candidate) {
      throw new ActivationError('ZY8011', arm ? `there is no ${arm} to promote` : 'there is no canary or shadow to promote');
    }
    let b = candidate.bundle;
    if (req.signed) {
      if (req.signed.hash !== b.hash) throw new ActivationError('ZY8011', `the bundle sent is ${req.signed.hash.slice(0, 19)}…, not the ${arm} ${b.hash.slice(0, 19)}…; send the ${arm}'s own bundle with its approvals, or nothing`);
      b = req.signed;
    }
    const checks = await this.check(b, s.live.bundle, 'promote', req);
    return this.activate(b, checks, 'promote', req, arm);
  }

  /**
   * POST /v1/rollback: stops the canary (or the arm named), else restores the
   * live bundle before the current one (from memory, else from the history).
   */
  rollback(req: ChangeRequest & { arm?: 'canary' | 'shadow'; reason?: string } = {}): Promise<ChangeResult> {
    return this.serial(() => this.rollbackNow(req));
  }

  private async rollbackNow(req: ChangeRequest & { arm?: 'canary' | 'shadow'; reason?: string }): Promise<ChangeResult> {
    await this.tickNow();
    const s = this.state;
    const reason = req.reason ?? req.allowRollback;
    const arm = req.arm ?? (s.canary ? 'canary' : undefined);
    if (arm) {
      const dropped = arm === 'canary' ? s.canary?.loaded.bundle : s.shadow?.bundle;
      if (!dropped) throw new ActivationError('ZY8011', `there is no ${arm} to roll back`);
      const { canary, shadow, ...rest } = s;
      const next: Deployment = { ...rest, ...(arm === 'shadow' && canary ? { canary } : {}), ...(arm === 'canary' && shadow ? { shadow } : {}) };
      await this.write([this.entry('rollback', s.live.bundle, { restored: false, arm, dropped: refOf(dropped), ...(reason ? { reason } : {}), ...from(req) })]);
      this.state = next;
      return { status: 'rolled back', bundle: refOf(s.live.bundle) };
    }
    const restore = this.previous[this.previous.length - 1] ?? await this.previousFromHistory();
    if (!restore) throw new ActivationError('ZY8011', `there is no bundle before ${name(refOf(s.live.bundle))} to roll back to (none in memory or in the history)`);
    const a = this.approvalsOf(restore, 'rollback');
    if (a && !a.check.ok) {
      const rows = await this.write([a.entry, this.entry('refused', restore, { code: 'ZY8007', attempted: 'rollback', reason: a.check.reason, ...from(req) })]);
      throw new ActivationError('ZY8007', `the bundle before cannot be restored: ${a.check.reason!}`, rows[1]);
    }
    const loaded = this.o.build(restore);
    await this.keep(restore);
    await this.write([...(a ? [a.entry] : []), this.entry('rollback', restore, { restored: true, previous: refOf(s.live.bundle), ...(reason ? { reason } : {}), ...from(req) })]);
    if (this.previous[this.previous.length - 1] === restore) this.previous.pop();
    this.state = { ...s, live: loaded };
    return { status: 'rolled back', bundle: refOf(restore), previous: refOf(s.live.bundle) };
  }

  /** Scheduled bundles whose moment has come take effect (each checked again against the live one). */
  tick(): Promise<void> {
    return this.serial(() => this.tickNow());
  }

  private async tickNow(): Promise<void> {
    const now = this.clock();
    let s = this.state;
    while (s.scheduled[0] && (s.scheduled[0].loaded.bundle.manifest.effectiveFrom ?? 0) <= now) {
      const [due, ...rest] = s.scheduled;
      const b = due!.loaded.bundle;
      const problem = successionProblem(refOf(s.live.bundle), refOf(b));
      try {
        if (problem && !due!.allowRollback) {
          await this.write([this.entry('refused', b, { code: 'ZY8008', attempted: 'effective', reason: problem, live: refOf(s.live.bundle) })]);
          s = { ...s, scheduled: rest };
        } else {
          await this.write([this.entry('effective', b, { effectiveFrom: b.manifest.effectiveFrom, previous: refOf(s.live.bundle), ...(problem ? { allowRollback: due!.allowRollback, problem } : {}) })]);
          this.remember(s.live.bundle);
          s = { ...s, live: due!.loaded, scheduled: rest };
        }
      } catch (e) {
        // The trail could not be written: nothing switches; the next request tries again.
        this.o.onError?.(e as Error);
        break;
      }
      this.state = s;
    }
  }

  /** Appends a service stop to the trail (best effort: a stopping service does not fail on it). */
  stop(): Promise<void> {
    return this.serial(async () => {
      try { await this.write([this.entry('stop', this.state.live.bundle, {})]); } catch (e) { this.o.onError?.(new Error(`the stop was not recorded: ${(e as Error).message.replace(/^nothing was changed: /, '')}`)); }
    });
  }

  private async check(next: Bundle, live: Bundle, attempted: string, req: ChangeRequest): Promise<{ approvals?: AuditEntry; problem?: string }> {
    const a = this.approvalsOf(next, attempted);
    if (a && !a.check.ok) {
      const rows = await this.write([a.entry, this.entry('refused', next, { code: 'ZY8007', attempted, reason: a.check.reason, live: refOf(live), ...from(req) })]);
      throw new ActivationError('ZY8007', `${name(refOf(next))} was not activated; still serving ${live.hash}: ${a.check.reason!}`, rows[1]);
    }
    const problem = successionProblem(refOf(live), refOf(next));
    if (problem && !req.allowRollback) {
      const rows = await this.write([...(a ? [a.entry] : []), this.entry('refused', next, { code: 'ZY8008', attempted, reason: problem, live: refOf(live), ...from(req) })]);
      throw new ActivationError('ZY8008', `${name(refOf(next))} was not activated; still serving ${live.hash}: ${problem}; to activate it anyway, give the reason: --allow-rollback "…" (allow_rollback=… over HTTP)`, rows[1]);
    }
    return { ...(a ? { approvals: a.entry } : {}), ...(problem ? { problem } : {}) };
  }

  private async activate(next: Bundle, checks: { approvals?: AuditEntry; problem?: string }, action: 'reload' | 'promote', req: ChangeRequest, arm?: 'canary' | 'shadow'): Promise<ChangeResult> {
    const s = this.state;
    const now = this.clock();
    const loaded = this.o.build(next);
    const withoutArm = (): Omit<Deployment, 'live' | 'scheduled'> => {
      const { canary, shadow } = s;
      return { ...(canary && arm !== 'canary' ? { canary } : {}), ...(shadow && arm !== 'shadow' ? { shadow } : {}) };
    };
    const rollback = checks.problem ? { allowRollback: req.allowRollback, problem: checks.problem } : {};
    const common = { ...(arm ? { arm } : {}), ...rollback, ...from(req) };
    await this.keep(next);
    const at = next.manifest.effectiveFrom;
    if (at !== undefined && at > now) {
      await this.write([...(checks.approvals ? [checks.approvals] : []), this.entry('schedule', next, { effectiveFrom: at, live: refOf(s.live.bundle), via: action, ...common })]);
      const scheduled = [...s.scheduled, { loaded, ...(req.allowRollback ? { allowRollback: req.allowRollback } : {}) }]
        .sort((x, y) => (x.loaded.bundle.manifest.effectiveFrom ?? 0) - (y.loaded.bundle.manifest.effectiveFrom ?? 0));
      this.state = { live: s.live, ...withoutArm(), scheduled };
      return { status: 'scheduled', bundle: refOf(next), effectiveFrom: at, previous: refOf(s.live.bundle) };
    }
    await this.write([...(checks.approvals ? [checks.approvals] : []), this.entry(action, next, { previous: refOf(s.live.bundle), ...common })]);
    this.remember(s.live.bundle);
    this.state = { live: loaded, ...withoutArm(), scheduled: s.scheduled };
    return { status: action === 'reload' ? 'reloaded' : 'promoted', bundle: refOf(next), previous: refOf(s.live.bundle) };
  }

  /** Keeps the bundle in the history; one that cannot be kept changes nothing (ZY8014). */
  private async keep(b: Bundle): Promise<void> {
    try { await this.o.history?.keep(b, this.clock()); } catch (err) {
      throw new ActivationError('ZY8014', `nothing was changed: ${(err as Error).message}`);
    }
  }

  private remember(b: Bundle): void {
    if (this.previous[this.previous.length - 1]?.hash === b.hash) return;
    this.previous.push(b);
    if (this.previous.length > PREVIOUS_KEPT) this.previous.shift();
  }

  /** The bundle live before the current one, by the audit trail, from the history (after a restart). */
  private async previousFromHistory(): Promise<Bundle | undefined> {
    const { audit, history } = this.o;
    if (!audit || !history) return undefined;
    const cur = this.state.live.bundle;
    const stack = liveStack(await audit.rows(), cur.manifest.pack);
    if (stack[stack.length - 1] === cur.hash) stack.pop();
    for (let i = stack.length - 1; i >= 0; i--) {
      if (stack[i] === cur.hash) continue;
      const kept = await history.get(stack[i]!);
      if (kept) return bundleOfStored(kept, stack[i]!, this.o.parse);
    }
    return undefined;
  }

  private approvalsOf(b: Bundle, role: string): { check: ApprovalCheck; entry: AuditEntry } | undefined {
    const n = this.o.requireApprovals ?? 0;
    if (n <= 0) return undefined;
    const check = approvals(b.trust, n);
    return { check, entry: this.entry('approvals', b, { for: role, ok: check.ok, required: n, signers: signerList(check), ...(check.reason ? { reason: check.reason } : {}) }) };
  }

  private entry(action: AuditAction, b: Bundle, detail: Record<string, unknown>): AuditEntry {
    const ref = refOf(b);
    return {
      action, at: this.clock(), bundle: { hash: ref.hash, pack: ref.pack, ...(ref.version !== undefined ? { version: ref.version } : {}) },
      detail: { ...detail, ...(this.o.instance ? { service: this.o.instance } : {}) },
    };
  }

  /** Appends the rows (a trail that cannot be written is ZY8014: the caller changes nothing). */
  private async write(entries: readonly AuditEntry[]): Promise<AuditRow[]> {
    if (!this.o.audit) return [];
    const out: AuditRow[] = [];
    for (const e of entries) {
      let row: AuditRow;
      try { row = await this.o.audit.append(e); } catch (err) {
        throw new ActivationError('ZY8014', `nothing was changed: ${(err as Error).message}`);
      }
      out.push(row);
      this.o.onAudit?.(row);
    }
    return out;
  }
}

const from = (req: ChangeRequest) => (req.from ? { from: req.from } : {});

/** The live bundles of a pack in the order the trail made them live, a restoring rollback undoing the last: the top is the live one. */
function liveStack(rows: readonly AuditRow[], pack: string): string[] {
  const stack: string[] = [];
  for (const r of rows) {
    if (!r.bundle || r.bundle.pack !== pack) continue;
    if (r.action === 'rollback' && r.detail['restored'] === true) {
      stack.pop();
      if (stack[stack.length - 1] !== r.bundle.hash) stack.push(r.bundle.hash);
    } else if (LIVE_ACTIONS.has(r.action) && stack[stack.length - 1] !== r.bundle.hash) stack.push(r.bundle.hash);
  }
  return stack;
}
