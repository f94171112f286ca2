// The decision service: HTTP on loopback by default. Every request is
// handled on its own; a bad request gets a 4xx with field-level detail and
// the server keeps serving; a bundle that fails to load on reload leaves the
// old one in place. Reload takes bundle bytes only and, unless the operator
// said --insecure-unsigned, only bundles signed by a trusted key. Slow or
// too many clients are cut off: a header and a request timeout, and a cap on
// open connections.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { InputError } from '../compiler/input.ts';
import { isStackOverflow } from '../compiler/limits.ts';
import { parseBundle, BundleError, type Bundle, type LoadOptions } from './bundle.ts';
import { publicKeyOf, type TrustPolicy } from './trust.ts';
import { Engine } from './engine.ts';
import { EMPTY_PROVIDER, type FeatureProvider } from './provider.ts';
import { Metrics } from './metrics.ts';
import type { Decision } from './decision.ts';
import { RecordingProvider, type Snapshot } from './store/log.ts';

export interface ServeOptions {
  readonly bundle: Bundle;
  /** Builds the feature provider for a pack (rebuilt on reload: statements are prepared per pack). */
  readonly provider?: (b: Bundle) => FeatureProvider;
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
  /** Called after each decision with what it read from the store (the decision log). */
  readonly onDecision?: (input: unknown, d: Decision, bundle: Bundle, snapshot: Snapshot) => void;
  /** More routes (the editor's): tried first; resolves true when it answered the request. */
  readonly routes?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
}

export interface Service {
  readonly server: Server;
  readonly url: string;
  readonly metrics: Metrics;
  bundle(): Bundle;
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

export const DEFAULT_LIMITS: ServerLimits = Object.freeze({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnections: 256 });

/** The trust policy for reloads: the configured keys, and unverified bundles only when the operator said so. */
function reloadPolicy(opts: ServeOptions): TrustPolicy {
  if (opts.verify?.trust) return opts.verify.trust;
  const keys = opts.verify?.publicKey !== undefined ? [publicKeyOf(opts.verify.publicKey)] : [];
  return { keys, allowUnverified: !!opts.insecureUnsigned };
}

/** The request target as a URL; a target that is not a path (`*`, `http://…`) is a 400, never a crash. */
function requestUrl(req: IncomingMessage): URL {
  const target = req.url ?? '/';
  if (!target.startsWith('/')) throw new HttpError(400, { code: 'ZY4003', message: 'the request target should be a path starting with /' });
  try {
    return new URL(`http://localhost${target}`);
  } catch {
    throw new HttpError(400, { code: 'ZY4003', message: 'the request target is not a valid path' });
  }
}

export class HttpError extends Error {
  constructor(readonly status: number, readonly body: Record<string, unknown>) { super(String(body['message'] ?? status)); }
}

export function send(res: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpError(413, { code: 'ZY4003', message: `the body is larger than ${limit} bytes` }));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Events one POST /v1/decide/batch takes. */
export const MAX_BATCH = 1000;

function parseJson(text: string): unknown {
  try { return JSON.parse(text); } catch (e) {
    throw new HttpError(400, { code: 'ZY4003', message: `the body is not valid JSON: ${(e as Error).message}` });
  }
}

const inputErrorBody = (e: InputError): Record<string, unknown> =>
  ({ code: e.code, field: e.field, message: e.message, ...(e.expected ? { expected: e.expected } : {}) });

function tokenOk(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return false;
  const given = /^Bearer (.+)$/.exec(req.headers['authorization'] ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function serve(opts: ServeOptions): Promise<Service> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && !opts.token) {
    return Promise.reject(new Error(`binding to ${host} exposes the service beyond this machine; give an access token (--token)`));
  }
  const maxBody = opts.maxBody ?? 64 * 1024;
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  let policy: TrustPolicy;
  try { policy = reloadPolicy(opts); } catch (e) { return Promise.reject(e); }
  let current = { bundle: opts.bundle, engine: new Engine(opts.bundle.program), provider: opts.provider?.(opts.bundle) ?? EMPTY_PROVIDER };
  const metrics = new Metrics();
  metrics.setBundle(current.bundle);

  const maxBatchBody = opts.maxBatchBody ?? 16 * 1024 * 1024;
  /** One event decided by the bundle in force, logged when the service logs; a bad event's InputError is returned. */
  const decideOne = (active: typeof current, event: unknown, strict: boolean): Decision | InputError => {
    const recorder = opts.onDecision ? new RecordingProvider(active.provider) : undefined;
    let d: Decision;
    try {
      d = active.engine.decide(event, recorder ?? active.provider, { strict });
    } catch (e) {
      if (e instanceof InputError) return e;
      throw e;
    }
    if (recorder) opts.onDecision!(event, d, active.bundle, recorder.snapshot);
    return d;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = requestUrl(req);
    const route = `${req.method} ${url.pathname}`;
    if (opts.routes && await opts.routes(req, res, url)) return;
    switch (route) {
      case 'GET /healthz':
        return send(res, 200, { status: 'ok', pack: current.bundle.manifest.pack, version: current.bundle.manifest.version ?? null, bundle: current.bundle.hash });
      case 'GET /metrics':
        return send(res, 200, metrics.text(), 'text/plain; version=0.0.4; charset=utf-8');
      case 'GET /v1/bundle':
        return send(res, 200, { hash: current.bundle.hash, signed: current.bundle.signed, trust: current.bundle.trust, manifest: current.bundle.manifest });
      case 'POST /v1/decide': {
        const started = process.hrtime.bigint();
        const event = parseJson(await readBody(req, maxBody));
        const active = current;
        const d = decideOne(active, event, url.searchParams.get('strict') === '1');
        if (d instanceof InputError) throw new HttpError(422, inputErrorBody(d));
        metrics.decided(d, Number(process.hrtime.bigint() - started) / 1e9);
        return send(res, 200, { ...d, bundle: active.bundle.hash });
      }
      case 'POST /v1/decide/batch': {
        // Backfills: up to MAX_BATCH events, all decided by the same bundle; a bad
        // event gets its own error in its place and the others are still decided.
        const body = parseJson(await readBody(req, maxBatchBody));
        const events = Array.isArray(body) ? body : (body as { events?: unknown } | null)?.events;
        if (!Array.isArray(events)) throw new HttpError(400, { code: 'ZY4003', message: 'the body should be a JSON array of events (or { "events": [...] })' });
        if (events.length > MAX_BATCH) throw new HttpError(413, { code: 'ZY4003', message: `a batch holds at most ${MAX_BATCH} events; this one has ${events.length}` });
        const active = current;
        const strict = url.searchParams.get('strict') === '1';
        const results = events.map((event) => {
          const started = process.hrtime.bigint();
          const d = decideOne(active, event, strict);
          if (d instanceof InputError) { metrics.failed(d.code); return { error: inputErrorBody(d) }; }
          metrics.decided(d, Number(process.hrtime.bigint() - started) / 1e9);
          return d;
        });
        return send(res, 200, { bundle: active.bundle.hash, decided: results.filter((r) => !('error' in r)).length, results });
      }
      case 'POST /v1/reload': {
        if (!opts.token) throw new HttpError(403, { code: 'ZY8000', message: 'reload is disabled: the service was started without an access token' });
        if (!tokenOk(req, opts.token)) throw new HttpError(401, { code: 'ZY8000', message: 'a valid access token is required (Authorization: Bearer …)' });
        const text = await readBody(req, 64 * 1024 * 1024);
        let next: typeof current;
        try {
          const bundle = parseBundle(text, { trust: policy });
          next = { bundle, engine: new Engine(bundle.program), provider: opts.provider?.(bundle) ?? EMPTY_PROVIDER };
        } catch (e) {
          // Only our own messages go back: a bundle's text is never quoted.
          const why = e instanceof BundleError ? e.message : 'its code could not be loaded';
          throw new HttpError(422, { code: e instanceof BundleError ? e.code : 'ZY8004', message: `the new bundle was not loaded; still serving ${current.bundle.hash}: ${why}` });
        }
        current = next;
        metrics.setBundle(next.bundle);
        return send(res, 200, { status: 'reloaded', bundle: next.bundle.hash, pack: next.bundle.manifest.pack, version: next.bundle.manifest.version ?? null });
      }
      default:
        throw new HttpError(404, { code: 'ZY4003', message: `no route ${route}; try POST /v1/decide, POST /v1/decide/batch, GET /v1/bundle, POST /v1/reload, GET /healthz, GET /metrics` });
    }
  };

  const server = createServer({
    headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
    requestTimeout: limits.requestTimeoutMs,
    // How often the timeouts above are checked (Node's default, 30 s, would let them overrun).
    connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4))),
  }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      const err = e instanceof HttpError ? e
        : isStackOverflow(e) ? new HttpError(422, { code: 'ZY1005', message: 'the pack is nested too deeply to compile' })
          : new HttpError(500, { code: 'ZY9000', message: `internal error: ${(e as Error).message}` });
      metrics.failed(String(err.body['code'] ?? err.status));
      if (!res.headersSent) send(res, err.status, { error: err.body });
      else res.end();
    });
  });
  server.keepAliveTimeout = 5000;
  server.maxConnections = limits.maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 7700, host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.port ?? 7700;
      resolve({
        server, metrics, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
        bundle: () => current.bundle,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}
