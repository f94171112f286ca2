// Try it: decide one event (a test case of the pack, a stored event as of its
// own time, or typed JSON) with the text being edited, and return the trace
// to paint over the source. Compiling the edited pack is the expensive part
// (seconds for a large pack), so the editor runs this on its own thread
// (try-thread.ts); this module is what that thread runs.
import { compile, type CheckedPack, type SourceFile } from '../../compiler/index.ts';
import { coerce, InputError } from '../../compiler/input.ts';
import { TIMESTAMP } from '../../compiler/types.ts';
import { TIME_FIELD } from '../../compiler/check/context.ts';
import { interpret, type Traced } from '../../runtime/interpreter.ts';
import { providerFor } from '../../runtime/testing.ts';
import { HttpError } from '../../runtime/server.ts';
import { SqliteProvider } from '../../runtime/store/sqlite/provider.ts';
import { decideOn } from '../../runtime/store/open.ts';
import { PostgresStore } from '../../runtime/store/postgres/store.ts';
import type { PostgresProvider } from '../../runtime/store/postgres/provider.ts';
import { storeTables } from '../../runtime/store/postgres/event-rows.ts';
import { checkPackReads } from '../../runtime/store/transfer/pack-reads.ts';
import { storeHttpError, type EditorStore } from './store.ts';
import { stepsForBrowser, withShownValues } from './trace.ts';

export async function tryIt(b: Record<string, unknown>, store: EditorStore | undefined): Promise<unknown> {
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
    } else if (store) {
      // Over PostgreSQL the run is repeated until it has every read (store/resolve.ts): the trace is the last run's.
      traced = await decideOn(await storeProvider(store, pack, b['seq'], b['event']), (p) => interpret(pack, b['event'], p));
    } else traced = interpret(pack, b['event']);
  } catch (e) {
    if (e instanceof InputError) throw new HttpError(422, { code: e.code, field: e.field, message: e.message });
    // A column or table dropped between the check below and the read.
    if (['42703', '42P01'].includes(String((e as { code?: unknown }).code))) throw cannotServe(e as Error);
    throw storeHttpError(e) ?? e;
  }
  return { decision: withShownValues(pack, traced.decision), trace: stepsForBrowser(pack, traced.trace) };
}

async function storeProvider(store: EditorStore, pack: CheckedPack, seq: unknown, event: unknown): Promise<SqliteProvider | PostgresProvider> {
  let p: SqliteProvider | PostgresProvider;
  // SQLite finds a column or table missing when the provider prepares its statements, before any decision;
  // PostgreSQL would find it only when a decision reaches that read, so its tables are checked the same way first.
  const tables = store instanceof PostgresStore ? await storeTables(store) : undefined;
  try {
    if (tables) checkPackReads(tables, pack);
    p = store instanceof PostgresStore ? store.provider(pack) : new SqliteProvider(store, pack);
  } catch (e) { throw cannotServe(e as Error); }
  // A stored event is decided as of its own time: profiles as they stood then, only what was stored before it as history.
  if (typeof seq !== 'number' || !Number.isInteger(seq)) return p;
  const at = coerce(TIMESTAMP, (event as Record<string, unknown> | null)?.[TIME_FIELD], `event.${TIME_FIELD}`) as number | undefined;
  return at === undefined ? p : p.asOf(at, seq);
}

/** The unsaved pack may read a column or table the database does not have yet. */
function cannotServe(e: Error): HttpError {
  // The column named, as input errors name their field (SQLite's words on both backends: transfer/pack-reads.ts).
  const column = /no such column: "?([^"\s]+)/.exec(e.message)?.[1];
  return new HttpError(422, { code: 'ZY7001', ...(column ? { field: column } : {}), message: `the feature store cannot serve this pack: ${e.message} (import data for it with zhiyu db import --pack)` });
}

export function sourcesOf(v: unknown): SourceFile[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > 500) throw new HttpError(400, { code: 'ZY4003', message: 'files should be a list of {path, text}' });
  return v.map((f, i) => {
    if (typeof f !== 'object' || f === null || typeof f.path !== 'string' || typeof f.text !== 'string') {
      throw new HttpError(400, { code: 'ZY4003', message: `files[${i}] should be {path, text}` });
    }
    return { path: f.path, text: f.text };
  });
}
