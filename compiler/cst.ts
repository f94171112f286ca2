// Walking Chevrotain's concrete syntax tree: shared by the AST builder
// (parse.ts) and the formatter (format.ts).
import type { CstNode, IToken } from 'chevrotain';

/** The first child that is a node (a declaration's one alternative, say). */
export function firstChildNode(n: CstNode): CstNode | undefined {
  for (const list of Object.values(n.children)) for (const c of list) if ('children' in c) return c;
  return undefined;
}

/** All direct children (tokens and nodes) in source order. */
export function ordered(n: CstNode): (CstNode | IToken)[] {
  const all: (CstNode | IToken)[] = [];
  for (const list of Object.values(n.children)) all.push(...list);
  return all.sort((a, b) => startOf(a) - startOf(b));
}

/** The child (token or node) that starts first: `ordered(n)[0]` without building and sorting the list. */
export function firstChild(n: CstNode): CstNode | IToken | undefined {
  let first: CstNode | IToken | undefined;
  for (const key in n.children) for (const c of n.children[key]!) if (first === undefined || startOf(c) < startOf(first)) first = c;
  return first;
}

export function startOf(x: CstNode | IToken): number {
  return 'children' in x ? x.location!.startOffset : x.startOffset;
}
