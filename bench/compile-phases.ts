// The compiler's stages timed one by one, as compile() (compiler/index.ts)
// runs them: parse each file → check → optimize → generate code, then load
// (`new Function` and instantiation, runtime/engine.ts). Also run on its own
// (`node bench/.data/compile-phases.mjs SIZE SEED`, built by scale.ts with
// esbuild as the library ships) to time a compile in a fresh process without
// tsx; it then prints one line of JSON.
import { check } from '../compiler/check/index.ts';
import { generate, type GeneratedCode, type GenerateOptions } from '../compiler/codegen.ts';
import type { CheckedPack } from '../compiler/ir.ts';
import { optimize } from '../compiler/optimize/index.ts';
import { parseFile } from '../compiler/parse.ts';
import type { SourceFile } from '../compiler/source.ts';
import { load, type Engine } from '../runtime/engine.ts';
import { scalePackFiles } from './scale-pack.ts';

export interface Phases {
  readonly parse: number;
  readonly check: number;
  readonly optimize: number;
  readonly codegen: number;
  readonly load: number;
  readonly total: number;
}

export interface Compiled {
  readonly checked: CheckedPack;
  readonly optimized: CheckedPack;
  readonly code: GeneratedCode;
  readonly engine: Engine;
  readonly ms: Phases;
}

/** Compiles and loads, timing each stage (ms); throws on any error diagnostic. */
export function compilePhases(files: readonly SourceFile[], opts: GenerateOptions = {}): Compiled {
  const t0 = performance.now();
  const parsed = files.map((f, i) => parseFile(f.text, i));
  const t1 = performance.now();
  const c = check(parsed.map((p) => p.ast), new Set(parsed.flatMap((p) => p.brokenNames)));
  const t2 = performance.now();
  const errors = [...parsed.flatMap((p) => p.diagnostics), ...c.diagnostics].filter((d) => d.severity === 'error');
  if (errors.length || !c.pack) throw new Error(`the pack does not compile: ${errors.slice(0, 3).map((d) => `${d.code} ${d.message}`).join('; ')}`);
  const optimized = optimize(c.pack);
  const t3 = performance.now();
  const code = generate(optimized, opts);
  const t4 = performance.now();
  const engine = load({ pack: optimized, code });
  const t5 = performance.now();
  return {
    checked: c.pack, optimized, code, engine,
    ms: { parse: t1 - t0, check: t2 - t1, optimize: t3 - t2, codegen: t4 - t3, load: t5 - t4, total: t5 - t0 },
  };
}

// Run directly (the bundled copy): time one compile of a generated pack and print it.
if (process.argv[1]?.endsWith('compile-phases.mjs')) {
  const size = Number(process.argv[2]);
  const seed = Number(process.argv[3] ?? 20260301);
  const files = scalePackFiles(size, seed);
  // The default compile, without a traffic sample (with one, code generation takes about 1.13× the CPU: bench/README.md).
  const before = process.memoryUsage().heapUsed;
  const r = compilePhases(files);
  process.stdout.write(`${JSON.stringify({ rules: r.checked.rules.length, ms: r.ms, heapDelta: process.memoryUsage().heapUsed - before })}\n`);
}
