// JSON text with positions: the value JSON.parse would give, and where each
// part of it is written, by JSON path (the paths errors.ts writes, so that a
// problem found at `$.and[1]["=="][0]` points at that text). Used when a pack
// reads a JSON Logic file, so a diagnostic can show the line of the rule it
// is about. A syntax error is reported with its offset, never thrown.
import { childPath } from './errors.ts';

export interface JsonSpan {
  readonly start: number;
  readonly end: number;
}

export type LocatedJson =
  | { readonly ok: true; readonly value: unknown; readonly spans: ReadonlyMap<string, JsonSpan> }
  | { readonly ok: false; readonly offset: number; readonly message: string };

/** Deeper than this is reported, not recursed into (a rule allows 200 levels anyway). */
const MAX_DEPTH = 1000;

class JsonSyntaxError extends Error {
  constructor(readonly offset: number, message: string) { super(message); }
}

export function locateJson(text: string): LocatedJson {
  const p = new Reader(text);
  try {
    // A byte order mark is left by some editors; JSON.parse would refuse it, a reader of files should not.
    if (text.charCodeAt(0) === 0xfeff) p.at = 1;
    p.space();
    if (p.at >= text.length) throw new JsonSyntaxError(0, 'the file is empty: expected a JSON value');
    const value = p.value('$', 0);
    p.space();
    if (p.at < text.length) throw new JsonSyntaxError(p.at, `unexpected ${p.shown()} after the JSON value`);
    return { ok: true, value, spans: p.spans };
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    return { ok: false, offset: e.offset, message: e.message };
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

class Reader {
  at = 0;
  readonly spans = new Map<string, JsonSpan>();

  constructor(private readonly text: string) {}

  space(): void {
    const t = this.text;
    while (this.at < t.length) {
      const c = t.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.at++;
    }
  }

  shown(): string {
    if (this.at >= this.text.length) return 'end of file';
    return `\`${String.fromCodePoint(this.text.codePointAt(this.at)!)}\``;
  }

  private expect(ch: string, what: string): void {
    this.space();
    if (this.text[this.at] !== ch) throw new JsonSyntaxError(this.at, `expected ${what} but found ${this.shown()}`);
    this.at++;
  }

  value(path: string, depth: number): unknown {
    if (depth > MAX_DEPTH) throw new JsonSyntaxError(this.at, `nested more than ${MAX_DEPTH} levels deep`);
    this.space();
    const start = this.at;
    const v = this.bare(path, depth);
    this.spans.set(path, { start, end: this.at });
    return v;
  }

  private bare(path: string, depth: number): unknown {
    const t = this.text;
    const c = t[this.at];
    if (c === '{') return this.object(path, depth);
    if (c === '[') return this.array(path, depth);
    if (c === '"') return this.string();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (t.startsWith(word, this.at)) { this.at += word.length; return v; }
    }
    NUMBER.lastIndex = this.at;
    const m = NUMBER.exec(t);
    if (m) { this.at += m[0].length; return Number(m[0]); }
    throw new JsonSyntaxError(this.at, `expected a JSON value but found ${this.shown()}`);
  }

  private string(): string {
    STRING.lastIndex = this.at;
    const m = STRING.exec(this.text);
    if (!m) throw new JsonSyntaxError(this.at, this.badString());
    this.at += m[0].length;
    return JSON.parse(m[0]) as string;
  }

  /** Why the string at `at` is not a JSON string: where it goes wrong. */
  private badString(): string {
    const t = this.text;
    for (let i = this.at + 1; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (t[i] === '"') break;
      if (c < 0x20) { this.at = i; return c === 0x0a ? 'the string is not closed on its line' : 'a control character in a string (write it as \\u escape)'; }
      if (t[i] === '\\') {
        if (!/^(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/.test(t.slice(i + 1, i + 6))) { this.at = i; return `a bad escape \`${t.slice(i, i + 2)}\` in a string`; }
        i++;
      }
    }
    return 'the string is not closed';
  }

  private object(path: string, depth: number): Record<string, unknown> {
    this.at++; // {
    const out: Record<string, unknown> = {};
    this.space();
    if (this.text[this.at] === '}') { this.at++; return out; }
    for (;;) {
      this.space();
      if (this.text[this.at] !== '"') throw new JsonSyntaxError(this.at, `expected a key (a string in double quotes) but found ${this.shown()}`);
      const key = this.string();
      this.expect(':', '`:`');
      const v = this.value(childPath(path, key), depth + 1);
      // As JSON.parse: a later duplicate wins, and "__proto__" is an ordinary own key.
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      this.space();
      const c = this.text[this.at];
      if (c === ',') { this.at++; continue; }
      if (c === '}') { this.at++; return out; }
      throw new JsonSyntaxError(this.at, `expected \`,\` or \`}\` but found ${this.shown()}`);
    }
  }

  private array(path: string, depth: number): unknown[] {
    this.at++; // [
    const out: unknown[] = [];
    this.space();
    if (this.text[this.at] === ']') { this.at++; return out; }
    for (;;) {
      out.push(this.value(childPath(path, out.length), depth + 1));
      this.space();
      const c = this.text[this.at];
      if (c === ',') { this.at++; continue; }
      if (c === ']') { this.at++; return out; }
      throw new JsonSyntaxError(this.at, `expected \`,\` or \`]\` but found ${this.shown()}`);
    }
  }
}
