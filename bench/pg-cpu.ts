// CPU seconds used so far by processes of this benchmark, read from /proc:
// on a shared machine wall-clock time says more about the other jobs than
// about the server. The PostgreSQL server this process started (the
// postmaster and every process under it), one `serve` process and its
// workers, or the machine as a whole.
import { readdirSync, readFileSync } from 'node:fs';

const TICK = 100; // USER_HZ on Linux

function stat(pid: number): { ppid: number; cpu: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // After the name: state ppid … utime (14th field overall) stime cutime cstime.
    return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICK };
  } catch { return undefined; }
}

/** CPU seconds (user + system, with exited children) of `root` and every process under it, or undefined off Linux. */
function treeCpu(root: number, withRoot: boolean): number | undefined {
  let pids: number[];
  try { pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number); } catch { return undefined; }
  const all = new Map<number, { ppid: number; cpu: number }>();
  for (const p of pids) { const s = stat(p); if (s) all.set(p, s); }
  const mine = new Set([root]);
  let total = withRoot ? (all.get(root)?.cpu ?? 0) : 0;
  // Parents are usually listed before their children; repeat until nothing new joins.
  for (let grew = true; grew;) {
    grew = false;
    for (const [p, s] of all) {
      if (!mine.has(p) && mine.has(s.ppid)) { mine.add(p); total += s.cpu; grew = true; }
    }
  }
  return total;
}

/** CPU seconds of every process descended from this one except itself (the embedded server, when it is the only child). */
export const serverCpu = (): number | undefined => treeCpu(process.pid, false);

/** CPU seconds of process `pid` and everything under it. */
export const processCpu = (pid: number): number | undefined => treeCpu(pid, true);

/** The machine's CPU seconds so far, busy and idle, over all cores (/proc/stat). */
export function machineCpu(): { busy: number; idle: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    return { busy: (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / TICK, idle: (f[3]! + f[4]!) / TICK };
  } catch { return undefined; }
}

/** The pids of `root` and every process under it. */
function tree(root: number): number[] {
  const parents = new Map<number, number>();
  try {
    for (const d of readdirSync('/proc')) if (/^\d+$/.test(d)) { const s = stat(Number(d)); if (s) parents.set(Number(d), s.ppid); }
  } catch { return []; }
  const mine = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [p, pp] of parents) if (!mine.has(p) && mine.has(pp)) { mine.add(p); grew = true; }
  }
  return [...mine];
}

/**
 * Context switches so far of process `pid` and everything under it, per thread (/proc/<pid>/task/<tid>/status):
 * voluntary (waiting for input) and involuntary (preempted: more runnable threads than cores). Empty off Linux.
 */
export function contextSwitches(pid: number): Map<string, { voluntary: number; involuntary: number }> {
  const out = new Map<string, { voluntary: number; involuntary: number }>();
  for (const p of tree(pid)) {
    let tasks: string[];
    try { tasks = readdirSync(`/proc/${p}/task`); } catch { continue; }
    for (const t of tasks) {
      try {
        const s = readFileSync(`/proc/${p}/task/${t}/status`, 'utf8');
        out.set(`${p}/${t}`, { voluntary: Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(s)?.[1] ?? 0), involuntary: Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(s)?.[1] ?? 0) });
      } catch { /* the thread ended */ }
    }
  }
  return out;
}

/** The context switches between two readings of contextSwitches(), over the threads alive at both (a connection that closed meanwhile takes its count with it). */
export function switchesBetween(before: ReadonlyMap<string, { voluntary: number; involuntary: number }>, after: ReadonlyMap<string, { voluntary: number; involuntary: number }>): { voluntary: number; involuntary: number } {
  let voluntary = 0, involuntary = 0;
  for (const [k, b] of after) {
    const a = before.get(k);
    if (a) { voluntary += b.voluntary - a.voluntary; involuntary += b.involuntary - a.involuntary; }
  }
  return { voluntary, involuntary };
}

/** CPU seconds of this process's children that have ended and been waited for (a load generator run to its end), from /proc/self/stat. */
export function endedChildrenCpu(): number | undefined {
  try {
    const s = readFileSync('/proc/self/stat', 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) / TICK;
  } catch { return undefined; }
}
