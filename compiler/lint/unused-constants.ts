// ZY6007: a constant that nothing refers to (see names.ts for what counts as a reference).
import { unusedNames } from './names.ts';

export const unusedConstants = unusedNames('ZY6007', 'unused-constant', 'constant', (cx) => cx.pack.consts.values());
