// Changing rules in production from the command line: keyrings and
// approvals (`keyring`, `approve`), talking to a running service (`reload`,
// `promote`, `rollback`), and reading what it recorded (`audit verify`,
// `audit show`, `history`).
import type { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { verifyChain, type AuditRow, type AuditTrail } from '../runtime/audit.ts';
import { addApproval, BundleError, parseBundle } from '../runtime/bundle.ts';
import { keyringText, withKey } from '../runtime/keyring.ts';
import { keyFingerprint, privateKeyOf, ROLES, TrustError, type Keyring, type Role } from '../runtime/trust.ts';
import type { BundleHistory } from '../runtime/history.ts';
import { closeAnyStore, logOf, openAnyStore } from '../runtime/store/open.ts';
import { keyringOrExit, policyOf, signatureLines } from './bundle-commands.ts';
import { table } from './backtest-report.ts';
import { CliError, Exit, EXIT, fsReason, paint } from './output.ts';

function readText(path: string, what: string): string {
  try { return readFileSync(path, 'utf8'); } catch (e) {
    throw new CliError('ZY8201', `cannot read ${what} ${path}: ${fsReason(e)}`);
  }
}

function writeText(path: string, text: string): void {
  try { writeFileSync(path, text); } catch (e) {
    throw new CliError('ZY8204', `cannot write ${path}: ${fsReason(e)}`);
  }
}

/** A store's bundle history and audit trail, read-only: the log file beside a SQLite store, the tables of a PostgreSQL one. */
async function withLog<T>(db: string, f: (log: { history: BundleHistory; audit: AuditTrail; path: string }) => Promise<T>): Promise<T> {
  const store = await openAnyStore(db, { readonly: true });
  const log = logOf(store);
  try { return await f({ history: log.history, audit: log.audit, path: log.sqlite?.path ?? store.where }); } finally { log.close(); await closeAnyStore(store); }
}

const when = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** A row's detail in a few words: reasons, signers, arms, where it came from. */
function detailText(r: AuditRow): string {
  const d = r.detail;
  const parts: string[] = [];
  if (typeof d['for'] === 'string') parts.push(`for ${d['for']}`);
  if (d['ok'] === true) parts.push('ok');
  if (Array.isArray(d['signers'])) parts.push(`signed by ${(d['signers'] as { name?: string; key: string; roles: string[] }[]).map((s) => (s.name ? `${s.name} (${s.roles.join(', ')})` : s.key)).join(', ') || 'nobody trusted'}`);
  if (typeof d['arm'] === 'string') parts.push(`${d['arm']}${typeof d['percent'] === 'number' ? ` ${d['percent']}% by ${String(d['key'])}` : ''}`);
  if (typeof d['attempted'] === 'string') parts.push(`${d['attempted']} refused (${String(d['code'])})`);
  if (typeof d['reason'] === 'string') parts.push(d['reason']);
  if (typeof d['allowRollback'] === 'string') parts.push(`allowed: ${d['allowRollback']}`);
  if (typeof d['effectiveFrom'] === 'number') parts.push(`in effect from ${when(d['effectiveFrom'])}`);
  const prev = d['previous'] as { pack?: string; version?: string } | undefined;
  if (prev && typeof prev === 'object') parts.push(`after ${prev.version ?? '?'}`);
  const dropped = d['dropped'] as { version?: string } | undefined;
  if (dropped && typeof dropped === 'object') parts.push(`dropped ${dropped.version ?? '?'}`);
  if (typeof d['from'] === 'string') parts.push(`from ${d['from']}`);
  return parts.join('; ');
}

/** A request to a running service's control routes, with the token; an error answer is printed and exits 1. */
async function control(o: { url: string; token?: string }, path: string, body?: string): Promise<Record<string, unknown>> {
  const token = o.token ?? process.env['ZHIYU_TOKEN'];
  if (!token) throw new CliError('ZY8203', 'give --token (or set ZHIYU_TOKEN): the service changes bundles only for its access token');
  let res: Response;
  try {
    res = await fetch(new URL(path, o.url), { method: 'POST', headers: { authorization: `Bearer ${token}` }, ...(body !== undefined ? { body } : {}) });
  } catch (e) {
    throw new CliError('ZY8203', `cannot reach the service at ${o.url}: ${(e as { cause?: Error }).cause?.message ?? (e as Error).message}`, EXIT.FINDINGS);
  }
  const text = await res.text();
  let json: Record<string, unknown>;
  try { json = JSON.parse(text) as Record<string, unknown>; } catch { json = { error: { code: String(res.status), message: text.slice(0, 200) } }; }
  if (!res.ok) {
    const err = (json['error'] ?? {}) as { code?: string; message?: string; audit?: number };
    console.error(paint.red(`${err.code ?? res.status}: ${err.message ?? res.statusText}${err.audit !== undefined ? ` (audit row ${err.audit})` : ''}`));
    throw new Exit(EXIT.FINDINGS);
  }
  return json;
}

function printChange(r: Record<string, unknown>): void {
  const at = typeof r['effectiveFrom'] === 'string' ? `, in effect from ${r['effectiveFrom']}` : '';
  console.log(paint.green(`${String(r['status'])}: ${String(r['pack'])} ${String(r['version'] ?? '')} ${String(r['bundle'])}${at}`));
  console.log(`  live now: ${String(r['live'])}${r['previous'] ? `; before: ${String(r['previous'])}` : ''}`);
}

const SERVICE = ['--url <url>', 'the service', 'http://127.0.0.1:7700'] as const;
const TOKEN = ['--token <token>', 'its access token (or ZHIYU_TOKEN)'] as const;

function reasonQuery(name: string, value: string | undefined): string {
  if (value === undefined) return '';
  if (!value.trim()) throw new CliError('ZY8203', `--${name === 'allow_rollback' ? 'allow-rollback' : name} needs the reason, in words`);
  return `${name}=${encodeURIComponent(value.trim())}`;
}

const query = (...parts: string[]) => (parts.filter(Boolean).length ? `?${parts.filter(Boolean).join('&')}` : '');

export function registerRollout(cli: Command): void {
  const keyring = cli.command('keyring').description('the keys a service trusts, with names and roles (author, approver)');
  keyring.command('add')
    .description('add a public key to a keyring (created when missing), or replace a named one')
    .argument('<keyring>', 'the keyring file (JSON)')
    .requiredOption('--name <name>', 'whose key it is')
    .requiredOption('--role <roles>', `${ROLES.join(', ')}, or both comma-separated`)
    .requiredOption('--public-key <file.pem>', 'the ed25519 public key (zhiyu keygen)')
    .addHelpText('after', '\nExamples:\n  zhiyu keyring add keyring.json --name alice --role author --public-key keys/alice/zhiyu.pub.pem\n  zhiyu keyring add keyring.json --name bob --role approver --public-key keys/bob/zhiyu.pub.pem')
    .action((path: string, o: { name: string; role: string; publicKey: string }) => {
      const roles = o.role.split(',').map((r) => r.trim()).filter(Boolean);
      const bad = roles.find((r) => !(ROLES as readonly string[]).includes(r));
      if (bad !== undefined || roles.length === 0) throw new CliError('ZY8203', `--role takes ${ROLES.join(', ')} (comma-separated), not ${JSON.stringify(o.role)}`);
      const ring: Keyring = existsSync(path) ? keyringOrExit(path) : { entries: [] };
      let next: Keyring;
      try { next = withKey(ring, o.name, roles as Role[], readText(o.publicKey, 'the public key'), o.publicKey); } catch (e) {
        if (e instanceof TrustError) { console.error(paint.red(`${e.code}: ${e.message}`)); throw new Exit(EXIT.USAGE); }
        throw e;
      }
      writeText(path, keyringText(next));
      const e = next.entries.find((x) => x.name === o.name)!;
      console.log(`${path}: ${e.name} (${e.roles.join(', ')}) ${e.fingerprint}; ${next.entries.length} key${next.entries.length === 1 ? '' : 's'}`);
    });
  keyring.command('list')
    .description('the keys of a keyring: name, roles, fingerprint')
    .argument('<keyring>', 'the keyring file')
    .addHelpText('after', '\nExamples:\n  zhiyu keyring list keyring.json')
    .action((path: string) => {
      const ring = keyringOrExit(path);
      console.log(table(['<name', '<roles', '<key'], ring.entries.map((e) => [e.name, e.roles.join(', '), e.fingerprint])));
    });

  cli.command('approve')
    .description('add your signature to a bundle: the second key a service with --require-approvals 2 needs')
    .argument('<bundle>', 'the bundle file (.zyb), changed in place unless -o is given')
    .requiredOption('--key <private-key.pem>', 'your ed25519 private key')
    .option('-o, --out <file>', 'write the approved bundle here instead')
    .option('--keyring <file>', 'check first that your key is an approver in this keyring, and list who has signed')
    .addHelpText('after', `
The signature covers the bundle's content hash, so the rules you approve are
exactly the rules that run; the hash does not change. Read the change before you
sign it: zhiyu diff live.zyb cand.zyb --db demo.db, and zhiyu shadow report.

Examples:
  zhiyu approve cand.zyb --key keys/bob/zhiyu.key.pem --keyring keyring.json`)
    .action((path: string, o: { key: string; out?: string; keyring?: string }) => {
      const text = readText(path, 'the bundle');
      let key;
      try { key = privateKeyOf(readText(o.key, 'the private key'), o.key); } catch (e) {
        if (e instanceof TrustError) { console.error(paint.red(`${e.code}: ${e.message}`)); throw new Exit(EXIT.USAGE); }
        throw e;
      }
      const fp = keyFingerprint(key);
      if (o.keyring) {
        const ring = keyringOrExit(o.keyring);
        const me = ring.entries.find((e) => e.fingerprint === fp);
        if (!me) { console.error(paint.red(`ZY8007: your key ${fp} is not in ${o.keyring}; a service would not count this approval`)); throw new Exit(EXIT.FINDINGS); }
        if (!me.roles.includes('approver')) console.error(paint.dim(`note: ${me.name} is ${me.roles.join(', ')} in ${o.keyring}, not an approver: this signature counts as a key, not as the approver's`));
      }
      let approved: string;
      try { approved = addApproval(text, key); } catch (e) {
        if (e instanceof BundleError) { console.error(paint.red(`${e.code}: ${path}: ${e.message}`)); throw new Exit(EXIT.FINDINGS); }
        throw e;
      }
      writeText(o.out ?? path, approved);
      const b = parseBundle(approved, o.keyring ? { trust: policyOf({ keyring: o.keyring }, true) } : {});
      console.log(paint.green(`${o.out ?? path}: approved by ${fp}: ${b.manifest.pack} ${b.manifest.version ?? ''} ${b.hash}`));
      for (const line of signatureLines(b)) console.log(line);
    });

  cli.command('reload')
    .description('send a bundle to a running service (POST /v1/reload): it replaces the live bundle, or is scheduled for its effective_from')
    .argument('<bundle>', 'the bundle file')
    .option(...SERVICE).option(...TOKEN)
    .option('--allow-rollback <reason>', 'activate it even if it is older than, or another pack than, the live bundle (the reason is recorded)')
    .addHelpText('after', '\nExamples:\n  zhiyu reload fraud-2026.03.1.zyb --token $ZHIYU_TOKEN\n  zhiyu reload fraud-2026.02.4.zyb --allow-rollback "2026.03.1 blocks payroll transfers (INC-2291)"')
    .action(async (path: string, o: { url: string; token?: string; allowRollback?: string }) => {
      printChange(await control(o, `/v1/reload${query(reasonQuery('allow_rollback', o.allowRollback))}`, readText(path, 'the bundle')));
    });

  cli.command('promote')
    .description('make the running canary (or shadow) the live bundle (POST /v1/promote)')
    .option(...SERVICE).option(...TOKEN)
    .option('--arm <arm>', 'canary or shadow (default: the canary, else the shadow)')
    .option('--bundle <file>', 'the candidate\'s bundle with the approvals added since it started (the same hash)')
    .option('--allow-rollback <reason>', 'promote it even if it is not newer than the live bundle (recorded)')
    .addHelpText('after', '\nExamples:\n  zhiyu promote --token $ZHIYU_TOKEN\n  zhiyu promote --arm shadow --bundle cand.zyb --token $ZHIYU_TOKEN')
    .action(async (o: { url: string; token?: string; arm?: string; bundle?: string; allowRollback?: string }) => {
      if (o.arm !== undefined && o.arm !== 'canary' && o.arm !== 'shadow') throw new CliError('ZY8203', `--arm takes canary or shadow, not ${JSON.stringify(o.arm)}`);
      const q = query(o.arm ? `arm=${o.arm}` : '', reasonQuery('allow_rollback', o.allowRollback));
      printChange(await control(o, `/v1/promote${q}`, o.bundle ? readText(o.bundle, 'the bundle') : ''));
    });

  cli.command('rollback')
    .description('stop the running canary, or restore the live bundle before the current one (POST /v1/rollback)')
    .option(...SERVICE).option(...TOKEN)
    .option('--arm <arm>', 'drop this candidate (canary or shadow) instead')
    .option('--reason <text>', 'why (recorded in the audit trail)')
    .addHelpText('after', '\nExamples:\n  zhiyu rollback --reason "canary hold rate doubled" --token $ZHIYU_TOKEN')
    .action(async (o: { url: string; token?: string; arm?: string; reason?: string }) => {
      if (o.arm !== undefined && o.arm !== 'canary' && o.arm !== 'shadow') throw new CliError('ZY8203', `--arm takes canary or shadow, not ${JSON.stringify(o.arm)}`);
      printChange(await control(o, `/v1/rollback${query(o.arm ? `arm=${o.arm}` : '', reasonQuery('reason', o.reason))}`, ''));
    });

  const audit = cli.command('audit').description('the service\'s hash-chained audit trail (in the log file beside a SQLite store; zy_audit on PostgreSQL)');
  audit.command('verify')
    .description('check that no audit row was edited, deleted or reordered; say where the chain breaks')
    .requiredOption('--db <file|url>', 'the store (its log file demo.decisions.db holds the trail), or a postgres:// URL')
    .option('--head <seq:hash>', 'the head printed by the service (audit #N … head N:hash): also finds rows cut off the end')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', `
Each row holds the hash of the row before it and a hash of its own content. An
edited row no longer matches its hash; a deleted, inserted or reordered row
breaks the links. Rows cut off the end leave a shorter chain that still links:
compare with a head recorded elsewhere (--head).

Examples:
  zhiyu audit verify --db demo.db
  zhiyu audit verify --db demo.db --head 42:9f2c…`)
    .action(async (o: { db: string; head?: string; json?: boolean }) => {
      const head = o.head === undefined ? undefined : /^(\d+):([0-9a-f]{64})$/.exec(o.head.trim());
      if (o.head !== undefined && !head) throw new CliError('ZY8203', `--head takes seq:hash as the service printed it (42:9f2c…, 64 hex digits), not ${JSON.stringify(o.head)}`);
      const { rows, path } = await withLog(o.db, async (log) => ({ rows: await log.audit.rows(), path: log.path }));
      const report = verifyChain(rows);
      const findings = [...report.findings];
      if (head) {
        const [seq, hash] = [Number(head[1]), head[2]!];
        const row = rows.find((r) => r.seq === seq);
        if (!row) findings.push({ seq, position: rows.length + 1, kind: 'deleted', message: `row ${seq}, the head recorded, is not in the trail (it ends at row ${report.head?.seq ?? 0}): rows were cut off the end` });
        else if (row.hash !== hash) findings.push({ seq, position: rows.indexOf(row) + 1, kind: 'edited', message: `row ${seq} does not have the head hash recorded: the trail was rewritten from there` });
      }
      if (o.json) console.log(JSON.stringify({ file: path, ...report, findings }, null, 2));
      else if (findings.length === 0) {
        console.log(paint.green(`${path}: audit trail of ${report.rows} row${report.rows === 1 ? '' : 's'}, chain intact${report.head ? `; head ${report.head.seq}:${report.head.hash}` : ''}`));
      } else {
        console.log(paint.red(`ZY8012: ${path}: the audit trail was altered (${findings.length} break${findings.length === 1 ? '' : 's'} in ${report.rows} rows):`));
        for (const f of findings) console.log(`  ${f.kind.padEnd(9)} ${f.message}`);
      }
      if (findings.length) throw new Exit(EXIT.FINDINGS);
    });
  audit.command('show')
    .description('the audit trail: every start, reload, approval check, promotion, rollback and refusal')
    .requiredOption('--db <file|url>', 'the store (a SQLite file or a postgres:// URL)')
    .option('--json', 'print the rows as JSON')
    .option('--last <n>', 'only the last n rows')
    .addHelpText('after', '\nExamples:\n  zhiyu audit show --db demo.db --last 20')
    .action(async (o: { db: string; json?: boolean; last?: string }) => {
      if (o.last !== undefined && !/^\d+$/.test(o.last)) throw new CliError('ZY8203', `--last takes a whole number, not ${JSON.stringify(o.last)}`);
      const all = await withLog(o.db, async (log) => log.audit.rows());
      const rows = o.last !== undefined ? all.slice(-Number(o.last)) : all;
      if (o.json) { console.log(JSON.stringify(rows, null, 2)); return; }
      if (!rows.length) { console.log('the audit trail is empty'); return; }
      console.log(table(['seq', '<time (UTC)', '<action', '<bundle', '<detail'],
        rows.map((r) => [String(r.seq), when(r.at), r.action, r.bundle ? `${r.bundle.pack} ${r.bundle.version ?? ''} ${r.bundle.hash.slice(7, 19)}` : '', detailText(r)])));
    });

  cli.command('history')
    .description('the bundles a service ran, kept in the store by hash; --extract writes one back out')
    .requiredOption('--db <file|url>', 'the store (a SQLite file or a postgres:// URL)')
    .option('--extract <hash>', 'the bundle to write out (its hash, or a prefix of at least 12 hex digits)')
    .option('-o, --out <file>', 'with --extract: where to write it')
    .option('--json', 'print the list as JSON')
    .addHelpText('after', '\nExamples:\n  zhiyu history --db demo.db\n  zhiyu history --db demo.db --extract sha256:4be1c0a9d2f3 -o restored.zyb')
    .action(async (o: { db: string; extract?: string; out?: string; json?: boolean }) => {
      await withLog(o.db, async (log) => {
        const list = await log.history.list();
        if (o.extract !== undefined) {
          if (!o.out) throw new CliError('ZY8203', '--extract needs -o <file>');
          const want = o.extract.replace(/^sha256:/, '');
          if (!/^[0-9a-f]{12,64}$/.test(want)) throw new CliError('ZY8203', `--extract takes a bundle hash (at least 12 hex digits), not ${JSON.stringify(o.extract)}`);
          const hits = list.filter((b) => b.hash.slice(7).startsWith(want));
          if (hits.length !== 1) { console.error(paint.red(`ZY8013: ${hits.length ? `${hits.length} bundles match ${o.extract}; give more digits` : `no bundle ${o.extract} in the history`}`)); throw new Exit(EXIT.FINDINGS); }
          const stored = (await log.history.get(hits[0]!.hash))!;
          // The content address is checked before the text leaves the history.
          if (parseBundle(stored.text).hash !== stored.hash) { console.error(paint.red(`ZY8002: the bundle kept as ${stored.hash} was altered in the history`)); throw new Exit(EXIT.FINDINGS); }
          writeText(o.out, stored.text);
          console.log(`${o.out}: ${stored.pack} ${stored.version ?? ''} ${stored.hash}`);
          return;
        }
        if (o.json) { console.log(JSON.stringify(list, null, 2)); return; }
        if (!list.length) { console.log('the bundle history is empty'); return; }
        console.log(table(['<kept (UTC)', '<pack', '<version', '<effective from', '<hash'],
          list.map((b) => [when(b.storedAt), b.pack, b.version ?? '', b.effectiveFrom !== undefined ? when(b.effectiveFrom) : '', b.hash])));
      });
    });
}
