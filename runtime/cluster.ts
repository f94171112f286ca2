// The decision service on every core: node:cluster forks N workers that share
// one listening port (the primary hands out connections round-robin); each
// worker is a whole service with its own engine. What changes the service —
// every POST, PUT or DELETE that is not a decision (POST /v1/reload and any
// later admin route) — must reach every worker: the worker that receives it
// sends it to the primary, which replays it to each worker on that worker's
// own loopback-only admin port and answers with their common response (a
// 500 if they disagree). GET /metrics is the sum over the workers.
//
// Over a store (--db) the workers share one bundle history and audit trail,
// which must get one row per change, not one per worker. One worker is the
// writer: it starts first, and every change is replayed to it first; the
// others (followers) then apply the same change with read-only views of the
// history and trail (followerViews below), so each runs the same checks on the
// same state and switches the same way without writing a row. Decisions are
// logged by the worker that made them (one SQLite log, ids from one sequence).
//
// A worker that dies is replaced by one serving what the running workers
// serve after every reload, promote and rollback, never the bundle files the
// service was started with (runPrimary).
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { headerList, readBody, send, type RequestTarget, type ServeOptions, type Service } from './server.ts';
import { nextRow, type AuditEntry, type AuditRow, type AuditTrail } from './audit.ts';
import { BundleError, type Bundle } from './bundle.ts';
import type { Resumable } from './rollout.ts';
import type { BundleHistory } from './history.ts';

const SECRET_ENV = 'ZHIYU_CLUSTER_SECRET';
/** 'writer' in the one worker that writes the bundle history and audit trail. */
const ROLE_ENV = 'ZHIYU_CLUSTER_ROLE';
const REPLAY_HEADER = 'x-zhiyu-replay';
/** Largest admin request replayed (a bundle). */
const MAX_ADMIN_BODY = 64 * 1024 * 1024;
/** A worker slot whose replacements end before they listen this many times in a row is not restarted again. */
export const MAX_FAILED_STARTS = 5;
/** A worker that ends within this time of its start (or before it listens) ended quickly: the next replacement of its slot waits longer. */
const QUICK_MS = 10_000;
/** The wait before a slot's replacement, after `quick` workers in a row ended quickly: none, then 0.25 s doubling to 8 s. */
const backoff = (quick: number): number => (quick === 0 ? 0 : Math.min(8000, 250 * 2 ** (quick - 1)));
/**
 * How long a worker may take from its fork to listening before it is ended
 * as a failed start. A start is a node process, the bundles' parse and
 * checks, and the store opened (PostgreSQL gives up connecting after 2 s):
 * a second or two here, a 10,000-rule bundle a few more on a busy machine.
 * 30 s is ten times that, and short enough that a change waiting on a
 * joining worker (see replayAll) is answered within a usual client timeout.
 */
export const DEFAULT_JOIN_MS = 30_000;
/** After SIGTERM, the time a worker that did not listen has to end before it is killed. */
const KILL_GRACE_MS = 5000;

interface Forwarded { readonly method: string; readonly path: string; readonly headers: Record<string, string>; readonly body: string }
interface Answer { readonly status: number; readonly type: string; readonly body: string }
type Message =
  | { zy: 'admin'; id: number; req: Forwarded }
  | { zy: 'metrics'; id: number }
  | { zy: 'resume'; id: number }
  | { zy: 'replay'; id: number; req: Forwarded }
  | { zy: 'report'; id: number }
  | { zy: 'state'; id: number }
  | { zy: 'answer'; id: number; answer: Answer };

/** Requests every worker must see: everything but reads and decisions. */
const changesService = (method: string, path: string) => method !== 'GET' && method !== 'HEAD' && !path.startsWith('/v1/decide');

/** A deployment's arms (Resumable's shape), with each bundle as B. */
interface Arms<B> {
  readonly live: B;
  readonly canary?: { readonly bundle: B; readonly percent: number; readonly key: string };
  readonly shadow?: B;
  readonly scheduled: readonly { readonly bundle: B; readonly allowRollback?: string }[];
  readonly previous: readonly B[];
}

const mapArms = <A, B>(a: Arms<A>, f: (x: A) => B): Arms<B> => ({
  live: f(a.live),
  ...(a.canary ? { canary: { bundle: f(a.canary.bundle), percent: a.canary.percent, key: a.canary.key } } : {}),
  ...(a.shadow !== undefined ? { shadow: f(a.shadow) } : {}),
  scheduled: a.scheduled.map((x) => ({ bundle: f(x.bundle), ...(x.allowRollback ? { allowRollback: x.allowRollback } : {}) })),
  previous: a.previous.map(f),
});

/**
 * A deployment between processes: the arms by hash, and each bundle's text
 * once. The receiving worker parses every text under its own trust policy
 * and checks that it has the hash it was sent as.
 */
interface WireState extends Arms<string> {
  readonly texts: readonly (readonly [string, string])[];
}

function toWire(r: Resumable): WireState {
  const texts = new Map<string, string>();
  return { ...mapArms(r, (b) => { texts.set(b.hash, b.text); return b.hash; }), texts: [...texts] };
}

function fromWire(w: WireState, parse: (text: string) => Bundle): Resumable {
  const texts = new Map(w.texts);
  const parsed = new Map<string, Bundle>();
  return mapArms(w, (hash) => {
    let b = parsed.get(hash);
    if (b) return b;
    const text = texts.get(hash);
    if (text === undefined) throw new BundleError('ZY8013', `the primary sent no text for bundle ${hash.slice(0, 23)}…`);
    b = parse(text);
    if (b.hash !== hash) throw new BundleError('ZY8002', `the bundle sent as ${hash.slice(0, 23)}… hashes to ${b.hash.slice(0, 23)}…`);
    parsed.set(hash, b);
    return b;
  });
}

// ---------- primary ----------

export interface PrimaryOptions {
  readonly workers: number;
  /** The program each worker runs, and its arguments. */
  readonly exec: string;
  readonly args: readonly string[];
  /** Called once every worker listens, with the port they share. */
  readonly onReady?: (port: number) => void;
  /**
   * Called when the service cannot go on, with why: a worker ended before
   * every worker listened (a port in use, a bad bundle), or the writer's
   * replacements kept failing to start. Every worker is stopped then.
   */
  readonly onFailed?: (message: string) => void;
  /** Lines for the operator: a worker ended and another starts, or its slot is given up. */
  readonly log?: (line: string) => void;
  /** A worker started once the service is up that has not listened this long after is ended, as one that failed to start (default DEFAULT_JOIN_MS). */
  readonly joinMs?: number;
}

/**
 * Forks the workers (`exec` with `args`) and relays between them; restarts a
 * worker that dies once the service is up.
 *
 * A worker, when it starts, asks the primary what to serve: the first one
 * (the writer, at the start) gets nothing and serves its command line; every
 * later one, and every replacement, gets the deployment a running worker has
 * now (the writer's first) — its bundles' texts, not the files on the
 * command line, which may be older than the live bundle or gone (the
 * primary keeps the last deployment it saw for when no worker is left). The
 * answer is given between two changes, and the worker gets every change
 * after it: none is missed and none applied twice. A slot whose replacements
 * end quickly waits longer each time (backoff); after MAX_FAILED_STARTS
 * replacements in a row that never listened it is given up (the writer's:
 * the service stops). A worker that has not listened within `joinMs` of its
 * start (hung in its start-up) once the service is up is ended and counts
 * as one that never listened.
 */
export function runPrimary(opts: PrimaryOptions): { stop(): Promise<void> } {
  const secret = randomBytes(24).toString('hex');
  const log = opts.log ?? ((line: string) => console.error(line));
  cluster.setupPrimary({ exec: opts.exec, args: [...opts.args] });
  let stopping = false;
  let up = false;
  let listening = 0;
  let next = 1;
  const pending = new Map<number, { worker: number; resolve: (a: Answer | undefined) => void }>();
  /** The workers changes are replayed to: each joins when it is told what to serve. */
  const members = new Set<number>();
  let writer: number | undefined;
  /** The workers that listen (serve decisions). */
  const listened = new Set<number>();
  /** The deployment as last read from a worker. */
  let known: WireState | undefined;
  const stopAll = (message: string) => {
    stopping = true;
    for (const x of Object.values(cluster.workers ?? {})) x?.process.kill('SIGTERM');
    opts.onFailed?.(message);
  };
  const joinMs = opts.joinMs ?? DEFAULT_JOIN_MS;
  const fork = (asWriter: boolean, slot = { failed: 0, quick: 0 }) => {
    const w = cluster.fork({ [SECRET_ENV]: secret, [ROLE_ENV]: asWriter ? 'writer' : 'follower' });
    const born = Date.now();
    const role = asWriter ? 'the writer' : 'a follower';
    if (asWriter) writer = w.id;
    // A worker listens first on the public port, then on its admin port: only the first counts.
    let counted = false;
    // A replacement that never listens and never ends would hold its slot, and any change replayed to it, forever.
    // Workers of the start are not timed: no change waits on them, and a slow start on a busy machine is no failure.
    const joining = !up ? undefined : setTimeout(() => {
      if (stopping || counted || w.isDead()) return;
      log(`zhiyu: worker ${w.id} (${role}) did not listen within ${joinMs / 1000} s of its start; ending it`);
      w.process.kill('SIGTERM');
      setTimeout(() => { if (!w.isDead()) w.process.kill('SIGKILL'); }, KILL_GRACE_MS).unref();
    }, joinMs);
    joining?.unref();
    w.on('listening', (a) => {
      if (counted) return;
      counted = true;
      listened.add(w.id);
      clearTimeout(joining);
      if (up) return;
      // The writer starts alone (it writes the start row and sets up the log); the followers after it.
      if (asWriter && listening === 0) for (let i = 1; i < opts.workers; i++) fork(false);
      if (++listening === opts.workers) { up = true; opts.onReady?.(a.port); }
    });
    w.on('message', (m: Message) => {
      if (m.zy === 'answer') { const p = pending.get(m.id); pending.delete(m.id); p?.resolve(m.answer); return; }
      if (m.zy === 'admin') void replayAll(m.req).then((answer) => w.send({ zy: 'answer', id: m.id, answer } satisfies Message));
      if (m.zy === 'metrics') {
        // Only workers that listen: one hung in its start-up would hold the sum until it is ended.
        void askAll({ zy: 'report' }, connected().filter((x) => listened.has(x.id))).then((as) => w.send({ zy: 'answer', id: m.id, answer: { status: 200, type: 'text/plain; version=0.0.4; charset=utf-8', body: sumMetrics(as.map((a) => a.body)) } } satisfies Message));
      }
      if (m.zy === 'resume') {
        void serially(async () => {
          const state = await deployment(w.id);
          members.add(w.id);
          w.send({ zy: 'answer', id: m.id, answer: { status: 200, type: 'application/json', body: JSON.stringify(state ?? null) } } satisfies Message);
        });
      }
    });
    w.on('exit', (code, signal) => {
      clearTimeout(joining);
      listened.delete(w.id);
      members.delete(w.id);
      // What it was asked is answered with nothing: a change or a sum goes on without it.
      for (const [id, p] of pending) if (p.worker === w.id) { pending.delete(id); p.resolve(undefined); }
      if (stopping) return;
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      // A worker that fails before the service is up would fail again: give up instead of forking forever.
      if (!up) { stopAll(`a worker ended (${code ?? signal}) before the service was up; stopping`); return; }
      const failed = counted ? 0 : slot.failed + 1;
      const quick = !counted || Date.now() - born < QUICK_MS ? slot.quick + 1 : 0;
      if (failed >= MAX_FAILED_STARTS) {
        const left = connected().length;
        const why = `worker ${w.id} (${role}) ended (${how}), the ${failed}th replacement in a row that failed to start`;
        if (asWriter || left === 0) { stopAll(`${why}; stopping the service`); return; }
        log(`zhiyu: ${why}; not restarting it: ${left} worker${left === 1 ? '' : 's'} serve`);
        return;
      }
      const wait = backoff(quick);
      log(`zhiyu: worker ${w.id} (${role}) ended (${how}${counted ? '' : ', before it listened'}); starting another${wait ? ` in ${wait} ms` : ''}`);
      setTimeout(() => { if (!stopping) fork(asWriter, { failed, quick }); }, wait);
    });
  };
  const connected = () => Object.values(cluster.workers ?? {}).filter((w) => !!w?.isConnected()).map((w) => w!);
  /** A worker's answer, or undefined when it is gone (or goes before answering). */
  const ask = (w: Worker, m: { zy: 'replay'; req: Forwarded } | { zy: 'report' } | { zy: 'state' }): Promise<Answer | undefined> => new Promise((resolve) => {
    if (!w.isConnected()) { resolve(undefined); return; }
    const id = next++;
    pending.set(id, { worker: w.id, resolve });
    w.send({ ...m, id } as Message);
  });
  const askAll = async (m: { zy: 'replay'; req: Forwarded } | { zy: 'report' }, workers = connected()): Promise<Answer[]> =>
    (await Promise.all(workers.map((w) => ask(w, m)))).filter((a): a is Answer => a !== undefined);
  /** The deployment a running worker has now (the writer's first; never `except`'s), else the last one seen. */
  const deployment = async (except?: number): Promise<WireState | undefined> => {
    const from = connected().filter((w) => members.has(w.id) && w.id !== except).sort((a, b) => Number(b.id === writer) - Number(a.id === writer));
    for (const w of from) {
      const a = await ask(w, { zy: 'state' });
      if (a?.status === 200) return (known = JSON.parse(a.body) as WireState);
    }
    return known;
  };
  // One change at a time, the writer's first: the followers apply it once its rows are written.
  // A worker is a member from when it is told the deployment (resume), before it
  // listens: the state it was told is from between two changes, so it must apply
  // every later one itself, or it would come up serving an older deployment than
  // the others. A change therefore waits for a member still starting, but never
  // longer than joinMs: by then it listens, or it is ended, which answers its
  // replay with nothing; its replacement is told the deployment after the change.
  // (Not waiting, and letting it catch up when it listens, would let followers
  // apply a change before a starting writer wrote its rows.) A worker not yet
  // told (hung opening the store, say) is no member: changes skip it.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(f: () => Promise<T>): Promise<T> => {
    const done = queue.then(f, f);
    queue = done.catch(() => undefined);
    return done;
  };
  const replayAll = (req: Forwarded): Promise<Answer> => serially(async () => {
    const all = connected().filter((w) => members.has(w.id));
    const answers = [...await askAll({ zy: 'replay', req }, all.filter((w) => w.id === writer)), ...await askAll({ zy: 'replay', req }, all.filter((w) => w.id !== writer))];
    // Kept for a replacement when no worker is left to ask.
    await deployment();
    const lead = answers[0];
    if (!lead) return { status: 503, type: 'application/json; charset=utf-8', body: JSON.stringify({ error: { code: 'ZY9000', message: 'no worker is running to apply it; try again' } }) };
    if (answers.every((a) => sameAnswer(a, lead))) return lead;
    return { status: 500, type: 'application/json; charset=utf-8', body: JSON.stringify({ error: { code: 'ZY9000', message: 'the workers answered differently', answers: answers.map((a) => ({ status: a.status, body: a.body })) } }) };
  });
  fork(true);
  return {
    stop: () => {
      stopping = true;
      return new Promise((resolve) => {
        // Workers that do not let go within 5 s are ended.
        const late = setTimeout(() => { for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL'); resolve(); }, 5000);
        cluster.disconnect(() => { clearTimeout(late); resolve(); });
      });
    },
  };
}

/**
 * Whether a follower's answer to a change is the writer's: the same status
 * and body, but for the audit row a refusal names (only the writer's row was
 * written; a follower's is the one it would have written).
 */
function sameAnswer(a: Answer, b: Answer): boolean {
  if (a.status !== b.status) return false;
  if (a.body === b.body) return true;
  const withoutRow = (text: string): string => {
    try {
      const v = JSON.parse(text) as { error?: Record<string, unknown> };
      if (v.error && typeof v.error === 'object') delete v.error['audit'];
      return JSON.stringify(v);
    } catch { return text; }
  };
  return withoutRow(a.body) === withoutRow(b.body);
}

/** Prometheus text of several workers as one: counters and histograms add up; gauges and the reload count are the largest. */
export function sumMetrics(texts: readonly string[]): string {
  const families = new Map<string, { comments: string[]; type: string; samples: Map<string, number> }>();
  for (const text of texts) {
    let family: { comments: string[]; type: string; samples: Map<string, number> } | undefined;
    for (const line of text.split('\n')) {
      if (!line) continue;
      const c = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (c) {
        const name = c[2]!;
        family = families.get(name);
        if (!family) families.set(name, (family = { comments: [], type: 'untyped', samples: new Map() }));
        if (!family.comments.includes(line)) family.comments.push(line);
        if (c[1] === 'TYPE') family.type = c[3] ?? 'untyped';
        continue;
      }
      const at = line.lastIndexOf(' ');
      const key = line.slice(0, at);
      const v = Number(line.slice(at + 1));
      if (!family) families.set('', (family = { comments: [], type: 'untyped', samples: new Map() }));
      const old = family.samples.get(key);
      const largest = family.type === 'gauge' || key === 'zhiyu_bundle_reloads_total';
      family.samples.set(key, old === undefined ? v : largest ? Math.max(old, v) : old + v);
    }
  }
  const lines: string[] = [];
  for (const f of families.values()) {
    lines.push(...f.comments);
    for (const [k, v] of f.samples) lines.push(`${k} ${v}`);
  }
  lines.push('# HELP zhiyu_workers Worker processes serving.', '# TYPE zhiyu_workers gauge', `zhiyu_workers ${texts.length}`);
  return `${lines.join('\n')}\n`;
}

// ---------- worker ----------

/** True in a worker this module's primary forked. */
export const inClusterWorker = (): boolean => cluster.isWorker && !!process.env[SECRET_ENV];

/** In a cluster worker: whether it writes the bundle history and audit trail (one worker does), or only reads them. */
export const clusterRole = (): 'writer' | 'follower' | undefined => (inClusterWorker() ? (process.env[ROLE_ENV] === 'writer' ? 'writer' : 'follower') : undefined);

/**
 * What a worker adds to the service (`serve`: its options): every answer
 * starts with the worker's id (a header); its relay, tried before the
 * service's routes, sends what changes the service to the primary and asks
 * the primary for the summed metrics. `resume` asks the primary what to serve
 * (undefined: the command line's bundles). `attach` is called with the
 * service once it listens: it opens the worker's admin port, where replays
 * arrive (a replay that comes sooner waits for it).
 */
export function workerRoutes(): {
  serve: Pick<ServeOptions, 'relay' | 'headers'>;
  resume: (parse: (text: string) => Bundle) => Promise<Resumable | undefined>;
  attach: (service: Service) => Promise<void>;
} {
  const secret = process.env[SECRET_ENV]!;
  const workerId = String(cluster.worker?.id ?? 0);
  let adminPort = 0;
  let next = 1;
  const pending = new Map<number, (a: Answer) => void>();
  const ask = (m: { zy: 'admin'; req: Forwarded } | { zy: 'metrics' } | { zy: 'resume' }): Promise<Answer> => new Promise((resolve) => {
    const id = next++;
    pending.set(id, resolve);
    process.send!({ ...m, id } as Message);
  });
  const replayHere = (req: Forwarded): Promise<Answer> => new Promise((resolve) => {
    const r = request({ host: '127.0.0.1', port: adminPort, method: req.method, path: req.path, headers: { ...req.headers, [REPLAY_HEADER]: secret } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 500, type: String(res.headers['content-type'] ?? 'application/json'), body: Buffer.concat(chunks).toString('utf8') }));
    });
    r.on('error', (e) => resolve({ status: 500, type: 'application/json; charset=utf-8', body: JSON.stringify({ error: { code: 'ZY9000', message: `worker ${workerId} could not apply it: ${e.message}` } }) }));
    r.end(req.body);
  });
  let service: Service | undefined;
  let attached!: (s: Service) => void;
  const serving = new Promise<Service>((r) => { attached = r; });
  const answer = (id: number, answer: Answer) => process.send!({ zy: 'answer', id, answer } satisfies Message);
  process.on('message', (m: Message) => {
    if (m.zy === 'answer') { pending.get(m.id)?.(m.answer); pending.delete(m.id); return; }
    if (m.zy === 'replay') void serving.then(() => replayHere(m.req)).then((a) => answer(m.id, a));
    if (m.zy === 'report') answer(m.id, { status: 200, type: 'text/plain', body: service?.metrics.text() ?? '' });
    if (m.zy === 'state') void serving.then((s) => s.resumable()).then((r) => answer(m.id, { status: 200, type: 'application/json', body: JSON.stringify(toWire(r)) }));
  });
  const headers = { 'x-zhiyu-worker': workerId };
  const first = headerList(headers);
  const reply = (res: ServerResponse, a: Answer) => send(res, a.status, a.body, a.type, first);
  // Synchronous for what the service answers itself (decisions, reads): those go on without waiting a turn.
  const relay = (req: IncomingMessage, res: ServerResponse, url: RequestTarget): Promise<boolean> | boolean => {
    const method = req.method ?? 'GET';
    if (req.headers[REPLAY_HEADER] !== undefined) {
      // Only the primary, through this worker's loopback admin port, replays.
      if (req.headers[REPLAY_HEADER] !== secret || req.socket.localPort !== adminPort) { send(res, 403, { error: { code: 'ZY8000', message: 'not a replay from this service' } }, undefined, first); return true; }
      return false;
    }
    if (method === 'GET' && url.pathname === '/metrics') return ask({ zy: 'metrics' }).then((a) => { reply(res, a); return true; });
    if (!changesService(method, url.pathname)) return false;
    const forward: Record<string, string> = {};
    for (const h of ['authorization', 'content-type']) { const v = req.headers[h]; if (typeof v === 'string') forward[h] = v; }
    return readBody(req, MAX_ADMIN_BODY)
      .then((body) => ask({ zy: 'admin', req: { method, path: url.pathname + url.search, headers: forward, body } }))
      .then((a) => { reply(res, a); return true; });
  };
  return {
    serve: { headers, relay },
    async resume(parse) {
      const state = JSON.parse((await ask({ zy: 'resume' })).body) as WireState | null;
      return state ? fromWire(state, parse) : undefined;
    },
    attach(s) {
      service = s;
      // The admin port: loopback only, not shared with the other workers.
      const admin = createServer((req, res) => s.server.emit('request', req, res));
      return new Promise((resolve) => admin.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
        adminPort = (admin.address() as AddressInfo).port;
        admin.unref();
        attached(s);
        resolve();
      }));
    },
  };
}

/**
 * What a follower worker sees of the bundle history and the audit trail the
 * writer keeps: it reads both (a restore or a scheduled start finds the same
 * bundles the writer found) and writes neither. Keeping a bundle checks that
 * the writer kept it; appending a row gives the row it would have been,
 * unwritten (the writer's is in the trail).
 */
export function followerViews(history: BundleHistory, audit: AuditTrail): { history: BundleHistory; audit: AuditTrail } {
  return {
    history: {
      async keep(b: Bundle) {
        if (!(await history.get(b.hash))) throw new Error(`the writer worker has not kept bundle ${b.hash.slice(0, 23)}… in the bundle history`);
      },
      get: (hash) => history.get(hash),
      list: () => history.list(),
    },
    audit: {
      async append(e: AuditEntry): Promise<AuditRow> {
        const rows = await audit.rows();
        return nextRow(rows[rows.length - 1], e);
      },
      rows: () => audit.rows(),
    },
  };
}
