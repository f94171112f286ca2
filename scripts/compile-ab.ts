// The 10,000-rule compile, or one stage of it, as a CPU-time ratio of this
// compiler against an old copy loaded in the same process (runs alternate, a
// full GC before each; ratios, since absolute times on a shared machine are not
// comparable from one minute to the next). OLD_DIR as for same-codegen.ts.
//
//   node --expose-gc --import tsx scripts/compile-ab.ts OLD_DIR [compile|parse|check|optimize|dispatch|generate|load] [pairs]
import { join } from 'node:path';
import { scalePackFiles } from '../bench/scale-pack.ts';
const oldDir = process.argv[2]!;
const what = process.argv[3] ?? 'generate';
const rounds = Number(process.argv[4] ?? 6);
const load = async (root: string) => ({
  compile: (await import(join(root, 'compiler/index.ts'))).compile,
  parseFile: (await import(join(root, 'compiler/parse.ts'))).parseFile,
  check: (await import(join(root, 'compiler/check/index.ts'))).check,
  optimize: (await import(join(root, 'compiler/optimize/index.ts'))).optimize,
  generate: (await import(join(root, 'compiler/codegen.ts'))).generate,
  load: (await import(join(root, 'runtime/engine.ts'))).load,
  planDispatch: (await import(join(root, 'compiler/optimize/dispatch.ts'))).planDispatch,
});
const OLD = await load(oldDir);
const NEW = await load(join(import.meta.dirname, '..'));
const files = scalePackFiles(10000, 20260301);
const prep = (M: any) => { const parsed = files.map((f: any, i: number) => M.parseFile(f.text, i)); const c = M.check(parsed.map((p: any) => p.ast), new Set()); return what === 'optimize' ? c.pack : M.optimize(c.pack); };
const parseAll = (M: any) => files.map((f: any, i: number) => M.parseFile(f.text, i).ast);
// What each run needs made before it: the optimized pack (the checked one for `optimize`), or for `check` the ASTs.
const input = (M: any) => (what === 'compile' || what === 'parse' ? undefined : what === 'check' ? parseAll(M) : prep(M));
const optO = input(OLD);
const optN = input(NEW);
// load: the generated program made into an engine (new Function and instantiation); each run's
// source differs by a comment, or V8 would reuse the code it compiled for the same text.
const codeO = what === 'load' ? OLD.generate(optO) : undefined;
const codeN = what === 'load' ? NEW.generate(optN) : undefined;
let runs = 0;
const run = (M: any, opt: any) => {
  if (what === 'generate') M.generate(opt);
  else if (what === 'check') M.check(opt, new Set());
  else if (what === 'dispatch') M.planDispatch(opt);
  else if (what === 'optimize') M.optimize(opt);
  else if (what === 'load') { const code = M === OLD ? codeO : codeN; M.load({ pack: opt, code: { ...code, source: `${code.source}\n// ${runs++}` } }); }
  else if (what === 'compile') M.compile(files);
  else if (what === 'parse') files.forEach((f: any, i: number) => M.parseFile(f.text, i));
};
const cpu = (f: () => void) => { (globalThis as any).gc?.(); const t = process.cpuUsage(); f(); const u = process.cpuUsage(t); return (u.user + u.system) / 1000; };
run(OLD, optO); run(NEW, optN);
let o = 0, n = 0; const rs: number[] = [];
for (let r = 0; r < rounds; r++) {
  const a = r % 2 ? cpu(() => run(NEW, optN)) : 0;
  const b = cpu(() => run(OLD, optO));
  const c = r % 2 ? 0 : cpu(() => run(NEW, optN));
  const nn = a + c; o += b; n += nn; rs.push(nn / b);
}
rs.sort((x, y) => x - y);
console.log(`${what}: old ${(o / rounds).toFixed(0)} ms, new ${(n / rounds).toFixed(0)} ms CPU per run; ratio ${(n / o).toFixed(3)} (median pair ${rs[rs.length >> 1]!.toFixed(3)}, ${rounds} pairs)`);
