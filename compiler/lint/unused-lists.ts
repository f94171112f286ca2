// ZY6008: a list that nothing refers to (see names.ts for what counts as a reference).
import { unusedNames } from './names.ts';

export const unusedLists = unusedNames('ZY6008', 'unused-list', 'list', (cx) => cx.pack.lists.values());
