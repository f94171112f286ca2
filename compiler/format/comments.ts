// Where each comment of a file goes in the formatted output: at the end of
// the line of the token it follows, or on its own line before the token it
// precedes.
import type { IToken } from 'chevrotain';
import type { Doc } from './doc.ts';
import { end } from './cst-query.ts';

/** The tokens of a file with their comments attached; the layout (a subclass) emits tokens through `t` and `skip`. */
export abstract class CommentedTokens {
  /** Trailing comment of a token (same line, after it). */
  protected readonly trailing = new Map<IToken, IToken>();
  /** Comments on their own lines before a token. */
  protected readonly leading = new Map<IToken, IToken[]>();
  /** Own-line comments after the last token. */
  protected readonly tail: IToken[] = [];
  protected readonly used = new Set<IToken>();

  constructor(protected readonly src: string, tokens: readonly IToken[], comments: readonly IToken[], dropped: ReadonlySet<IToken>) {
    let ti = 0;
    for (const c of comments) {
      while (ti < tokens.length && tokens[ti]!.startOffset < c.startOffset) ti++;
      const prev = tokens[ti - 1];
      const next = tokens[ti];
      if (prev && !src.slice(end(prev), c.startOffset).includes('\n')) this.trailing.set(prev, c);
      else if (next) this.leading.set(next, [...(this.leading.get(next) ?? []), c]);
      else this.tail.push(c);
    }
    // Commas are glued to what precedes them, so their comments must land
    // where they will be found again in the output. A trailing comment of a
    // comma whose previous token has one too would have to start a line: it
    // leads the next token instead. A comma that is left out also hands its
    // own-line comments (and then its trailing one) to the next token.
    tokens.forEach((t, i) => {
      if (t.tokenType.name !== 'Comma') return;
      const lead = dropped.has(t) ? this.leading.get(t) ?? [] : [];
      const trail = this.trailing.get(t);
      const prevTrail = i > 0 ? this.trailing.get(tokens[i - 1]!) : undefined;
      const moveTrail = !!trail && (!!prevTrail || lead.length > 0);
      if (lead.length === 0 && !moveTrail) return;
      const next = tokens[i + 1]!;
      this.leading.set(next, [...lead, ...(moveTrail ? [trail!] : []), ...(this.leading.get(next) ?? [])]);
      if (lead.length) this.leading.delete(t);
      if (moveTrail) this.trailing.delete(t);
    });
  }

  protected commentDoc(c: IToken, own: boolean): Doc {
    this.used.add(c);
    return { k: 'comment', text: c.image.trimEnd(), own };
  }
  protected before(t: IToken): Doc[] {
    return (this.leading.get(t) ?? []).filter((c) => !this.used.has(c)).map((c) => this.commentDoc(c, true));
  }
  protected after(t: IToken): Doc[] {
    const c = this.trailing.get(t);
    return c && !this.used.has(c) ? [this.commentDoc(c, false)] : [];
  }
  /** A token as written, with its comments. */
  protected t(tok: IToken | undefined): Doc {
    if (!tok) return '';
    return [...this.before(tok), tok.image, ...this.after(tok)];
  }
  /** A token left out of the output (an optional comma): only its comments. */
  protected skip(tok: IToken | undefined): Doc {
    return tok ? [...this.before(tok), ...this.after(tok)] : '';
  }
}
