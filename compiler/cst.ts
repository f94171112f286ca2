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

export function startOf(x: CstNode | IToken): number {
  return 'children' in x ? x.location!.startOffset : x.startOffset;
}
