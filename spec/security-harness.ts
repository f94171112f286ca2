// Rule text becomes JavaScript (compiler/codegen.ts → new Function). These
// tests try to make it escape: hostile string literals and messages, names
// that are properties of Object.prototype, hostile event JSON, extreme
// numbers and catastrophic regular expressions. For every case:
//   - the compiled engine and the interpreter give the same result;
//   - nothing else runs: a global canary that every payload tries to set stays false;
//   - Object.prototype (and friends) are not polluted;
//   - the generated source is printable ASCII, and every string literal in it
//     is exactly what compiler/escape.ts makes of its value.
//
// The cases are split by what they attack: spec/security-strings.test.ts,
// -identifiers, -numbers, -nesting, -regex and -escape. This file holds what
// they share: the guards around every case and the compile-and-decide helpers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile, type CompileResult } from '../compiler/index.ts';
import { jsString } from '../compiler/escape.ts';
import { parseTimestamp } from '../compiler/literals.ts';
import { InputError, interpret, load, MemoryProvider, type Decision, type FeatureProvider } from '../runtime/index.ts';

// ---------- known bugs: each flag skips the cases that expose one (repro in its comment, beside the cases) ----------

/**
 * (Found by these tests, fixed upstream.) In a message, a `\u{…}` escape was read as a placeholder: the template
 * scanner (compiler/check/templates.ts) skips only one character after a
 * backslash, so `{` opens a placeholder. `message "caf\u{e9}"` fails with
 * ZY2001 unknown name `e9`; `message "x\u{1F600}"` with ZY1001. (`\u00e9`
 * works.) While true, messages in these tests write \uXXXX escapes only.
 */
const KNOWN_BUG_MESSAGE_BRACED_UNICODE_ESCAPE = false; // fixed in 4e7ee7d

/**
 * ZHIYU_KNOWN_BUGS=all (or a comma list of flag names without the KNOWN_BUG_
 * prefix) runs the flagged cases anyway, to check a fix.
 */
export function excluded(flag: boolean, name: string): boolean {
  const v = (process.env['ZHIYU_KNOWN_BUGS'] ?? '').split(',');
  return flag && !v.includes('all') && !v.includes(name);
}

// ---------- guards around every case ----------
type Canary = { __pwned?: unknown };
export const g = globalThis as typeof globalThis & Canary;

const GUARDED: [string, object][] = [
  ['Object.prototype', Object.prototype], ['Array.prototype', Array.prototype], ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype], ['Number.prototype', Number.prototype], ['Object', Object], ['globalThis', globalThis],
];
function snapshot(): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const [name, o] of GUARDED) {
    for (const k of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, k)!;
      m.set(`${name}.${String(k)}`, 'value' in d ? d.value : d.get);
    }
    m.set(`${name} [[Prototype]]`, Object.getPrototypeOf(o));
  }
  return m;
}

/** A test whose body must leave the canary down and the built-in prototypes untouched. */
export function guarded(name: string, body: () => void | Promise<void>): void {
  test(name, async () => {
    g.__pwned = false;
    const before = snapshot();
    let failure: unknown;
    try {
      await body();
    } catch (e) {
      failure = e;
    }
    const after = snapshot();
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => k !== 'globalThis.__pwned' && !Object.is(before.get(k), after.get(k)));
    assert.is(g.__pwned, false, 'a payload ran');
    assert.equal(changed, [], `built-ins changed: ${changed.join(', ')}`);
    if (failure !== undefined) throw failure;
  });
}

// ---------- compiling and deciding ----------
export function compiled(text: string): CompileResult {
  const r = compile([{ path: 'hostile.zy', text }]);
  if (!r.ok) throw new Error(`did not compile:\n${r.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n')}`);
  assertCleanSource(r.code!.source);
  return r;
}

export function codesOf(text: string): string[] {
  return compile([{ path: 'hostile.zy', text }]).diagnostics.map((d) => d.code);
}

export type Outcome = { ok: true; decision: Decision } | { ok: false; code: string; field: string };
function attempt(f: () => Decision): Outcome {
  try {
    return { ok: true, decision: f() };
  } catch (e) {
    if (e instanceof InputError) return { ok: false, code: e.code, field: e.field };
    throw e;
  }
}

/** Both evaluators; they must agree (decision or InputError). */
export function both(r: CompileResult, event: unknown, provider: FeatureProvider = new MemoryProvider(), strict = false): Outcome {
  const a = attempt(() => load({ pack: r.optimized!, code: r.code! }).decide(event, provider, { strict }));
  const b = attempt(() => interpret(r.checked!, event, provider, { strict }).decision);
  assert.equal(a, b, 'compiled and interpreted results differ');
  return a;
}
export function decided(o: Outcome): Decision {
  if (!o.ok) throw new Error(`expected a decision, got ${o.code} ${o.field}`);
  return o.decision;
}
export const fired = (d: Decision) => d.fired.map((f) => f.id).sort();

/**
 * The generated source is printable ASCII (plus newlines); outside its
 * double-quoted literals there is no other kind of string, comment opener or
 * payload marker; and each literal is exactly jsString of its own value.
 */
export function assertCleanSource(source: string): void {
  assert.ok(/^[\x20-\x7e\n]*$/.test(source), 'generated source has a character outside printable ASCII');
  for (const bad of ['\u2028', '\u2029', '\0', '</script', '<!--', '-->']) assert.not.ok(source.includes(bad), `generated source contains ${JSON.stringify(bad)}`);
  const literals = source.match(/"(?:[^"\\\n]|\\.)*"/g) ?? [];
  for (const lit of literals) {
    const value = JSON.parse(lit) as string;
    assert.is(lit, jsString(value), `string literal not produced by jsString: ${lit.slice(0, 80)}`);
  }
  const code = source.replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
  for (const bad of ["'", '`', '/*', '__pwned', '${']) assert.not.ok(code.includes(bad), `generated code (outside literals) contains ${bad}`);
}

export const NOW = (() => { const r = parseTimestamp('@2026-03-01T10:00'); if (!r.ok) throw new Error(r.message); return r.value; })();

// ---------- writing hostile strings as rule text ----------
/**
 * A DSL string literal for `s`. Mode `u4` writes every unit outside printable
 * ASCII as \uXXXX, `braces` as \u{…}, `raw` writes it as is (only quotes,
 * backslashes and line ends are escaped). `message` also escapes braces.
 */
export function dsl(s: string, mode: 'u4' | 'braces' | 'raw', message = false): string {
  return `"${dslBody(s, mode, message)}"`;
}
export function dslBody(s: string, mode: 'u4' | 'braces' | 'raw', message = false): string {
  if (message && mode === 'braces' && excluded(KNOWN_BUG_MESSAGE_BRACED_UNICODE_ESCAPE, 'MESSAGE_BRACED_UNICODE_ESCAPE')) mode = 'u4';
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = s.charCodeAt(i);
    if (c === '\\') out += '\\\\';
    else if (c === '"') out += '\\"';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (message && (c === '{' || c === '}')) out += `\\${c}`;
    else if (mode !== 'raw' && (code < 0x20 || code > 0x7e)) out += mode === 'u4' ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
    else out += c;
  }
  return out;
}
