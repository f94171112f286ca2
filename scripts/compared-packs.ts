// The packs scripts/same-codegen.ts and scripts/same-parse.ts compare between
// an old copy of compiler/ and this one: every shipped pack (rules/), the bench
// packs (fraud40, store3, flat40) and every case of spec/cases (after prelude.zy).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceFile } from '../compiler/index.ts';
import { packDirs, readPack } from '../cli/pack-files.ts';
import { flat40Source } from '../bench/flat40.ts';

export function comparedPacks(root: string): [string, SourceFile[]][] {
  const sets: [string, SourceFile[]][] = [];
  for (const d of [...packDirs(join(root, 'rules')), join(root, 'bench/packs/fraud40'), join(root, 'bench/packs/store3')]) sets.push([d, readPack([d])]);
  sets.push(['flat40', flat40Source()]);
  const prelude = readFileSync(join(root, 'spec/cases/prelude.zy'), 'utf8');
  for (const f of readdirSync(join(root, 'spec/cases')).filter((x) => x.endsWith('.cases')).sort()) {
    const lines = readFileSync(join(root, 'spec/cases', f), 'utf8').split('\n');
    lines.forEach((l, i) => {
      if (!l.startsWith('=== ')) return;
      const src: string[] = [];
      for (let j = i + 1; j < lines.length && !lines[j]!.startsWith('=== ') && !lines[j]!.startsWith('--- '); j++) src.push(lines[j]!);
      sets.push([`${f}: ${l.slice(4)}`, [{ path: 'prelude.zy', text: prelude }, { path: 'case.zy', text: src.join('\n') }]]);
    });
  }
  return sets;
}
