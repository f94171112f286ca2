// node --import tsx bench/workers.ts [--quick] [--old <tree>] [--pipeline N] [--rounds R] [--seconds S] [--threads T] [--connections C]
// (also part of `npm run bench`: runWorkersBench)
//
// `zhiyu serve --bundle … --workers N` on rules/demo, without a store and over
// the demo database (--db: every server reads its own copy of the same
// SQLite file), driven by wrk (Debian's `wrk`, a separate process, so the
// load generator's cost is not the server's) at concurrency 16.
//
// How 2 workers ÷ 1 is measured. The host is shared and paravirtualized: its
// speed moves by up to 2× within minutes and it reports no steal, so a
// one-worker run and a two-worker run minutes apart compare two different
// machines. Both services (1 worker and 2) are started together and warmed
// up, then timed in R short rounds; in each round each runs S seconds,
// adjacent in time, which goes first alternating. Each round gives its own
// 2 ÷ 1 (throughput), its decisions per server CPU-second 2 ÷ 1, and its
// bound 2·s₁ ÷ (s₂ + w₂) (s: serve's CPU per decision, all its processes
// from /proc; w: wrk's, exact from its reaped times): one worker holds one
// core, two workers share both cores with wrk, so no measurement can give
// more. The targets are judged on the medians of the per-round ratios; each
// line says how many cores serve and wrk used and how much of the machine
// other jobs took in the same seconds (a two-worker run that gets less than
// two cores is not measuring the workers). Each round waits up to 10 s for
// a quiet second before it starts, which picks when it runs, never whether
// it counts.
//
// Then 20 hot reloads while wrk keeps deciding (every request must succeed,
// every worker must serve the new bundle after), and /metrics must sum every
// worker's decisions. Skipped (not failed) when wrk is not installed.
// --old <tree> (a worktree of the baseline commit, `npm run prepare` run in
// it): both trees' services run in the same rounds, and serve's CPU per
// decision is compared new ÷ old per round.
// --pipeline N: wrk sends N requests per write (HTTP pipelining), which cuts
// wrk's cost per request and the server's sends and wake-ups: every line and
// target is then labelled PIPELINED, apart from the plain runs the targets
// are judged on.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, median } from './measure.ts';
import { cpuSeconds, machineSeconds, wrk } from './proc-usage.ts';

export { wrk } from './proc-usage.ts';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'cli', 'bin.js');
const data = join(import.meta.dirname, '.data');
const TOKEN = `bench-${process.pid}`;
const EVENT = JSON.stringify({ type: 'transfer_out', customer_id: 'C-100001', payee_id: 'acct-9', amount: 500000, device_id: 'd-1', occurred_at: '2026-03-01T10:00' });
/** Over the demo database: a seeded customer (f1), so the customer, device, payee and window reads find rows. */
const DB_EVENT = JSON.stringify({ type: 'transfer_out', customer_id: 'f1', payee_id: 'acct-9', amount: 500000, channel: 'app', occurred_at: '2026-03-01T10:00' });

type Tree = 'old' | 'new';

/** One timed wrk run against one service. */
export interface WorkersRun {
  readonly rps: number; readonly requests: number; readonly p50: number; readonly p99: number; readonly failed: number;
  /** Wall seconds; serve's CPU seconds (primary and workers); wrk's; other jobs' on the machine meanwhile (busy minus serve, wrk and this bench). */
  readonly wall: number; readonly serveCpu: number; readonly wrkCpu: number; readonly othersCpu: number;
  /** The primary's CPU seconds (0 with one worker: one process), and each worker's. */
  readonly primaryCpu: number; readonly workerCpu: readonly number[];
  /** serve's voluntary and involuntary context switches per decision (main threads). */
  readonly switches: { readonly voluntary: number; readonly involuntary: number };
}

/** One round: one run with 1 worker and one with 2, adjacent in time. */
export interface WorkersRound {
  readonly tree: Tree; readonly store: boolean; readonly one: WorkersRun; readonly two: WorkersRun;
  /** rps 2 ÷ 1; decisions per serve CPU-second 2 ÷ 1; 2·s₁ ÷ (s₂ + w₂). */
  readonly ratio: number; readonly efficiency: number; readonly bound: number;
}

export interface WorkersReport {
  readonly skipped?: string;
  readonly rounds: readonly WorkersRound[];
  readonly reloads: { readonly ok: number; readonly total: number; readonly failedRequests: number; readonly everyWorkerNew: boolean };
  readonly metricsSum: boolean;
  readonly targets: readonly { readonly met: boolean | null; readonly text: string }[];
}

const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8' });

function startServer(bundle: string, workers: number, db?: string, tree = root): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(tree, 'cli', 'bin.js'), 'serve', '--bundle', bundle, '--insecure-unsigned', '--port', '0', '--workers', String(workers), '--token', TOKEN, ...(db ? ['--db', db] : [])], { cwd: tree, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout!.on('data', (d) => { out += d; const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out); if (m) resolve({ url: m[0], child }); });
    child.stderr!.on('data', () => {});
    child.on('exit', (code) => reject(new Error(`serve ended (${code}) before listening: ${out}`)));
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.once('exit', () => resolve()); child.kill('SIGTERM');
  });
}

async function post(url: string, path: string, body: string): Promise<number> {
  const r = await fetch(`${url}${path}`, { method: 'POST', body, headers: { authorization: `Bearer ${TOKEN}` } });
  await r.text();
  return r.status;
}

interface Service { readonly tree: Tree; readonly workers: number; readonly url: string; readonly child: ChildProcess; sent: number }

/** One timed wrk run, with serve's, wrk's and the rest of the machine's CPU over the same seconds. */
async function timed(s: Service, seconds: number, lua: string, connections: number, threads: number): Promise<WorkersRun> {
  const m0 = machineSeconds();
  const self0 = process.cpuUsage();
  const u0 = cpuSeconds(s.child.pid!);
  const t0 = performance.now();
  const r = await wrk(s.url, seconds, lua, connections, threads);
  const wall = (performance.now() - t0) / 1000;
  const u1 = cpuSeconds(s.child.pid!);
  const self = process.cpuUsage(self0);
  const m1 = machineSeconds();
  s.sent += r.requests;
  const serveCpu = u1.total - u0.total;
  const workerCpu = s.workers > 1 ? [...u1.children].map(([pid, c]) => c - (u0.children.get(pid) ?? c)) : [u1.own - u0.own];
  return {
    rps: r.rps, requests: r.requests, p50: r.p50, p99: r.p99, failed: r.failed,
    wall, serveCpu, wrkCpu: r.cpu, othersCpu: Math.max(0, m1.busy - m0.busy - serveCpu - r.cpu - (self.user + self.system) / 1e6),
    primaryCpu: s.workers > 1 ? u1.own - u0.own : 0, workerCpu,
    switches: { voluntary: (u1.voluntary - u0.voluntary) / r.requests, involuntary: (u1.involuntary - u0.involuntary) / r.requests },
  };
}

/**
 * A round in which other jobs took under 0.15 of a core in both runs: the
 * only rounds where 2 ÷ 1 measures the workers rather than the neighbours.
 */
const quietRound = (r: WorkersRound) => r.one.othersCpu / r.one.wall < 0.15 && r.two.othersCpu / r.two.wall < 0.15;

/**
 * Waits (up to `maxMs`) for a second in which the machine is otherwise idle
 * (under 0.15 of a core busy while every service here is idle), so a round
 * starts when no other job is running if such moments come. It only chooses
 * when a round starts, never which rounds count.
 */
async function quietMoment(maxMs: number): Promise<void> {
  const until = performance.now() + maxMs;
  while (performance.now() < until) {
    const m0 = machineSeconds();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 1000));
    if ((machineSeconds().busy - m0.busy) / ((performance.now() - t0) / 1000) < 0.15) return;
  }
}

/** µs of serve's CPU per decision, µs of wrk's, and cores used. */
const us = (cpu: number, r: WorkersRun) => (cpu / r.requests) * 1e6;
const bound = (one: WorkersRun, two: WorkersRun) => (2 * us(one.serveCpu, one)) / (us(two.serveCpu, two) + us(two.wrkCpu, two));
const spread = (xs: readonly number[], d = 2) => `${fmt(median(xs), d)}× (${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)})`;

function runLine(label: string, r: WorkersRun, workers: number): string {
  return `${label}${workers} worker${workers > 1 ? 's' : ' '}: ${fmt(r.rps)}/s, p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms${r.failed ? `, ${r.failed} FAILED` : ''}; serve ${fmt(us(r.serveCpu, r), 1)} µs/decision on ${fmt(r.serveCpu / r.wall, 2)} cores` +
    `${workers > 1 ? ` (primary ${fmt(r.primaryCpu, 2)} s, workers ${r.workerCpu.map((c) => fmt(c, 2)).join(' + ')} s)` : ''}; wrk ${fmt(us(r.wrkCpu, r), 1)} µs on ${fmt(r.wrkCpu / r.wall, 2)}; others ${fmt(r.othersCpu / r.wall, 2)} cores; switches/decision ${fmt(r.switches.voluntary, 2)} + ${fmt(r.switches.involuntary, 2)}`;
}

export async function runWorkersBench(o: { quick: boolean; old?: string; pipeline?: number; rounds?: number; seconds?: number; threads?: number; connections?: number }): Promise<WorkersReport> {
  const piped = o.pipeline !== undefined && o.pipeline > 1 ? `PIPELINED ×${o.pipeline} ` : '';
  const rounds = o.rounds ?? (o.quick ? 3 : 8);
  const seconds = o.seconds ?? (o.quick ? 1 : 3);
  const threads = o.threads ?? 1;
  const connections = o.connections ?? 16;
  const warmSeconds = o.quick ? 2 : 5;
  console.log(`\nzhiyu benchmark: serve --workers 1 and 2 (rules/demo, without a store and over the demo database), wrk -t${threads} -c${connections} in its own process; ${rounds} rounds of ${seconds} s per service after ${warmSeconds} s of warm-up each; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}${piped ? `; ${piped}: wrk sends ${o.pipeline} requests per write, not the load the targets are judged on` : ''}`);
  if (spawnSync('wrk', ['--version']).error) {
    console.log('  skipped: wrk is not installed (apt-get install wrk)');
    return { skipped: 'no wrk', rounds: [], reloads: { ok: 0, total: 0, failedRequests: 0, everyWorkerNew: false }, metricsSum: false, targets: [{ met: null, text: 'serve --workers: skipped (no wrk)' }] };
  }
  mkdirSync(data, { recursive: true });
  const v1 = join(data, 'workers-v1.zyb');
  const v2 = join(data, 'workers-v2.zyb');
  const demo2 = join(data, 'workers-demo-v2');
  mkdirSync(demo2, { recursive: true });
  for (const f of readdirSync(join(root, 'rules', 'demo'))) {
    if (f.endsWith('.zy')) writeFileSync(join(demo2, f), readFileSync(join(root, 'rules', 'demo', f), 'utf8').replace('version "0.1.0"', 'version "0.2.0"'));
  }
  for (const [dir, out] of [[join(root, 'rules', 'demo'), v1], [demo2, v2]] as const) {
    const c = run(['compile', dir, '-o', out]);
    if (c.status !== 0) throw new Error(`compile failed: ${c.stderr}`);
  }
  // A bundle is tied to the runtime API of the zhiyu that made it: the old tree serves one it compiled itself.
  const v1Old = join(data, 'workers-v1-old.zyb');
  if (o.old) {
    const c = spawnSync(process.execPath, [join(o.old, 'cli', 'bin.js'), 'compile', join(root, 'rules', 'demo'), '-o', v1Old], { cwd: o.old, encoding: 'utf8' });
    if (c.status !== 0) throw new Error(`the old tree's compile failed: ${c.stderr}`);
  }
  const script = join(data, `workers-post${piped ? `-x${o.pipeline}` : ''}.lua`);
  const dbScript = join(data, `workers-post-db${piped ? `-x${o.pipeline}` : ''}.lua`);
  const luaOf = (event: string) => `wrk.method = "POST"\nwrk.body = ${JSON.stringify(event)}\nwrk.headers["content-type"] = "application/json"\n${piped
    ? `init = function(args)\n  local r = {}\n  for i = 1, ${o.pipeline} do r[i] = wrk.format() end\n  req = table.concat(r)\nend\nrequest = function() return req end\n` : ''}`;
  writeFileSync(script, luaOf(EVENT));
  writeFileSync(dbScript, luaOf(DB_EVENT));
  // The demo database, seeded once (the issue's reference: one worker on rules/demo over it); each service reads a copy of its own.
  const db = join(data, `workers-demo-${o.quick ? 300 : 1000}.db`);
  if (!existsSync(db)) {
    const c = run(['db', 'seed', '--demo', db, '--customers', o.quick ? '300' : '1000']);
    if (c.status !== 0) throw new Error(`db seed failed: ${c.stderr}`);
  }

  const trees: Tree[] = o.old ? ['old', 'new'] : ['new'];
  const all: WorkersRound[] = [];
  let reloads = { ok: 0, total: 0, failedRequests: 0, everyWorkerNew: false };
  let metricsSum = false;
  for (const store of [false, true]) {
    const lua = store ? dbScript : script;
    const services: Service[] = [];
    // Each service's copy of the database, and the bundle history and audit trail it keeps beside it, in a folder removed after.
    const copies = store ? mkdtempSync(join(tmpdir(), 'zhiyu-workers-')) : undefined;
    try {
      for (const tree of trees) {
        for (const workers of [1, 2]) {
          let file: string | undefined;
          if (copies) { file = join(copies, `${tree}-${workers}.db`); copyFileSync(db, file); }
          const { url, child } = await startServer(tree === 'old' ? v1Old : v1, workers, file, tree === 'old' ? o.old : root);
          services.push({ tree, workers, url, child, sent: 0 });
        }
      }
      // Warm-up: every service to its steady state (the JIT, the page cache), in turns so that none stays cold while another warms.
      for (let i = 0; i < 2; i++) for (const s of services) s.sent += (await wrk(s.url, Math.ceil(warmSeconds / 2), lua, connections, threads)).requests;
      for (let round = 0; round < rounds; round++) {
        await quietMoment(o.quick ? 0 : 10_000);
        const treeOrder = round % 2 ? [...trees].reverse() : trees;
        const workerOrder = (round >> 1) % 2 ? [2, 1] : [1, 2];
        for (const tree of treeOrder) {
          const got = new Map<number, WorkersRun>();
          for (const w of workerOrder) got.set(w, await timed(services.find((s) => s.tree === tree && s.workers === w)!, seconds, lua, connections, threads));
          const one = got.get(1)!;
          const two = got.get(2)!;
          const r: WorkersRound = { tree, store, one, two, ratio: two.rps / one.rps, efficiency: (two.requests / two.serveCpu) / (one.requests / one.serveCpu), bound: bound(one, two) };
          all.push(r);
          const label = `  ${piped}${o.old ? `${tree} ` : ''}${store ? '--db ' : ''}round ${round + 1} `;
          console.log(runLine(label, one, 1));
          console.log(runLine(label, two, 2));
          console.log(`${label}→ 2 ÷ 1 ${fmt(r.ratio, 2)}× (bound ${fmt(r.bound, 2)}×), per CPU-second ${fmt(r.efficiency, 2)}×`);
        }
      }
      const two = services.find((s) => s.tree === 'new' && s.workers === 2)!;
      if (!store) {
        // Hot reloads under load: alternate the two versions, end on v2.
        const load = wrk(two.url, o.quick ? 4 : 8, script);
        let ok = 0;
        const total = 20;
        for (let i = 0; i < total; i++) {
          // Going back to v1 is a rollback: the service asks for the reason.
          if (await post(two.url, i % 2 === 0 ? '/v1/reload' : '/v1/reload?allow_rollback=benchmark', readFileSync(i % 2 === 0 ? v2 : v1, 'utf8')) === 200) ok++;
          await new Promise((res) => setTimeout(res, o.quick ? 100 : 250));
        }
        if (await post(two.url, '/v1/reload?allow_rollback=benchmark', readFileSync(v2, 'utf8')) === 200) ok++;
        const during = await load;
        two.sent += during.requests;
        const seen = new Map<string, string>();
        for (let i = 0; i < 20; i++) {
          const h = await fetch(`${two.url}/healthz`);
          seen.set(h.headers.get('x-zhiyu-worker') ?? '?', (await h.json() as { version: string }).version);
        }
        reloads = { ok, total: total + 1, failedRequests: during.failed, everyWorkerNew: seen.size === 2 && [...seen.values()].every((v) => v === '0.2.0') };
        console.log(`  hot reload under load: ${ok}/${total + 1} reloads answered 200, ${fmt(during.requests)} decisions meanwhile, ${during.failed} failed; after: ${[...seen].map(([w, v]) => `worker ${w} serves ${v}`).join(', ')}`);
        const m = await (await fetch(`${two.url}/metrics`)).text();
        const decided = [...m.matchAll(/^zhiyu_decisions_total\{[^}]*\} (\d+)$/gm)].reduce((a, x) => a + Number(x[1]), 0);
        const workersLine = /^zhiyu_workers (\d+)$/m.exec(m)?.[1];
        metricsSum = workersLine === '2' && decided >= two.sent;
        console.log(`  /metrics: zhiyu_workers ${workersLine}, ${fmt(decided)} decisions summed (wrk counted ${fmt(two.sent)} answers from this service, warm-up included)`);
      }
    } finally {
      for (const s of services) await stopServer(s.child);
      if (copies) rmSync(copies, { recursive: true, force: true });
    }
  }

  const of = (store: boolean, tree: Tree) => all.filter((r) => r.store === store && r.tree === tree);
  const pick = (rs: readonly WorkersRound[], f: (r: WorkersRound) => number) => rs.map(f);
  const summary = (store: boolean, tree: Tree) => {
    const rs = of(store, tree);
    const med = (f: (r: WorkersRound) => number) => median(pick(rs, f));
    return {
      ratio: pick(rs, (r) => r.ratio), efficiency: pick(rs, (r) => r.efficiency), bound: pick(rs, (r) => r.bound),
      line: `s₁ ${fmt(med((r) => us(r.one.serveCpu, r.one)), 1)} µs on ${fmt(med((r) => r.one.serveCpu / r.one.wall), 2)} cores, s₂ ${fmt(med((r) => us(r.two.serveCpu, r.two)), 1)} µs on ${fmt(med((r) => r.two.serveCpu / r.two.wall), 2)} cores, ` +
        `wrk ${fmt(med((r) => us(r.one.wrkCpu, r.one)), 1)} / ${fmt(med((r) => us(r.two.wrkCpu, r.two)), 1)} µs per request; other jobs ${fmt(med((r) => r.one.othersCpu / r.one.wall), 2)} / ${fmt(med((r) => r.two.othersCpu / r.two.wall), 2)} cores; ` +
        `p50 ${fmt(med((r) => r.one.p50), 2)} / ${fmt(med((r) => r.two.p50), 2)} ms, p99 ${fmt(med((r) => r.one.p99), 2)} / ${fmt(med((r) => r.two.p99), 2)} ms; ${fmt(med((r) => r.one.rps))} / ${fmt(med((r) => r.two.rps))} decisions/s`,
      busy: med((r) => r.two.othersCpu / r.two.wall),
      quiet: rs.filter(quietRound).map((r) => r.ratio),
      failed: rs.reduce((a, r) => a + r.one.failed + r.two.failed, 0),
    };
  };
  console.log('');
  const scaling = (store: boolean) => {
    const s = summary(store, 'new');
    const what = store ? ' (over the demo database)' : '';
    const speedup = median(s.ratio);
    const efficiency = median(s.efficiency);
    console.log(`  ${store ? 'over the demo database' : 'without a store'}: ${s.line}`);
    // Other jobs' CPU in the two-worker runs is CPU the second worker did not get: said beside the verdict, never subtracted from it.
    const busy = s.busy > 0.15 ? `; other jobs took ${fmt(s.busy, 2)} cores during the two-worker runs` : '';
    const quiet = s.quiet.length === s.ratio.length ? '' : `; ${s.quiet.length} of ${s.ratio.length} rounds on an otherwise quiet machine${s.quiet.length ? `: ${spread(s.quiet)}` : ''}`;
    return [
      { met: speedup >= 1.5 && s.failed === 0, text: `serve --workers 2 ≥ 1.5× one worker's throughput${what} → ${speedup >= 1.5 ? 'MET' : 'NOT MET'} (median of ${s.ratio.length} rounds ${spread(s.ratio)}; the most two cores shared with wrk allow at these CPU costs: ${spread(s.bound)}${busy}${quiet}${s.failed ? `; ${s.failed} requests FAILED` : ''})` },
      { met: efficiency >= 0.9, text: `decisions per server CPU-second within 10% of one worker's${what} → ${efficiency >= 0.9 ? 'MET' : 'NOT MET'} (median ${spread(s.efficiency, 3)})` },
    ];
  };
  const targets = [
    ...scaling(false), ...scaling(true),
    { met: reloads.ok === reloads.total && reloads.failedRequests === 0 && reloads.everyWorkerNew && metricsSum, text: `hot reload reaches every worker, 0 failed requests, /metrics sums workers → ${reloads.ok === reloads.total && reloads.failedRequests === 0 && reloads.everyWorkerNew && metricsSum ? 'PASS' : 'FAIL'}` },
  ];
  if (o.old) {
    // Old against new in the same rounds: each tree's 2 ÷ 1 and bound, and serve's CPU per decision new ÷ old, round by round.
    console.log('');
    for (const store of [false, true]) {
      const old = summary(store, 'old');
      const neu = summary(store, 'new');
      const os = of(store, 'old');
      const ns = of(store, 'new');
      const per = (w: 'one' | 'two') => ns.map((n, i) => us(n[w].serveCpu, n[w]) / us(os[i]![w].serveCpu, os[i]![w]));
      console.log(`  ${store ? 'over the demo database' : 'without a store'}: 2 ÷ 1 old ${spread(old.ratio)} (bound ${spread(old.bound)}), new ${spread(neu.ratio)} (bound ${spread(neu.bound)}); serve's CPU per decision new ÷ old: 1 worker ${spread(per('one'), 3)}, 2 workers ${spread(per('two'), 3)}`);
      console.log(`    old: ${old.line}`);
    }
  }
  console.log('');
  for (const t of targets) console.log(`target: ${piped}${t.text}`);
  return { rounds: all, reloads, metricsSum, targets: piped ? targets.map((t) => ({ met: null, text: `${piped}${t.text}` })) : targets };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const opt = (name: string) => { const i = process.argv.indexOf(name); return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : undefined; };
  const num = (name: string) => (opt(name) === undefined ? {} : { [name.slice(2)]: Number(opt(name)) });
  await runWorkersBench({ quick: process.argv.includes('--quick'), ...(opt('--old') ? { old: opt('--old')! } : {}), ...num('--pipeline'), ...num('--rounds'), ...num('--seconds'), ...num('--threads'), ...num('--connections') });
}
