// Idle keep-alive connections closed by one sweep a second instead of node's
// timer per request. Node's http server arms a socket timeout after every
// answer (keepAliveTimeout) and disarms it when the next request's headers
// arrive: a Timeout object, a bound function and timer-list insertions per
// request, about 4% of a small decision's CPU in the service (bench/HISTORY.md,
// "tenth round"). Here node's timer is off (server.keepAliveTimeout = 0) and
// each answer still advertises `Keep-Alive: timeout=5` as before (node writes
// that header from the response's _keepAliveTimeout, set per request from the
// server's), so the bytes sent are the same. A connection that has had an
// answer, has none in progress and has read nothing for longer than the
// advertised timeout plus node's own 1 s allowance (as a sweep sees it) is
// destroyed, as node's timer would have destroyed it: never sooner than the
// advertised 5 s after its last answer, within about 7 s of it (node: 6 s).
// Bytes read reset the wait, as they refresh node's timer, so a request still
// arriving is left to headersTimeout and requestTimeout.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Node's allowance beyond the advertised keep-alive timeout (HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER). */
const ALLOWANCE_MS = 1000;

interface Connection {
  /** The last answer on it (undefined: none yet, no keep-alive wait). */
  last: ServerResponse | undefined;
  /** socket.bytesRead at the last sweep. */
  read: number;
  /** When a sweep first saw it waiting, with nothing read or in progress since. */
  since: number;
}

export interface KeepAlive {
  /** Called with every request before its answer is written. */
  request(req: IncomingMessage, res: ServerResponse): void;
  stop(): void;
}

export function keepAliveBySweep(server: Server, timeoutMs: number, everyMs = 1000): KeepAlive {
  const open = new Map<Socket, Connection>();
  server.keepAliveTimeout = 0;
  server.on('connection', (socket: Socket) => {
    open.set(socket, { last: undefined, read: socket.bytesRead, since: Date.now() });
    socket.once('close', () => open.delete(socket));
  });
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [socket, c] of open) {
      const read = socket.bytesRead;
      if (c.last === undefined || read !== c.read || !c.last.writableFinished) { c.read = read; c.since = now; continue; }
      if (now - c.since >= timeoutMs + ALLOWANCE_MS) socket.destroy();
    }
  }, everyMs);
  sweep.unref();
  return {
    request(req, res) {
      (res as unknown as { _keepAliveTimeout: number })._keepAliveTimeout = timeoutMs;
      const c = open.get(req.socket);
      if (c) c.last = res;
    },
    stop() { clearInterval(sweep); },
  };
}
