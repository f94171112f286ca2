// The server's editor API, typed. Errors carry the server's code and message.
import type { BacktestSummary } from '../server/backtest-routes.ts';
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly body: Record<string, unknown>) { super(message); }
}

/** Answers boot.ts asked for while the page was loading, each used once. */
const prefetched = (): Record<string, Promise<Response> | undefined> =>
  (window as unknown as { __zhiyuPrefetch?: Record<string, Promise<Response> | undefined> }).__zhiyuPrefetch ?? {};

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const early = method === 'GET' ? prefetched()[url] : undefined;
  delete prefetched()[url];
  const res = await (early ?? fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }));
  const text = await res.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = { error: { code: String(res.status), message: text } }; }
  if (!res.ok) {
    const err = ((json as { error?: Record<string, unknown> }).error ?? {}) as Record<string, unknown>;
    throw new ApiError(res.status, String(err['code'] ?? res.status), String(err['message'] ?? res.statusText), err);
  }
  return json as T;
}

export interface FileInfo { path: string; hash: string }
export interface PackInfo { name: string; files: FileInfo[] }

export const api = {
  workspace: () => call<{ packs: PackInfo[]; database: string | null; warnings?: { code: string; message: string; indexes: string[] }[] }>('GET', '/api/workspace'),
  read: (path: string) => call<{ path: string; text: string; hash: string }>('GET', `/api/file?path=${encodeURIComponent(path)}`),
  save: (path: string, text: string, baseHash: string | undefined, force = false) => call<FileInfo>('PUT', '/api/file', { path, text, baseHash, force }),
  create: (path: string, text: string) => call<FileInfo>('POST', '/api/file', { path, text }),
  rename: (from: string, to: string) => call<FileInfo>('POST', '/api/rename', { from, to }),
  remove: (path: string) => call<{ deleted: string }>('DELETE', `/api/file?path=${encodeURIComponent(path)}`),
  /** Stored events: pack, and any of seq, customer, type, from, to (local time), labelled=1, before (paging), limit. */
  events: (params: URLSearchParams) => call<{ events: StoredEvent[]; more: boolean; ms: number }>('GET', `/api/events?${params}`),
  /** Starts Try it's thread on the server ahead of the first Run (asked once the first file is painted). */
  warmTry: () => call<{ started: boolean }>('POST', '/api/try/warm', {}),
  tryIt: (body: { files: { path: string; text: string }[]; event?: unknown; seq?: number; test?: string }) => call<TryResult>('POST', '/api/try', body),
  backtest: (body: { pack: string; files: { path: string; text: string }[] }) => call<BacktestSummary>('POST', '/api/backtest', body),
  backtestProgress: () => call<{
    running: boolean; phase?: 'copy' | 'replay' | null; done?: number; total?: number | null; rate?: number; etaMs?: number | null; elapsedMs?: number;
    copy?: { table: string; index: number; tables: number; counted: boolean };
  }>('GET', '/api/backtest/progress'),
  cancelBacktest: () => call<{ cancelled: boolean }>('POST', '/api/backtest/cancel', {}),
  backtestEvents: (rule: string, kind: 'hits' | 'positive' | 'other') => call<{ rule: string; kind: string; total: number; events: StoredEvent[] }>('GET', `/api/backtest/events?rule=${encodeURIComponent(rule)}&kind=${kind}`),
  diff: (body: { pack: string; files: { path: string; text: string }[] }) => call<unknown>('POST', '/api/diff', body),
};

export interface StoredEvent { seq: number; label: string | null; event: Record<string, unknown> }

export interface TryStep { file: number; start: number; end: number; kind: string; text: string; truth?: boolean | null }
export interface TryRule { id: string; active: boolean; fired: boolean; value: boolean | null; steps: TryStep[] }
export interface TryResult {
  decision: {
    outcome: string; score: number;
    fired: { id: string; title?: string; outcome?: string; score: number; reason?: string; message?: { zh?: string; en?: string }; seen: { feature: string; value: unknown; text?: string }[] }[];
    notes?: { id: string; message: { zh?: string; en?: string } }[];
  };
  trace: TryRule[];
}
