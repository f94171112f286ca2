import { test } from 'uvu';
import { scratchDir } from './scratch.ts';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BIN } from './cli-run.ts';
import { builtCli } from '../cli/built.js';

/**
 * The command as installed: cli/bin.js, running dist/cli.js while it is as new as the sources, else the sources
 * through tsx. The first test runs both ways; the rest run this process's own bundle of the sources (see spec/cli-run.ts).
 */
const installed = join(import.meta.dirname, '..', 'cli', 'bin.js');
const { ZHIYU_CLI_BUNDLE: _ours, ...asInstalled } = process.env;
function run(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const zhiyu = (...args: string[]) => run(BIN, args);
function packDir(files: Record<string, string>): string {
  const dir = scratchDir('zhiyu-cli-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
test('the installed command runs its build only while none of its sources changed, and only in the checkout it was built in', () => {
  const root = scratchDir('zhiyu-built-');
  const file = (path: string, text = '') => { mkdirSync(dirname(join(root, path)), { recursive: true }); writeFileSync(join(root, path), text); };
  const age = (path: string, seconds: number) => { const t = new Date(Date.now() - seconds * 1000); utimesSync(join(root, path), t, t); };
  const sources = ['compiler/a.ts', 'runtime/store/b.ts', 'cli/main.ts', 'demo/c.ts'];
  for (const f of [...sources, 'editor/client/d.ts', 'package.json']) { file(f); age(f, 120); }
  assert.is(builtCli(root), undefined, 'no build');
  file('dist/cli.js'); age('dist/cli.js', 60);
  assert.is(builtCli(root), undefined, 'a build without the record of how it was made');
  file('dist/cli.json', JSON.stringify({ root: `${root}-elsewhere`, sources }));
  assert.is(builtCli(root), undefined, 'a build made in another checkout');
  file('dist/cli.json', JSON.stringify({ root, sources }));
  assert.is(builtCli(root), join(root, 'dist', 'cli.js'));
  age('editor/client/d.ts', 0);
  assert.is(builtCli(root), join(root, 'dist', 'cli.js'), 'a file the command is not built from');
  age('demo/c.ts', 0);
  assert.is(builtCli(root), undefined, 'a source edited since the build');
  age('demo/c.ts', 120);
  age('package.json', 0);
  assert.is(builtCli(root), undefined, 'package.json changed since the build (dependencies)');
  age('package.json', 120);
  rmSync(join(root, 'runtime/store/b.ts'));
  assert.is(builtCli(root), undefined, 'a source removed since the build');
  process.env['ZHIYU_FROM_SOURCE'] = '1';
  file('runtime/store/b.ts'); age('runtime/store/b.ts', 120);
  try { assert.is(builtCli(root), undefined, 'ZHIYU_FROM_SOURCE'); } finally { delete process.env['ZHIYU_FROM_SOURCE']; }
  assert.is(builtCli(root), join(root, 'dist', 'cli.js'));
});

const HEADER = 'pack p\noutcomes hold > allow\nevent { amount: money }\n';

test('check: a clean pack exits 0, a broken one exits 1 with file:line:col', () => {
  assert.is(run(installed, ['check', 'rules/demo'], asInstalled).code, 0);
  assert.is(run(installed, ['check', 'rules/demo'], { ...asInstalled, ZHIYU_FROM_SOURCE: '1' }).code, 0);
  const dir = packDir({ 'a.zy': `${HEADER}rule R when event.amont > ¥1 then hold\n` });
  const r = zhiyu('check', dir);
  assert.is(r.code, 1);
  assert.match(r.out, /a\.zy:4:19: error ZY2001: the event has no field `amont`/);
  assert.match(r.out, /\^\^\^\^\^/);
  const j = zhiyu('check', dir, '--format', 'json');
  assert.is(j.code, 1);
  assert.is(JSON.parse(j.out)[0].code, 'ZY2001');
});

test('usage errors exit 2', () => {
  assert.is(zhiyu('check').code, 2);
  assert.is(zhiyu('frobnicate').code, 2);
  assert.is(zhiyu('eval', 'rules/demo').code, 2);
});

test('test: runs the pack tests and ends with N passed, N failed', () => {
  const ok = zhiyu('test', 'rules/demo');
  assert.is(ok.code, 0);
  assert.match(ok.out.trim().split('\n').pop()!, /^\d+ passed, 0 failed$/);
  const dir = packDir({ 'a.zy': `${HEADER}rule R when event.amount > ¥1 then hold\ntest "t" at @2026-01-01 given event { amount: ¥5 } expect allow\n` });
  const bad = zhiyu('test', dir);
  assert.is(bad.code, 1);
  assert.match(bad.out, /expected outcome allow, got hold/);
  assert.match(bad.out.trim().split('\n').pop()!, /^0 passed, 1 failed$/);
});

test('dump prints the generated code; eval explains a decision', () => {
  const d = zhiyu('dump', 'rules/demo');
  assert.is(d.code, 0);
  assert.match(d.out, /function decide\(src, P, at, x\)/);
  const e = zhiyu('eval', 'rules/demo', '--scenario', 'rules/demo/scenarios/phone-scam.json', '--json');
  assert.is(e.code, 0);
  assert.is(JSON.parse(e.out).outcome, 'hold');
  const bad = zhiyu('eval', 'rules/demo', '--event', '{"type":"transfer_out","amount":"lots","occurred_at":0}');
  assert.is(bad.code, 1);
  assert.match(bad.err, /ZY4001: event\.amount should be money/);
});

test.run();
