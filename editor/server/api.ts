// The editor's HTTP API: the workspace's files, Try it against the feature
// store (try-it.ts, on its own thread), and recent stored events. Everything the browser sends is checked;
// a bad request gets a 4xx with a code and the server keeps serving.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { compile, type CheckedPack, type SourceFile } from '../../compiler/index.ts';
import { LIMIT_CODES } from '../../compiler/limits.ts';
import { HttpError, readBody, send } from '../../runtime/server.ts';
import { Workspace, WorkspaceError } from './workspace.ts';
import { searchEvents } from './events.ts';
import { tryIt } from './try-it.ts';
import { savedKey, storeHttpError, storeName, storeRows, type EditorStore, type StoreWarning } from './store.ts';

export interface ApiOptions {
  readonly workspace: Workspace;
  /** A SQLite file or a PostgreSQL server (the event search and Try it read it). */
  readonly store?: EditorStore;
  /** Runs Try it, off the thread that serves decisions (try-thread.ts); without it, in this thread. */
  readonly tryIt?: (body: Record<string, unknown>) => Promise<unknown>;
  /** Shown in the status bar (GET /api/workspace): what the editor works around now, such as indexes it may not create. */
  readonly warnings?: (savedKey?: string) => Promise<readonly StoreWarning[]>;
  /** Extra routes (the backtest panel's), tried after these. */
  readonly more?: (route: string, body: () => Promise<unknown>, url: URL) => Promise<unknown | undefined>;
}

const MAX_SOURCES = 16 * 1024 * 1024;

export function editorApi(opts: ApiOptions): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  const ws = opts.workspace;
  const compiledSaved = new Map<string, { key: string; pack: CheckedPack }>();
  return async (req, res, url) => {
    if (!url.pathname.startsWith('/api/')) return false;
    const route = `${req.method} ${url.pathname}`;
    const body = async (): Promise<Record<string, unknown>> => {
      const text = await readBody(req, MAX_SOURCES);
      let v: unknown;
      try { v = JSON.parse(text); } catch (e) { throw new HttpError(400, { code: 'ZY4003', message: `the body is not valid JSON: ${(e as Error).message}` }); }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, { code: 'ZY4003', message: 'the body should be a JSON object' });
      return v as Record<string, unknown>;
    };
    try {
      const out = await route_(route, url, body);
      if (out === undefined) {
        const more = opts.more ? await opts.more(route, body, url) : undefined;
        if (more === undefined) throw new HttpError(404, { code: 'ZY4003', message: `no route ${route}` });
        send(res, 200, more);
      } else send(res, 200, out);
    } catch (e) {
      if (e instanceof WorkspaceError) throw new HttpError(e.status, { code: e.code, message: e.message, ...e.detail });
      throw storeHttpError(e) ?? e;
    }
    return true;
  };

  async function route_(route: string, url: URL, body: () => Promise<Record<string, unknown>>): Promise<unknown> {
    switch (route) {
      case 'GET /api/workspace': {
        // The listing is the saved packs' key too: the warnings' check of the files reads it, not the disk again.
        const packs = ws.packs();
        return { packs, database: opts.store ? storeName(opts.store) : null, warnings: opts.warnings ? await opts.warnings(savedKey(packs)) : [] };
      }
      case 'GET /api/file':
        return ws.read(url.searchParams.get('path') ?? '');
      case 'PUT /api/file': {
        const b = await body();
        return ws.write(str(b, 'path'), str(b, 'text'), typeof b['baseHash'] === 'string' ? b['baseHash'] : undefined, b['force'] === true);
      }
      case 'POST /api/file': {
        const b = await body();
        return ws.create(str(b, 'path'), typeof b['text'] === 'string' ? b['text'] : '');
      }
      case 'POST /api/rename': {
        const b = await body();
        return ws.rename(str(b, 'from'), str(b, 'to'));
      }
      case 'DELETE /api/file':
        ws.remove(url.searchParams.get('path') ?? '');
        return { deleted: url.searchParams.get('path') };
      case 'GET /api/events':
        return recentEvents(url);
      case 'POST /api/try': {
        const b = await body();
        return opts.tryIt ? opts.tryIt(b) : tryIt(b, opts.store);
      }
      default:
        return undefined;
    }
  }

  async function recentEvents(url: URL): Promise<unknown> {
    if (!opts.store) return { events: [], more: false };
    return searchEvents(storeRows(opts.store), savedPack(packName(url.searchParams.get('pack'))), url.searchParams);
  }

  /** The pack as saved, compiled once per version of its files (searching needs only its schema). */
  function savedPack(name: string): CheckedPack {
    const key = JSON.stringify(ws.packFiles(name));
    const have = compiledSaved.get(name);
    if (have?.key === key) return have.pack;
    const pack = packOrFail(ws.sources(name));
    compiledSaved.set(name, { key, pack });
    return pack;
  }

  function packName(p: string | null): string {
    if (!p) throw new HttpError(400, { code: 'ZY4003', message: 'give ?pack=' });
    return p;
  }
}

function packOrFail(files: SourceFile[]): CheckedPack {
  const c = compile(files);
  const limit = c.diagnostics.find((d) => LIMIT_CODES.has(d.code));
  if (!c.checked || limit) throw new HttpError(422, { code: (limit ?? c.diagnostics[0])?.code ?? 'ZY2000', message: `the saved pack does not compile${limit ? `: ${limit.message}` : ''}` });
  return c.checked;
}

function str(b: Record<string, unknown>, key: string): string {
  const v = b[key];
  if (typeof v !== 'string') throw new HttpError(400, { code: 'ZY4003', field: key, message: `${key} should be a string` });
  return v;
}
