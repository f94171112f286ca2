// `zhiyu db …` and `zhiyu replay`: the feature store (SQLite or PostgreSQL) from the command line.
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { existsSync, rmSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { compile, type CheckedPack } from '../compiler/index.ts';
import { BundleError } from '../runtime/bundle.ts';
import { interpret, load, type FeatureProvider, type Program } from '../runtime/index.ts';
import { packHash } from '../runtime/pack-hash.ts';
import { SnapshotProvider, type LoggedDecision } from '../runtime/store/decision-log.ts';
import { ensureIndexes, importFile, migrate, openStore, storedSchema, type DB } from '../runtime/store/sqlite/index.ts';
import { StoreError } from '../runtime/store/errors.ts';
import { bundleFromHistory, type BundleHistory } from '../runtime/history.ts';
import { describeTrust } from '../runtime/trust.ts';
import { readPack, readPacks } from './pack-files.ts';
import { readCalendar, SHIPPED_CALENDAR } from '../runtime/store/calendar.ts';
import { StoreWriter } from '../runtime/store/sqlite/write.ts';
import { wantedIndexes as sqliteWanted } from '../runtime/store/sqlite/indexes.ts';
import { seedDemoDatabase, type DemoReport } from '../demo/index.ts';
import { Exit, EXIT, paint } from './output.ts';
import { bundleToRun, policyOf } from './bundle-commands.ts';
import { closeAnyStore, decideOn, isPostgresUrl, logOf, openAnyStore, providerOf } from '../runtime/store/open.ts';
import { PostgresStore } from '../runtime/store/postgres/store.ts';
import { importFilePg } from '../runtime/store/postgres/ingest.ts';
import { copyFromSqlite } from '../runtime/store/transfer/sqlite-to-postgres.ts';
import { inTransaction, NO_TIMEOUT } from '../runtime/store/postgres/connect.ts';
import type { Schema } from '../compiler/ir.ts';
import type { AsyncSource } from '../runtime/store/resolve.ts';

const { dim } = paint;

/** The pack's `const HISTORY_KEPT` (how long the store keeps history), in ms. */
export function historyKeptOf(pack: CheckedPack): number | undefined {
  const c = pack.consts.get('HISTORY_KEPT');
  return c?.type.t === 'duration' && typeof c.value === 'number' ? c.value : undefined;
}

function schemaFor(db: DB, packPaths: string[] | undefined, file: string) {
  if (packPaths?.length) {
    const r = compile(readPack(packPaths));
    if (!r.ok || !r.checked) throw new StoreError('ZY7006', `the pack ${packPaths.join(' ')} has errors; run zhiyu check on it`);
    const kept = historyKeptOf(r.checked);
    migrate(db, r.checked.schema, kept === undefined ? {} : { historyKept: kept });
    return r.checked.schema;
  }
  const s = storedSchema(db);
  if (!s) throw new StoreError('ZY7006', `${file} has no schema yet; pass --pack <dir> once so the tables can be created`);
  return s;
}

/** As schemaFor, on PostgreSQL. */
async function schemaForPg(store: PostgresStore, packPaths: string[] | undefined): Promise<Schema> {
  if (packPaths?.length) {
    const r = compile(readPack(packPaths));
    if (!r.ok || !r.checked) throw new StoreError('ZY7006', `the pack ${packPaths.join(' ')} has errors; run zhiyu check on it`);
    const kept = historyKeptOf(r.checked);
    await store.migrate(r.checked.schema, kept === undefined ? {} : { historyKept: kept });
    return r.checked.schema;
  }
  const s = await store.schema();
  if (!s) throw new StoreError('ZY7006', `${store.where} has no schema yet; pass --pack <dir> once so the tables can be created`);
  return s;
}

export function registerDb(cli: Command): void {
  const db = cli.command('db').description('the feature store (a SQLite file or a postgres:// URL): import data, seed the demo database, create the windows\' indexes');

  db.command('import')
    .description('load CSV or JSONL files into events, an entity (each row a new version of it), lists, the calendar or labels (one transaction per file)')
    .argument('<db>', 'the database file (created if missing), or a postgres:// URL')
    .argument('<files...>', 'events.jsonl, customer.csv, lists.csv, calendar.csv, labels.csv, …')
    .option('--pack <dir...>', 'the pack whose schema the tables follow (needed the first time)')
    .option('--into <target>', 'events, lists, calendar, labels or an entity name (default: from the file name)')
    .addHelpText('after', `
An entity row (customer.csv) is a new version of that row, true from its zy_valid_from
column when the file has one (when the change happened), else from the time of the
import; the version it replaces is kept, so a decision as of an earlier time reads the
row as it stood then. labels.csv: subject_kind (event or customer), subject (zy_seq or
customer key), kind (fraud, chargeback, qa_breach, …), positive (true, or false when
checked and it does not hold), labeled_at, note.

Examples:
  zhiyu db import demo.db events.jsonl --pack rules/demo
  zhiyu db import demo.db customer.csv lists.csv labels.csv`)
    .action(async (path: string, files: string[], o: { pack?: string[]; into?: string }) => {
      const pg = isPostgresUrl(path) ? await PostgresStore.open(path, { create: true }) : undefined;
      const created = !pg && !existsSync(path);
      if (created && !o.pack?.length) throw new StoreError('ZY7006', `${path} does not exist yet: pass --pack <dir> so its tables can be created`);
      const store = pg ? undefined : openStore(path, { create: true });
      let done = false;
      try {
        const schema = pg ? await schemaForPg(pg, o.pack) : schemaFor(store!, o.pack, path);
        for (const file of files) {
          const bar = process.stderr.isTTY ? new SingleBar({ format: `${file} [{bar}] {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}`, stream: process.stderr }) : undefined;
          bar?.start(1, 0, { rows: 0, rate: 0 });
          const started = performance.now();
          try {
            const io = {
              ...(o.into ? { into: o.into } : {}),
              onProgress: (p: { bytes: number; totalBytes: number; rows: number }) => {
                bar?.setTotal(Math.max(1, p.totalBytes));
                bar?.update(p.bytes, { rows: p.rows, rate: Math.round(p.rows / ((performance.now() - started) / 1000 || 1)) });
              },
            };
            const r = pg ? await importFilePg(pg, schema, file, io) : await importFile(store!, schema, file, io);
            bar?.stop();
            console.log(`${file}: ${r.rows} rows into ${r.target.kind === 'entity' ? r.target.name : r.target.kind} in ${r.seconds.toFixed(2)} s (${Math.round(r.rows / Math.max(r.seconds, 1e-6))} rows/s)`);
          } catch (e) {
            bar?.stop();
            throw e;
          }
        }
        done = true;
      } finally {
        store?.close();
        await pg?.close();
        // A database this command created and could not fill is not left behind.
        if (created && !done) for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
      }
    });

  db.command('maintain')
    .description('PostgreSQL upkeep: apply the migrations a newer zhiyu added, create the months ahead, drop whole months older than HISTORY_KEPT and the tables of imports that died (run it daily, e.g. from cron)')
    .argument('<url>', 'the postgres:// URL (an owner role: it migrates, creates and drops partitions)')
    .action(async (url: string) => {
      if (!isPostgresUrl(url)) { console.error('db maintain is for a postgres:// store (SQLite keeps its history in one table)'); throw new Exit(EXIT.USAGE); }
      const pg = await PostgresStore.open(url);
      try {
        const r = await pg.maintain();
        if (r.migrated.length) console.log(`${pg.where}: applied migration ${r.migrated.join(', ')}`);
        if (r.abandoned.length) console.log(`${pg.where}: dropped ${r.abandoned.join(', ')} (tables of imports that died before finishing)`);
        console.log(`${pg.where}: ${r.created.length ? `created ${r.created.join(', ')}` : 'no month to create'}; ${r.dropped.length ? `dropped ${r.dropped.join(', ')} (older than HISTORY_KEPT)` : 'nothing older than HISTORY_KEPT'}`);
      } finally {
        await pg.close();
      }
    });

  db.command('index')
    .description('create the covering indexes the packs\' windows need, where missing (an editor whose role may not create them names the missing ones: ZY7012)')
    .argument('<db>', 'the database file, or a postgres:// URL (a role that owns the tables, on the primary)')
    .argument('[packs...]', 'pack folders, or a folder of packs', ['rules'])
    .addHelpText('after', `
A service or an editor connected as the least-privilege role, or to a read replica,
cannot create indexes; it names the missing ones (ZY7012) and reads without them.
The owner runs this once after a pack gains a window (see docs/postgres.md, Indexes).

Examples:
  zhiyu db index postgres://zhiyu_owner@db/risk rules
  zhiyu db index demo.db rules/fraud`)
    .action(async (path: string, dirs: string[]) => {
      const packs = readPacks(dirs).map((p) => {
        const r = compile(p.files);
        if (!r.checked || !r.ok) throw new StoreError('ZY7006', `the pack ${p.name} has errors; run zhiyu check on it`);
        return r.checked;
      });
      if (packs.length === 0) { console.error(`no packs in ${dirs.join(' ')}`); throw new Exit(EXIT.USAGE); }
      if (isPostgresUrl(path)) {
        const pg = await PostgresStore.open(path);
        try {
          const made = await pg.ensureIndexes(packs);
          console.log(`${pg.where}: ${made.length ? `created ${made.join(', ')}` : 'every index the packs need is there'}`);
        } finally { await pg.close(); }
        return;
      }
      if (!existsSync(path)) throw new StoreError('ZY7001', `database ${path} does not exist; create it with \`zhiyu db seed --demo ${path}\` or \`zhiyu db import ${path} <file>\``);
      const store = openStore(path);
      try {
        const made = sqliteWanted(store, packs).map((w) => w.name);
        ensureIndexes(store, packs);
        console.log(`${path}: ${made.length ? `created ${made.join(', ')}` : 'every index the packs need is there'}`);
      } finally { store.close(); }
    });

  db.command('seed')
    .description('build the deterministic demo database for the shipped packs: one lender\'s customers with profile histories, 90 days of events, injected fraud, collection, complaint and hardship scenarios, labels, the holiday calendar')
    .argument('<db>', 'the database file to create, or a postgres:// URL of an empty database')
    .option('--demo', 'the demo data set (the only one so far)')
    .option('--pack <dir...>', 'the packs whose schemas the database follows (a folder of packs, or pack folders)', ['rules'])
    .option('--if-missing', 'do nothing when the file already exists')
    .option('--customers <n>', 'how many customers; a fifth as many more are in collections, complaints and hardship', '3000')
    .addHelpText('after', '\nExamples:\n  zhiyu db seed --demo demo.db\n  zhiyu db seed --demo small.db --customers 300')
    .action(async (path: string, o: { demo?: boolean; pack: string[]; ifMissing?: boolean; customers: string }) => {
      if (!o.demo) { console.error('say --demo: the demo data set is the only one so far'); throw new Exit(EXIT.USAGE); }
      const pg = isPostgresUrl(path) ? await PostgresStore.open(path, { create: true }) : undefined;
      if (pg && await pg.schema()) {
        await pg.close();
        if (o.ifMissing) return;
        console.error(`${pg.where} holds a zhiyu store already; seed an empty database, or pass --if-missing`);
        throw new Exit(EXIT.USAGE);
      }
      if (!pg && existsSync(path)) {
        if (o.ifMissing) return;
        console.error(`${path} exists; remove it first, or pass --if-missing`);
        throw new Exit(EXIT.USAGE);
      }
      const customers = Number(o.customers);
      if (!Number.isSafeInteger(customers) || customers < 1) { console.error(`--customers should be a positive whole number, not ${o.customers}`); throw new Exit(EXIT.USAGE); }
      const started = performance.now();
      // A pack folder that is not there (a trimmed checkout) is left out, not an error.
      const packs = readPacks(o.pack.filter((d) => existsSync(d))).map((p) => {
        const r = compile(p.files);
        if (!r.checked || !r.ok) throw new StoreError('ZY7006', `the pack ${p.name} has errors; run zhiyu check on it`);
        return r.checked;
      });
      if (packs.length === 0) { console.error(`no packs in ${o.pack.join(' ')}`); throw new Exit(EXIT.USAGE); }
      const kept = packs.map(historyKeptOf).filter((x): x is number => x !== undefined);
      // On PostgreSQL the demo is generated into SQLite in memory, as for a file, and copied over with COPY.
      const store = openStore(pg ? ':memory:' : path, { create: true });
      let rep: DemoReport;
      try {
        const opts = { customers, ...(kept.length ? { historyKept: Math.max(...kept) } : {}) };
        rep = seedDemoDatabase(store, packs.map((p) => p.schema), opts);
        if (pg) {
          const schema = storedSchema(store)!;
          await pg.migrate(schema, opts);
          const range = store.prepare(`SELECT min(occurred_at), max(occurred_at) FROM zy_events`).raw().get() as [number | null, number | null];
          if (range[0] !== null) await pg.partitionsFor(range[0], range[1]!);
          await inTransaction(pg.pool, pg.where, async (c) => { await c.query(NO_TIMEOUT); return copyFromSqlite(store, c, schema); });
          await pg.ensureIndexes(packs);
        } else {
          // The covering indexes the packs' windows need: a bundle service only reads the store and cannot make them.
          ensureIndexes(store, packs);
        }
      } finally {
        store.close();
        await pg?.close();
      }
      const shown = pg?.where ?? path;
      const counts = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ');
      const f = rep.fraud;
      console.log(`${shown}: customers: ${f.customers} customers, ${f.events} events; labels: ${counts(f.labels)} (${f.customerLabels} of them on whole customers)`);
      console.log(`  events per scenario: ${counts(f.byPattern)}`);
      const c = rep.conduct;
      console.log(`${shown}: collections, complaints and hardship: ${c.customers} customers, ${c.events} events (${counts(c.byScenario)}); labels: ${counts(c.labels)}`);
      const size = pg ? '' : `${(statSync(path).size / 1048576).toFixed(1)} MB, `;
      console.log(`${shown}: ${rep.events} events, ${rep.versions} profile versions, ${rep.labels} labels in all, ${size}seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    });

  const calendar = db.command('calendar').description('the working-day calendar working_days() reads: public holidays and make-up working days (调休)');
  calendar.command('import')
    .description('load a calendar file into a store, replacing the days it lists (default: the shipped PRC calendar for 2025 and 2026, from the State Council\'s notices)')
    .argument('<db>', 'the database file (created if missing) or a postgres:// URL')
    .argument('[file]', 'a CSV with the columns date (YYYY-MM-DD), is_working_day (true/false), note', SHIPPED_CALENDAR)
    .option('--pack <dir...>', 'the pack whose schema the tables follow (needed when the file does not exist yet)')
    .addHelpText('after', `
Days not listed follow the week: Monday to Friday are working days. The shipped
file is data/calendar/cn-2025-2026.csv; its README names the notices.

Examples:
  zhiyu db calendar import demo.db
  zhiyu db calendar import store.db calendar-2027.csv`)
    .action(async (path: string, file: string, o: { pack?: string[] }) => {
      const pgUrl = isPostgresUrl(path);
      if (!pgUrl && !existsSync(path) && !o.pack?.length) throw new StoreError('ZY7006', `${path} does not exist yet: pass --pack <dir> so its tables can be created`);
      const days = readCalendar(file);
      let shown = path;
      if (pgUrl) {
        // One transaction: a calendar half loaded would count working days wrongly.
        const pg = await PostgresStore.open(path, o.pack?.length ? { create: true } : {});
        shown = pg.where;
        try {
          await pg.write(await schemaForPg(pg, o.pack), async (w) => { for (const d of days) await w.calendarDay(d.date, d.working, d.note || null); });
        } finally {
          await pg.close();
        }
      } else {
        const store = openStore(path, { create: true });
        try {
          const writer = new StoreWriter(store, schemaFor(store, o.pack, path));
          store.transaction(() => { for (const d of days) writer.calendarDay(d.date, d.working, d.note || null); })();
        } finally {
          store.close();
        }
      }
      const off = days.filter((d) => !d.working).length;
      console.log(`${file}: ${days.length} days into ${shown} (${off} holidays, ${days.length - off} make-up working days), ${days[0]?.date ?? '-'} to ${days[days.length - 1]?.date ?? '-'}`);
    });

  cli.command('replay')
    .description('re-evaluate a logged decision from its snapshot and confirm it gives the same result')
    .argument('<db>', 'the database holding the decision log (a SQLite file or a postgres:// URL)')
    .argument('<id>', 'the decision id')
    .option('--pack <dir|bundle>', 'replay with this pack (a directory) or bundle (.zyb) instead of the bundle that decided, from the bundle history')
    .option('--as-of', 'decide from the store as it stood at the event\'s time (profiles valid then, the history the decision had) instead of the snapshot')
    .option('--public-key <file.pem>', 'run a bundle only if signed by this ed25519 key')
    .option('--keyring <file>', 'run a bundle only if signed by a key in this keyring')
    .option('--interpret', 'replay on the reference interpreter')
    .addHelpText('after', `
The log names the bundle that decided (the hash /healthz reports) and the pack's
source hash. Without --pack, replay loads that very bundle from the bundle
history the service keeps in the store (by its hash: a bundle changed there no
longer has it); with --pack, it says when the pack or bundle given is not that one.

Examples:
  zhiyu replay demo.db 42
  zhiyu replay demo.db 42 --keyring keyring.json --as-of
  zhiyu replay demo.db 42 --pack rules/demo
  zhiyu replay postgres://zhiyu@db/risk 42 --as-of`)
    .action(async (path: string, id: string, o: { pack?: string; asOf?: boolean; publicKey?: string; keyring?: string; interpret?: boolean }) => {
      const store = await openAnyStore(path, { readonly: true });
      const log = logOf(store);
      try {
        const logged = await log.get(Number(id));
        const subject = o.pack !== undefined ? replaySubject(o.pack, o.publicKey) : await historySubject(log.history, logged, o);
        console.log(dim(`decision ${id}: ${logged.pack}${logged.version ? ` ${logged.version}` : ''}, ${logged.bundleHash ? `bundle ${logged.bundleHash}` : 'no bundle (a pack compiled from source)'}${logged.sourceHash ? `, sources ${logged.sourceHash}` : ''}; event at ${new Date(logged.eventTime).toISOString()}`));
        // A bundle against the bundle that decided; otherwise the sources (a pack compiled from source has no bundle).
        const byBundle = !!(subject.bundleHash && logged.bundleHash);
        const then = (byBundle ? logged.bundleHash : logged.sourceHash) ?? '?';
        const now = byBundle ? subject.bundleHash! : subject.sourceHash;
        if (then !== now) console.log(paint.dim(`note: the ${byBundle ? 'bundle' : 'pack'} differs from the one that decided (${then.slice(0, 19)}… then, ${now.slice(0, 19)}… now)`));
        let provider: (FeatureProvider | AsyncSource) & { gaps?: string[] };
        if (o.asOf) {
          // The store as it stood: profiles valid at the event's time, only the events the decision could count.
          const seq = logged.snapshot.historySeq;
          provider = providerOf(store, o.interpret ? subject.checked : subject.program.pack).asOf(logged.eventTime, seq === undefined ? undefined : seq + 1);
          if (seq === undefined) console.log(paint.dim('note: the log does not say which events the decision could count; every stored event up to its time is read'));
        } else provider = new SnapshotProvider(logged.snapshot);
        const d = await decideOn(provider, (p) => (o.interpret ? interpret(subject.checked, logged.input, p).decision : load(subject.program).decide(logged.input, p)));
        const fired = d.fired.map((f) => f.id);
        const sameResult = d.outcome === logged.outcome && d.score === logged.score && JSON.stringify(fired) === JSON.stringify(logged.fired);
        if (provider.gaps?.length) console.log(paint.dim(`not in the snapshot (read as missing): ${provider.gaps.join(', ')}`));
        if (sameResult) { console.log(paint.green(`decision ${id}: same result — ${d.outcome}, score ${d.score}, fired ${fired.join(', ') || 'none'}`)); return; }
        console.log(paint.red(`decision ${id} differs:`));
        console.log(`  logged:   ${logged.outcome}, score ${logged.score}, fired ${logged.fired.join(', ') || 'none'}`);
        console.log(`  replayed: ${d.outcome}, score ${d.score}, fired ${fired.join(', ') || 'none'}`);
        throw new Exit(EXIT.FINDINGS);
      } finally {
        log.close();
        await closeAnyStore(store);
      }
    });
}

/** The bundle that made a logged decision, from the bundle history; verified when a key or keyring is given, else run with a warning. */
async function historySubject(history: BundleHistory, logged: LoggedDecision, o: { publicKey?: string; keyring?: string }): Promise<{ program: Program; checked: CheckedPack; bundleHash: string; sourceHash: string }> {
  if (!logged.bundleHash) { console.error(paint.red(`decision ${logged.id} was made by a pack compiled from source, not a bundle: give --pack <dir>`)); throw new Exit(EXIT.USAGE); }
  const verified = !!(o.publicKey || o.keyring);
  let b;
  try {
    b = await bundleFromHistory(history, logged.bundleHash, { trust: policyOf(o, !verified) });
  } catch (e) {
    if (e instanceof BundleError) { console.error(paint.red(`${e.code}: ${e.message}${e.code === 'ZY8013' ? '; give --pack <dir|bundle>' : ''}`)); throw new Exit(EXIT.FINDINGS); }
    throw e;
  }
  console.log(dim(`replaying with bundle ${b.hash} from the bundle history`));
  if (!b.signed) console.error(paint.red(`warning: the bundle from the history is ${describeTrust(b.trust)}; give --public-key or --keyring to check who made it`));
  return { program: b.program, checked: b.program.pack, bundleHash: b.hash, sourceHash: b.manifest.sourceHash };
}

/** What replay decides with: a bundle (named by its hash) or a pack compiled from its directory (by its source hash). */
function replaySubject(path: string, publicKey?: string): { program: Program; checked: CheckedPack; bundleHash?: string; sourceHash: string } {
  if (!existsSync(path)) { console.error(paint.red(`${path} does not exist: give a pack directory or a bundle (.zyb)`)); throw new Exit(EXIT.USAGE); }
  if (!statSync(path).isDirectory() && extname(path) === '.zyb') {
    try {
      const b = bundleToRun(path, publicKey);
      return { program: b.program, checked: b.program.pack, bundleHash: b.hash, sourceHash: b.manifest.sourceHash };
    } catch (e) {
      if (e instanceof BundleError) { console.error(paint.red(`${e.code}: ${e.message}`)); throw new Exit(EXIT.FINDINGS); }
      throw e;
    }
  }
  const files = readPack([path]);
  const r = compile(files);
  if (!r.ok || !r.checked || !r.optimized || !r.code) { console.error('the pack has errors; run zhiyu check'); throw new Exit(EXIT.FINDINGS); }
  return { program: { pack: r.optimized, code: r.code }, checked: r.checked, sourceHash: packHash(files) };
}
