// `zhiyu serve --workers 2`: a worker killed after a reload is replaced by
// one that serves the live bundle (its hash and its rules), not the --bundle
// of the command line; with and without a store. A client on the surviving
// worker's connection sees no failure meanwhile, and no new connection made
// after the primary saw the worker end fails. Over a store, a replacement
// writer records its start and writes the next reload itself. A slot whose
// replacements cannot start is given up after MAX_FAILED_STARTS, with a log
// line, while the other worker keeps serving. A replacement that hangs in
// its start-up (its store a FIFO: opening it blocks) is ended after
// --worker-start-timeout, while a reload answers meanwhile.
import { test } from 'uvu';
import { scratchDir } from './scratch.ts';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { compile } from '../compiler/index.ts';
import { readPack } from '../cli/pack-files.ts';
import { parseBundle, writeBundle } from '../runtime/bundle.ts';
import { MAX_FAILED_STARTS } from '../runtime/cluster.ts';
import { DecisionLog, openStore } from '../runtime/store/sqlite/index.ts';
import { cli, serveCli, type Served } from './cli-run.ts';

const dir = scratchDir('zhiyu-workers-restart-');
const demo = readPack([join(import.meta.dirname, '..', 'rules', 'demo')]);
const version = (v: string, extra = '') => demo.map((f) => ({ ...f, text: f.text.replace('version "0.1.0"', `version "${v}"`) + (f.path.endsWith('fraud.zy') ? extra : '') }));
const bundleText = (files: ReturnType<typeof version>) => writeBundle(compile(files), files);
const v1 = join(dir, 'v1.zyb');
writeFileSync(v1, bundleText(version('0.1.0')));
// 0.2.0 reviews every transfer: a decision tells the two bundles apart by its rules, not only by the hash it names.
const REVIEW_ALL = '\nrule V2_REVIEW_TRANSFERS "Every transfer is reviewed"\n  when event.type == "transfer_out"\n  then review\n  reason DAILY_LIMIT\n';
const v2text = bundleText(version('0.2.0', REVIEW_ALL));
const v2hash = parseBundle(v2text).hash;
const v3text = bundleText(version('0.3.0', REVIEW_ALL));
const TOKEN = 'restart-token-1';
const event = JSON.stringify({ type: 'transfer_out', payee_id: 'p-42', amount: 500000, occurred_at: '2026-03-01T10:00' });

interface Answer { readonly worker: string; readonly status: number; readonly body: Record<string, unknown> }

/** One request on `agent` (a kept-alive connection) or on a connection of its own. */
function send(url: string, path: string, opts: { method?: string; body?: string; agent?: Agent; token?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const r = request(`${url}${path}`, {
      method: opts.method ?? 'GET', agent: opts.agent ?? false,
      headers: { ...(opts.agent ? {} : { connection: 'close' }), ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
    }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ worker: String(res.headers['x-zhiyu-worker']), status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    r.on('error', reject);
    r.end(opts.body);
  });
}
const decide = (url: string, agent?: Agent) => send(url, '/v1/decide', { method: 'POST', body: event, ...(agent ? { agent } : {}) });
const reload = (url: string, text: string) => send(url, '/v1/reload', { method: 'POST', body: text, token: TOKEN });

/** The process id of cluster worker `id` of the primary `primary` (cluster gives each its id as NODE_UNIQUE_ID). */
function workerPid(primary: number, id: string): number {
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const parent = readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1];
      if (Number(parent) === primary && readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(`NODE_UNIQUE_ID=${id}`)) return Number(p);
    } catch { /* a process that ended meanwhile */ }
  }
  throw new Error(`no worker ${id} under ${primary}`);
}

/** Resolves once the service's output matches (the primary's log lines are its events). */
const printed = (svc: Served, re: RegExp): Promise<string> => svc.printed(re);

/** A kept-alive connection that worker `id` serves (new connections are handed out in turn). */
async function connectionTo(url: string, id: string): Promise<Agent> {
  for (;;) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    if ((await decide(url, agent)).worker === id) return agent;
    agent.destroy();
  }
}

/**
 * Reloads to 0.2.0, then kills worker `victim` while a client decides on a
 * connection the other worker serves, and returns the replacement's answers
 * once one arrives.
 */
async function killAndReplace(svc: Served, victim: string, survivor: string): Promise<{ replacement: string; decided: Answer; health: Answer; onSurvivor: Answer[]; afterExit: Answer[] }> {
  const ok = await reload(svc.url, v2text);
  assert.equal([ok.status, ok.body['bundle']], [200, v2hash]);
  const agent = await connectionTo(svc.url, survivor);
  const onSurvivor: Answer[] = [];
  let done = false;
  const client = (async () => { while (!done) onSurvivor.push(await decide(svc.url, agent)); })();
  try {
    process.kill(workerPid(svc.pid, victim), 'SIGKILL');
    await printed(svc, new RegExp(`worker ${victim} \\([a-z ]+\\) ended \\(signal SIGKILL\\); starting another`));
    // The primary has let go of the dead worker: every new connection now reaches a live one.
    const afterExit: Answer[] = [];
    for (;;) {
      const a = await decide(svc.url);
      afterExit.push(a);
      if (a.worker !== survivor) break;
    }
    const decided = afterExit[afterExit.length - 1]!;
    let health: Answer;
    do health = await send(svc.url, '/healthz'); while (health.worker !== decided.worker);
    return { replacement: decided.worker, decided, health, onSurvivor, afterExit };
  } finally {
    done = true;
    await client;
    agent.destroy();
  }
}

const assertServesV2 = (r: Awaited<ReturnType<typeof killAndReplace>>, victim: string, survivor: string) => {
  assert.not.ok([victim, survivor].includes(r.replacement), 'a new worker answered');
  assert.equal(r.afterExit.filter((a) => a.status !== 200).map((a) => a.body), [], 'no new connection failed');
  assert.ok(r.onSurvivor.length > 0);
  assert.equal(r.onSurvivor.filter((a) => a.status !== 200 || a.worker !== survivor).map((a) => [a.worker, a.body]), [], '0 failed on the surviving worker');
  for (const a of r.onSurvivor) assert.is(a.body['bundle'], v2hash);
  assert.is(r.decided.body['bundle'], v2hash, 'the replacement decides with the live bundle');
  assert.is(r.decided.body['outcome'], 'review');
  assert.ok((r.decided.body['fired'] as { id: string }[]).some((f) => f.id === 'V2_REVIEW_TRANSFERS'), 'with its rules');
  assert.equal([r.health.body['version'], r.health.body['bundle']], ['0.2.0', v2hash]);
};

test('without a store: a worker killed after a reload is replaced by one serving the reloaded bundle', async () => {
  const svc = await serveCli(['--bundle', v1, '--insecure-unsigned', '--workers', '2', '--token', TOKEN]);
  try {
    assert.is((await decide(svc.url)).body['outcome'], 'allow');
    const r = await killAndReplace(svc, '2', '1');
    assertServesV2(r, '2', '1');
    // The replacement takes the next change with the others.
    const next = await reload(svc.url, v3text);
    assert.is(next.status, 200, JSON.stringify(next.body));
    const seen = new Map<string, unknown>();
    while (seen.size < 2) { const h = await send(svc.url, '/healthz'); seen.set(h.worker, h.body['version']); }
    assert.equal([...seen.entries()].sort(), [['1', '0.3.0'], [r.replacement, '0.3.0']]);
    assert.match((await fetch(`${svc.url}/metrics`).then((x) => x.text())), /^zhiyu_workers 2$/m);
  } finally {
    assert.is(await svc.stop(), 0);
  }
});

test('over a store: the writer killed after a reload is replaced by one serving the reloaded bundle from the live deployment, which writes the next change', async () => {
  const db = join(dir, 'demo.db');
  assert.is((await cli('db', 'seed', '--demo', db, '--customers', '20')).code, 0);
  const svc = await serveCli(['--bundle', v1, '--insecure-unsigned', '--workers', '2', '--token', TOKEN, '--db', db, '--log']);
  try {
    // Worker 1 is the writer (it starts first).
    assertServesV2(await killAndReplace(svc, '1', '2'), '1', '2');
    const next = await reload(svc.url, v3text);
    assert.is(next.status, 200, JSON.stringify(next.body));
  } finally {
    assert.is(await svc.stop(), 0);
  }
  assert.not.match(svc.out(), /ZY8008/, 'no replacement was refused as older than the live bundle');
  const log = DecisionLog.open(openStore(db, { readonly: true }));
  try {
    // The replacement writer records its own start (of the live bundle, no refusal), then the reload it wrote; one row each.
    const trail = log.audit.rows();
    assert.equal(trail.map((x) => [x.action, x.bundle?.version]), [['start', '0.1.0'], ['reload', '0.2.0'], ['start', '0.2.0'], ['reload', '0.3.0'], ['stop', '0.3.0']]);
    assert.equal(log.history.list().map((b) => b.version), ['0.1.0', '0.2.0', '0.3.0']);
  } finally {
    log.close();
  }
});

test(`a worker whose replacements cannot start is given up after ${MAX_FAILED_STARTS} tries, with a log line; the other keeps serving`, async () => {
  const db = join(dir, 'gone.db');
  assert.is((await cli('db', 'seed', '--demo', db, '--customers', '20')).code, 0);
  const svc = await serveCli(['--bundle', v1, '--insecure-unsigned', '--workers', '2', '--db', db]);
  try {
    // The running workers keep their open files; a new one finds no store.
    renameSync(db, `${db}.moved`);
    process.kill(workerPid(svc.pid, '2'), 'SIGKILL');
    const line = await printed(svc, /worker \d+ \(a follower\) ended \(exit code 2\), the 5th replacement in a row that failed to start; not restarting it: 1 worker serve/);
    assert.ok(line);
    // Each failed start was followed by a wait (backoff), never at once.
    assert.is([...svc.out().matchAll(/before it listened\); starting another in \d+ ms/g)].length, MAX_FAILED_STARTS - 1, svc.out());
    const a = await decide(svc.url);
    assert.equal([a.status, a.worker], [200, '1']);
    assert.match((await fetch(`${svc.url}/metrics`).then((x) => x.text())), /^zhiyu_workers 1$/m);
  } finally {
    assert.is(await svc.stop(), 0);
  }
});

/** `p`, or a failure after `ms` (a hang is a failure, not a test run that never ends) that says what the service printed. */
function within<T>(ms: number, what: string, p: Promise<T>, svc?: Served): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`still waiting after ${ms / 1000} s: ${what}${svc ? `; the service printed:\n${svc.out()}` : ''}`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

test('a replacement that hangs in its start-up is ended after --worker-start-timeout; a reload meanwhile answers, and the next replacement serves the reloaded bundle', async () => {
  const db = join(dir, 'hang.db');
  assert.is((await cli('db', 'seed', '--demo', db, '--customers', '20')).code, 0);
  // Every replacement has this long to listen, the one after the hung one too: 20 s leaves a cold start room on a machine at load 25.
  const svc = await serveCli(['--bundle', v1, '--insecure-unsigned', '--workers', '2', '--token', TOKEN, '--db', db, '--worker-start-timeout', '20']);
  try {
    // The running workers keep their open files; a new one opens a FIFO, which blocks until something writes to it: it never listens, never ends.
    renameSync(db, `${db}.moved`);
    execFileSync('mkfifo', [db]);
    process.kill(workerPid(svc.pid, '2'), 'SIGKILL');
    await within(120_000, 'the replacement', printed(svc, /worker 2 \(a follower\) ended \(signal SIGKILL\); starting another/));
    const ok = await within(120_000, 'the reload', reload(svc.url, v2text));
    assert.equal([ok.status, ok.body['bundle']], [200, v2hash], JSON.stringify(ok.body));
    const a = await decide(svc.url);
    assert.equal([a.status, a.worker, a.body['bundle']], [200, '1', v2hash]);
    // The sum is over the workers that serve; the hung one is not waited for.
    assert.match(await within(120_000, 'the metrics', fetch(`${svc.url}/metrics`).then((x) => x.text())), /^zhiyu_workers 1$/m);
    const ended = await within(120_000, 'the hung replacement to be ended', printed(svc, /worker (\d+) \(a follower\) did not listen within 20 s of its start; ending it/));
    const hung = /worker (\d+)/.exec(ended)![1]!;
    await within(120_000, 'its end', printed(svc, new RegExp(`worker ${hung} \\(a follower\\) ended \\(signal SIG(TERM|KILL), before it listened\\); starting another in \\d+ ms`)));
    // The store is back: the next replacement joins, serving the bundle reloaded while its slot hung.
    rmSync(db);
    renameSync(`${db}.moved`, db);
    const seen = new Map<string, unknown>();
    // Asked every 50 ms, not as fast as answers come: a loop of connections would keep the primary and the serving worker
    // busy on both cores while the replacement starts against its start timeout.
    await within(240_000, 'a replacement to serve', (async () => {
      while (seen.size < 2) { const h = await send(svc.url, '/healthz'); seen.set(h.worker, h.body['bundle']); if (seen.size < 2) await pause(50); }
    })(), svc);
    assert.equal([...seen.values()], [v2hash, v2hash]);
    assert.not.ok(seen.has('2'));
  } finally {
    assert.is(await svc.stop(), 0);
  }
});

test.run();
