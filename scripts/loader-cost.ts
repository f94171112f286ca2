// node --import tsx scripts/loader-cost.ts [--rounds 6] [--seconds 3] [--workers 1] [--only name,name]
//
// What the load generator itself costs per request, for the configurations
// bench/workers.ts could use: one `zhiyu serve --workers N` on rules/demo
// (no store), warmed up, then each configuration run for S seconds in turn,
// the order rotated every round. Per run: the loader's CPU µs per request
// (exact: its reaped times, bench/proc-usage.ts), serve's CPU µs per request
// (/proc), every answer a 2xx, and the bytes read per answer (the same for
// every loader when the answers are the same). Medians over rounds; on a
// shared machine only comparisons inside a round mean much, so each
// configuration is also given as a ratio to wrk -t1 -c16 in the same round.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, median } from '../bench/measure.ts';
import { cpuSeconds, h2load, wrk, type WrkResult } from '../bench/proc-usage.ts';

const args = process.argv.slice(2);
const opt = (name: string, d: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1]! : d; };
const rounds = Number(opt('--rounds', '6'));
const seconds = Number(opt('--seconds', '3'));
const workers = Number(opt('--workers', '1'));
const only = args.includes('--only') ? opt('--only', '').split(',') : undefined;
const root = join(import.meta.dirname, '..');
const EVENT = JSON.stringify({ type: 'transfer_out', customer_id: 'C-100001', payee_id: 'acct-9', amount: 500000, device_id: 'd-1', occurred_at: '2026-03-01T10:00' });

const tmp = mkdtempSync(join(tmpdir(), 'zhiyu-loader-cost-'));
const bundle = join(tmp, 'demo.zyb');
const c = spawnSync(process.execPath, [join(root, 'cli', 'bin.js'), 'compile', join(root, 'rules', 'demo'), '-o', bundle], { encoding: 'utf8' });
if (c.status !== 0) throw new Error(`compile failed: ${c.stderr}`);
const lua = (pipeline: number) => {
  const f = join(tmp, `post-${pipeline}.lua`);
  writeFileSync(f, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(EVENT)}\nwrk.headers["content-type"] = "application/json"\n${pipeline > 1
    ? `init = function(args)\n  local r = {}\n  for i = 1, ${pipeline} do r[i] = wrk.format() end\n  req = table.concat(r)\nend\nrequest = function() return req end\n` : ''}`);
  return f;
};
const body = join(tmp, 'event.json');
writeFileSync(body, EVENT);

type Loader = (url: string) => Promise<WrkResult>;
// h2load (Debian's nghttp2-client) is compared when it is installed; nothing else needs it.
const hasH2load = !spawnSync('h2load', ['--version']).error;
if (!hasH2load) console.log('h2load is not installed (apt-get install nghttp2-client): its configurations are left out');
const configs: [string, Loader][] = ([
  ['wrk -t1 -c16', (u: string) => wrk(u, seconds, lua(1), 16, 1)],
  ['wrk -t2 -c16', (u: string) => wrk(u, seconds, lua(1), 16, 2)],
  ['wrk -t1 -c8', (u: string) => wrk(u, seconds, lua(1), 8, 1)],
  ['wrk -t1 -c32', (u: string) => wrk(u, seconds, lua(1), 32, 1)],
  ['wrk -t1 -c16 PIPELINED x4', (u: string) => wrk(u, seconds, lua(4), 16, 1)],
  ['wrk -t1 -c16 PIPELINED x16', (u: string) => wrk(u, seconds, lua(16), 16, 1)],
  ['h2load --h1 -t1 -c16', (u: string) => h2load(u, seconds, body, 16, 1, 1)],
  ['h2load --h1 -t2 -c16', (u: string) => h2load(u, seconds, body, 16, 2, 1)],
  ['h2load --h1 -t1 -c16 PIPELINED x4', (u: string) => h2load(u, seconds, body, 16, 1, 4)],
] as [string, Loader][]).filter(([n]) => (!only || only.some((o) => n.startsWith(o))) && (hasH2load || !n.startsWith('h2load')));

function start(): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'cli', 'bin.js'), 'serve', '--bundle', bundle, '--insecure-unsigned', '--port', '0', '--workers', String(workers)], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout!.on('data', (d) => { out += d; const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out); if (m) resolve({ url: m[0], child }); });
    child.on('exit', (code) => reject(new Error(`serve ended (${code}): ${out}`)));
  });
}

const { url, child } = await start();
interface Row { loader: number; kernel: number; serve: number; rps: number; bytes: number; failed: number }
const got = new Map<string, Row[]>(configs.map(([n]) => [n, []]));
const rel = new Map<string, number[]>(configs.map(([n]) => [n, []]));
try {
  console.log(`loader cost: serve --workers ${workers} (rules/demo, no store), ${rounds} rounds of ${seconds} s per configuration; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  for (const [, l] of configs) await l(url); // warm-up
  for (let r = 0; r < rounds; r++) {
    const order = configs.map((_, i) => configs[(i + r) % configs.length]!);
    const inRound = new Map<string, Row>();
    for (const [name, l] of order) {
      const u0 = cpuSeconds(child.pid!).total;
      const x = await l(url);
      const s = cpuSeconds(child.pid!).total - u0;
      const row = { loader: (x.cpu / x.requests) * 1e6, kernel: ((x.system ?? NaN) / x.requests) * 1e6, serve: (s / x.requests) * 1e6, rps: x.rps, bytes: (x.bytes ?? NaN) / x.requests, failed: x.failed };
      got.get(name)!.push(row);
      inRound.set(name, row);
    }
    const base = inRound.get(configs[0]![0])!;
    for (const [name] of configs) rel.get(name)!.push(inRound.get(name)!.loader / base.loader);
    console.log(`  round ${r + 1}: ${configs.map(([n]) => `${n} ${fmt(inRound.get(n)!.loader, 1)}/${fmt(inRound.get(n)!.serve, 1)}`).join('; ')} (loader/serve µs per request)`);
  }
  console.log(`\nmedians (load ${loadavg().map((x) => x.toFixed(1)).join(' ')}):`);
  for (const [name] of configs) {
    const rs = got.get(name)!;
    const m = (f: (x: Row) => number) => median(rs.map(f));
    console.log(`  ${name.padEnd(36)} loader ${fmt(m((x) => x.loader), 1)} µs/request, ${fmt(m((x) => x.kernel), 1)} of them in the kernel (${fmt(median(rel.get(name)!), 3)}× wrk -t1 -c16 in the same round), serve ${fmt(m((x) => x.serve), 1)} µs, ${fmt(m((x) => x.rps))}/s, ${fmt(m((x) => x.bytes), 1)} B read per answer, ${rs.reduce((a, x) => a + x.failed, 0)} failed`);
  }
} finally {
  child.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}
