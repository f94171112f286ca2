// Writing the decision service's answers: the head and body of every answer
// (send), and the body of a decision (answeredJson), which is most of the
// answers the service gives. A decision's text is written field by field in
// the order the engine builds it (runtime/decision.ts), the same bytes as
// JSON.stringify, without its walk over the object's properties; anything
// not of that shape is written by JSON.stringify itself.
import type { ServerResponse } from 'node:http';
import type { Decision } from './decision.ts';
import type { Arm } from './store/decision-log.ts';

export const NO_HEADERS: readonly string[] = [];

/** Header names and values as one list (writeHead's form). */
export const headerList = (h: Readonly<Record<string, string>> | undefined): readonly string[] => (h ? Object.entries(h).flat() : NO_HEADERS);

const JSON_TYPE = 'application/json; charset=utf-8';

/** An answer: `first` are header names and values put before the answer's own (a cluster worker's id). */
export function send(res: ServerResponse, status: number, body: unknown, type = JSON_TYPE, first: readonly (string | number)[] = NO_HEADERS): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  // One list of names and values, `first` in front: a header set on the response before writeHead would take Node's slower merging path.
  // Node writes the head and the body to the socket in one call (end() corks the socket around both).
  const n = first.length;
  const head: (string | number)[] = new Array(n + 6);
  for (let i = 0; i < n; i++) head[i] = first[i]!;
  head[n] = 'content-type'; head[n + 1] = type;
  head[n + 2] = 'content-length'; head[n + 3] = Buffer.byteLength(text);
  head[n + 4] = 'cache-control'; head[n + 5] = 'no-store';
  res.writeHead(status, head as string[]);
  res.end(text);
}

/** A decision as the service answers it: the engine's decision, then the bundle, the arm (with a canary) and the logged id. */
export interface Answered {
  readonly decision: Decision;
  readonly bundle: string;
  readonly arm?: Arm;
  readonly decisionId?: number;
}

export const answeredObject = (a: Answered): Record<string, unknown> =>
  ({ ...a.decision, bundle: a.bundle, ...(a.arm ? { arm: a.arm } : {}), ...(a.decisionId !== undefined ? { decisionId: a.decisionId } : {}) });

/**
 * Strings JSON.stringify writes as they are between quotes. Anything else —
 * a quote, a backslash, a control character, a surrogate (a lone one is
 * escaped, a pair is not) — is left to JSON.stringify. U+2028 and U+2029
 * are written as they are by JSON.stringify too, so they are plain here.
 */
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** A value's JSON, as JSON.stringify writes it (undefined: the field is left out). */
const json = (v: unknown): string | undefined => (typeof v === 'string' && PLAIN.test(v) ? `"${v}"` : JSON.stringify(v));

/** The keys of a decision, in the order the engine builds it; version and notes are optional. */
const ORDER = ['pack', 'version', 'outcome', 'score', 'fired', 'notes'] as const;
const OPTIONAL = [false, true, false, false, false, true] as const;

/** Does the decision have only the keys of ORDER, in that order (its enumerable keys, as for…in sees them)? */
function ordered(d: object): boolean {
  let j = 0;
  for (const k in d) {
    while (j < ORDER.length && ORDER[j] !== k) { if (!OPTIONAL[j]) return false; j++; }
    if (j === ORDER.length) return false;
    j++;
  }
  for (; j < ORDER.length; j++) if (!OPTIONAL[j]) return false;
  return true;
}

/** `"key":value` appended after `s` ('{' or the fields so far); a value JSON leaves out is left out. */
const field = (s: string, key: string, v: unknown): string => {
  const t = json(v);
  return t === undefined ? s : `${s}${s.length > 1 ? ',' : ''}"${key}":${t}`;
};

/** The decision's JSON without its closing brace: '{' and its fields. */
function decisionFields(d: Decision): string {
  if (!ordered(d)) { const t = JSON.stringify(d); return t.length > 2 ? t.slice(0, -1) : '{'; }
  let s = field('{', 'pack', d.pack);
  if (d.version !== undefined) s = field(s, 'version', d.version);
  s = field(s, 'outcome', d.outcome);
  s = field(s, 'score', d.score);
  // Most decisions fire nothing; a fired rule's entry and notes have shapes of their own and are written by JSON.stringify.
  s = Array.isArray(d.fired) && d.fired.length === 0 ? `${s}${s.length > 1 ? ',' : ''}"fired":[]` : field(s, 'fired', d.fired);
  if (d.notes !== undefined) s = field(s, 'notes', d.notes);
  return s;
}

/**
 * The same text as JSON.stringify(answeredObject(a)): the decision's own
 * JSON with the service's keys appended. The decision has none of those
 * keys (else the copy would have replaced them in place), so the two texts
 * are the same byte for byte.
 */
export function answeredJson(a: Answered): string {
  const s = decisionFields(a.decision);
  return `${s}${s.length > 1 ? ',' : ''}"bundle":${json(a.bundle)}${a.arm ? `,"arm":${json(a.arm)}` : ''}${a.decisionId !== undefined ? `,"decisionId":${JSON.stringify(a.decisionId)}` : ''}}`;
}
