// node --import tsx scripts/shared-db-ab.ts [--rounds 6] [--seconds 3] [--db demo.db]
//
// Does a SQLite file read by two processes at once cost more per decision
// than two files each read by one? Three setups, all started at once and
// driven one at a time, in turns rotated each round, the same decisions over
// the demo database (bench/workers.ts's event on a seeded customer):
//   copies:    two `serve --workers 1`, each on its own copy, each driven by
//              its own wrk -c8 at the same time;
//   one file:  the same two services over ONE copy;
//   workers 2: `serve --workers 2` over one copy, wrk -c16.
// Per setup: serve's CPU µs per decision (all its processes, /proc), and
// each ratio to `copies` in the same round (median over rounds).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fmt, median } from '../bench/measure.ts';
import { cpuSeconds, wrk } from '../bench/proc-usage.ts';

const args = process.argv.slice(2);
const opt = (name: string, d: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1]! : d; };
const rounds = Number(opt('--rounds', '6'));
const seconds = Number(opt('--seconds', '3'));
const root = join(import.meta.dirname, '..');
const bin = join(root, 'cli', 'bin.js');
const tmp = mkdtempSync(join(tmpdir(), 'zhiyu-shared-db-'));
const demo = args.includes('--db') ? resolve(opt('--db', '')) : join(tmp, 'demo.db');
if (!existsSync(demo)) {
  const s = spawnSync(process.execPath, [bin, 'db', 'seed', '--demo', demo, '--customers', '1000'], { encoding: 'utf8' });
  if (s.status !== 0) throw new Error(`db seed failed: ${s.stderr}`);
}
const bundle = join(tmp, 'demo.zyb');
const c = spawnSync(process.execPath, [bin, 'compile', join(root, 'rules', 'demo'), '-o', bundle], { encoding: 'utf8' });
if (c.status !== 0) throw new Error(`compile failed: ${c.stderr}`);
const lua = join(tmp, 'post.lua');
writeFileSync(lua, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(JSON.stringify({ type: 'transfer_out', customer_id: 'f1', payee_id: 'acct-9', amount: 500000, channel: 'app', occurred_at: '2026-03-01T10:00' }))}\nwrk.headers["content-type"] = "application/json"\n`);
const file = (name: string) => { const f = join(tmp, `${name}.db`); copyFileSync(demo, f); return f; };

function start(workers: number, db: string): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [bin, 'serve', '--bundle', bundle, '--insecure-unsigned', '--port', '0', '--workers', String(workers), '--db', db], { cwd: tmp, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout!.on('data', (d) => { out += d; const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out); if (m) ok({ url: m[0], child }); });
    child.on('exit', (code) => fail(new Error(`serve ended (${code}): ${out}`)));
  });
}

const children: ChildProcess[] = [];
try {
  const shared = file('shared');
  const w2 = file('workers2');
  const setups: { name: string; services: { url: string; child: ChildProcess }[] }[] = [
    { name: 'copies', services: [await start(1, file('a')), await start(1, file('b'))] },
    { name: 'one file', services: [await start(1, shared), await start(1, shared)] },
    { name: 'workers 2', services: [await start(2, w2)] },
  ];
  for (const s of setups) children.push(...s.services.map((x) => x.child));
  const drive = async (s: (typeof setups)[number]) => {
    const u0 = s.services.map((x) => cpuSeconds(x.child.pid!).total);
    const rs = await Promise.all(s.services.map((x) => wrk(x.url, seconds, lua, 16 / s.services.length, 1)));
    const cpu = s.services.reduce((a, x, i) => a + cpuSeconds(x.child.pid!).total - u0[i]!, 0);
    const n = rs.reduce((a, r) => a + r.requests, 0);
    return { us: (cpu / n) * 1e6, rps: rs.reduce((a, r) => a + r.rps, 0), failed: rs.reduce((a, r) => a + r.failed, 0), wrk: (rs.reduce((a, r) => a + r.cpu, 0) / n) * 1e6 };
  };
  console.log(`shared SQLite file: ${rounds} rounds of ${seconds} s per setup; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  for (const s of setups) { await drive(s); await drive(s); }
  const got = new Map(setups.map((s) => [s.name, [] as number[]]));
  const rel = new Map(setups.map((s) => [s.name, [] as number[]]));
  for (let r = 0; r < rounds; r++) {
    const order = setups.map((_, i) => setups[(i + r) % setups.length]!);
    const row = new Map<string, Awaited<ReturnType<typeof drive>>>();
    for (const s of order) row.set(s.name, await drive(s));
    for (const s of setups) { got.get(s.name)!.push(row.get(s.name)!.us); rel.get(s.name)!.push(row.get(s.name)!.us / row.get('copies')!.us); }
    console.log(`  round ${r + 1}: ${setups.map((s) => { const x = row.get(s.name)!; return `${s.name} ${fmt(x.us, 1)} µs (${fmt(x.rps)}/s, wrk ${fmt(x.wrk, 1)} µs${x.failed ? `, ${x.failed} FAILED` : ''})`; }).join('; ')}`);
  }
  console.log(`medians (load ${loadavg().map((x) => x.toFixed(1)).join(' ')}):`);
  for (const s of setups) console.log(`  ${s.name.padEnd(10)} ${fmt(median(got.get(s.name)!), 1)} µs per decision, ${fmt(median(rel.get(s.name)!), 3)}× copies (range ${fmt(Math.min(...rel.get(s.name)!), 3)}–${fmt(Math.max(...rel.get(s.name)!), 3)})`);
} finally {
  for (const ch of children) ch.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(tmp, { recursive: true, force: true });
}
