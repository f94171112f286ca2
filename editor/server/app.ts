// `zhiyu serve <dir>` without a bundle: the rule editor next to the decision
// API. The packs in <dir> are the workspace; the decision API serves one of
// them, compiled at startup; the editor's Try it and backtests read the same
// feature store (a SQLite file or a PostgreSQL server).
import { compile } from '../../compiler/index.ts';
import { loadBundle, writeBundle, type Bundle } from '../../runtime/bundle.ts';
import { send, serve, type ServeOptions, type ServerLimits, type Service } from '../../runtime/server.ts';
import type { LoadOptions } from '../../runtime/bundle.ts';
import { SqliteProvider } from '../../runtime/store/sqlite/provider.ts';
import { ensureIndexes as ensureStoreIndexes } from '../../runtime/store/sqlite/indexes.ts';
import type { DB } from '../../runtime/store/sqlite/schema.ts';
import { PostgresStore } from '../../runtime/store/postgres/store.ts';
import type { CheckedPack } from '../../compiler/ir.ts';
import { editorApi, type ApiOptions } from './api.ts';
import { staticFiles } from './static.ts';
import { Workspace } from './workspace.ts';
import { guard } from './guard.ts';
import { backtestRoutes } from './backtest-routes.ts';
import { chain, diffRoutes } from './diff-routes.ts';
import { TryThread } from './try-thread.ts';
import { outcomesRoute } from './outcomes-route.ts';
import { pgIndexWarnings, savedKey, type SavedPacks, type StoreWarning } from './store.ts';

export interface EditorOptions {
  readonly root: string;
  /** A SQLite store, or a PostgreSQL one: the decision API, Try it, backtests and the outcomes page read it. */
  readonly store?: DB | PostgresStore;
  /** The pack the decision API serves (a pack name relative to root); default: `demo` if there is one, else the first. */
  readonly pack?: string;
  readonly host?: string;
  readonly port?: number;
  readonly token?: string;
  readonly more?: ApiOptions['more'];
  /** Called after each decision of the decision API with what it read (the decision log, `--log`). */
  readonly onDecision?: ServeOptions['onDecision'];
  /** Where the built editor lives (tests may point elsewhere). */
  readonly dist?: string;
  /** Who may sign the bundles POST /v1/reload accepts, and whether unsigned ones may load. */
  readonly verify?: LoadOptions;
  readonly insecureUnsigned?: boolean;
  readonly limits?: Partial<ServerLimits>;
}

export interface EditorService extends Service {
  readonly workspace: Workspace;
  readonly pack: string;
  /** Whether Try it's thread is running (the page starts it once its first file is painted). */
  readonly tryStarted: () => boolean;
  /** What the editor worked around at start but an operator should fix (ZY7012: indexes it may not create); `serve` prints them. */
  readonly warnings: readonly StoreWarning[];
}

export async function startEditor(o: EditorOptions): Promise<EditorService> {
  const workspace = new Workspace(o.root);
  const names = workspace.packNames();
  if (names.length === 0) throw new Error(`no packs in ${o.root} (a pack is a folder with .zy files)`);
  const pack = o.pack ?? (names.includes('demo') ? 'demo' : names[0]!);
  const bundle = bundleOf(workspace, pack);
  const pg = o.store instanceof PostgresStore ? o.store : undefined;
  const sqlite = pg ? undefined : o.store as DB | undefined;
  const storeWarnings = pg ? await pgIndexWarnings(pg, savedPacks(workspace), o.root) : async (): Promise<StoreWarning[]> => [];
  if (sqlite && !sqlite.readonly) ensureIndexes(workspace, sqlite);
  const warnings = await storeWarnings();
  const files = staticFiles(o.dist);
  const host = o.host ?? '127.0.0.1';
  const loopback = ['127.0.0.1', '::1', 'localhost'].includes(host);
  const more = o.more ?? chain(backtestRoutes(o.store, () => workspace).more, diffRoutes(() => workspace));
  // Try it compiles the edited pack on its own thread, reading the store through its own read-only connection (or pool).
  const dbPath = pg ? pg.url : sqlite ? sqlite.name : undefined;
  const thread = !sqlite || (dbPath && dbPath !== ':memory:' && !sqlite.memory) ? new TryThread(dbPath) : undefined;
  const outcomes = outcomesRoute(dbPath && dbPath !== ':memory:' ? dbPath : undefined, () => workspace);
  const api = editorApi({ workspace, warnings: storeWarnings, ...(o.store ? { store: o.store } : {}), ...(more ? { more } : {}), ...(thread ? { tryIt: (b: Record<string, unknown>) => thread.run(b) } : {}) });
  const service = await serve({
    bundle, host, port: o.port ?? 7700, ...(o.token ? { token: o.token } : {}), ...(o.onDecision ? { onDecision: o.onDecision } : {}),
    ...(o.verify ? { verify: o.verify } : {}), ...(o.insecureUnsigned ? { insecureUnsigned: true } : {}), ...(o.limits ? { limits: o.limits } : {}),
    ...(pg ? { provider: (b: Bundle) => pg.provider(b.program.pack) } : sqlite ? { provider: (b: Bundle) => new SqliteProvider(sqlite, b.program.pack) } : {}),
    routes: async (req, res, url) => {
      // Every route, the decision API, /metrics and /healthz included, answers only to our own host and origin.
      if (guard(req, res, url, { loopback, ...(o.token ? { token: o.token } : {}) })) return true;
      // The page asks once its first file is painted, not when it is requested: the thread loads the
      // compiler, a second or more of one of the cores the page's first render needs.
      if (url.pathname === '/api/try/warm' && req.method === 'POST') {
        thread?.warm();
        send(res, 200, { started: thread !== undefined });
        return true;
      }
      if (await api(req, res, url)) return true;
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      if (files.serve(url.pathname, res, req)) return true;
      if (await outcomes(req, res, url)) return true;
      if (url.pathname === '/' && !files.built) {
        send(res, 503, 'The editor is not built: run `npm install` (it runs scripts/build-editor.js).', 'text/plain; charset=utf-8');
        return true;
      }
      return false;
    },
  });
  return { ...service, workspace, pack, warnings, tryStarted: () => thread?.running ?? false, close: async () => { await thread?.close(); await service.close(); } };
}

/**
 * The covering indexes every pack's windows need, as a service creates them:
 * without them Try it and backtests scan the whole event table per window.
 * A pack that does not compile is skipped (the editor shows why).
 */
function ensureIndexes(ws: Workspace, store: DB): void {
  ensureStoreIndexes(store, workspacePacks(ws));
}

/** The workspace's packs as saved: their files' hashes say when to compile them again. */
function savedPacks(ws: Workspace): SavedPacks {
  return { key: () => savedKey(ws.packs()), packs: () => workspacePacks(ws) };
}

function workspacePacks(ws: Workspace): CheckedPack[] {
  return ws.packNames().map((name) => compile(ws.sources(name)).checked).filter((c): c is CheckedPack => !!c);
}

function bundleOf(ws: Workspace, pack: string): Bundle {
  const sources = ws.sources(pack);
  const c = compile(sources);
  if (!c.ok) throw new Error(`the pack ${pack} does not compile (${c.diagnostics[0]?.code ?? 'error'}); run zhiyu check ${pack}`);
  return loadBundle(writeBundle(c, sources));
}
