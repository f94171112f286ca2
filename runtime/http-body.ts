// Reading a request's body for the decision service: as text, to a callback
// (the decide route answers without a promise when it can) or as a promise
// (the other routes), with a limit on its size.
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.ts';

export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => readBodyThen(req, limit, (e, text) => (e ? reject(e) : resolve(text))));
}

/** The body as text to `done` once (a body over `limit` bytes: a 413, and the rest is read and dropped). */
export function readBodyThen(req: IncomingMessage, limit: number, done: (e: Error | undefined, text: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  req.on('data', (c: Buffer) => {
    if (settled) return;
    size += c.length;
    if (size > limit) {
      settled = true;
      req.resume();
      done(new HttpError(413, { code: 'ZY4003', message: `the body is larger than ${limit} bytes` }), '');
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (settled) return;
    settled = true;
    done(undefined, chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
  });
  req.on('error', (e) => { if (!settled) { settled = true; done(e, ''); } });
}
