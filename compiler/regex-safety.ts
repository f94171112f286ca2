// `matches(s, "pattern")` takes only patterns that cannot backtrack
// catastrophically: no backreferences, no lookaround, no quantified group
// that itself contains a quantifier or an alternation, and at most one
// unbounded repetition (`*`, `+`, `{n,}`) in the whole pattern — two of them
// side by side (`\d+\d+$`) already take polynomial time. Checked at compile time.

export const MAX_PATTERN_LENGTH = 256;
/** Inputs longer than this never match, so one huge field cannot stall a decision. */
export const MAX_MATCH_INPUT = 4096;

export function checkPattern(pattern: string): { ok: true; regex: RegExp } | { ok: false; reason: string } {
  if (pattern.length > MAX_PATTERN_LENGTH) return { ok: false, reason: `pattern is longer than ${MAX_PATTERN_LENGTH} characters` };
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'u');
  } catch (e) {
    return { ok: false, reason: (e as Error).message.replace(/^Invalid regular expression: /, '') };
  }
  // Each open group records whether it holds a quantifier or an alternation.
  const stack: { risky: boolean }[] = [{ risky: false }];
  let inClass = false;
  let unbounded = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const n = pattern[i + 1] ?? '';
      if (/[1-9]/.test(n) || n === 'k') return { ok: false, reason: 'backreferences are not allowed' };
      i++;
      continue;
    }
    if (inClass) { if (c === ']') inClass = false; continue; }
    if (c === '[') { inClass = true; continue; }
    if (c === '(') {
      if (pattern[i + 1] === '?' && /[=!<]/.test(pattern[i + 2] ?? '') && !(pattern[i + 2] === '<' && /[A-Za-z]/.test(pattern[i + 3] ?? ''))) {
        return { ok: false, reason: 'lookahead and lookbehind are not allowed' };
      }
      stack.push({ risky: false });
      // (?:…) and (?<name>…) open a group; their `?` is not a quantifier.
      if (pattern[i + 1] === '?') {
        const close = pattern[i + 2] === '<' ? pattern.indexOf('>', i + 3) : i + 2;
        i = close < 0 ? i + 2 : close;
      }
      continue;
    }
    if (c === '|') { stack[stack.length - 1]!.risky = true; continue; }
    if (c === ')') {
      const group = stack.pop()!;
      const q = quantifierAt(pattern, i + 1);
      if (q && group.risky) return { ok: false, reason: 'a repeated group may not contain another repetition or an alternation (it could take exponential time)' };
      if (q || group.risky) stack[stack.length - 1]!.risky = true;
      continue;
    }
    if (quantifierAt(pattern, i)) stack[stack.length - 1]!.risky = true;
  }
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') { i++; continue; }
    if (pattern[i] === '[') { while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1; continue; }
    if (pattern[i] === '*' || pattern[i] === '+' || (pattern[i] === '{' && /^\{\d+,\}/.test(pattern.slice(i)))) {
      if (pattern[i - 1] === '(' ) continue;
      unbounded++;
    }
  }
  if (unbounded > 1) return { ok: false, reason: 'at most one unbounded repetition (*, + or {n,}) is allowed: two can take polynomial time on long input; use contains(), starts_with() or bounded {n,m}' };
  return { ok: true, regex };
}

function quantifierAt(p: string, i: number): boolean {
  const c = p[i];
  return c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d+(,\d*)?\}/.test(p.slice(i)));
}
