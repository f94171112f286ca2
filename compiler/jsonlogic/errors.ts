// The JSON Logic front end's one error family. Every error has a stable code
// (ZY9xxx: JSON Logic; ZY8xxx belongs to bundles), the JSON path of the part
// of the rule it is about, and a message for people — never a stack trace.

export const JSONLOGIC_CATALOG = {
  ZY9001: 'not a JSON value',
  ZY9002: 'unknown operator',
  ZY9003: 'rule nested too deeply',
  ZY9004: 'rule too large',
  ZY9005: 'not a JSON Logic rule file',
  ZY9101: 'JSON Logic found in data',
} as const;

export type JsonLogicCode = keyof typeof JSONLOGIC_CATALOG;

export class JsonLogicError extends Error {
  override readonly name = 'JsonLogicError';
  constructor(
    readonly code: JsonLogicCode,
    /** JSON path of the offending part, `$` for the whole rule. */
    readonly path: string,
    readonly detail: string,
    readonly hint?: string,
  ) {
    super(`${code} at ${path}: ${detail}${hint ? ` (${hint})` : ''}`);
  }
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `$.and[1]["=="][0]`: dotted where the key is a plain name, bracketed JSON strings otherwise. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return IDENT.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}
