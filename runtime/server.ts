// The decision service: HTTP on loopback by default. Every request is
// handled on its own; a bad request gets a 4xx with field-level detail and
// the server keeps serving; a bundle that fails to load on reload leaves the
// old one in place. Reload takes bundle bytes only and, unless the operator
// said --insecure-unsigned, only bundles signed by a trusted key. Slow or
// too many clients are cut off: a header and a request timeout, and a cap on
// open connections.
//
// What decides, and every change to it (reload, promote, rollback, a bundle
// taking effect at its effective_from), is runtime/rollout.ts: this file
// routes requests to the live bundle or the canary (canary.ts), lets the
// shadow decide beside them on the same read snapshot, and answers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { InputError } from '../compiler/input.ts';
import { isStackOverflow } from '../compiler/limits.ts';
import { parseBundle, BundleError, type Bundle, type LoadOptions } from './bundle.ts';
import { publicKeyOf, type TrustPolicy } from './trust.ts';
import { Engine } from './engine.ts';
import { EMPTY_PROVIDER, type FeatureProvider } from './provider.ts';
import { Metrics } from './metrics.ts';
import { keepAliveBySweep } from './keep-alive.ts';
import type { Decision } from './decision.ts';
import { RecordingProvider, type Arm, type ShadowResult, type Snapshot } from './store/decision-log.ts';
import { StoreError } from './store/errors.ts';
import { isAsyncSource, type AsyncSource } from './store/resolve.ts';
import { ActivationError, Rollout, type ChangeResult, type Deployment, type Loaded, type Resumable, type StartRequest } from './rollout.ts';
import { armOf } from './canary.ts';
import { decideBoth, decideShadowAsync, mergeSnapshots } from './shadow-decide.ts';
import { HttpError } from './http-error.ts';
import { readBody, readBodyThen } from './http-body.ts';
import { answeredJson, answeredObject, headerList, NO_HEADERS, send, type Answered } from './http-answer.ts';
import type { AuditRow, AuditTrail } from './audit.ts';
import type { BundleHistory } from './history.ts';

// Body reading and answer writing live in their own files; what other modules took from here still is.
export { HttpError, readBody, readBodyThen, send, headerList };

export interface ServeOptions {
  readonly bundle: Bundle;
  /**
   * Builds the feature provider for a pack (rebuilt on reload: statements are
   * prepared per pack): a synchronous one (SQLite), or a store whose decisions
   * are resolved asynchronously (PostgreSQL, store/resolve.ts).
   */
  readonly provider?: (b: Bundle) => FeatureProvider | AsyncSource;
  readonly host?: string;
  readonly port?: number;
  /** Required for POST /v1/reload, and for binding anywhere but loopback. */
  readonly token?: string;
  /** Who may sign the bundles POST /v1/reload accepts. */
  readonly verify?: LoadOptions;
  /** Let /v1/reload load unsigned or unverified bundles (development only). */
  readonly insecureUnsigned?: boolean;
  readonly maxBody?: number;
  /** Largest body POST /v1/decide/batch takes (default 16 MiB). */
  readonly maxBatchBody?: number;
  readonly limits?: Partial<ServerLimits>;
  /**
   * Called after each decision with what it read from the store (the decision
   * log): the arm that decided and, when a shadow runs, its decision beside.
   * May return the logged decision's id (the response carries it); the
   * answer waits for a promise (a log on PostgreSQL).
   */
  readonly onDecision?: (input: unknown, d: Decision, bundle: Bundle, snapshot: Snapshot, more: { arm: Arm; shadow?: ShadowResult }) => number | void | Promise<number | void>;
  /** A candidate deciding `percent` % of the keys (`key`: an event field), chosen by a hash of the key. */
  readonly canary?: { readonly bundle: Bundle; readonly percent: number; readonly key: string };
  /** A candidate deciding every request beside the one that answers; its decision is logged, never sent. */
  readonly shadow?: Bundle;
  /** Distinct trusted keys that must have signed a bundle before it goes live, one an approver's (0: none). */
  readonly requireApprovals?: number;
  /** Taking over a running deployment (a restarted cluster worker): see StartRequest.resume. */
  readonly resume?: StartRequest['resume'];
  /** Start this bundle even if it is older than, or another pack than, the last one live: the reason, recorded. */
  readonly allowRollback?: string;
  /** Every bundle the service runs is kept here by hash. */
  readonly history?: BundleHistory;
  /** Every start, change, check and refusal is appended here. */
  readonly audit?: AuditTrail;
  readonly onAudit?: (row: AuditRow) => void;
  /** Now, in epoch ms (effective_from is checked against it; tests give their own). */
  readonly clock?: () => number;
  /**
   * More routes (the editor's, a cluster worker's): tried first; true (or a
   * promise of true) when it answered the request. A plain false lets the
   * request through without waiting a turn (a worker's decisions).
   */
  readonly routes?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;
  /**
   * Routes tried before everything else that read only the request's path
   * and query (a cluster worker's relay to its primary): no URL is parsed
   * for them. As `routes`, a plain false lets the request through at once.
   */
  readonly relay?: (req: IncomingMessage, res: ServerResponse, target: RequestTarget) => Promise<boolean> | boolean;
  /** Headers every answer of the service starts with, in this order (a cluster worker's id); not the 400 for a target that is not a path. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Service {
  readonly server: Server;
  readonly url: string;
  readonly metrics: Metrics;
  /** The live bundle. */
  bundle(): Bundle;
  /** What decides now: live, canary, shadow, scheduled. */
  deployment(): Deployment;
  /** The deployment as bundles, after any scheduled switch that is due: what a process taking over starts from. */
  resumable(): Promise<Resumable>;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export interface ServerLimits {
  /** A client must send its complete request headers within this many milliseconds. */
  readonly headersTimeoutMs: number;
  /** …and its complete request, body included. */
  readonly requestTimeoutMs: number;
  /** Connections over this many are closed as they arrive. */
  readonly maxConnections: number;
}

/** How long an idle connection is kept open for the client's next request (advertised in every answer's Keep-Alive header). */
const KEEP_ALIVE_MS = 5000;

export const DEFAULT_LIMITS: ServerLimits = Object.freeze({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnections: 256 });

/** The trust policy for reloads: the configured keys, and unverified bundles only when the operator said so. */
function reloadPolicy(opts: ServeOptions): TrustPolicy {
  if (opts.verify?.trust) return opts.verify.trust;
  const keys = opts.verify?.publicKey !== undefined ? [publicKeyOf(opts.verify.publicKey)] : [];
  return { keys, allowUnverified: !!opts.insecureUnsigned };
}

/** What routing reads of a request target: its path and query. */
export interface RequestTarget {
  readonly pathname: string;
  /** The query with its `?`, or '' (as URL.search). */
  readonly search: string;
  readonly searchParams: URLSearchParams;
}

/**
 * A target of only these characters reads the same split at its `?` as
 * through the URL parser: no percent-escapes, dot segments, backslashes or
 * characters the parser would encode. Most requests are such (POST
 * /v1/decide), and parsing a URL costs more than a small decision's rules.
 */
const PLAIN_TARGET = /^(\/[\w~/-]*)(?:\?([\w~.=&-]*))?$/;

export class Target implements RequestTarget {
  private params: URLSearchParams | undefined;
  private parsed: URL | undefined;
  constructor(readonly pathname: string, readonly search: string, private readonly raw: string, parsed?: URL) { this.parsed = parsed; }
  get searchParams(): URLSearchParams { return (this.params ??= this.parsed ? this.parsed.searchParams : new URLSearchParams(this.search)); }
  /** A query parameter, as url.searchParams.get(name). */
  param(name: string): string | null { return this.search === '' ? null : this.searchParams.get(name); }
  url(): URL { return (this.parsed ??= new URL(`http://localhost${this.raw}`)); }
}

/** The request target; one that is not a path (`*`, `http://…`) is a 400, never a crash. */
export function requestTarget(req: { readonly url?: string | undefined }): Target {
  const target = req.url ?? '/';
  const plain = PLAIN_TARGET.exec(target);
  if (plain) return new Target(plain[1]!, plain[2] ? `?${plain[2]}` : '', target);
  if (!target.startsWith('/')) throw new TargetError(400, { code: 'ZY4003', message: 'the request target should be a path starting with /' });
  let url: URL;
  try {
    url = new URL(`http://localhost${target}`);
  } catch {
    throw new TargetError(400, { code: 'ZY4003', message: 'the request target is not a valid path' });
  }
  return new Target(url.pathname, url.search, target, url);
}

/** A target that is not a path: refused before any route sees the request, so without the headers of `ServeOptions.headers`. */
class TargetError extends HttpError {}

/** Events one POST /v1/decide/batch takes. */
export const MAX_BATCH = 1000;

const inputErrorBody = (e: InputError): Record<string, unknown> =>
  ({ code: e.code, field: e.field, message: e.message, ...(e.expected ? { expected: e.expected } : {}) });

function tokenOk(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return false;
  const given = /^Bearer (.+)$/.exec(req.headers['authorization'] ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function serve(opts: ServeOptions): Promise<Service> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && !opts.token) {
    return Promise.reject(new Error(`binding to ${host} exposes the service beyond this machine; give an access token (--token)`));
  }
  const maxBody = opts.maxBody ?? 64 * 1024;
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  let policy: TrustPolicy;
  try { policy = reloadPolicy(opts); } catch (e) { return Promise.reject(e); }
  const metrics = new Metrics();
  const first = headerList(opts.headers);
  const reply = (res: ServerResponse, status: number, body: unknown, type?: string) => send(res, status, body, type, first);
  const clock = opts.clock ?? Date.now;
  const build = (b: Bundle): Loaded => ({ bundle: b, engine: new Engine(b.program), provider: opts.provider?.(b) ?? EMPTY_PROVIDER });
  let rollout: Rollout;
  try {
    rollout = await Rollout.start({
      build, parse: (text) => parseBundle(text, { trust: policy }), clock,
      ...(opts.requireApprovals ? { requireApprovals: opts.requireApprovals } : {}),
      ...(opts.history ? { history: opts.history } : {}), ...(opts.audit ? { audit: opts.audit } : {}),
      ...(opts.onAudit ? { onAudit: opts.onAudit } : {}),
      instance: { pid: process.pid, host, port: opts.port ?? 7700 },
      onError: (e) => console.error(`zhiyu: ${e.message}`),
    }, {
      live: opts.bundle, ...(opts.canary ? { canary: opts.canary } : {}), ...(opts.shadow ? { shadow: opts.shadow } : {}),
      ...(opts.allowRollback ? { allowRollback: opts.allowRollback } : {}), ...(opts.resume ? { resume: opts.resume } : {}),
    });
  } catch (e) { return Promise.reject(e); }
  let shown: Deployment | undefined;
  /** The deployment now (a scheduled bundle takes effect in rollout.settle()), with the metrics' bundle labels kept in step. */
  const now = (): Deployment => {
    const d = rollout.current();
    if (d !== shown) {
      shown = d;
      metrics.setBundles({ live: d.live.bundle, ...(d.canary ? { canary: d.canary.loaded.bundle } : {}), ...(d.shadow ? { shadow: d.shadow.bundle } : {}) });
      armTimer();
    }
    return d;
  };
  // A scheduled bundle also takes effect without traffic: a timer at its moment (re-armed after every change).
  let timer: NodeJS.Timeout | undefined;
  const armTimer = () => {
    clearTimeout(timer);
    const at = rollout.nextSwitch();
    if (at === undefined) return;
    timer = setTimeout(() => { void rollout.settle().then(now); }, Math.max(0, Math.min(2 ** 31 - 1, at - clock())));
    timer.unref();
  };
  now();

  /** Changes through the rollout: refusals become 4xx (the trail has the row), the answer says what is live now. */
  const change = async (f: () => Promise<ChangeResult>): Promise<ChangeResult> => {
    try { return await f(); } catch (e) {
      if (e instanceof ActivationError) {
        const status = e.code === 'ZY8014' ? 503 : e.code === 'ZY8007' ? 422 : 409;
        throw new HttpError(status, { code: e.code, message: e.message, ...(e.row ? { audit: e.row.seq } : {}) });
      }
      if (e instanceof BundleError) throw new HttpError(422, { code: e.code, message: `the bundle was not activated; still serving ${now().live.bundle.hash}: ${e.message}` });
      throw e;
    } finally { now(); }
  };
  const authorize = (req: IncomingMessage, what: string) => {
    if (!opts.token) throw new HttpError(403, { code: 'ZY8000', message: `${what} is disabled: the service was started without an access token` });
    if (!tokenOk(req, opts.token)) throw new HttpError(401, { code: 'ZY8000', message: 'a valid access token is required (Authorization: Bearer …)' });
  };
  /** A bundle sent in a request body: bytes only, checked under the policy, never quoted back. */
  const bundleFrom = (text: string, live: Bundle): Bundle => {
    try { return parseBundle(text, { trust: policy }); } catch (e) {
      const why = e instanceof BundleError ? e.message : 'its code could not be loaded';
      throw new HttpError(422, { code: e instanceof BundleError ? e.code : 'ZY8004', message: `the new bundle was not loaded; still serving ${live.hash}: ${why}` });
    }
  };
  const changeRequest = (req: IncomingMessage, url: Target) => {
    const reason = url.param('allow_rollback');
    if (reason !== null && !reason.trim()) throw new HttpError(400, { code: 'ZY4003', message: 'allow_rollback needs the reason, in words' });
    return { ...(reason ? { allowRollback: reason.trim() } : {}), ...(req.socket.remoteAddress ? { from: req.socket.remoteAddress } : {}) };
  };
  const armParam = (url: Target): 'canary' | 'shadow' | undefined => {
    const a = url.param('arm');
    if (a === null) return undefined;
    if (a === 'canary' || a === 'shadow') return a;
    throw new HttpError(400, { code: 'ZY4003', message: `arm is canary or shadow, not ${JSON.stringify(a.slice(0, 20))}` });
  };
  const describe = (d: Deployment) => ({
    ...(d.canary ? { canary: { bundle: d.canary.loaded.bundle.hash, pack: d.canary.loaded.bundle.manifest.pack, version: d.canary.loaded.bundle.manifest.version ?? null, percent: d.canary.percent, key: d.canary.key } } : {}),
    ...(d.shadow ? { shadow: { bundle: d.shadow.bundle.hash, pack: d.shadow.bundle.manifest.pack, version: d.shadow.bundle.manifest.version ?? null } } : {}),
    ...(d.scheduled.length ? { scheduled: d.scheduled.map((x) => ({ bundle: x.loaded.bundle.hash, version: x.loaded.bundle.manifest.version ?? null, effectiveFrom: new Date(x.loaded.bundle.manifest.effectiveFrom!).toISOString() })) } : {}),
  });
  const answer = (r: ChangeResult) => ({
    status: r.status, bundle: r.bundle.hash, pack: r.bundle.pack, version: r.bundle.version ?? null,
    ...(r.effectiveFrom !== undefined ? { effectiveFrom: new Date(r.effectiveFrom).toISOString() } : {}),
    ...(r.previous ? { previous: r.previous.hash } : {}), live: now().live.bundle.hash,
  });

  /**
   * One event decided as POST /v1/decide decides it (arm, shadow, log,
   * metrics): the response body, or the event's InputError. Over a
   * synchronous store with no decision log waiting, the answer is given
   * without a promise: a decision there costs less than a promise's turns.
   */
  const decideEvent = (event: unknown, strict: boolean, started: number): Answered | InputError | Promise<Answered | InputError> => {
    const d = now();
    const arm: Arm = d.canary ? armOf(event, d.canary.key, d.canary.percent) : 'live';
    const serving = arm === 'canary' ? d.canary!.loaded : d.live;
    const source = serving.provider;
    if (isAsyncSource(source)) return decideAsync(d, arm, serving, source, event, strict, started);
    let recorder: RecordingProvider | undefined;
    let decision: Decision;
    let shadow: { result: ShadowResult; snapshot?: Snapshot } | undefined;
    try {
      recorder = opts.onDecision ? new RecordingProvider(source) : undefined;
      const reads = recorder ?? source;
      // Both decisions inside one read transaction: the shadow sees exactly the store the answer saw.
      // (The function is written in place: one held in a named constant costs a renaming per request under tsx.)
      if (!source.read) decision = decideBoth(serving, d.shadow, event, reads, strict, !!opts.onDecision, (s) => { shadow = s; });
      else decision = source.read(() => decideBoth(serving, d.shadow, event, reads, strict, !!opts.onDecision, (s) => { shadow = s; }));
    } catch (e) { return refused(e); }
    return decided(event, started, d, arm, serving, decision, recorder, shadow);
  };
  /** Over PostgreSQL: the answer on one snapshot (each run records afresh: a run may stop at a read it lacks); the shadow resolves its own reads after it, on a snapshot of its own. */
  const decideAsync = async (d: Deployment, arm: Arm, serving: Loaded, source: AsyncSource, event: unknown, strict: boolean, started: number): Promise<Answered | InputError> => {
    let recorder: RecordingProvider | undefined;
    let decision: Decision;
    let shadow: { result: ShadowResult; snapshot?: Snapshot } | undefined;
    try {
      decision = await source.resolve((p) => {
        recorder = opts.onDecision ? new RecordingProvider(p) : undefined;
        return serving.engine.decide(event, recorder ?? p, { strict });
      }, event);
      if (d.shadow) shadow = await decideShadowAsync(d.shadow, event, strict, !!opts.onDecision);
    } catch (e) { return refused(e); }
    return decided(event, started, d, arm, serving, decision, recorder, shadow);
  };
  /** A decision that failed: the event's InputError is the answer; the store being away is a 503 (the pool reconnects by itself for the next ones). */
  const refused = (e: unknown): InputError => {
    if (e instanceof InputError) return e;
    if (e instanceof StoreError && e.code === 'ZY7010') throw new HttpError(503, { code: e.code, message: e.message });
    throw e;
  };
  /** After the decision: the shadow's metrics, the log (the answer waits for a promise), the decision's metrics. */
  const decided = (event: unknown, started: number, d: Deployment, arm: Arm, serving: Loaded, dd: Decision, recorder: RecordingProvider | undefined, shadow: { result: ShadowResult; snapshot?: Snapshot } | undefined): Answered | Promise<Answered> => {
    if (shadow) {
      if (shadow.result.outcome !== undefined) metrics.shadowDecided(dd.outcome, shadow.result.outcome);
      else metrics.shadowFailed(/^(ZY\d{4})/.exec(shadow.result.error ?? '')?.[1] ?? 'error');
    }
    const done = (logged: number | void): Answered => {
      metrics.decided(dd, (performance.now() - started) / 1e3, arm);
      return { decision: dd, bundle: serving.bundle.hash, ...(d.canary ? { arm } : {}), ...(typeof logged === 'number' ? { decisionId: logged } : {}) };
    };
    if (!recorder) return done(undefined);
    const snapshot = shadow?.snapshot ? mergeSnapshots(recorder.snapshot, shadow.snapshot) : recorder.snapshot;
    let logged: number | void | Promise<number | void>;
    try {
      logged = opts.onDecision!(event, dd, serving.bundle, snapshot, { arm, ...(shadow ? { shadow: shadow.result } : {}) });
    } catch (e) { throw unlogged(e); }
    // Any thenable is waited for, as `await` did.
    return typeof logged === 'object' && logged !== null ? Promise.resolve(logged).then(done, (e: unknown) => { throw unlogged(e); }) : done(logged);
  };

  /** POST /v1/decide: the body read through callbacks, and the answer given at once when the decision was synchronous. */
  const decideRequest = (req: IncomingMessage, res: ServerResponse, strict: boolean): void => {
    const started = performance.now();
    readBodyThen(req, maxBody, (e, text) => {
      try {
        if (e) throw e;
        let event: unknown;
        try { event = JSON.parse(text); } catch (err) {
          throw new HttpError(400, { code: 'ZY4003', message: `the body is not valid JSON: ${(err as Error).message}` });
        }
        const r = decideEvent(event, strict, started);
        if (r instanceof Promise) r.then((a) => answerDecision(res, a)).catch((err: unknown) => failed(res, err));
        else answerDecision(res, r);
      } catch (err) { failed(res, err); }
    });
  };
  const answerDecision = (res: ServerResponse, r: Answered | InputError): void => {
    if (r instanceof InputError) throw new HttpError(422, inputErrorBody(r));
    reply(res, 200, answeredJson(r));
  };

  /** A request that failed: its 4xx or 5xx, counted by code. */
  const failed = (res: ServerResponse, e: unknown): void => {
    const err = e instanceof HttpError ? e
      : isStackOverflow(e) ? new HttpError(422, { code: 'ZY1005', message: 'the pack is nested too deeply to compile' })
        : new HttpError(500, { code: 'ZY9000', message: `internal error: ${(e as Error).message}` });
    metrics.failed(String(err.body['code'] ?? err.status));
    if (!res.headersSent) send(res, err.status, { error: err.body }, undefined, e instanceof TargetError ? NO_HEADERS : first);
    else res.end();
  };

  /**
   * Every request. A decision is answered at once, without a promise, when
   * nothing before it (a relay, the other routes, a scheduled bundle) has to
   * be waited for; any other request goes on in `routed`.
   */
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      const url = requestTarget(req);
      const relayed = opts.relay ? opts.relay(req, res, url) : false;
      if (relayed === true) return;
      const taken = relayed === false && opts.routes ? opts.routes(req, res, url.url()) : false;
      if (taken === true) return;
      if (relayed === false && taken === false && req.method === 'POST' && url.pathname === '/v1/decide' && !rollout.due()) {
        decideRequest(req, res, url.param('strict') === '1');
        return;
      }
      routed(req, res, url, relayed, taken).catch((e: unknown) => failed(res, e));
    } catch (e) { failed(res, e); }
  };
  /** A request after the relay (`relayed`) and the other routes (`taken`) were asked: either may still be a promise. */
  const routed = async (req: IncomingMessage, res: ServerResponse, url: Target, relayed: boolean | Promise<boolean>, taken: boolean | Promise<boolean>): Promise<void> => {
    if (relayed !== false) {
      if (await relayed) return;
      const t = opts.routes ? opts.routes(req, res, url.url()) : false;
      if (t === true || (t !== false && await t)) return;
    } else if (taken !== false && await taken) return;
    const route = `${req.method} ${url.pathname}`;
    // A scheduled bundle whose moment has come takes effect before the request is answered.
    if (rollout.due()) await rollout.settle();
    switch (route) {
      case 'GET /healthz': {
        const d = now();
        const live = d.live.bundle;
        return reply(res, 200, { status: 'ok', pack: live.manifest.pack, version: live.manifest.version ?? null, bundle: live.hash, ...describe(d) });
      }
      case 'GET /metrics':
        now();
        return reply(res, 200, metrics.text(), 'text/plain; version=0.0.4; charset=utf-8');
      case 'GET /v1/bundle': {
        const d = now();
        const live = d.live.bundle;
        return reply(res, 200, { hash: live.hash, signed: live.signed, trust: live.trust, manifest: live.manifest, ...describe(d) });
      }
      case 'POST /v1/decide':
        return decideRequest(req, res, url.param('strict') === '1');
      case 'POST /v1/decide/batch': {
        // Backfills: up to MAX_BATCH events in one request; a bad event gets its
        // error in its place and the others are still decided.
        const text = await readBody(req, opts.maxBatchBody ?? 16 * 1024 * 1024);
        let body: unknown;
        try { body = JSON.parse(text); } catch (e) {
          throw new HttpError(400, { code: 'ZY4003', message: `the body is not valid JSON: ${(e as Error).message}` });
        }
        const events = Array.isArray(body) ? body : (body as { events?: unknown } | null)?.events;
        if (!Array.isArray(events)) throw new HttpError(400, { code: 'ZY4003', message: 'the body should be a JSON array of events (or { "events": [...] })' });
        if (events.length > MAX_BATCH) throw new HttpError(413, { code: 'ZY4003', message: `a batch holds at most ${MAX_BATCH} events; this one has ${events.length}` });
        const strict = url.param('strict') === '1';
        let decided = 0;
        const results: unknown[] = [];
        for (const event of events) {
          const r = await decideEvent(event, strict, performance.now());
          if (r instanceof InputError) { metrics.failed(r.code); results.push({ error: inputErrorBody(r) }); continue; }
          decided++;
          results.push(answeredObject(r));
        }
        return reply(res, 200, { decided, results });
      }
      case 'POST /v1/reload': {
        authorize(req, 'reload');
        const text = await readBody(req, 64 * 1024 * 1024);
        const live = now().live.bundle;
        const next = bundleFrom(text, live);
        const cr = changeRequest(req, url);
        return reply(res, 200, answer(await change(() => rollout.reload(next, cr))));
      }
      case 'POST /v1/promote': {
        authorize(req, 'promote');
        const text = await readBody(req, 64 * 1024 * 1024);
        const live = now().live.bundle;
        // An optional body: the candidate's own bundle with the approvals added since it started.
        const signed = text.trim() ? bundleFrom(text, live) : undefined;
        const arm = armParam(url);
        const cr = changeRequest(req, url);
        return reply(res, 200, answer(await change(() => rollout.promote({ ...cr, ...(arm ? { arm } : {}), ...(signed ? { signed } : {}) }))));
      }
      case 'POST /v1/rollback': {
        authorize(req, 'rollback');
        await readBody(req, 64 * 1024);
        const arm = armParam(url);
        const reason = url.param('reason')?.trim();
        const cr = changeRequest(req, url);
        return reply(res, 200, answer(await change(() => rollout.rollback({ ...cr, ...(arm ? { arm } : {}), ...(reason ? { reason } : {}) }))));
      }
      default:
        throw new HttpError(404, { code: 'ZY4003', message: `no route ${route}; try POST /v1/decide, POST /v1/decide/batch, GET /v1/bundle, POST /v1/reload, POST /v1/promote, POST /v1/rollback, GET /healthz, GET /metrics` });
    }
  };

  const server = createServer({
    headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
    requestTimeout: limits.requestTimeoutMs,
    // How often the timeouts above are checked (Node's default, 30 s, would let them overrun).
    connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4))),
  }, (req, res) => {
    keepAlive.request(req, res);
    handle(req, res);
  });
  const keepAlive = keepAliveBySweep(server, KEEP_ALIVE_MS);
  server.maxConnections = limits.maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 7700, host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.port ?? 7700;
      resolve({
        server, metrics, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
        bundle: () => now().live.bundle,
        deployment: now,
        resumable: async () => { await rollout.settle(); now(); return rollout.resumable(); },
        close: () => new Promise((r) => {
          clearTimeout(timer);
          keepAlive.stop();
          void rollout.stop().then(() => {
            server.closeAllConnections?.();
            server.close(() => r());
          });
        }),
      });
    });
  });
}

/** A decision the log refused: not given (the caller retries); the store being away is a 503. */
function unlogged(e: unknown): unknown {
  return e instanceof StoreError && e.code === 'ZY7010' ? new HttpError(503, { code: e.code, message: e.message }) : e;
}
