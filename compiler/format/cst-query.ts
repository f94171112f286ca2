// Reading the parser's concrete syntax tree: children by key, tokens in
// source order, and the commas the layout leaves out.
import type { CstNode, IToken } from 'chevrotain';
import { ordered } from '../cst.ts';

/** The commas the layout leaves out or replaces: optional ones, in field declarations, records and lists. */
export function droppedCommas(cst: CstNode): Set<IToken> {
  const out = new Set<IToken>();
  const visit = (n: CstNode): void => {
    if (n.name === 'fieldDecl' || n.name === 'record' || n.name === 'listLit') for (const c of toks(n, 'Comma')) out.add(c);
    for (const list of Object.values(n.children)) for (const c of list) if ('children' in c) visit(c);
  };
  visit(cst);
  return out;
}

export function nodes(n: CstNode, key: string): CstNode[] {
  return (n.children[key] ?? []) as CstNode[];
}
export function node(n: CstNode, key: string): CstNode | undefined {
  return n.children[key]?.[0] as CstNode | undefined;
}
export function toks(n: CstNode, key: string): IToken[] {
  return ((n.children[key] ?? []) as IToken[]).slice().sort((a, b) => a.startOffset - b.startOffset);
}
export function tok(n: CstNode, key: string): IToken | undefined {
  return toks(n, key)[0];
}
export function firstTokenOf(n: CstNode): IToken {
  const x = ordered(n)[0]!;
  return 'children' in x ? firstTokenOf(x) : x;
}
export function lastToken(n: CstNode): IToken {
  const all = ordered(n);
  const x = all[all.length - 1]!;
  return 'children' in x ? lastToken(x) : x;
}
export function end(t: IToken): number {
  return t.startOffset + t.image.length;
}
