// Who may use the editor's server: every route, the decision API next to the
// editor, /metrics and /healthz included. The editor writes files and its
// decisions show customer data, so a web page the analyst happens to have
// open elsewhere must not be able to drive or read it: a loopback server
// answers only to loopback host names (no DNS rebinding); anything but a read
// must come from our own origin when the browser says where it came from, and
// the editor's own API writes need a JSON body (a cross-site form cannot send
// one); off loopback, every request needs the access token (a header, or the
// cookie set by opening /?token=… once).
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from '../../runtime/server.ts';

const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?$/;
const COOKIE = 'zhiyu_token';

export interface GuardOptions {
  readonly loopback: boolean;
  readonly token?: string;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function presented(req: IncomingMessage): string {
  const bearer = /^Bearer (.+)$/.exec(req.headers['authorization'] ?? '')?.[1];
  if (bearer) return bearer;
  for (const part of (req.headers['cookie'] ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return decodeURIComponent(v.join('='));
  }
  return '';
}

/** Throws an HttpError when the request may not proceed; answers the token login itself (returns true). */
export function guard(req: IncomingMessage, res: ServerResponse, url: URL, o: GuardOptions): boolean {
  const host = req.headers['host'] ?? '';
  if (o.loopback && !LOOPBACK_HOST.test(host)) {
    throw new HttpError(403, { code: 'ZY8105', message: `this server answers to 127.0.0.1 and localhost only, not ${JSON.stringify(host)}` });
  }
  if (o.token) {
    const given = url.searchParams.get('token');
    if (req.method === 'GET' && url.pathname === '/' && given !== null) {
      if (!same(given, o.token)) throw new HttpError(401, { code: 'ZY8105', message: 'wrong access token' });
      res.writeHead(303, { location: '/', 'set-cookie': `${COOKIE}=${encodeURIComponent(given)}; HttpOnly; SameSite=Strict; Path=/` });
      res.end();
      return true;
    }
    if (!same(presented(req), o.token)) {
      throw new HttpError(401, { code: 'ZY8105', message: 'this editor needs the access token: open /?token=… once, or send Authorization: Bearer …' });
    }
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const origin = req.headers['origin'];
    if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) {
      throw new HttpError(403, { code: 'ZY8105', message: `requests from ${origin} are refused` });
    }
    if (req.headers['sec-fetch-site'] === 'cross-site') throw new HttpError(403, { code: 'ZY8105', message: 'cross-site requests are refused' });
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (url.pathname.startsWith('/api/') && req.method !== 'DELETE' && type !== 'application/json') {
      throw new HttpError(415, { code: 'ZY8105', message: 'send the body as application/json' });
    }
  }
  return false;
}
