// The embedding example from the README, run as it is written there.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

test('the README embedding example runs and decides', async () => {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const block = /```ts embed\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'README has a ```ts embed block');
  // The example imports 'zhiyu'; here that is the package's own entry.
  const code = block!.replace("from 'zhiyu'", `from ${JSON.stringify(join(import.meta.dirname, '..', 'index.ts'))}`);
  const file = join(import.meta.dirname, '..', '.scratch', `embed-${process.pid}.ts`);
  const { mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  mkdirSync(join(import.meta.dirname, '..', '.scratch'), { recursive: true });
  writeFileSync(file, code);
  try {
    const mod = await import(file) as { decision: { outcome: string } };
    assert.is(mod.decision.outcome, 'block');
  } finally {
    rmSync(file, { force: true });
  }
});

test.run();
