// node --import tsx scripts/serve-ab.ts <old tree> [--turns 10] [--seconds 3] [--db file.db] [--connections 16] [--pipeline N]
//
// The HTTP service's CPU per decision, an older tree against this one, in
// one process: a host process runs both trees' serve() (from their sources,
// under tsx) on two loopback ports over rules/demo — without a store, or
// each over its own handle on the same SQLite file (--db) — and wrk, in a
// process of its own, drives one port at a time, in turns, old and new
// alternating which goes first. Only one server is busy in a turn, so the
// host's CPU in a turn (from /proc) is that server's; the ratio new ÷ old is
// taken per pair of turns and its median printed, with the spread: on a
// shared machine only such ratios mean anything (bench/README.md).
// --pipeline N: wrk sends N requests per write (HTTP pipelining), so fewer
// sends, reads and wake-ups per decision and more of the CPU is the
// JavaScript's: a finer view of changes there, labelled as pipelined — not
// the load the service's targets are judged on.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { wrk } from '../bench/workers.ts';

const args = process.argv.slice(2);
const opt = (name: string, d?: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : d; };
const root = join(import.meta.dirname, '..');
const db = opt('--db');

if (args[0] === '--host') {
  // The host: both services, their addresses on stdout, until stdin closes.
  const trees = { old: resolve(args[1]!), new: root };
  const bundleFile = args[2]!;
  const urls: Record<string, string> = {};
  for (const [name, tree] of Object.entries(trees)) {
    const { serve } = await import(join(tree, 'runtime', 'server.ts'));
    const { loadBundle } = await import(join(tree, 'runtime', 'bundle.ts'));
    const open = db ? await import(join(tree, 'runtime', 'store', 'open.ts')) : undefined;
    const store = db ? await open.openAnyStore(db) : undefined;
    const bundle = loadBundle(readFileSync(bundleFile, 'utf8'), { trust: { keys: [], allowUnverified: true } });
    const s = await serve({ bundle, port: 0, insecureUnsigned: true, ...(store ? { provider: (b: { program: { pack: unknown } }) => open.providerOf(store, b.program.pack) } : {}) });
    urls[name] = s.url;
  }
  console.log(JSON.stringify(urls));
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
} else {
  const oldTree = args[0];
  if (!oldTree || oldTree.startsWith('--')) { console.error('usage: scripts/serve-ab.ts <old tree> [--turns N] [--seconds S] [--db file.db] [--connections N]'); process.exit(2); }
  const turns = Number(opt('--turns', '10'));
  const seconds = Number(opt('--seconds', '3'));
  const connections = Number(opt('--connections', '16'));
  const pipeline = Number(opt('--pipeline', '1'));
  const tmp = mkdtempSync(join(tmpdir(), 'zhiyu-serve-ab-'));
  const bundle = join(tmp, 'demo.zyb');
  const built = spawnSync(process.execPath, [join(root, 'cli', 'bin.js'), 'compile', join(root, 'rules', 'demo'), '-o', bundle], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`compile failed: ${built.stderr}`);
  const event = db
    ? { type: 'transfer_out', customer_id: 'f1', payee_id: 'acct-9', amount: 500000, channel: 'app', occurred_at: '2026-03-01T10:00' }
    : { type: 'transfer_out', customer_id: 'C-100001', payee_id: 'acct-9', amount: 500000, device_id: 'd-1', occurred_at: '2026-03-01T10:00' };
  const lua = join(tmp, 'post.lua');
  writeFileSync(lua, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(JSON.stringify(event))}\nwrk.headers["content-type"] = "application/json"\n${pipeline > 1
    ? `init = function(args)\n  local r = {}\n  for i = 1, ${pipeline} do r[i] = wrk.format() end\n  req = table.concat(r)\nend\nrequest = function() return req end\n` : ''}`);
  const host = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--host', oldTree, bundle, ...(db ? ['--db', db] : [])], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const urls = await new Promise<{ old: string; new: string }>((res, rej) => {
    let out = '';
    host.stdout!.on('data', (d) => { out += d; const line = out.split('\n').find((l) => l.startsWith('{')); if (line) res(JSON.parse(line)); });
    host.on('exit', (code) => rej(new Error(`host ended (${code})`)));
  });
  /** The host's user and system CPU seconds so far (USER_HZ 100). */
  const cpu = () => { const f = readFileSync(`/proc/${host.pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return { user: Number(f[11]) / 100, sys: Number(f[12]) / 100 }; };
  const turn = async (which: 'old' | 'new') => {
    const c0 = cpu();
    const r = await wrk(urls[which], seconds, lua, connections);
    const c1 = cpu();
    if (r.failed) throw new Error(`${which}: ${r.failed} failed requests`);
    // System time is mostly the loopback send and the wake-ups, which swing with how busy the machine is; user time is the JavaScript's and node's.
    return { us: ((c1.user - c0.user + c1.sys - c0.sys) / r.requests) * 1e6, user: ((c1.user - c0.user) / r.requests) * 1e6, rps: r.rps };
  };
  try {
    console.log(`serve A/B: ${oldTree} (old) vs ${root} (new), ${db ? `over ${db}` : 'without a store'}, wrk -c${connections}${pipeline > 1 ? `, PIPELINED ${pipeline} requests per write` : ''}, ${turns} × ${seconds} s each; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    await turn('old'); await turn('new'); // warm-up
    const ratios: number[] = [];
    const userRatios: number[] = [];
    const rows: { old: number; new: number }[] = [];
    for (let i = 0; i < turns; i++) {
      const order: ('old' | 'new')[] = i % 2 ? ['new', 'old'] : ['old', 'new'];
      const got: Record<string, { us: number; user: number; rps: number }> = {};
      for (const w of order) got[w] = await turn(w);
      ratios.push(got['new']!.us / got['old']!.us);
      userRatios.push(got['new']!.user / got['old']!.user);
      rows.push({ old: got['old']!.us, new: got['new']!.us });
      console.log(`  turn ${i + 1}: old ${got['old']!.us.toFixed(1)} µs (${got['old']!.rps.toFixed(0)}/s), new ${got['new']!.us.toFixed(1)} µs (${got['new']!.rps.toFixed(0)}/s) → ${ratios.at(-1)!.toFixed(3)} (user time ${got['old']!.user.toFixed(1)} / ${got['new']!.user.toFixed(1)} µs → ${userRatios.at(-1)!.toFixed(3)})`);
    }
    const summary = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return `median ${s[Math.floor(s.length / 2)]!.toFixed(3)} (range ${s[0]!.toFixed(3)}–${s.at(-1)!.toFixed(3)})`; };
    const sum = (k: 'old' | 'new') => rows.reduce((a, r) => a + r[k], 0);
    console.log(`serve CPU per decision new ÷ old: ${summary(ratios)}, mean of turns ${(sum('new') / sum('old')).toFixed(3)}; user time alone: ${summary(userRatios)}; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    host.stdin!.end();
    await new Promise((r) => { host.once('exit', r); setTimeout(() => host.kill('SIGTERM'), 2000).unref(); });
    rmSync(tmp, { recursive: true, force: true });
  }
}
