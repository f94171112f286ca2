// The embedding examples from the README, run as they are written there, and the built library.
import { test } from 'uvu';
import { scratchDir } from './scratch.ts';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Runs a ```ts <tag> block of the README as it is written there and returns its exports. */
async function runReadmeBlock(tag: string): Promise<Record<string, unknown>> {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const block = new RegExp(`\`\`\`ts ${tag}\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1];
  assert.ok(block, `README has a \`\`\`ts ${tag} block`);
  // The example imports 'zhiyu'; here that is the package's own entry.
  const code = block!.replace("from 'zhiyu'", `from ${JSON.stringify(join(import.meta.dirname, '..', 'index.ts'))}`);
  const file = join(import.meta.dirname, '..', '.scratch', `${tag}-${process.pid}.ts`);
  const { mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  mkdirSync(join(import.meta.dirname, '..', '.scratch'), { recursive: true });
  writeFileSync(file, code);
  try {
    return await import(file) as Record<string, unknown>;
  } finally {
    rmSync(file, { force: true });
  }
}

test('the README embedding example runs and decides', async () => {
  const mod = await runReadmeBlock('embed') as { decision: { outcome: string } };
  assert.is(mod.decision.outcome, 'block');
});

test('the README fastest-embedding example runs, and its three entry points agree', async () => {
  type Raw = { fired: number[]; score: number };
  const mod = await runReadmeBlock('embed-fast') as { explained: { outcome: string; score: number; fired: { id: string }[] }; outcome: Raw & { outcome: string }; raw: Raw };
  assert.is(mod.outcome.outcome, mod.explained.outcome);
  assert.equal(mod.raw.fired, mod.outcome.fired);
  assert.is(mod.raw.score, mod.explained.score);
  assert.is(mod.raw.fired.length, mod.explained.fired.length);
});

test('the built library loads in plain Node (no tsx) and its declarations type-check a consumer', async () => {
  const { spawnSync } = await import('node:child_process');
  const { mkdirSync, symlinkSync, writeFileSync } = await import('node:fs');
  const root = join(import.meta.dirname, '..');
  const run = spawnSync(process.execPath, ['-e', `import('zhiyu').then((m) => {
    const r = m.compile(m.readPack(['rules/demo']));
    const d = m.load({ pack: r.optimized, code: r.code }).decide({ type: 'transfer_out', payee_id: 'mule-7', amount: 500000, occurred_at: '2026-03-01T10:00' }, new m.MemoryProvider({ lists: { police_fraud_accounts: ['mule-7'] } }));
    console.log(d.outcome);
  })`], { cwd: root, encoding: 'utf8' });
  assert.is(run.stdout.trim(), 'block', run.stderr);
  const dir = scratchDir('zhiyu-consumer-');
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'zhiyu'));
  symlinkSync(join(root, 'node_modules', '@types'), join(dir, 'node_modules', '@types'));
  writeFileSync(join(dir, 'package.json'), '{"name":"consumer","type":"module"}');
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, types: ['node'] }, files: ['main.ts'] }));
  writeFileSync(join(dir, 'main.ts'), `import { compile, load, MemoryProvider, readPack, type Decision } from 'zhiyu';
const r = compile(readPack(['rules/demo']));
const d: Decision = load({ pack: r.optimized!, code: r.code! }).decide({ type: 'login', occurred_at: 0 }, new MemoryProvider());
const outcome: string = d.outcome;
// @ts-expect-error: a decision's score is a number
const wrong: string = d.score;
console.log(outcome, wrong);
`);
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
  assert.is(tsc.status, 0, tsc.stdout + tsc.stderr);
});

test.run();
