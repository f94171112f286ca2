// `zhiyu db …` and `zhiyu replay`: the SQLite store from the command line.
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { existsSync, rmSync, statSync } from 'node:fs';
import { compile } from '../compiler/index.ts';
import { interpret, load } from '../runtime/index.ts';
import { packHash } from '../runtime/pack-hash.ts';
import {
  DecisionLog, SnapshotProvider, StoreError, importFile, migrate, openStore, storedSchema, type DB,
} from '../runtime/store/index.ts';
import { readPack, readPacks } from './pack-files.ts';
import { seedDemoDatabase, type DemoDatabaseReport } from '../runtime/store/seed-all.ts';
import { Exit, EXIT, paint } from './output.ts';

function schemaFor(db: DB, packPaths: string[] | undefined, file: string) {
  if (packPaths?.length) {
    const r = compile(readPack(packPaths));
    if (!r.ok || !r.checked) throw new StoreError('ZY7006', `the pack ${packPaths.join(' ')} has errors; run zhiyu check on it`);
    migrate(db, r.checked.schema);
    return r.checked.schema;
  }
  const s = storedSchema(db);
  if (!s) throw new StoreError('ZY7006', `${file} has no schema yet; pass --pack <dir> once so the tables can be created`);
  return s;
}

export function registerDb(cli: Command): void {
  const db = cli.command('db').description('the SQLite feature store: import data, seed the demo database');

  db.command('import')
    .description('load CSV or JSONL files into events, an entity, lists or the calendar (one transaction per file)')
    .argument('<db>', 'the database file (created if missing)')
    .argument('<files...>', 'events.jsonl, customer.csv, lists.csv, calendar.csv, …')
    .option('--pack <dir...>', 'the pack whose schema the tables follow (needed the first time)')
    .option('--into <target>', 'events, lists, calendar or an entity name (default: from the file name)')
    .addHelpText('after', '\nExamples:\n  zhiyu db import demo.db events.jsonl --pack rules/demo\n  zhiyu db import demo.db customer.csv lists.csv')
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
    .description('build the deterministic demo database for the shipped packs: customers, 90 days of events, injected fraud, collection, complaint and hardship scenarios, labels')
    .argument('<db>', 'the database file to create')
    .option('--demo', 'the demo data set (the only one so far)')
    .option('--pack <dir...>', 'the small demo pack whose scenarios to seed', ['rules/demo'])
    .option('--fraud <dir>', 'the fraud pack whose scenarios to add (application fraud, takeover, phone scams, mules)', 'rules/fraud')
    .option('--conduct <dir...>', 'consumer-protection packs whose scenarios to add (collection, complaints, hardship)', ['rules/conduct'])
    .option('--if-missing', 'do nothing when the file already exists')
    .option('--customers <n>', 'how many customers for rules/demo; the fraud population is half, the conduct cases a fifth', '3000')
    .addHelpText('after', '\nExamples:\n  zhiyu db seed --demo demo.db\n  zhiyu db seed --demo small.db --customers 300')
    .action((path: string, o: { demo?: boolean; pack: string[]; fraud: string; ifMissing?: boolean; customers: string; conduct: string[] }) => {
      if (!o.demo) { console.error('say --demo: the demo data set is the only one so far'); throw new Exit(EXIT.USAGE); }
      if (existsSync(path)) {
        if (o.ifMissing) return;
        console.error(`${path} exists; remove it first, or pass --if-missing`);
        throw new Exit(EXIT.USAGE);
      }
      const customers = Number(o.customers);
      if (!Number.isSafeInteger(customers) || customers < 1) { console.error(`--customers should be a positive whole number, not ${o.customers}`); throw new Exit(EXIT.USAGE); }
      const started = performance.now();
      const schemaOf = (label: string, files: ReturnType<typeof readPack>) => {
        const r = compile(files);
        if (!r.checked || !r.ok) throw new StoreError('ZY7006', `the pack ${label} has errors; run zhiyu check on it`);
        return r.checked.schema;
      };
      const demo = schemaOf(o.pack.join(' '), readPack(o.pack));
      // A pack folder that is not there (a trimmed checkout) is left out, not an error.
      const fraud = existsSync(o.fraud) ? schemaOf(o.fraud, readPack([o.fraud])) : undefined;
      const conduct = o.conduct.filter((d) => existsSync(d)).flatMap((d) => readPacks([d])).map((p) => schemaOf(p.name, p.files));
      const store = openStore(path, { create: true });
      let rep: DemoDatabaseReport;
      try {
        rep = seedDemoDatabase(store, { demo, ...(fraud ? { fraud } : {}), conduct }, { customers });
      } finally {
        store.close();
      }
      const counts = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ');
      const d = rep.demo;
      console.log(`${path}: ${o.pack.join(' ')}: ${d.customers} customers, ${d.events} events, ${d.labels} labelled fraud (${counts(d.byPattern)})`);
      if (rep.fraud) {
        const f = rep.fraud;
        console.log(`${path}: ${o.fraud}: ${f.customers} customers, ${f.events} events; labels: ${counts(f.labels)} (${f.customerLabels} of them on whole customers)`);
        console.log(`  events per scenario: ${counts(f.byPattern)}`);
      }
      if (rep.conduct) console.log(`${path}: ${o.conduct.join(' ')}: ${rep.conduct.customers} customers, ${rep.conduct.events} events (${counts(rep.conduct.byScenario)})`);
      const mb = (statSync(path).size / 1048576).toFixed(1);
      console.log(`${path}: ${rep.events} events in all, ${mb} MB, seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    });

  cli.command('replay')
    .description('re-evaluate a logged decision from its snapshot and confirm it gives the same result')
    .argument('<db>', 'the database holding the decision log')
    .argument('<id>', 'the decision id')
    .requiredOption('--pack <dir...>', 'the pack to replay with')
    .option('--interpret', 'replay on the reference interpreter')
    .addHelpText('after', '\nExamples:\n  zhiyu replay demo.db 42 --pack rules/demo')
    .action((path: string, id: string, o: { pack: string[]; interpret?: boolean }) => {
      const store = openStore(path, { readonly: true });
      try {
        const logged = new DecisionLog(store).get(Number(id));
        const files = readPack(o.pack);
        const r = compile(files);
        if (!r.ok || !r.checked || !r.optimized || !r.code) { console.error('the pack has errors; run zhiyu check'); throw new Exit(EXIT.FINDINGS); }
        const hash = packHash(files);
        if (hash !== logged.bundleHash) console.log(paint.dim(`note: the pack differs from the one that decided (${logged.bundleHash.slice(0, 19)}… then, ${hash.slice(0, 19)}… now)`));
        const provider = new SnapshotProvider(logged.snapshot);
        const d = o.interpret ? interpret(r.checked, logged.input, provider).decision : load({ pack: r.optimized, code: r.code }).decide(logged.input, provider);
        const fired = d.fired.map((f) => f.id);
        const same = d.outcome === logged.outcome && d.score === logged.score && JSON.stringify(fired) === JSON.stringify(logged.fired);
        if (provider.gaps.length) console.log(paint.dim(`not in the snapshot (read as missing): ${provider.gaps.join(', ')}`));
        if (same) { console.log(paint.green(`decision ${id}: same result — ${d.outcome}, score ${d.score}, fired ${fired.join(', ') || 'none'}`)); return; }
        console.log(paint.red(`decision ${id} differs:`));
        console.log(`  logged:   ${logged.outcome}, score ${logged.score}, fired ${logged.fired.join(', ') || 'none'}`);
        console.log(`  replayed: ${d.outcome}, score ${d.score}, fired ${fired.join(', ') || 'none'}`);
        throw new Exit(EXIT.FINDINGS);
      } finally {
        store.close();
      }
    });
}
