// The commands `zhiyu fmt` and `zhiyu init`, and the --help of every command
// this suite's owner added or changed. In-process through main(), plus one
// end-to-end run of the real binary: init → check → test → fmt --check.
import { test } from 'uvu';
import { scratchDir } from './scratch.ts';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packName } from '../cli/scaffold.ts';
import { cli, spawnCli } from './cli-run.ts';

const tmp = () => scratchDir('zhiyu-cmd-');
const UGLY = 'pack p\noutcomes hold > allow\nevent { n: integer }\nrule R   when event.n>1 then hold reason X   # keep me\n';
const PRETTY = 'pack p\noutcomes hold > allow\n\nevent {\n  n: integer\n}\n\nrule R\n  when event.n > 1\n  then hold\n  reason X # keep me\n';

test('fmt --check lists what would change and exits 1, changing nothing; fmt rewrites; then --check exits 0', async () => {
  const dir = tmp();
  writeFileSync(join(dir, 'a.zy'), UGLY);
  writeFileSync(join(dir, 'b.zy'), 'const C = 1\n');
  const check = await cli('fmt', '--check', dir);
  assert.is(check.code, 1);
  assert.match(check.out, /would reformat .*a\.zy\n1 of 2 files would be reformatted/);
  assert.is(readFileSync(join(dir, 'a.zy'), 'utf8'), UGLY);
  const write = await cli('fmt', dir);
  assert.is(write.code, 0);
  assert.match(write.out, /formatted .*a\.zy\n1 of 2 files reformatted/);
  assert.is(readFileSync(join(dir, 'a.zy'), 'utf8'), PRETTY);
  assert.is((await cli('fmt', '--check', dir)).code, 0);
});

test('fmt leaves a file with a syntax error alone, shows its errors and exits 1', async () => {
  const dir = tmp();
  const broken = 'rule R when event.n > then hold\n';
  writeFileSync(join(dir, 'bad.zy'), broken);
  writeFileSync(join(dir, 'ok.zy'), UGLY);
  const r = await cli('fmt', dir);
  assert.is(r.code, 1);
  assert.match(r.err, /bad\.zy:1:23: error ZY1002/);
  assert.match(r.err, /not formatted, it has syntax errors/);
  assert.is(readFileSync(join(dir, 'bad.zy'), 'utf8'), broken);
  assert.is(readFileSync(join(dir, 'ok.zy'), 'utf8'), PRETTY, 'the other files are still formatted');
});

test('init: a pack that is lint-clean, fully covered and formatted; refuses a non-empty directory (exit 2)', async () => {
  const dir = join(tmp(), 'risk-pack');
  const r = await cli('init', dir);
  assert.is(r.code, 0, r.err);
  for (const f of ['pack.zy', 'rules.zy', 'rules.test.zy', 'README.md']) assert.ok(existsSync(join(dir, f)), f);
  assert.match(readFileSync(join(dir, 'pack.zy'), 'utf8'), /^pack risk_pack version "0\.1\.0"$/m);
  const check = await cli('check', dir, '--max-warnings', '0');
  assert.is(check.code, 0, check.out);
  assert.match(check.out, /3 files, 0 errors, 0 warnings/);
  const t = await cli('test', dir, '--coverage-threshold', '100');
  assert.is(t.code, 0, t.out);
  assert.is(t.out.trim().split('\n').pop(), '3 passed, 0 failed');
  assert.is((await cli('fmt', '--check', dir)).code, 0);
  const again = await cli('init', dir);
  assert.is(again.code, 2);
  assert.match(again.err, /is not empty/);
  const empty = join(tmp(), 'empty');
  mkdirSync(empty);
  assert.is((await cli('init', empty, '--name', 'collection_gates')).code, 0);
  assert.match(readFileSync(join(empty, 'pack.zy'), 'utf8'), /^pack collection_gates /m);
});

test('init: pack names from directory names are valid names, never keywords', () => {
  assert.equal(['my-pack', '2026 rules', 'test', '---', '智御'].map(packName), ['my_pack', 'pack_2026_rules', 'test_pack', 'my_pack', 'my_pack']);
});

test('--help of check, test, fmt and init shows examples', async () => {
  for (const cmd of ['check', 'test', 'fmt', 'init']) {
    const r = await cli(cmd, '--help');
    assert.is(r.code, 0, cmd);
    assert.match(r.out, /Examples:\n {2}zhiyu /, `${cmd} --help has examples`);
  }
  const top = await cli('--help');
  for (const cmd of ['check', 'fmt', 'init', 'test']) assert.match(top.out, new RegExp(`\\n {2}${cmd} `), `zhiyu --help lists ${cmd}`);
});

test('end to end, the real binary: init → check → test → fmt --check', async () => {
  const dir = join(tmp(), 'e2e');
  assert.is((await spawnCli(['init', dir])).code, 0);
  const [check, t, f] = await Promise.all([spawnCli(['check', dir]), spawnCli(['test', dir]), spawnCli(['fmt', '--check', dir])]);
  assert.equal([check.code, t.code, f.code], [0, 0, 0], `${check.out}${check.err}${t.out}${t.err}${f.out}${f.err}`);
  assert.is(t.out.trim().split('\n').pop(), '3 passed, 0 failed');
});

test('fmt lays out the rule files of a pack that names a JSON Logic file, and leaves the JSON alone', async () => {
  const dir = scratchDir('zhiyu-fmt-jl-');
  writeFileSync(join(dir, 'pack.zy'), 'pack p version "1"\noutcomes review > allow\nevent { type: string required "t"  amount: money "a" }\n');
  writeFileSync(join(dir, 'big.json'), '{ ">=": [{ "var": "amount" }, 1000000] }');
  writeFileSync(join(dir, 'rules.zy'), 'predicate big = jsonlogic "big.json"\n\nrule BIG "Big"\n  when   big\n  then review\n  reason BIG\n');
  const r = await cli('fmt', dir);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(readFileSync(join(dir, 'rules.zy'), 'utf8'), /\n  when big\n/);
  assert.is(readFileSync(join(dir, 'big.json'), 'utf8'), '{ ">=": [{ "var": "amount" }, 1000000] }');
  assert.is((await cli('check', dir)).code, 0);
});

test.run();
