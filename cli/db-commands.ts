// `zhiyu db …` and `zhiyu replay`: the SQLite store from the command line.
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { existsSync, rmSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { compile, type CheckedPack } from '../compiler/index.ts';
import { BundleError } from '../runtime/bundle.ts';
import { interpret, load, type FeatureProvider, type Program } from '../runtime/index.ts';
import { packHash } from '../runtime/pack-hash.ts';
import {
  DecisionLog, SnapshotProvider, SqliteProvider, StoreError, ensureIndexes, importFile, migrate, openStore, storedSchema, type DB, type LoggedDecision,
} from '../runtime/store/index.ts';
import { bundleFromHistory } from '../runtime/history.ts';
import { describeTrust } from '../runtime/trust.ts';
import { readPack, readPacks } from './pack-files.ts';
import { seedDemoDatabase, type DemoReport } from '../demo/index.ts';
import { Exit, EXIT, paint } from './output.ts';
import { bundleToRun, policyOf } from './bundle-commands.ts';

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

export function registerDb(cli: Command): void {
  const db = cli.command('db').description('the SQLite feature store: import data, seed the demo database');

  db.command('import')
    .description('load CSV or JSONL files into events, an entity (each row a new version of it), lists, the calendar or labels (one transaction per file)')
    .argument('<db>', 'the database file (created if missing)')
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
      const created = !existsSync(path);
      if (created && !o.pack?.length) throw new StoreError('ZY7006', `${path} does not exist yet: pass --pack <dir> so its tables can be created`);
      const store = openStore(path, { create: true });
      let done = false;
      try {
        const schema = schemaFor(store, o.pack, path);
        for (const file of files) {
          const bar = process.stderr.isTTY ? new SingleBar({ format: `${file} [{bar}] {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}`, stream: process.stderr }) : undefined;
          bar?.start(1, 0, { rows: 0, rate: 0 });
          const started = performance.now();
          try {
            const r = await importFile(store, schema, file, {
              ...(o.into ? { into: o.into } : {}),
              onProgress: (p) => {
                bar?.setTotal(Math.max(1, p.totalBytes));
                bar?.update(p.bytes, { rows: p.rows, rate: Math.round(p.rows / ((performance.now() - started) / 1000 || 1)) });
              },
            });
            bar?.stop();
            console.log(`${file}: ${r.rows} rows into ${r.target.kind === 'entity' ? r.target.name : r.target.kind} in ${r.seconds.toFixed(2)} s (${Math.round(r.rows / Math.max(r.seconds, 1e-6))} rows/s)`);
          } catch (e) {
            bar?.stop();
            throw e;
          }
        }
        done = true;
      } finally {
        store.close();
        // A database this command created and could not fill is not left behind.
        if (created && !done) for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
      }
    });

  db.command('seed')
    .description('build the deterministic demo database for the shipped packs: one lender\'s customers with profile histories, 90 days of events, injected fraud, collection, complaint and hardship scenarios, labels, the holiday calendar')
    .argument('<db>', 'the database file to create')
    .option('--demo', 'the demo data set (the only one so far)')
    .option('--pack <dir...>', 'the packs whose schemas the database follows (a folder of packs, or pack folders)', ['rules'])
    .option('--if-missing', 'do nothing when the file already exists')
    .option('--customers <n>', 'how many customers; a fifth as many more are in collections, complaints and hardship', '3000')
    .addHelpText('after', '\nExamples:\n  zhiyu db seed --demo demo.db\n  zhiyu db seed --demo small.db --customers 300')
    .action((path: string, o: { demo?: boolean; pack: string[]; ifMissing?: boolean; customers: string }) => {
      if (!o.demo) { console.error('say --demo: the demo data set is the only one so far'); throw new Exit(EXIT.USAGE); }
      if (existsSync(path)) {
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
      const store = openStore(path, { create: true });
      let rep: DemoReport;
      try {
        rep = seedDemoDatabase(store, packs.map((p) => p.schema), { customers, ...(kept.length ? { historyKept: Math.max(...kept) } : {}) });
        // The covering indexes the packs' windows need: a bundle service only reads the store and cannot make them.
        ensureIndexes(store, packs);
      } finally {
        store.close();
      }
      const counts = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ');
      const f = rep.fraud;
      console.log(`${path}: customers: ${f.customers} customers, ${f.events} events; labels: ${counts(f.labels)} (${f.customerLabels} of them on whole customers)`);
      console.log(`  events per scenario: ${counts(f.byPattern)}`);
      const c = rep.conduct;
      console.log(`${path}: collections, complaints and hardship: ${c.customers} customers, ${c.events} events (${counts(c.byScenario)}); labels: ${counts(c.labels)}`);
      const mb = (statSync(path).size / 1048576).toFixed(1);
      console.log(`${path}: ${rep.events} events, ${rep.versions} profile versions, ${rep.labels} labels in all, ${mb} MB, seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    });

  cli.command('replay')
    .description('re-evaluate a logged decision from its snapshot and confirm it gives the same result')
    .argument('<db>', 'the database holding the decision log')
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
  zhiyu replay demo.db 42 --pack rules/demo`)
    .action((path: string, id: string, o: { pack?: string; asOf?: boolean; publicKey?: string; keyring?: string; interpret?: boolean }) => {
      const store = openStore(path, { readonly: true });
      const log = DecisionLog.open(store);
      try {
        const logged = log.get(Number(id));
        const subject = o.pack !== undefined ? replaySubject(o.pack, o.publicKey) : historySubject(log, logged, o);
        console.log(dim(`decision ${id}: ${logged.pack}${logged.version ? ` ${logged.version}` : ''}, ${logged.bundleHash ? `bundle ${logged.bundleHash}` : 'no bundle (a pack compiled from source)'}${logged.sourceHash ? `, sources ${logged.sourceHash}` : ''}; event at ${new Date(logged.eventTime).toISOString()}`));
        // A bundle against the bundle that decided; otherwise the sources (a pack compiled from source has no bundle).
        const byBundle = !!(subject.bundleHash && logged.bundleHash);
        const then = (byBundle ? logged.bundleHash : logged.sourceHash) ?? '?';
        const now = byBundle ? subject.bundleHash! : subject.sourceHash;
        if (then !== now) console.log(paint.dim(`note: the ${byBundle ? 'bundle' : 'pack'} differs from the one that decided (${then.slice(0, 19)}… then, ${now.slice(0, 19)}… now)`));
        let provider: FeatureProvider & { gaps?: string[] };
        if (o.asOf) {
          // The store as it stood: profiles valid at the event's time, only the events the decision could count.
          const seq = logged.snapshot.historySeq;
          provider = new SqliteProvider(store, o.interpret ? subject.checked : subject.program.pack).asOf(logged.eventTime, seq === undefined ? undefined : seq + 1);
          if (seq === undefined) console.log(paint.dim('note: the log does not say which events the decision could count; every stored event up to its time is read'));
        } else provider = new SnapshotProvider(logged.snapshot);
        const d = o.interpret ? interpret(subject.checked, logged.input, provider).decision : load(subject.program).decide(logged.input, provider);
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
        store.close();
      }
    });
}

/** The bundle that made a logged decision, from the bundle history; verified when a key or keyring is given, else run with a warning. */
function historySubject(log: DecisionLog, logged: LoggedDecision, o: { publicKey?: string; keyring?: string }): { program: Program; checked: CheckedPack; bundleHash: string; sourceHash: string } {
  if (!logged.bundleHash) { console.error(paint.red(`decision ${logged.id} was made by a pack compiled from source, not a bundle: give --pack <dir>`)); throw new Exit(EXIT.USAGE); }
  const verified = !!(o.publicKey || o.keyring);
  let b;
  try {
    b = bundleFromHistory(log.history, logged.bundleHash, { trust: policyOf(o, !verified) });
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
