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

/** Printable ASCII but `"`, `\`, `<`, `>`, `/`: text JSON and the escape below both leave as it is. */
const PLAIN = /^[\x20\x21\x23-\x2e\x30-\x3b\x3d\x3f-\x5b\x5d-\x7e]*$/;

export function jsString(s: string): string {
  // Most names and ids are plain: quoted as they are, without serializing and scanning them twice.
  if (PLAIN.test(s)) return `"${s}"`;
  return JSON.stringify(s).replace(/[^\x20-\x7e]|[<>/]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Property names that an object inherits: reading them needs an own-property check. */
export function inheritedName(name: string): boolean {
  return name === '__proto__' || name in Object.prototype;
}

/**
 * Text for a `//` comment in generated or printed code: every line
 * terminator (\n, \r, U+2028, U+2029) and other control character becomes a
 * \u escape, so nothing in the text can end the comment and run as code.
 */
export function jsComment(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** What `zhiyu dump` prints: the constants as comments (each shown by `show`), then the generated source. */
export function codeListing(code: { readonly constants: readonly unknown[]; readonly source: string }, show: (v: unknown) => string = (v) => JSON.stringify(v)): string {
  return `// constants (K)\n${code.constants.map((c, i) => `// K[${i}] = ${jsComment(show(c))}`).join('\n')}\n${code.source}`;
}
