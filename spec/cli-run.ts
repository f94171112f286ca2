// Running the zhiyu CLI for tests: in-process through main() (fast; output
// captured), or as the real command in a child process (end to end).
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundleCli as buildCli } from '../scripts/build-cli.js';
import { main } from '../cli/main.ts';

export interface Run { readonly code: number | null; readonly out: string; readonly err: string }

/** main(argv) with console and standard streams captured. Tests run one at a time, so nothing else writes meanwhile. */
export async function cli(...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const saved = { log: console.log, error: console.error, out: process.stdout.write, errw: process.stderr.write };
  const text = (xs: unknown[]) => `${xs.map(String).join(' ')}\n`;
  console.log = (...xs: unknown[]) => { out += text(xs); };
  console.error = (...xs: unknown[]) => { err += text(xs); };
  process.stdout.write = ((s: string | Uint8Array) => { out += String(s); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => { err += String(s); return true; }) as typeof process.stderr.write;
  try {
    const code = await main(['node', 'zhiyu', ...args]);
    return { code, out, err };
  } finally {
    console.log = saved.log;
    console.error = saved.error;
    process.stdout.write = saved.out;
    process.stderr.write = saved.errw;
  }
}

const root = join(import.meta.dirname, '..');

/**
 * The `zhiyu` command the child-process tests run: cli/bin.js, told by
 * ZHIYU_CLI_BUNDLE to run the sources bundled once per test process
 * (scripts/build-cli.js, so never older than the sources) rather than
 * dist/cli.js, which is as old as the last `npm install`. Every child this
 * process starts inherits the setting, cluster workers among them.
 */
async function bundleCli(): Promise<string> {
  const out = join(root, 'node_modules', '.cache', `zhiyu-test-cli-${process.pid}`, 'cli.js');
  await buildCli(out);
  process.once('exit', () => rmSync(dirname(out), { recursive: true, force: true }));
  return out;
}

process.env['ZHIYU_CLI_BUNDLE'] = await bundleCli();
/** The `zhiyu` command for child processes: `node BIN …`. */
export const BIN = join(root, 'cli', 'bin.js');
const bin = BIN;

/** The real command, as a child process (not a terminal: no colour). */
export function spawnCli(args: string[], cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: '' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

export interface Served {
  readonly url: string;
  readonly pid: number;
  /** Everything it printed so far (standard output, then standard error). */
  readonly out: () => string;
  /** Resolves with the first match of `re` in what it printed, once there is one (checked as each piece of output arrives). */
  printed(re: RegExp): Promise<string>;
  stop(): Promise<number | null>;
}

/**
 * `zhiyu serve …` as a child process on a free port (`--port 0` is added):
 * resolves once it prints the address it listens on; stop() ends that process
 * (by its id) and resolves with its exit code.
 */
export function serveCli(args: string[], cwd?: string): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'serve', ...args, '--port', '0'], { cwd, env: { ...process.env, NO_COLOR: '' } });
    let out = '';
    let err = '';
    let url: string | undefined;
    const waiting = new Set<() => void>();
    const arrived = () => { for (const w of [...waiting]) w(); };
    const printed = (re: RegExp) => new Promise<string>((done) => {
      const check = () => {
        const m = re.exec(out + err);
        if (m) { waiting.delete(check); done(m[0]); }
      };
      waiting.add(check);
      check();
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.stdout.on('data', (d) => {
      out += d;
      arrived();
      const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (m && !url) {
        url = m[0];
        resolve({ url, pid: child.pid!, out: () => out + err, printed, stop: () => { child.kill('SIGTERM'); return exited; } });
      }
    });
    child.stderr.on('data', (d) => { err += d; arrived(); });
    void exited.then((code) => { if (!url) reject(new Error(`zhiyu serve ended (${code}) before listening:\n${out}${err}`)); });
  });
}
