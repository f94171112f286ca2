// CPU accounting for the HTTP benchmarks, from Linux's /proc (USER_HZ is 100):
// a process tree's CPU seconds and context switches, the whole machine's busy
// time (so a run can say how much of the two cores other jobs took), and wrk
// run so that its own CPU is exact (its parent shell's cutime/cstime once it
// has been reaped, not a polled reading that misses its last moments).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** A process's parent and CPU seconds so far (utime + stime). */
export const procStat = (p: number) => {
  try { const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' '); return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / 100 }; } catch { return undefined; }
};

/** A process's main thread's context switches so far (the event loop's: node's helper threads aside). */
const switchesOf = (p: number) => {
  try {
    const st = readFileSync(`/proc/${p}/status`, 'utf8');
    return { voluntary: Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(st)?.[1] ?? 0), involuntary: Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(st)?.[1] ?? 0) };
  } catch { return { voluntary: 0, involuntary: 0 }; }
};

export interface Usage { readonly own: number; readonly total: number; readonly children: ReadonlyMap<number, number>; readonly voluntary: number; readonly involuntary: number }

/** CPU seconds used so far by a process (`own`), with its live children (`total`), each child's, and the context switches of all of them. */
export function cpuSeconds(pid: number): Usage {
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

/**
 * The machine's busy and stolen CPU seconds so far, summed over its cores
 * (/proc/stat's first line: everything but idle and iowait is busy). This
 * host reports no steal (the column stays 0), so time the hypervisor takes
 * shows up only as slower CPU, inside whatever process was running.
 */
export function machineSeconds(): { busy: number; steal: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return { busy: (user + nice + system + irq + softirq + steal) / 100, steal: steal / 100 };
}

export interface WrkResult { requests: number; rps: number; p50: number; p99: number; failed: number; cpu: number; /** Bytes the loader read (heads and bodies). */ bytes?: number; /** Of `cpu`, the seconds in the kernel. */ system?: number }

/**
 * A copy of the wrk script `script` whose threads are pointed one at each of `urls` (wrk's setup(thread)): one wrk
 * process loads several instances, with `urls.length` threads. Written to `file`; returns its path.
 */
export function spreadScript(script: string, urls: readonly string[], file = script.replace(/\.lua$/, `-${urls.length}.lua`)): string {
  writeFileSync(file, `${readFileSync(script, 'utf8')}local ports = {${urls.map((u) => JSON.stringify(new URL(u).port)).join(', ')}}\nlocal n = 0\nfunction setup(thread)\n  n = n + 1\n  thread.addr = wrk.lookup("127.0.0.1", ports[(n - 1) % #ports + 1])[1]\nend\n`);
  return file;
}

/**
 * wrk at concurrency 16 (or `connections`, shared evenly by `threads`), one
 * thread by default; its summary parsed, and its own CPU seconds (user +
 * system): it runs under `sh`, which prints its reaped children's times
 * (cutime, cstime) after wrk ends.
 */
export function wrk(url: string, seconds: number, script: string, connections = 16, threads = 1): Promise<WrkResult> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', 'wrk "$@"; echo; echo "reaped $(cat /proc/$$/stat)"', 'sh', `-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, `${url}/v1/decide`]);
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('close', () => {
      const ms = (re: RegExp) => { const m = re.exec(out); if (!m) return NaN; const v = Number(m[1]); return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v; };
      const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      resolve({
        requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN),
        rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
        p50: ms(/50%\s+([\d.]+)(us|ms|s)/), p99: ms(/99%\s+([\d.]+)(us|ms|s)/),
        failed: non2xx + (errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
        cpu: reapedCpu(out), system: reapedCpu(out, 'system'),
        bytes: readBytes(/requests in [\d.]+\w+, ([\d.]+)([KMG]?B) read/.exec(out)),
      });
    });
  });
}

/** The loader's own CPU seconds from the `reaped` line its shell printed: /proc/<pid>/stat's cutime and cstime (fields 16 and 17 of the line, 13 and 14 after the command name). */
function reapedCpu(out: string, part: 'both' | 'system' = 'both'): number {
  const reaped = /^reaped .*\) (.*)$/m.exec(out)?.[1]?.split(' ');
  return reaped ? ((part === 'both' ? Number(reaped[13]) : 0) + Number(reaped[14])) / 100 : NaN;
}

/** wrk's "45.67MB read" in bytes (it rounds to two decimals). */
function readBytes(m: RegExpExecArray | null): number {
  if (!m) return NaN;
  return Number(m[1]) * ({ B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 } as Record<string, number>)[m[2]!]!;
}

/**
 * Debian's h2load (nghttp2-client) speaking HTTP/1.1 (`--h1`) in place of
 * wrk: the same POST with the same body and content-type, `connections`
 * keep-alive connections shared by `threads`; `pipeline` > 1 lets each
 * connection have that many requests in flight (HTTP/1.1 pipelining). Its
 * CPU is exact as wrk's is. It reports no latency percentiles (p50 and p99
 * are NaN): its per-request log would cost it a write per request.
 */
export function h2load(url: string, seconds: number, bodyFile: string, connections = 16, threads = 1, pipeline = 1): Promise<WrkResult> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', 'h2load "$@"; echo; echo "reaped $(cat /proc/$$/stat)"', 'sh', '--h1', `-t${threads}`, `-c${connections}`, `-m${pipeline}`, `-D${seconds}`,
      '-d', bodyFile, '-H', 'content-type: application/json', `${url}/v1/decide`]);
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('close', () => {
      const req = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(out);
      const codes = /status codes: (\d+) 2xx/.exec(out);
      const done = Number(req?.[3] ?? NaN);
      resolve({
        requests: done,
        rps: Number(/finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out)?.[1] ?? NaN),
        p50: NaN, p99: NaN,
        failed: req ? Number(req[5]) + Number(req[6]) + Number(req[7]) + (done - Number(codes?.[1] ?? 0)) : NaN,
        cpu: reapedCpu(out), system: reapedCpu(out, 'system'),
        bytes: Number(/traffic: .*? \((\d+)\) total/.exec(out)?.[1] ?? NaN),
      });
    });
  });
}
