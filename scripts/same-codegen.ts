// Whether a change to the compiler leaves the generated JavaScript as it was:
// compiles every shipped pack (rules/), the bench packs (fraud40, store3,
// flat40), every case of spec/cases (after prelude.zy), and the scale packs of
// 100, 1,000 and 10,000 rules with an old copy of compiler/ and with this
// one, each also with index: false, inlineRules: 3 and eager dispatch (not
// the 10,000-rule pack, which is compared with literal explain() entries
// besides), and compares source and constants byte for byte.
// For refactorings that must not change the output (a split, a faster
// code generator); exits 1 when anything differs.
//
//   git archive main compiler | tar -x -C /tmp/old && ln -s "$PWD/node_modules" /tmp/old/node_modules
//   node --import tsx scripts/same-codegen.ts /tmp/old [--no-scale]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as NEW from '../compiler/index.ts';
import { generate as newGenerate, type GenerateOptions } from '../compiler/codegen.ts';
import { comparedPacks } from './compared-packs.ts';
import { scalePackFiles } from '../bench/scale-pack.ts';

async function main(): Promise<number> {
  const old = process.argv[2];
  if (!old || old.startsWith('--')) { console.error('usage: node --import tsx scripts/same-codegen.ts OLD_DIR [--no-scale] (OLD_DIR holds an old compiler/)'); return 2; }
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const OLD = await import(join(old, 'compiler/index.ts')) as typeof NEW;
  const { generate: oldGenerate } = await import(join(old, 'compiler/codegen.ts')) as { generate: typeof newGenerate };
  const sets = comparedPacks(root);
  if (!process.argv.includes('--no-scale')) for (const n of [100, 1000, 10000]) sets.push([`scale ${n}`, scalePackFiles(n, 20260301)]);
  const variants: [string, GenerateOptions][] = [['index: false', { index: false }], ['inlineRules: 3', { inlineRules: 3 }], ['eager dispatch', { dispatch: { minRules: 1, minGuard: 2 } }]];
  let same = 0;
  let differ = 0;
  let compiled = 0;
  const text = (f: () => unknown): string => { try { return JSON.stringify(f() ?? null); } catch (e) { return `threw ${String(e)}`; } };
  for (const [name, files] of sets) {
    const a = (() => { try { return OLD.compile(files); } catch { return undefined; } })();
    const b = (() => { try { return NEW.compile(files); } catch { return undefined; } })();
    const outs: [string, string, string][] = [['default', text(() => a?.code), text(() => b?.code)]];
    if (a?.optimized && b?.optimized && name !== 'scale 10000') {
      for (const [v, o] of variants) outs.push([v, text(() => oldGenerate(a.optimized!, o)), text(() => newGenerate(b.optimized!, o))]);
    }
    // A pack over 1,000 rules gets explain() from tables since compile-gen-r9: its default output
    // differs from older compilers' by design; with literal entries it must not (an older compiler
    // ignores the option).
    if (a?.optimized && b?.optimized && name === 'scale 10000') {
      const literal: GenerateOptions = { explainTables: Infinity };
      outs.push(['literal explain', text(() => oldGenerate(a.optimized!, literal)), text(() => newGenerate(b.optimized!, literal))]);
    }
    if (a?.code) compiled++;
    for (const [v, x, y] of outs) {
      if (x === y) same++;
      else { differ++; console.log(`differs: ${name} [${v}]`); }
    }
  }
  console.log(`${sets.length} packs (${compiled} compile): ${same} outputs identical, ${differ} differ`);
  return differ ? 1 : 0;
}

process.exitCode = await main();
