// `zhiyu compile`, `verify`, `keygen` and `serve`: bundles and the decision service.
import type { Command } from 'commander';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, renderDiagnostic } from '../compiler/index.ts';
import { BundleError, parseBundle, readBundle, writeBundle, type Bundle } from '../runtime/bundle.ts';
import { describeTrust, privateKeyOf, publicKeyOf, TrustError, type TrustPolicy } from '../runtime/trust.ts';
import { availableParallelism } from 'node:os';
import cluster from 'node:cluster';
import { DEFAULT_LIMITS, serve, type Service } from '../runtime/server.ts';
import { inClusterWorker, runPrimary, workerRoutes } from '../runtime/cluster.ts';
import { startEditor } from '../editor/server/app.ts';
import type { Decision } from '../runtime/decision.ts';
import type { Snapshot } from '../runtime/store/log.ts';
import { DecisionLog, openStore, SqliteProvider } from '../runtime/store/index.ts';
import { coerce } from '../compiler/input.ts';
import { TIMESTAMP } from '../compiler/types.ts';
import { TIME_FIELD } from '../compiler/check/context.ts';
import { readPack } from './pack-files.ts';
import { CliError, Exit, EXIT, fsReason, paint } from './output.ts';

/** Appends each decision to the log, named by the bundle that made it (the hash /healthz reports). */
export function decisionLogger(log: DecisionLog) {
  return (input: unknown, d: Decision, b: Bundle, snapshot: Snapshot): void => {
    // The decision validated the time already; a decision without one never reaches the log.
    const eventTime = Number(coerce(TIMESTAMP, (input as Record<string, unknown>)[TIME_FIELD], `event.${TIME_FIELD}`));
    log.append({ bundleHash: b.hash, sourceHash: b.manifest.sourceHash, input, eventTime, snapshot, decision: d });
  };
}

/** A key file, checked to be an ed25519 key of the right kind; a coded one-line error otherwise. */
function readKey(path: string, kind: 'public' | 'private'): string {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) {
    console.error(paint.red(`ZY8006: cannot read the ${kind} key ${path}: ${fsReason(e)}`));
    throw new Exit(EXIT.USAGE);
  }
  try {
    if (kind === 'public') publicKeyOf(text, path); else privateKeyOf(text, path);
  } catch (e) {
    if (!(e instanceof TrustError)) throw e;
    console.error(paint.red(`${e.code}: ${e.message}`));
    throw new Exit(EXIT.USAGE);
  }
  return text;
}

function bundleOrExit(path: string, policy: TrustPolicy): Bundle {
  try {
    return readBundle(path, { trust: policy });
  } catch (e) {
    if (e instanceof BundleError) { console.error(paint.red(`${e.code}: ${path}: ${e.message}`)); throw new Exit(EXIT.FINDINGS); }
    throw e;
  }
}

function positive(value: string, option: string): number {
  const n = Number(value);
  if (/^\d+(\.\d+)?$/.test(value) && n > 0) return n;
  console.error(paint.red(`${option} takes a positive number, not ${JSON.stringify(value)}`));
  throw new Exit(EXIT.USAGE);
}

function portNumber(value: string): number {
  if (/^\d+$/.test(value) && Number(value) <= 65535) return Number(value);
  console.error(paint.red(`--port takes a port number from 0 to 65535, not ${JSON.stringify(value)}`));
  throw new Exit(EXIT.USAGE);
}

const keysOf = (publicKey: string | undefined) => (publicKey ? [publicKeyOf(readKey(publicKey, 'public'), publicKey)] : []);

/**
 * A bundle for a command that runs its code on this machine (eval, backtest):
 * with a public key the signature must check; without one it runs, and the
 * command says on standard error that nobody verified who made it.
 * Throws BundleError (the caller says which bundle).
 */
export function bundleToRun(path: string, publicKey: string | undefined): Bundle {
  const b = readBundle(path, { trust: { keys: keysOf(publicKey), allowUnverified: !publicKey } });
  if (!b.signed) console.error(paint.red(`warning: ${path} is ${describeTrust(b.trust)}. A bundle is code that runs with your permissions; give --public-key to check who made it.`));
  return b;
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
      const text = writeBundle(r, files, o.sign ? readKey(o.sign, 'private') : undefined);
      try { writeFileSync(o.out, text); } catch (e) {
        throw new CliError('ZY8204', `cannot write ${o.out}: ${fsReason(e)}`);
      }
      const b = parseBundle(text);
      console.log(`${o.out}: ${b.manifest.pack} ${b.manifest.version ?? ''} ${b.manifest.rules.length} rules, ${b.hash}${o.sign ? ', signed' : ''}`);
    });

  cli.command('verify')
    .description("check that a bundle was signed by a key you trust (and that its content hash matches)")
    .argument('<bundle>', 'the bundle file')
    .option('--public-key <file.pem>', 'the ed25519 public key the signature must check against')
    .option('--hash-only', 'check only the content hash: it detects damage, not tampering (anyone can recompute it)')
    .option('--json', 'print the hash, the trust state and the manifest as JSON')
    .addHelpText('after', `
A bundle is JavaScript that runs with the permissions of whatever loads it. Its
sha256 only detects accidental damage: whoever can edit the file can recompute
it. Only a signature checked against a key you trust says who made the bundle.
Without --public-key nothing can be verified, and verify exits 1 (unless
--hash-only asks for the hash alone).

Examples:
  zhiyu verify demo.zyb --public-key keys/zhiyu.pub.pem
  zhiyu verify demo.zyb --hash-only --json`)
    .action((path: string, o: { publicKey?: string; hashOnly?: boolean; json?: boolean }) => {
      const b = bundleOrExit(path, { keys: keysOf(o.publicKey), allowUnverified: !o.publicKey });
      const verified = b.trust.signature === 'verified';
      if (o.json) console.log(JSON.stringify({ hash: b.hash, signed: b.signed, trust: b.trust, manifest: b.manifest }, null, 2));
      else {
        const first = verified ? paint.green(`${path}: ${describeTrust(b.trust)}`)
          : o.hashOnly ? `${path}: the content hash matches (this detects damage, not tampering); the bundle is ${describeTrust(b.trust)}`
            : paint.red(`${path}: ${describeTrust(b.trust)}; give --public-key <file.pem> to check who made it`);
        console.log(first);
        console.log(`  ${b.manifest.pack} ${b.manifest.version ?? ''}, ${b.manifest.rules.length} rules, compiled by zhiyu ${b.manifest.compilerVersion} at ${b.manifest.createdAt}`);
        console.log(`  ${b.hash}  (sources ${b.manifest.sourceHash})`);
      }
      if (!verified && !o.hashOnly) throw new Exit(EXIT.FINDINGS);
    });

  cli.command('keygen')
    .description('make an ed25519 key pair for signing bundles')
    .argument('<dir>', 'where to write zhiyu.key.pem and zhiyu.pub.pem')
    .addHelpText('after', '\nExamples:\n  zhiyu keygen keys')
    .action((dir: string) => {
      const keyFile = join(dir, 'zhiyu.key.pem');
      const pubFile = join(dir, 'zhiyu.pub.pem');
      if (existsSync(dir) && !statSync(dir).isDirectory()) throw new CliError('ZY8204', `${dir} is a file; give a folder for the key pair`);
      for (const f of [keyFile, pubFile]) {
        if (existsSync(f)) throw new CliError('ZY8204', `${f} exists; not overwriting a key`);
      }
      mkdirSync(dir, { recursive: true });
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      writeFileSync(pubFile, publicKey.export({ type: 'spki', format: 'pem' }));
      console.log(`${keyFile} (keep it secret) and ${pubFile}`);
    });

  cli.command('serve')
    .description('the decision service (POST /v1/decide, POST /v1/decide/batch, GET /v1/bundle, POST /v1/reload, GET /healthz, GET /metrics); without --bundle, also the rule editor on the packs in <dir>')
    .argument('[dir]', 'a folder of packs to edit (without --bundle)', 'rules')
    .option('--bundle <file>', 'serve this bundle (production: no editor)')
    .option('--pack <name>', 'without --bundle: the pack the decision API serves (default: demo, else the first)')
    .option('--db <file>', 'the SQLite feature store (entities, lists, history)')
    .option('--log', 'append every decision to the decision log beside --db (demo.db → demo.decisions.db)')
    .option('--host <host>', 'address to bind (anything but loopback needs --token)', '127.0.0.1')
    .option('--port <port>', 'port', '7700')
    .option('--token <token>', 'access token for POST /v1/reload (and required off loopback); or ZHIYU_TOKEN')
    .option('--public-key <file.pem>', 'run only bundles signed by this ed25519 key (--bundle and every reload)')
    .option('--insecure-unsigned', 'development only: run bundles no trusted key verified (a bundle is code)')
    .option('--max-connections <n>', 'close connections over this many', String(DEFAULT_LIMITS.maxConnections))
    .option('--workers <n>', 'with --bundle: worker processes sharing the port (default: the number of cores; 1 with --log)')
    .option('--request-timeout <seconds>', 'a client must send its whole request within this time (its headers within 10 s)', String(DEFAULT_LIMITS.requestTimeoutMs / 1000))
    .addHelpText('after', `
A bundle is JavaScript that runs with this process's permissions, so --bundle
needs --public-key: the bundle, and every bundle POST /v1/reload sends, must be
signed by that key (zhiyu compile --sign). --insecure-unsigned lifts this, for
development only; GET /v1/bundle always says what was verified.

With --bundle the service runs one worker process per core (--workers), all
on one port; a reload reaches every worker before it is answered, and
GET /metrics sums them. The editor, and --log, run in one process.

Examples:
  zhiyu serve rules --db demo.db            # the editor at http://127.0.0.1:7700/
  zhiyu serve --bundle demo.zyb --public-key keys/zhiyu.pub.pem --db demo.db
  curl -s localhost:7700/v1/decide -d '{"type":"login","customer_id":"c1","occurred_at":"2026-02-20T10:00"}'`)
    .action(async (dir: string, o: { bundle?: string; pack?: string; db?: string; log?: boolean; host: string; port: string; token?: string; publicKey?: string; insecureUnsigned?: boolean; maxConnections: string; requestTimeout: string; workers?: string }) => {
      if (o.bundle && !o.publicKey && !o.insecureUnsigned) {
        console.error(paint.red('ZY8003: serve --bundle runs only bundles signed by a key you trust: give --public-key <file.pem> (or, for development only, --insecure-unsigned)'));
        throw new Exit(EXIT.USAGE);
      }
      const policy: TrustPolicy = { keys: keysOf(o.publicKey), allowUnverified: !!o.insecureUnsigned };
      const verify = { trust: policy };
      const limits = { maxConnections: positive(o.maxConnections, '--max-connections'), requestTimeoutMs: positive(o.requestTimeout, '--request-timeout') * 1000 };
      const port = portNumber(o.port);
      if (o.log && !o.db) { console.error(paint.red('--log needs --db')); throw new Exit(EXIT.USAGE); }
      const token = o.token ?? process.env['ZHIYU_TOKEN'];
      const workers = o.workers !== undefined ? Math.floor(positive(o.workers, '--workers')) : o.bundle && !o.log ? availableParallelism() : 1;
      if (workers > 1 && !o.bundle) { console.error(paint.red('--workers needs --bundle: the editor runs in one process')); throw new Exit(EXIT.USAGE); }
      if (workers > 1 && o.log) { console.error(paint.red('--log writes the decision log from one process: use --workers 1')); throw new Exit(EXIT.USAGE); }
      const clustered = inClusterWorker() ? workerRoutes() : undefined;
      // A bundle service only reads the store (the decision log is a file of its own);
      // the editor creates the indexes its packs' windows need, so it opens the store writable.
      const store = o.db ? openStore(o.db, { readonly: !!o.bundle }) : undefined;
      const log = store && o.log ? DecisionLog.open(store, { write: true }) : undefined;
      const onDecision = log ? { onDecision: decisionLogger(log) } : {};
      if (workers > 1 && cluster.isPrimary) {
        // The primary checks the bundle (and the store, above), then only relays; the workers serve.
        store?.close();
        const bundle = bundleOrExit(o.bundle!, policy);
        if (!bundle.signed) console.error(paint.red(`WARNING: ${o.bundle} is ${describeTrust(bundle.trust)}; its code runs with this process's permissions (--insecure-unsigned)`));
        const primary = runPrimary({
          workers,
          onReady: (port) => console.log(`zhiyu serving ${bundle.manifest.pack} ${bundle.manifest.version ?? ''} (${bundle.hash.slice(0, 19)}…) at http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}, ${describeTrust(bundle.trust)}, ${workers} workers`),
        });
        const stopAll = () => { void primary.stop().then(() => process.exit(0)); };
        process.once('SIGINT', stopAll);
        process.once('SIGTERM', stopAll);
        await new Promise(() => {});
      }
      let service: Service;
      try {
        if (o.bundle) {
          const bundle = bundleOrExit(o.bundle, policy);
          service = await serve({
            bundle, host: o.host, port, verify, limits, ...(o.insecureUnsigned ? { insecureUnsigned: true } : {}), ...(token ? { token } : {}), ...onDecision,
            ...(store ? { provider: (b: Bundle) => new SqliteProvider(store, b.program.pack) } : {}),
            ...(clustered ? { routes: clustered.routes } : {}),
          });
          await clustered?.attach(service);
          // A worker is quiet: its primary said all this once.
          if (!bundle.signed && !clustered) console.error(paint.red(`WARNING: ${o.bundle} is ${describeTrust(bundle.trust)}; its code runs with this process's permissions (--insecure-unsigned)`));
          if (!clustered) console.log(`zhiyu serving ${bundle.manifest.pack} ${bundle.manifest.version ?? ''} (${bundle.hash.slice(0, 19)}…) at ${service.url}, ${describeTrust(bundle.trust)}`);
        } else {
          if (!existsSync(dir)) { console.error(paint.red(`no folder ${dir}`)); throw new Exit(EXIT.USAGE); }
          const editor = await startEditor({
            root: dir, host: o.host, port, verify, limits, ...(o.insecureUnsigned ? { insecureUnsigned: true } : {}), ...(token ? { token } : {}), ...(o.pack ? { pack: o.pack } : {}),
            ...(store ? { store } : {}), ...onDecision,
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
      const stop = () => { void service.close().then(() => { log?.close(); store?.close(); process.exit(0); }); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await new Promise(() => {});
    });
}
