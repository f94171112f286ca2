// The editor's HTTP API: the workspace's files, Try it against the feature
// store, and recent stored events. Everything the browser sends is checked;
// a bad request gets a 4xx with a code and the server keeps serving.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { compile, type CheckedPack, type SourceFile } from '../../compiler/index.ts';
import { InputError } from '../../compiler/input.ts';
import { interpret, type Traced } from '../../runtime/interpreter.ts';
import { providerFor } from '../../runtime/testing.ts';
import { HttpError, readBody, send } from '../../runtime/server.ts';
import { SqliteProvider } from '../../runtime/store/provider.ts';
import type { DB } from '../../runtime/store/schema.ts';
import { Workspace, WorkspaceError } from './workspace.ts';
import { stepsForBrowser } from './trace.ts';
import { searchEvents } from './events.ts';

export interface ApiOptions {
  readonly workspace: Workspace;
  readonly store?: DB;
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
      throw e;
    }
    return true;
  };

  async function route_(route: string, url: URL, body: () => Promise<Record<string, unknown>>): Promise<unknown> {
    switch (route) {
      case 'GET /api/workspace':
        return { packs: ws.packs(), database: opts.store ? opts.store.name : null };
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
      case 'POST /api/try':
        return tryIt(await body());
      default:
        return undefined;
    }
  }

  function recentEvents(url: URL): unknown {
    if (!opts.store) return { events: [], more: false };
    return searchEvents(opts.store, savedPack(packName(url.searchParams.get('pack'))), url.searchParams);
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

  function tryIt(b: Record<string, unknown>): unknown {
    const files = sourcesOf(b['files']);
    const c = compile(files);
    if (!c.ok || !c.checked) {
      throw new HttpError(422, { code: c.diagnostics[0]?.code ?? 'ZY2000', message: 'the pack has errors; fix them to try it', diagnostics: c.diagnostics.filter((d) => d.severity === 'error').slice(0, 20) });
    }
    const pack = c.checked;
    let traced: Traced;
    try {
      if (typeof b['test'] === 'string') {
        const t = pack.tests.find((x) => x.name === b['test']);
        if (!t) throw new HttpError(404, { code: 'ZY5001', message: `no test named ${JSON.stringify(b['test'])}` });
        traced = interpret(pack, Object.assign(Object.create(null), t.event), providerFor(pack, t));
      } else {
        const provider = opts.store ? storeProvider(opts.store, pack, b['seq']) : undefined;
        traced = interpret(pack, b['event'], provider);
      }
    } catch (e) {
      if (e instanceof InputError) throw new HttpError(422, { code: e.code, field: e.field, message: e.message });
      throw e;
    }
    return { decision: traced.decision, trace: stepsForBrowser(pack, traced.trace) };
  }

  function packName(p: string | null): string {
    if (!p) throw new HttpError(400, { code: 'ZY4003', message: 'give ?pack=' });
    return p;
  }
}

function storeProvider(db: DB, pack: CheckedPack, seq: unknown): SqliteProvider {
  let p: SqliteProvider;
  try { p = new SqliteProvider(db, pack); } catch (e) {
    // The unsaved pack may read a column or table the database does not have yet.
    throw new HttpError(422, { code: 'ZY7001', message: `the feature store cannot serve this pack: ${(e as Error).message} (import data for it with zhiyu db import --pack)` });
  }
  // A stored event is decided as of its own time: only what was stored before it is history.
  return typeof seq === 'number' && Number.isInteger(seq) ? p.before(seq) : p;
}

function packOrFail(files: SourceFile[]): CheckedPack {
  const c = compile(files);
  if (!c.checked) throw new HttpError(422, { code: c.diagnostics[0]?.code ?? 'ZY2000', message: 'the saved pack does not compile' });
  return c.checked;
}

function sourcesOf(v: unknown): SourceFile[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > 500) throw new HttpError(400, { code: 'ZY4003', message: 'files should be a list of {path, text}' });
  return v.map((f, i) => {
    if (typeof f !== 'object' || f === null || typeof f.path !== 'string' || typeof f.text !== 'string') {
      throw new HttpError(400, { code: 'ZY4003', message: `files[${i}] should be {path, text}` });
    }
    return { path: f.path, text: f.text };
  });
}

function str(b: Record<string, unknown>, key: string): string {
  const v = b[key];
  if (typeof v !== 'string') throw new HttpError(400, { code: 'ZY4003', field: key, message: `${key} should be a string` });
  return v;
}
