// Idle keep-alive connections are closed by a sweep (runtime/keep-alive.ts),
// not by node's timer per request; answers still say `Keep-Alive: timeout=5`
// where node puts it. No test here waits for a moment: each waits for an
// event (a close, an answer), however long the machine takes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { compile } from '../compiler/index.ts';
import { readPack } from '../cli/pack-files.ts';
import { loadBundle, writeBundle } from '../runtime/bundle.ts';
import { keepAliveBySweep } from '../runtime/keep-alive.ts';
import { serve } from '../runtime/server.ts';

const REQ = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';

/** A connected client that collects what it is sent and says when it is closed. */
function client(port: number): Promise<{ socket: Socket; text: () => string; closed: Promise<void> }> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, text: () => text, closed }));
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.on('data', (d) => { text += d.toString('latin1'); });
  });
}
const answers = (text: string) => text.split('HTTP/1.1 200').length - 1;
const until = async (f: () => boolean) => { while (!f()) await new Promise((r) => setImmediate(r)); };

test('an idle connection is closed; one with an answer still in progress is not', async () => {
  const held: ServerResponse[] = [];
  let release: (() => void) | undefined;
  const server = createServer((req, res) => {
    ka.request(req, res);
    // The second request on a connection waits until the test lets it go.
    if (req.url === '/hold') { held.push(res); release = () => res.end('late'); return; }
    res.end('ok');
  });
  const ka = keepAliveBySweep(server, 300, 20);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  try {
    // Two requests in one write: the second's answer is in progress while the first is long done.
    const busy = await client(port);
    busy.socket.write(`${REQ}GET /hold HTTP/1.1\r\nHost: x\r\n\r\n`);
    const idle = await client(port);
    idle.socket.write(REQ);
    await until(() => answers(idle.text()) === 1 && answers(busy.text()) === 1 && held.length === 1);
    // The idle one goes (well over 300 ms without a byte); the busy one is still open when it does.
    await idle.closed;
    assert.ok(idle.socket.destroyed);
    assert.not.ok(busy.socket.destroyed);
    release!();
    await until(() => busy.text().endsWith('late'));
    busy.socket.destroy();
  } finally {
    ka.stop();
    await new Promise((r) => server.close(r));
  }
});

test('a connection that never had an answer is left to the header timeout', async () => {
  const server = createServer((req, res) => { ka.request(req, res); res.end('ok'); });
  const ka = keepAliveBySweep(server, 50, 10);
  server.headersTimeout = 60_000;
  server.requestTimeout = 120_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  try {
    // A second connection, answered, goes idle and is closed: by then the silent one has had many sweeps.
    const silent = await client(port);
    const answered = await client(port);
    answered.socket.write(REQ);
    await answered.closed;
    assert.not.ok(silent.socket.destroyed);
    silent.socket.destroy();
  } finally {
    ka.stop();
    await new Promise((r) => server.close(r));
  }
});

test('the service answers with Keep-Alive: timeout=5 after Connection, as node writes it', async () => {
  const files = readPack([join(import.meta.dirname, '..', 'rules', 'demo')]);
  const svc = await serve({ bundle: loadBundle(writeBundle(compile(files), files)), port: 0, insecureUnsigned: true });
  try {
    const c = await client(Number(new URL(svc.url).port));
    const body = '{"type":"login","occurred_at":"2026-03-01T10:00"}';
    c.socket.write(`POST /v1/decide HTTP/1.1\r\nHost: x\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    await until(() => /\r\n\r\n\{.*\}$/.test(c.text()));
    const [head, answer] = c.text().split('\r\n\r\n') as [string, string];
    assert.is(head.replace(/^Date: .*$/m, 'Date: -'), `HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(answer)}\r\ncache-control: no-store\r\nDate: -\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5`);
    c.socket.destroy();
  } finally {
    await svc.close();
  }
});

test.run();
