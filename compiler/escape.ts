// The only ways a value from rule text reaches generated JavaScript. Numbers
// become numeric literals (finite by construction); strings become string
// literals in which everything outside printable ASCII, and `<`, `>`, `/`, is
// a \u escape, so no quote, backslash, line separator or `</script>` can end
// the literal or the surrounding code. Names never become identifiers.

export function jsNumber(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`refusing to emit non-finite number ${v}`);
  if (Object.is(v, -0)) return '(-0)';
  return v < 0 ? `(-${String(-v)})` : String(v);
}

export function jsString(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]|[<>/]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Property names that an object inherits: reading them needs an own-property check. */
export function inheritedName(name: string): boolean {
  return name === '__proto__' || name in Object.prototype;
}
