// The editor's built files (dist/editor, made by scripts/build-editor.js on
// npm install). Only files found there at startup are served, by exact name:
// a request path never reaches the file system. Files named with their
// content hash never change, so browsers may keep them for a year; each is
// sent brotli- or gzip-compressed (stored so by the build) when the browser
// takes it. The page itself is never cached: it names the current files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EDITOR_DIST = join(dirname(fileURLToPath(import.meta.url)), '../../dist/editor');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf', '.map': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
};

// Monaco injects styles; compiled rule packs run through new Function in the
// language worker (tests), hence 'unsafe-eval'. Nothing may load from elsewhere.
const CSP = "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** `main-4F2K7QZ1.js`: the build puts an 8-character content hash in every name but the page's. */
const HASHED = /-[A-Z0-9]{8}\.[a-z]+$/;

export interface StaticFiles {
  readonly built: boolean;
  has(path: string): boolean;
  serve(path: string, res: ServerResponse, req?: IncomingMessage): boolean;
}

export function staticFiles(dir = EDITOR_DIST): StaticFiles {
  const files = new Map<string, string>();
  const walk = (d: string, prefix: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
      else files.set(`/${prefix}${e.name}`, join(d, e.name));
    }
  };
  if (existsSync(dir)) walk(dir, '');
  const cache = new Map<string, Buffer>();
  const read = (file: string): Buffer => {
    let body = cache.get(file);
    if (!body) { body = readFileSync(file); cache.set(file, body); }
    return body;
  };
  return {
    built: files.has('/index.html'),
    has: (path) => files.has(path) && !/\.(br|gz)$/.test(path),
    serve(path, res, req) {
      const name = path === '/' ? '/index.html' : path;
      const file = files.get(name);
      if (!file || /\.(br|gz)$/.test(name)) return false;
      const accepts = String(req?.headers['accept-encoding'] ?? '');
      const encoding = /\bbr\b/.test(accepts) && files.has(`${name}.br`) ? 'br' : /\bgzip\b/.test(accepts) && files.has(`${name}.gz`) ? 'gzip' : undefined;
      const body = read(encoding ? files.get(`${name}.${encoding === 'br' ? 'br' : 'gz'}`)! : file);
      const html = file.endsWith('.html');
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': body.length,
        'cache-control': html ? 'no-cache' : HASHED.test(name) ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
        'x-content-type-options': 'nosniff',
        vary: 'accept-encoding',
        ...(encoding ? { 'content-encoding': encoding } : {}),
        ...(html ? { 'content-security-policy': CSP, 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' } : {}),
      });
      res.end(req?.method === 'HEAD' ? undefined : body);
      return true;
    },
  };
}
