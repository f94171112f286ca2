// node --import tsx bench/workers.ts [--quick] [--old <tree>] [--pipeline N]   (also part of `npm run bench`: runWorkersBench)
//
// `zhiyu serve --bundle … --workers N` on rules/demo, without a store and over
// the demo database (--db: every worker reads the same SQLite file), driven by wrk (Debian's `wrk`, a separate process, so the load generator's
// cost is not the server's): requests per second and latency at concurrency
// 16 with 1 worker and with 2, and the server's CPU time (primary and
// workers, from /proc) per decision; then 20 hot reloads while wrk keeps
// deciding (every request must succeed, every worker must serve the new
// bundle after), and /metrics must sum every worker's decisions.
// Skipped (not failed) when wrk is not installed. With --old <tree> (a
// worktree of the baseline commit, `npm run prepare` run in it) every
// configuration is run from both trees, alternated, and the 2 ÷ 1 ratio and
// serve's CPU per decision are compared old against new in the same run.
// Each line also gives each worker's share of the CPU (are connections and
// work spread evenly?) and the context switches per decision.
// --pipeline N: wrk sends N requests per write (HTTP pipelining), which cuts
// wrk's cost per request and the server's sends and wake-ups: every line and
// target is then labelled PIPELINED, apart from the plain runs the targets
// are judged on.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt } from './measure.ts';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'cli', 'bin.js');
const data = join(import.meta.dirname, '.data');
const TOKEN = `bench-${process.pid}`;
const EVENT = JSON.stringify({ type: 'transfer_out', customer_id: 'C-100001', payee_id: 'acct-9', amount: 500000, device_id: 'd-1', occurred_at: '2026-03-01T10:00' });
/** Over the demo database: a seeded customer (f1), so the customer, device, payee and window reads find rows. */
const DB_EVENT = JSON.stringify({ type: 'transfer_out', customer_id: 'f1', payee_id: 'acct-9', amount: 500000, channel: 'app', occurred_at: '2026-03-01T10:00' });

export interface WorkersRow {
  /** 'new' (this tree), or 'old' (--old). */
  readonly tree: 'old' | 'new';
  readonly store: boolean; readonly workers: number; readonly rps: number; readonly p50: number; readonly p99: number; readonly failed: number; readonly perCpuSecond: number;
  /** CPU seconds of the primary alone (0 with one worker: one process), and wrk's own CPU per decision in µs. */
  readonly primaryCpu: number; readonly wrkUs: number;
  /** Each worker's CPU seconds in the timed run, and the server's voluntary and involuntary context switches per decision (main threads). */
  readonly workerCpu: readonly number[]; readonly switches: { readonly voluntary: number; readonly involuntary: number };
}
export interface WorkersReport {
  readonly skipped?: string;
  readonly rows: readonly WorkersRow[];
  readonly reloads: { readonly ok: number; readonly total: number; readonly failedRequests: number; readonly everyWorkerNew: boolean };
  readonly metricsSum: boolean;
  readonly targets: readonly { readonly met: boolean | null; readonly text: string }[];
}

const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8' });

/** A process's parent and CPU seconds so far (utime + stime, from /proc; USER_HZ is 100 on Linux). */
const procStat = (p: number) => {
  try { const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' '); return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / 100 }; } catch { return undefined; }
};

/** A process's main thread's context switches so far (the event loop's: node's helper threads aside). */
const switchesOf = (p: number) => {
  try {
    const st = readFileSync(`/proc/${p}/status`, 'utf8');
    return { voluntary: Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(st)?.[1] ?? 0), involuntary: Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(st)?.[1] ?? 0) };
  } catch { return { voluntary: 0, involuntary: 0 }; }
};

interface Usage { readonly own: number; readonly total: number; readonly children: ReadonlyMap<number, number>; readonly voluntary: number; readonly involuntary: number }

/** CPU seconds used so far by a process (`own`), with its live children (`total`), each child's, and the context switches of all of them. */
function cpuSeconds(pid: number): Usage {
  const own = procStat(pid)?.cpu ?? 0;
  let total = own;
  let { voluntary, involuntary } = switchesOf(pid);
  const children = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const s = procStat(Number(d));
    if (s && s.ppid === pid) {
      total += s.cpu;
      children.set(Number(d), s.cpu);
      const w = switchesOf(Number(d));
      voluntary += w.voluntary;
      involuntary += w.involuntary;
    }
  }
  return { own, total, children, voluntary, involuntary };
}

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
  return new Promise((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });
}

/** wrk at concurrency 16 (or `connections`, shared evenly by `threads`), one thread by default; its summary parsed. */
export function wrk(url: string, seconds: number, script: string, connections = 16, threads = 1): Promise<{ requests: number; rps: number; p50: number; p99: number; failed: number; cpu: number }> {
  return new Promise((resolve) => {
    const child = spawn('wrk', [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, `${url}/v1/decide`]);
    let out = '';
    // wrk's own CPU: the last reading of its /proc entry before it ends.
    let cpu = 0;
    const watch = setInterval(() => { cpu = procStat(child.pid!)?.cpu ?? cpu; }, 50);
    child.stdout.on('data', (d) => { out += d; });
    child.on('close', () => {
      clearInterval(watch);
      const ms = (re: RegExp) => { const m = re.exec(out); if (!m) return NaN; const v = Number(m[1]); return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v; };
      const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      resolve({
        requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN),
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
        p50: ms(/50%\s+([\d.]+)(us|ms|s)/), p99: ms(/99%\s+([\d.]+)(us|ms|s)/),
        failed: non2xx + (errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
        cpu,
      });
    });
  });
}

async function post(url: string, path: string, body: string): Promise<number> {
  const r = await fetch(`${url}${path}`, { method: 'POST', body, headers: { authorization: `Bearer ${TOKEN}` } });
  await r.text();
  return r.status;
}

export async function runWorkersBench(o: { quick: boolean; old?: string; pipeline?: number }): Promise<WorkersReport> {
  const piped = o.pipeline !== undefined && o.pipeline > 1 ? `PIPELINED ×${o.pipeline} ` : '';
  console.log(`\nzhiyu benchmark: serve --workers (wrk in its own process, rules/demo, without a store and over the demo database)${piped ? `; ${piped}: wrk sends ${o.pipeline} requests per write, not the load the targets are judged on` : ''}`);
  if (spawnSync('wrk', ['--version']).error) {
    console.log('  skipped: wrk is not installed (apt-get install wrk)');
    return { skipped: 'no wrk', rows: [], reloads: { ok: 0, total: 0, failedRequests: 0, everyWorkerNew: false }, metricsSum: false, targets: [{ met: null, text: 'serve --workers: skipped (no wrk)' }] };
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
  // The demo database, seeded once (the issue's reference: one worker on rules/demo over it).
  const db = join(data, `workers-demo-${o.quick ? 300 : 1000}.db`);
  if (!existsSync(db)) {
    const c = run(['db', 'seed', '--demo', db, '--customers', o.quick ? '300' : '1000']);
    if (c.status !== 0) throw new Error(`db seed failed: ${c.stderr}`);
  }
  const seconds = o.quick ? 3 : 10;

  const rows: WorkersRow[] = [];
  let reloads = { ok: 0, total: 0, failedRequests: 0, everyWorkerNew: false };
  let metricsSum = false;
  // Full runs alternate 1, 2, 1, 2 workers and keep each one's better run (the first run also warms the file cache);
  // then the same over the demo database.
  // With --old, each configuration from both trees, the first to run alternating.
  const trees = (i: number): ('old' | 'new')[] => (!o.old ? ['new'] : i % 2 ? ['new', 'old'] : ['old', 'new']);
  const plan = [false, true].flatMap((store) => (o.quick ? [1, 2] : [1, 2, 1, 2]).flatMap((workers, i) => trees(i).map((tree) => ({ store, workers, tree }))));
  for (const { store, workers, tree } of plan) {
    const again = rows.some((x) => x.workers === workers && x.store === store && x.tree === tree);
    const { url, child } = await startServer(tree === 'old' ? v1Old : v1, workers, store ? db : undefined, tree === 'old' ? o.old : root);
    const lua = store ? dbScript : script;
    try {
      await wrk(url, o.quick ? 1 : 3, lua); // warm-up
      const cpu0 = cpuSeconds(child.pid!);
      const r = await wrk(url, seconds, lua);
      const cpu1 = cpuSeconds(child.pid!);
      const cpu = cpu1.total - cpu0.total;
      const primaryCpu = workers > 1 ? cpu1.own - cpu0.own : 0;
      const wrkUs = r.cpu / r.requests * 1e6;
      const workerCpu = workers > 1 ? [...cpu1.children].map(([pid, c]) => c - (cpu0.children.get(pid) ?? c)) : [cpu1.own - cpu0.own];
      const switches = { voluntary: (cpu1.voluntary - cpu0.voluntary) / r.requests, involuntary: (cpu1.involuntary - cpu0.involuntary) / r.requests };
      const row = { tree, store, workers, rps: r.rps, p50: r.p50, p99: r.p99, failed: r.failed, perCpuSecond: r.requests / cpu, primaryCpu, wrkUs, workerCpu, switches };
      const before = rows.findIndex((x) => x.workers === workers && x.store === store && x.tree === tree);
      if (before < 0) rows.push(row); else if (row.rps > rows[before]!.rps) rows[before] = row;
      console.log(`  ${piped}${o.old ? `${tree} ` : ''}${store ? '--db ' : ''}${workers} worker${workers > 1 ? 's' : ' '}: ${fmt(r.rps)} decisions/s, p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms, ${r.failed} failed; server CPU ${fmt(cpu, 1)} s${workers > 1 ? ` (primary ${fmt(primaryCpu, 2)} s, workers ${workerCpu.map((c) => fmt(c, 2)).join(' + ')} s)` : ''} → ${fmt(r.requests / cpu)} decisions per CPU-second (${fmt(cpu / r.requests * 1e6, 1)} µs each; wrk ${fmt(wrkUs, 1)} µs; context switches per decision ${fmt(switches.voluntary, 2)} voluntary, ${fmt(switches.involuntary, 2)} involuntary)`);
      if (workers === 2 && !again && !store && tree === 'new') {
        // Hot reloads under load: alternate the two versions, end on v2.
        const load = wrk(url, o.quick ? 4 : 8, script);
        let ok = 0;
        const total = 20;
        for (let i = 0; i < total; i++) {
          // Going back to v1 is a rollback: the service asks for the reason.
          if (await post(url, i % 2 === 0 ? '/v1/reload' : '/v1/reload?allow_rollback=benchmark', readFileSync(i % 2 === 0 ? v2 : v1, 'utf8')) === 200) ok++;
          await new Promise((res) => setTimeout(res, o.quick ? 100 : 250));
        }
        if (await post(url, '/v1/reload?allow_rollback=benchmark', readFileSync(v2, 'utf8')) === 200) ok++;
        const during = await load;
        const seen = new Map<string, string>();
        for (let i = 0; i < 20; i++) {
          const h = await fetch(`${url}/healthz`);
          seen.set(h.headers.get('x-zhiyu-worker') ?? '?', (await h.json() as { version: string }).version);
        }
        reloads = { ok, total: total + 1, failedRequests: during.failed, everyWorkerNew: seen.size === 2 && [...seen.values()].every((v) => v === '0.2.0') };
        console.log(`  hot reload under load: ${ok}/${total + 1} reloads answered 200, ${fmt(during.requests)} decisions meanwhile, ${during.failed} failed; after: ${[...seen].map(([w, v]) => `worker ${w} serves ${v}`).join(', ')}`);
        const m = await (await fetch(`${url}/metrics`)).text();
        const decided = [...m.matchAll(/^zhiyu_decisions_total\{[^}]*\} (\d+)$/gm)].reduce((a, x) => a + Number(x[1]), 0);
        const workersLine = /^zhiyu_workers (\d+)$/m.exec(m)?.[1];
        metricsSum = workersLine === '2' && decided >= r.requests + during.requests;
        console.log(`  /metrics: zhiyu_workers ${workersLine}, ${fmt(decided)} decisions summed (wrk counted ${fmt(r.requests + during.requests)} in the timed runs, more in warm-up)`);
      }
    } finally {
      await stopServer(child);
    }
  }
  /**
   * What two workers can reach at most, from what each decision costs: one
   * worker is held to one core (s₁ server µs per decision), two workers
   * share both cores with wrk (s₂ server and w₂ wrk µs per decision), so
   * 2 workers ÷ 1 ≤ (2 / (s₂ + w₂)) ÷ (1 / s₁). Cheaper serving lowers it
   * while wrk's cost stays: the target depends on the load generator too.
   */
  const ceiling = (one: WorkersRow, two: WorkersRow) => (2 * (1e6 / one.perCpuSecond)) / (1e6 / two.perCpuSecond + two.wrkUs);
  const pair = (store: boolean, tree: 'old' | 'new' = 'new') => [1, 2].map((w) => rows.find((x) => x.workers === w && x.store === store && x.tree === tree)!) as [WorkersRow, WorkersRow];
  const scaling = (store: boolean) => {
    const [one, two] = pair(store);
    const speedup = two.rps / one.rps;
    const efficiency = two.perCpuSecond / one.perCpuSecond;
    const what = store ? ' (over the demo database)' : '';
    return [
      { met: speedup >= 1.5, text: `serve --workers 2 ≥ 1.5× one worker's throughput${what} → ${speedup >= 1.5 ? 'MET' : 'NOT MET'} (${fmt(speedup, 2)}×: ${fmt(two.rps)} vs ${fmt(one.rps)} decisions/s; the most two cores shared with wrk allow at these CPU costs: ${fmt(ceiling(one, two), 2)}×)` },
      { met: efficiency >= 0.9, text: `decisions per server CPU-second within 10% of one worker's${what} → ${efficiency >= 0.9 ? 'MET' : 'NOT MET'} (${fmt(efficiency, 2)}×)` },
    ];
  };
  const targets = [
    ...scaling(false), ...scaling(true),
    { met: reloads.ok === reloads.total && reloads.failedRequests === 0 && reloads.everyWorkerNew && metricsSum, text: `hot reload reaches every worker, 0 failed requests, /metrics sums workers → ${reloads.ok === reloads.total && reloads.failedRequests === 0 && reloads.everyWorkerNew && metricsSum ? 'PASS' : 'FAIL'}` },
  ];
  if (o.old) {
    // Old against new in this run: each tree's 2 ÷ 1 and bound, and serve's CPU per decision new ÷ old.
    console.log('');
    for (const store of [false, true]) {
      const [o1, o2] = pair(store, 'old');
      const [n1, n2] = pair(store, 'new');
      const what = store ? 'over the demo database' : 'without a store';
      console.log(`  ${what}: 2 ÷ 1 old ${fmt(o2.rps / o1.rps, 2)}× (bound ${fmt(ceiling(o1, o2), 2)}×), new ${fmt(n2.rps / n1.rps, 2)}× (bound ${fmt(ceiling(n1, n2), 2)}×); server CPU per decision new ÷ old: 1 worker ${fmt(o1.perCpuSecond / n1.perCpuSecond, 3)}×, 2 workers ${fmt(o2.perCpuSecond / n2.perCpuSecond, 3)}×`);
    }
  }
  console.log('');
  for (const t of targets) console.log(`target: ${piped}${t.text}`);
  return { rows, reloads, metricsSum, targets: piped ? targets.map((t) => ({ met: null, text: `${piped}${t.text}` })) : targets };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const old = process.argv.indexOf('--old');
  const pipeline = process.argv.indexOf('--pipeline');
  await runWorkersBench({ quick: process.argv.includes('--quick'), ...(old > 0 && process.argv[old + 1] ? { old: process.argv[old + 1]! } : {}), ...(pipeline > 0 ? { pipeline: Number(process.argv[pipeline + 1]) } : {}) });
}
