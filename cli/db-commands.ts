// `zhiyu db …` and `zhiyu replay`: the SQLite store from the command line.
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { existsSync } from 'node:fs';
import { compile } from '../compiler/index.ts';
import { interpret, load } from '../runtime/index.ts';
import { packHash } from '../runtime/pack-hash.ts';
import {
  DecisionLog, SnapshotProvider, StoreError, importFile, migrate, openStore, seedDemo, storedSchema, type DB,
} from '../runtime/store/index.ts';
import { readPack, readPacks } from './pack-files.ts';
import { seedConduct } from '../runtime/store/seed-conduct.ts';
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
      const store = openStore(path, { create: true });
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
      } finally {
        store.close();
      }
    });

  db.command('seed')
    .description('build the deterministic demo database (customers, 90 days of events, labelled fraud patterns)')
    .argument('<db>', 'the database file to create')
    .option('--demo', 'the demo data set (the only one so far)')
    .option('--pack <dir...>', 'the pack whose schema to use', ['rules/demo'])
    .option('--if-missing', 'do nothing when the file already exists')
    .option('--customers <n>', 'how many customers', '3000')
    .option('--conduct <dir...>', 'consumer-protection packs whose scenarios to add (collection, complaints, hardship)', ['rules/conduct'])
    .addHelpText('after', '\nExamples:\n  zhiyu db seed --demo demo.db')
    .action((path: string, o: { demo?: boolean; pack: string[]; ifMissing?: boolean; customers: string; conduct: string[] }) => {
      if (!o.demo) { console.error('say --demo: the demo data set is the only one so far'); throw new Exit(EXIT.USAGE); }
      if (existsSync(path)) {
        if (o.ifMissing) return;
        console.error(`${path} exists; remove it first, or pass --if-missing`);
        throw new Exit(EXIT.USAGE);
      }
      const r = compile(readPack(o.pack));
      if (!r.checked || !r.ok) throw new StoreError('ZY7006', `the pack ${o.pack.join(' ')} has errors`);
      const store = openStore(path, { create: true });
      try {
        const rep = seedDemo(store, r.checked.schema, { customers: Number(o.customers) });
        console.log(`${path}: ${rep.customers} customers, ${rep.events} events, ${rep.labels} labelled fraud events (${Object.entries(rep.byPattern).map(([k, v]) => `${k} ${v}`).join(', ')})`);
        const conduct = o.conduct.filter((d) => existsSync(d)).flatMap((d) => readPacks([d])).map((p) => compile(p.files)).filter((c) => c.ok && c.checked);
        if (conduct.length) {
          const c = seedConduct(store, conduct.map((x) => x.checked!.schema));
          console.log(`${path}: ${c.customers} more customers, ${c.events} consumer-protection events (${Object.entries(c.byScenario).map(([k, v]) => `${k} ${v}`).join(', ')})`);
        }
      } finally {
        store.close();
      }
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
