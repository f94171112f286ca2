// ZY6009: a predicate that nothing refers to (see names.ts for what counts as a reference).
import { unusedNames } from './names.ts';

export const unusedPredicates = unusedNames('ZY6009', 'unused-predicate', 'predicate', (cx) => cx.pack.predicates.values());
