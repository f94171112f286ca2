// `zhiyu compile`, `verify`, `keygen` and `serve`: bundles and the decision service.
import type { Command } from 'commander';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, renderDiagnostic } from '../compiler/index.ts';
import { BundleError, loadBundle, writeBundle, type Bundle } from '../runtime/bundle.ts';
import { serve, type Service } from '../runtime/server.ts';
import { startEditor } from '../editor/server/app.ts';
import type { Decision } from '../runtime/decision.ts';
import type { Snapshot } from '../runtime/store/log.ts';
import { DecisionLog, openStore, SqliteProvider } from '../runtime/store/index.ts';
import { coerce } from '../compiler/input.ts';
import { TIMESTAMP } from '../compiler/types.ts';

const eventTime = (input: unknown): number => {
  try { return Number(coerce(TIMESTAMP, (input as Record<string, unknown>)['occurred_at'], 'event.occurred_at') ?? 0); } catch { return 0; }
};
import { readPack } from './pack-files.ts';
import { Exit, EXIT, paint } from './output.ts';

function readKey(path: string): string {
  try { return readFileSync(path, 'utf8'); } catch (e) {
    console.error(paint.red(`cannot read key ${path}: ${(e as Error).message}`));
    throw new Exit(EXIT.USAGE);
  }
}

function bundleOrExit(path: string, publicKey?: string): Bundle {
  try {
    return loadBundle(path, publicKey ? { publicKey: readKey(publicKey) } : {});
  } catch (e) {
    if (e instanceof BundleError) { console.error(paint.red(`${e.code}: ${e.message}`)); throw new Exit(EXIT.FINDINGS); }
    throw e;
  }
}

export function registerBundle(cli: Command): void {
  cli.command('compile')
    .description('compile a pack into one bundle file: manifest, content hash, compiled code; optionally signed')
    .argument('<pack>', 'the pack directory')
    .requiredOption('-o, --out <file>', 'the bundle to write (.zyb)')
    .option('--sign <private-key.pem>', 'sign with this ed25519 private key (see zhiyu keygen)')
    .addHelpText('after', '\nExamples:\n  zhiyu compile rules/demo -o demo.zyb\n  zhiyu compile rules/demo -o demo.zyb --sign keys/zhiyu.key.pem')
    .action((path: string, o: { out: string; sign?: string }) => {
      const files = readPack([path]);
      const r = compile(files);
      if (!r.ok) {
        for (const d of r.diagnostics) console.error(`${renderDiagnostic(d, r.files)}\n`);
        throw new Exit(EXIT.FINDINGS);
      }
      const text = writeBundle(r, files, o.sign ? readKey(o.sign) : undefined);
      writeFileSync(o.out, text);
      const b = loadBundle(text);
      console.log(`${o.out}: ${b.manifest.pack} ${b.manifest.version ?? ''} ${b.manifest.rules.length} rules, ${b.hash}${o.sign ? ', signed' : ''}`);
    });

  cli.command('verify')
    .description("check a bundle's content hash, and its signature when a public key is given")
    .argument('<bundle>', 'the bundle file')
    .option('--public-key <file.pem>', 'require a valid signature by this ed25519 key')
    .option('--json', 'print the manifest as JSON')
    .addHelpText('after', '\nExamples:\n  zhiyu verify demo.zyb\n  zhiyu verify demo.zyb --public-key keys/zhiyu.pub.pem')
    .action((path: string, o: { publicKey?: string; json?: boolean }) => {
      const b = bundleOrExit(path, o.publicKey);
      if (o.json) { console.log(JSON.stringify({ hash: b.hash, signed: b.signed, manifest: b.manifest }, null, 2)); return; }
      console.log(paint.green(`${path}: intact${o.publicKey ? ', signature valid' : b.signed ? ' (signed; give --public-key to check the signature)' : ' (not signed)'}`));
      console.log(`  ${b.manifest.pack} ${b.manifest.version ?? ''}, ${b.manifest.rules.length} rules, compiled by zhiyu ${b.manifest.compilerVersion} at ${b.manifest.createdAt}`);
      console.log(`  ${b.hash}  (sources ${b.manifest.sourceHash})`);
    });

  cli.command('keygen')
    .description('make an ed25519 key pair for signing bundles')
    .argument('<dir>', 'where to write zhiyu.key.pem and zhiyu.pub.pem')
    .addHelpText('after', '\nExamples:\n  zhiyu keygen keys')
    .action((dir: string) => {
      const keyFile = join(dir, 'zhiyu.key.pem');
      if (existsSync(keyFile)) { console.error(paint.red(`${keyFile} exists; not overwriting a key`)); throw new Exit(EXIT.USAGE); }
      mkdirSync(dir, { recursive: true });
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      writeFileSync(join(dir, 'zhiyu.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
      console.log(`${keyFile} (keep it secret) and ${join(dir, 'zhiyu.pub.pem')}`);
    });

  cli.command('serve')
    .description('the decision service (POST /v1/decide, GET /v1/bundle, POST /v1/reload, GET /healthz, GET /metrics); without --bundle, also the rule editor on the packs in <dir>')
    .argument('[dir]', 'a folder of packs to edit (without --bundle)', 'rules')
    .option('--bundle <file>', 'serve this bundle (production: no editor)')
    .option('--pack <name>', 'without --bundle: the pack the decision API serves (default: demo, else the first)')
    .option('--db <file>', 'the SQLite feature store (entities, lists, history)')
    .option('--log', 'append every decision to the decision log in --db')
    .option('--host <host>', 'address to bind (anything but loopback needs --token)', '127.0.0.1')
    .option('--port <port>', 'port', '7700')
    .option('--token <token>', 'access token for POST /v1/reload (and required off loopback); or ZHIYU_TOKEN')
    .option('--public-key <file.pem>', 'only load bundles signed by this key')
    .addHelpText('after', '\nExamples:\n  zhiyu serve rules --db demo.db            # the editor at http://127.0.0.1:7700/\n  zhiyu serve --bundle demo.zyb --db demo.db\n  curl -s localhost:7700/v1/decide -d \'{"type":"login","customer_id":"c1","occurred_at":"2026-02-20T10:00"}\'')
    .action(async (dir: string, o: { bundle?: string; pack?: string; db?: string; log?: boolean; host: string; port: string; token?: string; publicKey?: string }) => {
      const verify = o.publicKey ? { publicKey: readKey(o.publicKey) } : {};
      if (o.log && !o.db) { console.error(paint.red('--log needs --db')); throw new Exit(EXIT.USAGE); }
      const token = o.token ?? process.env['ZHIYU_TOKEN'];
      // The editor creates the indexes its packs' windows need, so it opens the store writable; a bundle service only with --log.
      const store = o.db ? openStore(o.db, { readonly: !o.log && !!o.bundle }) : undefined;
      const log = store && o.log ? new DecisionLog(store) : undefined;
      const onDecision = log ? {
        onDecision: (input: unknown, d: Decision, b: Bundle, snapshot: Snapshot) => {
          log.append(b.manifest.sourceHash, input, eventTime(input), snapshot, d);
        },
      } : {};
      let service: Service;
      try {
        if (o.bundle) {
          const bundle = bundleOrExit(o.bundle, o.publicKey);
          service = await serve({
            bundle, host: o.host, port: Number(o.port), verify, ...(token ? { token } : {}), ...onDecision,
            ...(store ? { provider: (b: Bundle) => new SqliteProvider(store, b.program.pack) } : {}),
          });
          console.log(`zhiyu serving ${bundle.manifest.pack} ${bundle.manifest.version ?? ''} (${bundle.hash.slice(0, 19)}…) at ${service.url}`);
        } else {
          if (!existsSync(dir)) { console.error(paint.red(`no folder ${dir}`)); throw new Exit(EXIT.USAGE); }
          const editor = await startEditor({
            root: dir, host: o.host, port: Number(o.port), ...(token ? { token } : {}), ...(o.pack ? { pack: o.pack } : {}),
            ...(store ? { store } : {}),
          });
          service = editor;
          console.log(`zhiyu editor on ${editor.workspace.packNames().length} packs in ${dir}${o.db ? ` with ${o.db}` : ''}: ${service.url}/`);
          console.log(`decision API (pack ${editor.pack}): POST ${service.url}/v1/decide`);
        }
      } catch (e) {
        if (e instanceof Exit) throw e;
        console.error(paint.red((e as Error).message));
        throw new Exit(EXIT.USAGE);
      }
      const stop = () => { void service.close().then(() => { store?.close(); process.exit(0); }); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await new Promise(() => {});
    });
}
