// The value types of the language. `error` marks an expression that already
// produced a diagnostic, so that one mistake is reported once.

export type Type =
  | { readonly t: 'number' }
  | { readonly t: 'integer' }
  | { readonly t: 'money' }
  | { readonly t: 'bool' }
  | { readonly t: 'string' }
  | { readonly t: 'timestamp' }
  | { readonly t: 'duration' }
  | { readonly t: 'enum'; readonly members: readonly string[] }
  | { readonly t: 'set'; readonly element: Type }
  | { readonly t: 'list'; readonly element: Type }
  | { readonly t: 'missing' }
  | { readonly t: 'error' };

export const NUMBER: Type = { t: 'number' };
export const INTEGER: Type = { t: 'integer' };
export const MONEY: Type = { t: 'money' };
export const BOOL: Type = { t: 'bool' };
export const STRING: Type = { t: 'string' };
export const TIMESTAMP: Type = { t: 'timestamp' };
export const DURATION: Type = { t: 'duration' };
export const MISSING: Type = { t: 'missing' };
export const ERROR: Type = { t: 'error' };

export const SCALAR_TYPE_NAMES: Record<string, Type> = {
  number: NUMBER, integer: INTEGER, money: MONEY, bool: BOOL, string: STRING, timestamp: TIMESTAMP, duration: DURATION,
};

export function typeName(t: Type): string {
  switch (t.t) {
    case 'enum': return `enum(${t.members.join(', ')})`;
    case 'set': return `set<${typeName(t.element)}>`;
    case 'list': return `list of ${typeName(t.element)}`;
    default: return t.t;
  }
}

export function isNumeric(t: Type): boolean {
  return t.t === 'number' || t.t === 'integer';
}

/** Types whose values compare with each other (integer and number mix; enum and string mix). */
export function comparable(a: Type, b: Type): boolean {
  if (a.t === 'error' || b.t === 'error') return true;
  if (isNumeric(a) && isNumeric(b)) return true;
  if (isTextual(a) && isTextual(b)) return true;
  return a.t === b.t && a.t !== 'set' && a.t !== 'list';
}

export function isTextual(t: Type): boolean {
  return t.t === 'string' || t.t === 'enum';
}

export function ordered(t: Type): boolean {
  return ['number', 'integer', 'money', 'timestamp', 'duration', 'string'].includes(t.t);
}

/** Can a value of type `from` stand where `to` is expected (records, const uses)? */
export function assignable(from: Type, to: Type): boolean {
  if (from.t === 'error' || to.t === 'error' || from.t === 'missing') return true;
  if (from.t === 'integer' && to.t === 'number') return true;
  if (from.t === 'string' && to.t === 'enum') return true; // literal membership is checked separately
  if (from.t === 'enum' && to.t === 'enum') return from.members.every((m) => to.members.includes(m));
  if ((from.t === 'list' || from.t === 'set') && to.t === 'set') return assignable(from.element, to.element);
  return from.t === to.t;
}

export function sameType(a: Type, b: Type): boolean {
  return typeName(a) === typeName(b);
}
