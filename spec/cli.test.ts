import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from './cli-run.ts';

/** The command as installed: cli/bin.js, the sources through tsx. The first test runs it; the rest run the same sources bundled (BIN, see spec/cli-run.ts), without tsx's start-up cost. */
const installed = join(import.meta.dirname, '..', 'cli', 'bin.js');
function run(bin: string, args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const zhiyu = (...args: string[]) => run(BIN, args);
function packDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'zhiyu-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
const HEADER = 'pack p\noutcomes hold > allow\nevent { amount: money }\n';

test('check: a clean pack exits 0, a broken one exits 1 with file:line:col', () => {
  assert.is(run(installed, ['check', 'rules/demo']).code, 0);
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
