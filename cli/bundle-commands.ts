// `zhiyu compile`, `verify`, `keygen` and `serve`: bundles and the decision service.
import type { Command } from 'commander';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compile, renderDiagnostic } from '../compiler/index.ts';
import { BundleError, parseBundle, readBundle, writeBundle, type Bundle } from '../runtime/bundle.ts';
import { approvals, describeTrust, privateKeyOf, publicKeyOf, signerName, TrustError, type Keyring, type TrustPolicy } from '../runtime/trust.ts';
import { readKeyring } from '../runtime/keyring.ts';
import { availableParallelism } from 'node:os';
import cluster from 'node:cluster';
import { DEFAULT_LIMITS, serve, type Service } from '../runtime/server.ts';
import { clusterRole, DEFAULT_JOIN_MS, followerViews, inClusterWorker, runPrimary, workerRoutes } from '../runtime/cluster.ts';
import type { AuditRow } from '../runtime/audit.ts';
import type { Arm, ShadowResult } from '../runtime/store/decision-log.ts';
import { startEditor } from '../editor/server/app.ts';
import type { Decision } from '../runtime/decision.ts';
import type { LogEntry, Snapshot } from '../runtime/store/decision-log.ts';
import { closeAnyStore, logOf, openAnyStore, providerOf } from '../runtime/store/open.ts';
import { coerce } from '../compiler/input.ts';
import { TIMESTAMP } from '../compiler/types.ts';
import { TIME_FIELD } from '../compiler/check/context.ts';
import { readPack } from './pack-files.ts';
import { CliError, Exit, EXIT, fsReason, paint } from './output.ts';

/** Appends each decision to the log, named by the bundle that made it (the hash /healthz reports), with its arm and the shadow's decision beside it. */
export function decisionLogger<R extends number | Promise<number>>(log: { append(e: LogEntry): R }) {
  return (input: unknown, d: Decision, b: Bundle, snapshot: Snapshot, more?: { arm: Arm; shadow?: ShadowResult }): R => {
    // The decision validated the time already; a decision without one never reaches the log.
    const eventTime = Number(coerce(TIMESTAMP, (input as Record<string, unknown>)[TIME_FIELD], `event.${TIME_FIELD}`));
    return log.append({ bundleHash: b.hash, sourceHash: b.manifest.sourceHash, input, eventTime, snapshot, decision: d, ...(more ? { arm: more.arm } : {}), ...(more?.shadow ? { shadow: more.shadow } : {}) });
  };
}

/** A keyring file, or a coded one-line error and exit 2. */
export function keyringOrExit(path: string): Keyring {
  try { return readKeyring(path); } catch (e) {
    if (!(e instanceof TrustError)) throw e;
    console.error(paint.red(`${e.code}: ${e.message}`));
    throw new Exit(EXIT.USAGE);
  }
}

/** The trust policy of --public-key and --keyring (both may be given: the keys of both are trusted). */
export function policyOf(o: { publicKey?: string; keyring?: string; insecureUnsigned?: boolean }, allowUnverified = !!o.insecureUnsigned): TrustPolicy {
  return { keys: keysOf(o.publicKey), allowUnverified, ...(o.keyring ? { keyring: keyringOrExit(o.keyring) } : {}) };
}

/** One line per signature: who (by the keyring), and whether a trusted key verified it. */
export function signatureLines(b: Bundle): string[] {
  const checks = b.trust.signatures;
  if (!checks) return b.trust.signature === 'verified' ? [`  signed by ${b.trust.key}`] : [];
  return checks.map((c, i) => (c.signer
    ? `  signature ${i + 1}: ${signerName(c.signer)} — verified`
    : `  signature ${i + 1}: ${c.claimedKey ? `says ${c.claimedKey}` : 'no key id'} — NOT verified (not a trusted key${b.trust.signature === 'verified' ? ', or forged' : ''})`));
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

/** The `zhiyu` command's entry: what cluster workers run. */
const BIN = join(import.meta.dirname, 'bin.js');

/** The arguments this command was given (after `node zhiyu`), for its workers. */
function rawArgs(cmd: Command): string[] {
  const all = (cmd.parent as (Command & { rawArgs?: string[] }) | null)?.rawArgs ?? [];
  return all.slice(2);
}

interface ServeFlags {
  bundle?: string; pack?: string; db?: string; log?: boolean; host: string; port: string; token?: string; publicKey?: string; keyring?: string;
  requireApprovals?: string; canary?: string; canaryPercent: string; canaryKey?: string; shadow?: string; allowRollback?: string;
  insecureUnsigned?: boolean; maxConnections: string; requestTimeout: string; workers?: string; workerStartTimeout: string;
}

/** The canary arm from the flags: a percent from 0 to 100 and a key the canary's events declare. */
function canaryOf(bundle: Bundle, o: ServeFlags): { bundle: Bundle; percent: number; key: string } {
  const percent = Number(o.canaryPercent.replace(/%$/, ''));
  if (!/^\d+(\.\d+)?%?$/.test(o.canaryPercent) || percent > 100) throw new CliError('ZY8203', `--canary-percent takes a number from 0 to 100, not ${JSON.stringify(o.canaryPercent)}`);
  const pack = bundle.program.pack;
  const key = o.canaryKey ?? pack.schema.entities.get('customer')?.key;
  if (!key) throw new CliError('ZY8203', `give --canary-key: pack ${pack.name} has no customer entity to take the key from`);
  if (!pack.schema.event.fields.has(key)) throw new CliError('ZY8203', `--canary-key ${key} is not an event field of pack ${pack.name} (its fields: ${[...pack.schema.event.fields.keys()].join(', ')})`);
  return { bundle, percent, key };
}

function approvalCount(value: string): number {
  if (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 16) return Number(value);
  throw new CliError('ZY8203', `--require-approvals takes a whole number from 1 to 16, not ${JSON.stringify(value)}`);
}

/** A time option (2026-03-01T00:00, Asia/Shanghai unless a zone is given) as epoch ms. */
export function timeOption(value: string, option: string): number {
  let t: number | undefined;
  try { t = coerce(TIMESTAMP, value.trim(), option) as number | undefined; } catch { t = undefined; }
  if (t === undefined || !Number.isFinite(t)) throw new CliError('ZY8203', `${option} takes a time such as 2026-03-01T00:00 (Asia/Shanghai unless a zone is given), not ${JSON.stringify(value)}`);
  return t;
}

/** Every audit row the service appends, with the chain's head: a copy of the head kept elsewhere lets audit verify --head find rows cut off the end. */
function printAudit(row: AuditRow): void {
  const b = row.bundle ? ` ${row.bundle.pack} ${row.bundle.version ?? ''} ${row.bundle.hash.slice(0, 19)}…` : '';
  const why = typeof row.detail['reason'] === 'string' ? `: ${row.detail['reason']}` : '';
  console.log(`audit #${row.seq} ${row.action}${b}${why}  (head ${row.seq}:${row.hash})`);
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
    .option('--effective-from <time>', 'the bundle takes effect at this time (2026-03-01T00:00, Asia/Shanghai unless a zone is given): a service given it earlier keeps serving the bundle before until then')
    .option('--traffic <events.jsonl>', 'events like those the pack will decide, one JSON object a line (e.g. recent ones from the decision log): the rule index tests first the conditions that skip the most rules on them; decisions do not depend on it')
    .addHelpText('after', '\nThe pack\'s invariants are proved first: a pack that breaks one for some input (ZY5101)\nis refused with the counterexample (zhiyu check shows it as a test); an undecided one\n(ZY5102) is a warning.\n\nExamples:\n  zhiyu compile rules/demo -o demo.zyb\n  zhiyu compile rules/demo -o demo.zyb --sign keys/zhiyu.key.pem\n  zhiyu compile rules/fraud -o fraud.zyb --sign keys/alice/zhiyu.key.pem --effective-from 2026-03-01T00:00\n  zhiyu compile rules/fraud -o fraud.zyb --traffic last-week.jsonl')
    .action((path: string, o: { out: string; sign?: string; effectiveFrom?: string; traffic?: string }) => {
      const effectiveFrom = o.effectiveFrom === undefined ? undefined : timeOption(o.effectiveFrom, '--effective-from');
      const files = readPack([path]);
      // A bundle is never built from a pack that breaks one of its invariants (ZY5101).
      const r = compile(files, { prove: true, ...(o.traffic !== undefined ? { traffic: readTraffic(o.traffic) } : {}) });
      if (!r.ok) {
        for (const d of r.diagnostics) console.error(`${renderDiagnostic(d, r.files)}\n`);
        throw new Exit(EXIT.FINDINGS);
      }
      for (const d of r.diagnostics) if (d.code === 'ZY5102') console.error(`${renderDiagnostic(d, r.files)}\n`);
      const text = writeBundle(r, files, o.sign ? readKey(o.sign, 'private') : undefined, effectiveFrom !== undefined ? { effectiveFrom } : {});
      try { writeFileSync(o.out, text); } catch (e) {
        throw new CliError('ZY8204', `cannot write ${o.out}: ${fsReason(e)}`);
      }
      const b = parseBundle(text);
      console.log(`${o.out}: ${b.manifest.pack} ${b.manifest.version ?? ''} ${b.manifest.rules.length} rules, ${b.hash}${o.sign ? ', signed' : ''}${effectiveFrom !== undefined ? `, in effect from ${new Date(effectiveFrom).toISOString()}` : ''}`);
      if (!b.manifest.version) console.error(paint.dim(`note: pack ${b.manifest.pack} declares no version; a service refuses to replace a bundle with one it cannot show newer (declare pack ${b.manifest.pack} version "…")`));
    });

  cli.command('verify')
    .description("check that a bundle was signed by a key you trust (and that its content hash matches)")
    .argument('<bundle>', 'the bundle file')
    .option('--public-key <file.pem>', 'the ed25519 public key the signature must check against')
    .option('--keyring <file>', 'the keyring naming trusted keys and their roles (zhiyu keyring add): lists who signed')
    .option('--require-approvals <n>', 'also exit 1 unless n distinct trusted keys signed, one of them an approver (as serve --require-approvals)')
    .option('--hash-only', 'check only the content hash: it detects damage, not tampering (anyone can recompute it)')
    .option('--json', 'print the hash, the trust state and the manifest as JSON')
    .addHelpText('after', `
A bundle is JavaScript that runs with the permissions of whatever loads it. Its
sha256 only detects accidental damage: whoever can edit the file can recompute
it. Only a signature checked against a key you trust says who made the bundle.
Without --public-key nothing can be verified, and verify exits 1 (unless
--hash-only asks for the hash alone).

A bundle may carry several signatures (its author's, and approvals added with
zhiyu approve). With --keyring, verify lists each: the name and roles of the key
that verified it, or that no trusted key did.

Examples:
  zhiyu verify demo.zyb --public-key keys/zhiyu.pub.pem
  zhiyu verify demo.zyb --keyring keyring.json --require-approvals 2
  zhiyu verify demo.zyb --hash-only --json`)
    .action((path: string, o: { publicKey?: string; keyring?: string; requireApprovals?: string; hashOnly?: boolean; json?: boolean }) => {
      const required = o.requireApprovals === undefined ? 0 : approvalCount(o.requireApprovals);
      const b = bundleOrExit(path, policyOf(o, !o.publicKey && !o.keyring));
      const verified = b.trust.signature === 'verified';
      const check = required ? approvals(b.trust, required) : undefined;
      if (o.json) console.log(JSON.stringify({ hash: b.hash, signed: b.signed, trust: b.trust, ...(check ? { approvals: check } : {}), manifest: b.manifest }, null, 2));
      else {
        const first = verified ? paint.green(`${path}: ${describeTrust(b.trust)}`)
          : o.hashOnly ? `${path}: the content hash matches (this detects damage, not tampering); the bundle is ${describeTrust(b.trust)}`
            : paint.red(`${path}: ${describeTrust(b.trust)}; give --public-key <file.pem> or --keyring <file> to check who made it`);
        console.log(first);
        for (const line of signatureLines(b)) console.log(line);
        if (check) console.log(check.ok ? paint.green(`  approvals: ${check.signers.length} of ${required} required, with an approver`) : paint.red(`  approvals: ${check.reason}`));
        console.log(`  ${b.manifest.pack} ${b.manifest.version ?? ''}, ${b.manifest.rules.length} rules, compiled by zhiyu ${b.manifest.compilerVersion} at ${b.manifest.createdAt}`);
        if (b.manifest.effectiveFrom !== undefined) console.log(`  in effect from ${new Date(b.manifest.effectiveFrom).toISOString()}`);
        console.log(`  ${b.hash}  (sources ${b.manifest.sourceHash})`);
      }
      if ((!verified && !o.hashOnly) || (check && !check.ok)) throw new Exit(EXIT.FINDINGS);
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
    .description('the decision service (POST /v1/decide, POST /v1/decide/batch, GET /v1/bundle, POST /v1/reload, /v1/promote, /v1/rollback, GET /healthz, GET /metrics); without --bundle, also the rule editor on the packs in <dir>')
    .argument('[dir]', 'a folder of packs to edit (without --bundle)', 'rules')
    .option('--bundle <file>', 'serve this bundle (production: no editor)')
    .option('--pack <name>', 'without --bundle: the pack the decision API serves (default: demo, else the first)')
    .option('--db <file|url>', 'the feature store (entities, lists, history): a SQLite file or a postgres:// URL')
    .option('--log', 'append every decision to the decision log beside --db (demo.db → demo.decisions.db)')
    .option('--host <host>', 'address to bind (anything but loopback needs --token)', '127.0.0.1')
    .option('--port <port>', 'port', '7700')
    .option('--token <token>', 'access token for POST /v1/reload, /v1/promote and /v1/rollback (and required off loopback); or ZHIYU_TOKEN')
    .option('--public-key <file.pem>', 'run only bundles signed by this ed25519 key (--bundle and every reload)')
    .option('--keyring <file>', 'run only bundles signed by a key in this keyring (names and roles: zhiyu keyring add)')
    .option('--require-approvals <n>', 'activate a bundle (at start, reload, promote) only when n distinct keys of the keyring signed it, one of them an approver')
    .option('--canary <bundle>', 'a candidate that decides --canary-percent of the traffic, by a hash of --canary-key')
    .option('--canary-percent <n>', 'the share of keys the canary decides, 0 to 100', '5')
    .option('--canary-key <field>', 'the event field whose hash picks the arm (default: the customer entity\'s key)')
    .option('--shadow <bundle>', 'a candidate that decides every request beside the live bundle; logged, never answered')
    .option('--allow-rollback <reason>', 'start even if --bundle is older than, or another pack than, the last bundle live (recorded)')
    .option('--insecure-unsigned', 'development only: run bundles no trusted key verified (a bundle is code)')
    .option('--max-connections <n>', 'close connections over this many', String(DEFAULT_LIMITS.maxConnections))
    .option('--workers <n>', 'with --bundle: worker processes sharing the port (default: the number of cores)')
    .option('--worker-start-timeout <seconds>', 'with --workers: a replacement worker not listening this long after it starts is ended, as a failed start', String(DEFAULT_JOIN_MS / 1000))
    .option('--request-timeout <seconds>', 'a client must send its whole request within this time (its headers within 10 s)', String(DEFAULT_LIMITS.requestTimeoutMs / 1000))
    .addHelpText('after', `
A bundle is JavaScript that runs with this process's permissions, so --bundle
needs --public-key or --keyring: the bundle, and every bundle POST /v1/reload
sends, must be signed by a trusted key (zhiyu compile --sign). --insecure-unsigned
lifts this, for development only; GET /v1/bundle always says what was verified.

With --bundle the service runs several worker processes (--workers; one per
core by default, with or without --db), all on one port; a reload, promote or rollback
reaches every worker before it is answered, and GET /metrics sums them. With
--db every worker decides over the same store and logs its own decisions
(--log); one of them writes the bundle history and the audit trail, so each
change is one row. A worker that dies is replaced by one serving the live
bundles (after any reload, promote or rollback), not --bundle; one whose
replacements keep failing to start is given up after 5 (the writer's: the
service stops). A replacement that has not listened --worker-start-timeout seconds
after it starts (hung opening the store, say) is ended and counts as a failed
start; a reload waits for a starting worker no longer than that. The editor is
one process.

Changing rules in production (see README, "Changing rules in production"):
a bundle replaces the live one only if it is the same pack with a newer version
(POST /v1/reload?allow_rollback=reason overrides, recorded); with
--require-approvals it must carry signatures from that many keyring keys, one an
approver's (zhiyu approve). --shadow decides beside the live bundle (zhiyu shadow
report); --canary decides a share of the customers; POST /v1/promote makes the
candidate live and POST /v1/rollback undoes. With --db, every bundle run is kept
in the bundle history and every change in the hash-chained audit trail: in the
log file beside a SQLite store (demo.db → demo.decisions.db; zhiyu audit verify),
in the zy_bundles and zy_audit tables of a PostgreSQL one.

Examples:
  zhiyu serve rules --db demo.db            # the editor at http://127.0.0.1:7700/
  zhiyu serve --bundle demo.zyb --public-key keys/zhiyu.pub.pem --db demo.db
  zhiyu serve --bundle live.zyb --keyring keyring.json --require-approvals 2 --db demo.db --log --token $T \\
      --canary cand.zyb --canary-percent 10 --canary-key customer_id
  curl -s localhost:7700/v1/decide -d '{"type":"login","customer_id":"c1","occurred_at":"2026-02-20T10:00"}'`)
    .action(async (dir: string, o: ServeFlags, cmd: Command) => {
      if (o.bundle && !o.publicKey && !o.keyring && !o.insecureUnsigned) {
        console.error(paint.red('ZY8003: serve --bundle runs only bundles signed by a key you trust: give --public-key <file.pem> or --keyring <file> (or, for development only, --insecure-unsigned)'));
        throw new Exit(EXIT.USAGE);
      }
      const requireApprovals = o.requireApprovals === undefined ? 0 : approvalCount(o.requireApprovals);
      if (requireApprovals && !o.keyring) { console.error(paint.red('--require-approvals needs --keyring: only a keyring says which keys are approvers')); throw new Exit(EXIT.USAGE); }
      if (!o.bundle && (o.canary || o.shadow || requireApprovals || o.allowRollback !== undefined)) {
        console.error(paint.red('--canary, --shadow, --require-approvals and --allow-rollback need --bundle')); throw new Exit(EXIT.USAGE);
      }
      if (o.allowRollback !== undefined && !o.allowRollback.trim()) { console.error(paint.red('--allow-rollback needs the reason, in words')); throw new Exit(EXIT.USAGE); }
      const policy: TrustPolicy = policyOf(o);
      const verify = { trust: policy };
      const limits = { maxConnections: positive(o.maxConnections, '--max-connections'), requestTimeoutMs: positive(o.requestTimeout, '--request-timeout') * 1000 };
      const port = portNumber(o.port);
      if (o.log && !o.db) { console.error(paint.red('--log needs --db')); throw new Exit(EXIT.USAGE); }
      const token = o.token ?? process.env['ZHIYU_TOKEN'];
      // One worker per core by default only as the `zhiyu` command itself; a program (or a test) calling main() serves in its own process.
      const asCommand = resolve(process.argv[1] ?? '') === BIN;
      const workers = o.workers !== undefined ? Math.floor(positive(o.workers, '--workers')) : o.bundle && asCommand ? availableParallelism() : 1;
      if (workers > 1 && !o.bundle) { console.error(paint.red('--workers needs --bundle: the editor runs in one process')); throw new Exit(EXIT.USAGE); }
      if (workers > 1 && cluster.isPrimary) {
        // The primary checks the bundles, then only relays; the workers serve.
        const bundle = bundleOrExit(o.bundle!, policy);
        const others = [...(o.shadow ? [[o.shadow, bundleOrExit(o.shadow, policy)] as const] : []), ...(o.canary ? [[o.canary, bundleOrExit(o.canary, policy)] as const] : [])];
        for (const [file, b] of [[o.bundle!, bundle] as const, ...others]) {
          if (!b.signed) console.error(paint.red(`WARNING: ${file} is ${describeTrust(b.trust)}; its code runs with this process's permissions (--insecure-unsigned)`));
        }
        if (!o.db) console.error(paint.dim('note: without --db the bundle history and the audit trail are not kept'));
        // A store that cannot be opened is the caller's error, said once here, not by each worker as it fails to start.
        else await openAnyStore(o.db, { readonly: true }).then(closeAnyStore, (e: unknown) => {
          console.error(paint.red(`${(e as { code?: string }).code ?? 'ZY7007'}: ${(e as Error).message}`));
          throw new Exit(EXIT.USAGE);
        });
        const primary = runPrimary({
          workers,
          // The workers run this command, whoever called it: never the calling program.
          exec: BIN, args: rawArgs(cmd),
          joinMs: positive(o.workerStartTimeout, '--worker-start-timeout') * 1000,
          onFailed: (message) => { console.error(paint.red(message)); process.exit(1); },
          log: (line) => console.error(paint.red(line)),
          onReady: (p) => console.log(`zhiyu serving ${bundle.manifest.pack} ${bundle.manifest.version ?? ''} (${bundle.hash.slice(0, 19)}…) at http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${p}, ${describeTrust(bundle.trust)}, ${workers} workers`),
        });
        const stopAll = () => { void primary.stop().then(() => process.exit(0)); };
        process.once('SIGINT', stopAll);
        process.once('SIGTERM', stopAll);
        await new Promise(() => {});
      }
      // A worker is quiet: its primary said it all once.
      const clustered = inClusterWorker() ? workerRoutes() : undefined;
      // A bundle service only reads the store (the decision log is a file of its own);
      // the editor creates the indexes its packs' windows need, so it opens the store writable.
      let store: Awaited<ReturnType<typeof openAnyStore>> | undefined;
      try { store = o.db ? await openAnyStore(o.db, { readonly: !!o.bundle }) : undefined; } catch (e) {
        console.error(paint.red(`${(e as { code?: string }).code ?? 'ZY7007'}: ${(e as Error).message}`));
        // A worker's channel to its primary would keep it alive: it ends here, and the primary sees it.
        if (clustered) process.exit(EXIT.USAGE);
        throw new Exit(EXIT.USAGE);
      }
      // A bundle service keeps its bundle history and audit trail in the store (SQLite: the log file beside it), logging decisions or not.
      // In a cluster, one worker writes the history and trail (it starts first); the others read them, and log only decisions.
      const role = clusterRole();
      const log = store && (o.log || o.bundle) ? logOf(store, { write: role !== 'follower' || !!o.log }) : undefined;
      const onDecision = log && o.log ? { onDecision: decisionLogger(log) } : {};
      const kept = log ? (role === 'follower' ? followerViews(log.history, log.audit) : { history: log.history, audit: log.audit, onAudit: printAudit }) : undefined;
      let service: Service;
      try {
        if (o.bundle) {
          // A cluster worker serves what the running workers serve, when there are any (it replaces one, or joins the writer).
          const resumed = await clustered?.resume((text) => parseBundle(text, { trust: policy }));
          const bundle = resumed?.live ?? bundleOrExit(o.bundle, policy);
          const shadow = resumed ? resumed.shadow : o.shadow ? bundleOrExit(o.shadow, policy) : undefined;
          const canary = resumed ? resumed.canary : o.canary ? canaryOf(bundleOrExit(o.canary, policy), o) : undefined;
          if (!log && !clustered) console.error(paint.dim('note: without --db the bundle history and the audit trail are not kept'));
          service = await serve({
            bundle, host: o.host, port, verify, limits, ...(o.insecureUnsigned ? { insecureUnsigned: true } : {}), ...(token ? { token } : {}), ...onDecision,
            ...(store ? { provider: (b: Bundle) => providerOf(store, b.program.pack) } : {}),
            ...(shadow ? { shadow } : {}), ...(canary ? { canary } : {}), ...(requireApprovals ? { requireApprovals } : {}),
            ...(o.allowRollback ? { allowRollback: o.allowRollback.trim() } : {}),
            ...(resumed ? { resume: { scheduled: resumed.scheduled, previous: resumed.previous } } : {}),
            ...kept,
            ...clustered?.serve,
          });
          await clustered?.attach(service);
          const live = service.bundle();
          for (const b of clustered ? [] : [bundle, ...(shadow ? [shadow] : []), ...(canary ? [canary.bundle] : [])]) {
            if (!b.signed) console.error(paint.red(`WARNING: ${b === bundle ? o.bundle : b === shadow ? o.shadow : o.canary} is ${describeTrust(b.trust)}; its code runs with this process's permissions (--insecure-unsigned)`));
          }
          if (!clustered) console.log(`zhiyu serving ${live.manifest.pack} ${live.manifest.version ?? ''} (${live.hash.slice(0, 19)}…) at ${service.url}, ${describeTrust(live.trust)}`);
          if (live !== bundle && !clustered) console.log(`  ${o.bundle} (${bundle.manifest.version ?? ''}) takes effect at ${new Date(bundle.manifest.effectiveFrom!).toISOString()}; until then the bundle before it, from the history`);
          if (canary) console.log(`  canary ${canary.bundle.manifest.version ?? ''} (${canary.bundle.hash.slice(0, 19)}…) decides ${canary.percent}% of ${canary.key}s`);
          if (shadow) console.log(`  shadow ${shadow.manifest.version ?? ''} (${shadow.hash.slice(0, 19)}…) decides beside every request${o.log ? '' : ' (give --log to keep its decisions for zhiyu shadow report)'}`);
        } else {
          if (!existsSync(dir)) { console.error(paint.red(`no folder ${dir}`)); throw new Exit(EXIT.USAGE); }
          const editor = await startEditor({
            root: dir, host: o.host, port, verify, limits, ...(o.insecureUnsigned ? { insecureUnsigned: true } : {}), ...(token ? { token } : {}), ...(o.pack ? { pack: o.pack } : {}),
            ...(store ? { store: store.kind === 'sqlite' ? store.db : store.pg } : {}), ...onDecision,
          });
          service = editor;
          console.log(`zhiyu editor on ${editor.workspace.packNames().length} packs in ${dir}${store ? ` with ${store.where}` : ''}: ${service.url}/`);
          console.log(`decision API (pack ${editor.pack}): POST ${service.url}/v1/decide`);
          for (const w of editor.warnings) console.error(paint.red(`warning ${w.code}: ${w.message}`));
        }
      } catch (e) {
        // A worker's channel to its primary would keep it alive: it ends here, and the primary sees it.
        if (e instanceof Exit) { if (clustered) process.exit(e.code); throw e; }
        const code = (e as { code?: unknown }).code;
        console.error(paint.red(`${typeof code === 'string' && /^ZY\d{4}$/.test(code) ? `${code}: ` : ''}${(e as Error).message}`));
        log?.close();
        if (store) await closeAnyStore(store);
        if (clustered) process.exit(EXIT.USAGE);
        throw new Exit(EXIT.USAGE);
      }
      const stop = () => { void service.close().then(async () => { log?.close(); if (store) await closeAnyStore(store); process.exit(0); }); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // A worker stops when its primary lets it go (the writer then records the stop).
      if (clustered) process.once('disconnect', stop);
      await new Promise(() => {});
    });
}

/** `--traffic`: one JSON object a line (blank lines skipped); a line that is not one is ZY8203, an unreadable file ZY8201. */
function readTraffic(path: string): Record<string, unknown>[] {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) {
    throw new CliError('ZY8201', `--traffic: cannot read ${path}: ${fsReason(e)}`);
  }
  const out: Record<string, unknown>[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let v: unknown;
    try { v = JSON.parse(line); } catch (e) {
      throw new CliError('ZY8203', `--traffic: ${path}:${i + 1} is not valid JSON: ${(e as Error).message.split('\n')[0]!.slice(0, 120)}`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CliError('ZY8203', `--traffic: ${path}:${i + 1} should be a JSON object (an event)`);
    out.push(v as Record<string, unknown>);
  });
  return out;
}
