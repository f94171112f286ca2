// CPU seconds used so far by the PostgreSQL server this process started
// (the postmaster and every process under it), read from /proc: on a shared
// machine wall-clock time says more about the other jobs than about the server.
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

/** CPU seconds (user + system, with exited children) of every process descended from this one except itself, or undefined off Linux. */
export function serverCpu(): number | undefined {
  let pids: number[];
  try { pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number); } catch { return undefined; }
  const all = new Map<number, { ppid: number; cpu: number }>();
  for (const p of pids) { const s = stat(p); if (s) all.set(p, s); }
  const mine = new Set([process.pid]);
  let total = 0;
  // Parents are usually listed before their children; repeat until nothing new joins.
  for (let grew = true; grew;) {
    grew = false;
    for (const [p, s] of all) {
      if (!mine.has(p) && mine.has(s.ppid)) { mine.add(p); total += s.cpu; grew = true; }
    }
  }
  return total;
}
