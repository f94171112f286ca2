// Lays a formatter document out in FORMAT_WIDTH columns: groups that fit
// are laid flat, the others break; trailing comments end their lines and are
// lined up when they stand on consecutive lines.
import { fill, type Doc } from './doc.ts';

/** Lines longer than this are broken where the layout allows. */
export const FORMAT_WIDTH = 100;

/** Display width: CJK and full-width characters take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    w += (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff)
      || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || c >= 0x20000 ? 2 : 1;
  }
  return w;
}

type Mode = 'flat' | 'break';
interface Cmd { readonly ind: number; readonly mode: Mode; readonly d: Doc }

/** Lays a document out in `FORMAT_WIDTH` columns. */
export function print(doc: Doc): string {
  const out: string[] = [];
  let col = 0;
  let atLineStart = true;
  let pending: string | undefined; // a trailing comment waiting for the end of its line
  let line = 0;
  const trailing = new Map<number, string>(); // line → its trailing comment, placed (and aligned) at the end
  const newline = (ind: number) => {
    out.push('\n');
    line++;
    atLineStart = true;
    col = ind;
  };
  const flush = (ind: number) => {
    if (pending === undefined) return;
    trailing.set(line, pending);
    pending = undefined;
    newline(ind);
  };
  const text = (s: string, ind: number) => {
    if (pending !== undefined && s !== ',') flush(ind);
    if (atLineStart) { out.push(' '.repeat(Math.max(0, ind))); col = Math.max(0, ind); atLineStart = false; }
    out.push(s);
    col += width(s);
  };
  const stack: Cmd[] = [{ ind: 0, mode: 'break', d: doc }];
  while (stack.length) {
    const { ind, mode, d } = stack.pop()!;
    if (typeof d === 'string') { if (d) text(d, ind); continue; }
    if (Array.isArray(d)) { for (let i = d.length - 1; i >= 0; i--) stack.push({ ind, mode, d: d[i]! }); continue; }
    const x = d as Exclude<Doc, string | readonly Doc[]>;
    switch (x.k) {
      case 'space':
        if (pending !== undefined) flush(ind);
        else if (!atLineStart) { out.push(' '); col++; }
        break;
      case 'line':
        if (mode === 'flat' && !x.hard) {
          if (x.soft) break;
          if (pending !== undefined) flush(ind);
          else if (!atLineStart) { out.push(' '); col++; }
        } else if (pending !== undefined) flush(ind);
        else if (!atLineStart) newline(ind);
        break;
      case 'comment':
        if (x.own) {
          flush(ind);
          if (!atLineStart) newline(ind);
          text(x.text, ind);
          newline(ind);
        } else {
          if (pending !== undefined) flush(ind);
          if (atLineStart) { text(x.text, ind); newline(ind); } else pending = x.text;
        }
        break;
      case 'group': {
        const flat = !x.hard && fits({ ind, mode: 'flat', d: x.d }, stack, FORMAT_WIDTH - (atLineStart ? Math.max(0, ind) : col));
        stack.push({ ind, mode: flat ? 'flat' : 'break', d: x.d });
        break;
      }
      case 'fill': {
        // Lay out the first item, then decide the separator after it by whether the next item fits.
        const [item, sep, ...rest] = x.parts;
        const room = FORMAT_WIDTH - (atLineStart ? Math.max(0, ind) : col);
        const itemFits = !x.hard && fits({ ind, mode: 'flat', d: item! }, [], room);
        if (sep === undefined) { stack.push({ ind, mode: itemFits ? 'flat' : 'break', d: item! }); break; }
        const pairFits = !x.hard && fits({ ind, mode: 'flat', d: [item!, sep, rest[0]!] }, [], room);
        stack.push({ ind, mode, d: fill(rest) });
        stack.push({ ind, mode: pairFits ? 'flat' : 'break', d: sep });
        stack.push({ ind, mode: itemFits ? 'flat' : 'break', d: item! });
        break;
      }
      case 'indent': stack.push({ ind: ind + x.n, mode, d: x.d }); break;
      case 'align': stack.push({ ind: atLineStart ? Math.max(0, ind) : col, mode, d: x.d }); break;
    }
  }
  if (pending !== undefined) trailing.set(line, pending);
  return withComments(out.join('').split('\n').map((l) => l.replace(/[ \t]+$/, '')), trailing).join('\n').replace(/\n+$/, '');
}

/**
 * Puts the trailing comments back at the ends of their lines. Comments on
 * consecutive lines are lined up one space after the longest of those lines,
 * unless that would pass the width limit.
 */
function withComments(lines: string[], trailing: ReadonlyMap<number, string>): string[] {
  const out = [...lines];
  let i = 0;
  while (i < lines.length) {
    if (!trailing.has(i)) { i++; continue; }
    let j = i;
    while (trailing.has(j + 1)) j++;
    const widest = Math.max(...lines.slice(i, j + 1).map(width));
    const aligned = j > i && widest + 1 <= FORMAT_WIDTH;
    for (let k = i; k <= j; k++) {
      const pad = aligned ? widest - width(lines[k]!) + 1 : 1;
      out[k] = `${lines[k]}${' '.repeat(pad)}${trailing.get(k)}`;
    }
    i = j + 1;
  }
  return out;
}

/** Does `next`, laid flat, fit in `room` columns, up to the next line break of what follows? */
function fits(next: Cmd, rest: readonly Cmd[], room: number): boolean {
  const todo: { mode: Mode; d: Doc }[] = [{ mode: next.mode, d: next.d }];
  let restIdx = rest.length - 1;
  while (room >= 0) {
    if (todo.length === 0) {
      if (restIdx < 0) return true;
      const r = rest[restIdx--]!;
      todo.push({ mode: r.mode, d: r.d });
      continue;
    }
    const { mode, d } = todo.pop()!;
    if (typeof d === 'string') { room -= width(d); continue; }
    if (Array.isArray(d)) { for (let i = d.length - 1; i >= 0; i--) todo.push({ mode, d: d[i]! }); continue; }
    const x = d as Exclude<Doc, string | readonly Doc[]>;
    switch (x.k) {
      case 'space': room -= 1; break;
      case 'line':
        if (mode === 'break' || x.hard) return true;
        room -= x.soft ? 0 : 1;
        break;
      case 'comment': return true; // the line ends here
      case 'group': todo.push({ mode: x.hard ? 'break' : mode, d: x.d }); break;
      case 'fill': todo.push({ mode: x.hard ? 'break' : mode, d: x.parts }); break;
      case 'indent': case 'align': todo.push({ mode, d: x.d }); break;
    }
  }
  return false;
}
