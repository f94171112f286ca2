// What proving invariants adds to a compile: compile(files) against
// compile(files, { prove: true }) (what `zhiyu compile` runs) on the shipped
// packs, interleaved in one process, the best of each. Run alone:
// node --import tsx bench/prove.ts [--rounds N]
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../compiler/index.ts';

const PACKS = ['rules/conduct/gates', 'rules/conduct/sweeps', 'rules/demo', 'rules/fraud'];
const at = process.argv.indexOf('--rounds');
const ROUNDS = at > 0 ? Number(process.argv[at + 1]) : 5;

const filesOf = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.zy')).sort().map((f) => ({ path: join(dir, f), text: readFileSync(join(dir, f), 'utf8') }));

function ms(files: ReturnType<typeof filesOf>, prove: boolean): number {
  const t = performance.now();
  const r = compile(files, { prove });
  if (!r.ok) throw new Error(`${files[0]?.path} does not compile`);
  return performance.now() - t;
}

console.log('| pack | invariants | compile (ms) | with proofs (ms) | ratio |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const dir of PACKS) {
  const files = filesOf(dir);
  ms(files, false); ms(files, true);
  const plain: number[] = [];
  const proved: number[] = [];
  for (let i = 0; i < ROUNDS; i++) { plain.push(ms(files, false)); proved.push(ms(files, true)); }
  const a = Math.min(...plain);
  const b = Math.min(...proved);
  console.log(`| ${dir} | ${compile(files).checked!.invariants?.length ?? 0} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(b / a).toFixed(2)}× |`);
}
