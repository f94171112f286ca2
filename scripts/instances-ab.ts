// node --import tsx bench/pg-ab.ts --hold &        (a loaded PostgreSQL server; its state in bench/.data/pg-ab.json)
// node --import tsx scripts/instances-ab.ts [--instances 3] [--connections 12] [--warm 15] [--windows 10] [--seconds 5]
//
// Where serve's CPU per decision goes when the same load is spread over
// several `serve` processes. N instances are started once and warmed
// together; then the windows alternate, on the same processes, between the
// load spread over all N (one wrk, a thread per instance, as bench/pg-ab.ts)
// and the same number of connections all on the first instance. Each window
// prints the serve processes' CPU per decision (all N, idle ones included),
// split between the event loop's thread and node's other threads (V8's
// compiler and GC helpers), the server's, and the machine's load. Because
// both kinds of window run on the same warm processes, their ratio is the
// cost of spreading alone; `--windows` from a fresh start (`--warm 1`) shows
// how long each instance takes to reach its warm cost.
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fmt, median } from '../bench/measure.ts';
import { parseOptions } from '../bench/options.ts';
import { processCpu } from '../bench/pg-cpu.ts';
import { startServe, stopServe } from '../bench/store-pg.ts';
import { spreadScript, wrk } from '../bench/proc-usage.ts';

const root = join(import.meta.dirname, '..');
const STATE = join(root, 'bench', '.data', 'pg-ab.json');
const die = (msg: string): never => { console.error(`instances-ab: ${msg}`); process.exit(1); };
const { option } = parseOptions(process.argv.slice(2), die);
const instances = option('instances', 3), connections = option('connections', 12), warm = option('warm', 15), windows = option('windows', 10), seconds = option('seconds', 5);

/** The held server (bench/pg-ab.ts --hold): its URL, its postmaster's pid, the wrk script of its events. */
function held(): { url: string; postmaster: number; script: string } {
  try { return JSON.parse(readFileSync(STATE, 'utf8')); } catch { return die(`no ${STATE}: start \`node --import tsx bench/pg-ab.ts --hold\` first`); }
}
const st = held();
const bundle = join(root, 'bench', '.data', 'instances-ab.zyb');
const c = spawnSync(process.execPath, [join(root, 'cli', 'bin.js'), 'compile', join(root, 'bench', 'packs', 'store3'), '-o', bundle], { cwd: root, encoding: 'utf8' });
if (c.status !== 0) die(`compile failed: ${c.stderr}`);

/** CPU seconds of a process's threads: the event loop's (the thread whose id is the pid) and the others'. */
function threads(pid: number): { main: number; other: number } {
  let main = 0, other = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    const s = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(f[11]) + Number(f[12])) / 100;
    if (t === String(pid)) main += cpu; else other += cpu;
  }
  return { main, other };
}

const served = await Promise.all(Array.from({ length: instances }, () => startServe(bundle, st.url)));
try {
  const spread = spreadScript(st.script, served.map((s) => s.url), st.script.replace(/\.lua$/, `-spread${instances}.lua`));
  await wrk(served[0]!.url, warm, spread, connections, instances);
  const pids = served.map((s) => s.child.pid!);
  const sum = (f: (p: number) => number) => pids.reduce((a, p) => a + f(p), 0);
  console.log(`instances-ab: ${instances} instances warmed ${warm} s together; windows of ${seconds} s at ${connections} connections, spread over all or all on one`);
  console.log(`${'window'.padEnd(8)}${'load on'.padEnd(12)}${'dec/s'.padStart(8)}${'p99 ms'.padStart(9)}${'serve ms'.padStart(10)}${'loop'.padStart(8)}${'other'.padStart(8)}${'server'.padStart(8)}${'load'.padStart(6)}`);
  const got = { spread: [] as number[], one: [] as number[], spreadServer: [] as number[], oneServer: [] as number[] };
  for (let w = 0; w < windows; w++) {
    const one = w % 2 === 1;
    const t0 = pids.map(threads), c0 = sum((p) => processCpu(p) ?? NaN), g0 = processCpu(st.postmaster) ?? NaN;
    const r = one ? await wrk(served[0]!.url, seconds, st.script, connections, 1) : await wrk(served[0]!.url, seconds, spread, connections, instances);
    const t1 = pids.map(threads), c1 = sum((p) => processCpu(p) ?? NaN), g1 = processCpu(st.postmaster) ?? NaN;
    const per = (x: number) => (x * 1000) / r.requests;
    const loop = per(t1.reduce((a, t, i) => a + t.main - t0[i]!.main, 0)), other = per(t1.reduce((a, t, i) => a + t.other - t0[i]!.other, 0));
    (one ? got.one : got.spread).push(per(c1 - c0));
    (one ? got.oneServer : got.spreadServer).push(per(g1 - g0));
    console.log(`${String(w + 1).padEnd(8)}${(one ? 'one' : `all ${instances}`).padEnd(12)}${fmt(r.rps).padStart(8)}${fmt(r.p99, 2).padStart(9)}${fmt(per(c1 - c0), 3).padStart(10)}${fmt(loop, 3).padStart(8)}${fmt(other, 3).padStart(8)}${fmt(per(g1 - g0), 3).padStart(8)}${loadavg()[0]!.toFixed(1).padStart(6)}`);
  }
  // Each spread window against the one-instance window after it.
  const pairs = got.one.map((o, i) => got.spread[i]! / o), server = got.oneServer.map((o, i) => got.spreadServer[i]! / o);
  if (pairs.length) console.log(`spread ÷ one, serve CPU per decision: median ${fmt(median(pairs), 3)} (${fmt(Math.min(...pairs), 2)}–${fmt(Math.max(...pairs), 2)}); server: ${fmt(median(server), 3)} (${fmt(Math.min(...server), 2)}–${fmt(Math.max(...server), 2)})`);
} finally {
  await Promise.all(served.map((s) => stopServe(s.child)));
}
process.exit(0);
