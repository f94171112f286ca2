// Which file the editor opens first: the one the analyst had open (if it is
// still there), else the first rule file of the fraud pack, else of the
// first pack. boot.ts asks for it early; main.ts opens it.
import type { PackInfo } from './api.ts';

export const ACTIVE_KEY = 'zhiyu.active';

export function firstFile(packs: readonly PackInfo[]): string | undefined {
  const wanted = localStorage.getItem(ACTIVE_KEY);
  if (wanted && packs.some((p) => p.files.some((f) => f.path === wanted))) return wanted;
  const first = packs.find((p) => p.name === 'fraud') ?? packs[0];
  return first?.files.find((f) => f.path.endsWith('.zy'))?.path;
}
