// `matches(s, "pattern")` runs on RE2 (the pure-JavaScript port re2js), an
// automaton that reads the input once: time grows linearly with the input
// whatever the pattern's shape, so no pattern can stall a decision the way a
// backtracking engine can (`(a+)+$`, `\d{0,100}\d{0,100}x`). The same matcher
// serves the compiled code, the interpreter and the browser editor.
//
// What is still checked at compile time is only what RE2 cannot express or
// what would make one step of the automaton expensive: backreferences and
// lookaround (no linear-time algorithm exists), patterns longer than 256
// characters, and patterns whose program exceeds 1,000 instructions (each
// input character costs up to one pass over the program).
import { RE2JS } from 're2js';

export const MAX_PATTERN_LENGTH = 256;
/** Instructions in the compiled RE2 program: bounds the work per input character. */
export const MAX_PATTERN_PROGRAM = 1000;
/** Inputs longer than this never match, so one huge field cannot stall a decision. */
export const MAX_MATCH_INPUT = 4096;

/** What generated code and the interpreter call: `test(s)` is true when the pattern occurs anywhere in s. */
export interface Matcher { test(s: string): boolean }

/**
 * JavaScript spellings RE2 writes differently: `\p{Script=Han}` is `\p{Han}`,
 * `\u00e9` and `\u{1F600}` are `\x{…}`. Escaped backslashes are kept as they are.
 */
function toRe2Syntax(pattern: string): string {
  return pattern.replace(/\\\\|\\([pP])\{(?:Script|sc)=([A-Za-z_]+)\}|\\u\{([0-9A-Fa-f]{1,6})\}|\\u([0-9A-Fa-f]{4})/g,
    (all, p?: string, script?: string, braced?: string, four?: string) => {
      if (p) return `\\${p}{${script}}`;
      if (braced ?? four) return `\\x{${braced ?? four}}`;
      return all;
    });
}

/** Why RE2 cannot run the pattern, for the constructs users meet most, in words rather than RE2's. */
function unsupported(pattern: string): string | undefined {
  for (let i = 0, inClass = false; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const n = pattern[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(n) || n === 'k')) return 'backreferences are not supported: no engine can match them in linear time';
      i++;
      continue;
    }
    if (inClass) { if (c === ']') inClass = false; continue; }
    if (c === '[') { inClass = true; if (pattern[i + 1] === ']' || (pattern[i + 1] === '^' && pattern[i + 2] === ']')) i += pattern[i + 1] === '^' ? 2 : 1; continue; }
    if (c === '(' && pattern[i + 1] === '?' && (/[=!]/.test(pattern[i + 2] ?? '') || (pattern[i + 2] === '<' && /[=!]/.test(pattern[i + 3] ?? '')))) {
      return 'lookahead and lookbehind are not supported: no engine can match them in linear time';
    }
  }
  return undefined;
}

export function checkPattern(pattern: string): { ok: true; matcher: Matcher } | { ok: false; reason: string } {
  if (pattern.length > MAX_PATTERN_LENGTH) return { ok: false, reason: `pattern is longer than ${MAX_PATTERN_LENGTH} characters` };
  const why = unsupported(pattern);
  if (why) return { ok: false, reason: why };
  let re: RE2JS;
  try {
    re = RE2JS.compile(toRe2Syntax(pattern));
  } catch (e) {
    return { ok: false, reason: (e as Error).message.replace(/^error parsing regexp: /, '') };
  }
  const size = re.re2Input.prog.numInst();
  if (size > MAX_PATTERN_PROGRAM) {
    return { ok: false, reason: `the pattern is too large: it compiles to ${size} instructions, at most ${MAX_PATTERN_PROGRAM} are allowed; use smaller counted repetitions ({0,50} rather than {0,500})` };
  }
  return { ok: true, matcher: re };
}

const cache = new Map<string, Matcher>();
const CACHE_LIMIT = 1000;

/** The matcher for a pattern the checker accepted (compiled once, kept in a bounded cache). */
export function matcherFor(pattern: string): Matcher {
  let m = cache.get(pattern);
  if (!m) {
    const r = checkPattern(pattern);
    if (!r.ok) throw new Error(`refusing to run the pattern ${JSON.stringify(pattern)}: ${r.reason}`);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    m = r.matcher;
    cache.set(pattern, m);
  }
  return m;
}
