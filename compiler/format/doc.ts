// The formatter's document algebra (after Wadler's "prettier printer"):
// text, spaces, line breaks that a group may lay flat, indentation, and
// comments (which force their group to break). compiler/format/printer.ts
// lays a document out; compiler/format/layout.ts builds one from the syntax tree.

export type Doc = string | readonly Doc[] | Space | Line | Group | Fill | Indent | Align | Comment;
interface Space { readonly k: 'space' }
/** `soft`: nothing when flat; otherwise a space when flat. `hard`: always a line break. */
interface Line { readonly k: 'line'; readonly soft: boolean; readonly hard: boolean }
interface Group { readonly k: 'group'; readonly d: Doc; readonly hard: boolean; readonly tailComment: boolean }
/** Items and separators alternating; each separator breaks only when the next item does not fit on the line. */
interface Fill { readonly k: 'fill'; readonly parts: readonly Doc[]; readonly hard: boolean; readonly tailComment: boolean }
interface Indent { readonly k: 'indent'; readonly n: number; readonly d: Doc }
/** Indents what it holds to the column where it starts. */
interface Align { readonly k: 'align'; readonly d: Doc }
/** `own`: on a line of its own; otherwise at the end of the line it is on. */
interface Comment { readonly k: 'comment'; readonly text: string; readonly own: boolean }

export const SP: Space = { k: 'space' };
export const LINE: Line = { k: 'line', soft: false, hard: false };
export const SOFT: Line = { k: 'line', soft: true, hard: false };
export const HARD: Line = { k: 'line', soft: false, hard: true };
export const indent = (n: number, d: Doc): Indent => ({ k: 'indent', n, d });
export const align = (d: Doc): Align => ({ k: 'align', d });
export function group(d: Doc): Group {
  return { k: 'group', d, hard: hasHard(d), tailComment: endsInComment(d) };
}
export function fill(parts: readonly Doc[]): Fill {
  return { k: 'fill', parts, hard: hasHard(parts), tailComment: endsInComment(parts) };
}
/**
 * Must a group holding `d` break? Yes if it holds a hard line or a comment —
 * except a trailing comment at its very end, which only ends the line the
 * group ends on.
 */
function hasHard(d: Doc, tail = true): boolean {
  if (typeof d === 'string') return false;
  if (Array.isArray(d)) {
    let last = d.length - 1;
    while (last >= 0 && isEmpty(d[last]!)) last--;
    return d.some((x, i) => hasHard(x, tail && i === last));
  }
  const x = d as Exclude<Doc, string | readonly Doc[]>;
  switch (x.k) {
    case 'space': return false;
    case 'line': return x.hard;
    case 'comment': return x.own || !tail;
    case 'group': case 'fill': return x.hard || (!tail && x.tailComment);
    case 'indent': case 'align': return hasHard(x.d, tail);
  }
}

/** Does `d` end with a trailing comment (which ends the line after it)? */
function endsInComment(d: Doc): boolean {
  if (typeof d === 'string') return false;
  if (Array.isArray(d)) {
    let last = d.length - 1;
    while (last >= 0 && isEmpty(d[last]!)) last--;
    return last >= 0 && endsInComment(d[last]!);
  }
  const x = d as Exclude<Doc, string | readonly Doc[]>;
  switch (x.k) {
    case 'comment': return !x.own;
    case 'group': case 'fill': return x.tailComment;
    case 'indent': case 'align': return endsInComment(x.d);
    default: return false;
  }
}

function isEmpty(d: Doc): boolean {
  return d === '' || (Array.isArray(d) && d.every(isEmpty));
}

