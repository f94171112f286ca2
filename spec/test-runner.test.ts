// `npm test` on a fresh machine (issue 19, item 8): without Chromium it
// installs Debian's chromium (and fonts-noto-cjk) when it runs as root with
// apt-get, and otherwise stops with one line naming what to install — never
// eleven browser tests failing without a word, never a skip that reads green.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'zhiyu-test-runner-'));
const { ensureChromium } = await import('../scripts/chromium.js' as string) as {
  ensureChromium(o: { path?: string; apt?: string; root?: boolean; run?: (cmd: string, args: string[]) => boolean; log?: (l: string) => void }): string | undefined;
};
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('without Chromium and without a way to install it, npm test stops with one line saying what to install', () => {
  const r = spawnSync(process.execPath, [join(root, 'scripts/test.js')], {
    cwd: root, encoding: 'utf8', env: { ...process.env, ZHIYU_CHROMIUM: join(dir, 'no-chromium'), ZHIYU_APT_GET: join(dir, 'no-apt-get') },
  });
  assert.is.not(r.status, 0, 'a failure, not a pass');
  const lines = `${r.stdout}${r.stderr}`.trim().split('\n');
  assert.is(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /the editor's browser tests need Debian's Chromium at .*no-chromium: install it with `sudo apt-get install chromium fonts-noto-cjk`/);
  assert.not.match(r.stdout, /passed/, 'no test ran');
});

test('as root with apt-get, it installs Debian\'s chromium and fonts-noto-cjk itself', () => {
  // A stand-in apt-get (a real executable): it records its arguments and, on install, puts the browser in place.
  const chromium = join(dir, 'bin', 'chromium');
  const apt = join(dir, 'apt-get');
  const calls = join(dir, 'calls');
  writeFileSync(apt, `#!/bin/sh\necho "$@" >> '${calls}'\nif [ "$1" = install ]; then mkdir -p '${join(dir, 'bin')}' && touch '${chromium}'; fi\n`);
  chmodSync(apt, 0o755);
  const said: string[] = [];
  const run = (cmd: string, args: string[]) => spawnSync(cmd, args).status === 0;
  assert.is(ensureChromium({ path: chromium, apt, root: true, run, log: (l) => said.push(l) }), undefined);
  assert.ok(existsSync(chromium));
  assert.equal(readFileSync(calls, 'utf8').trim().split('\n'), ['update -qq', 'install -y -qq --no-install-recommends chromium fonts-noto-cjk']);
  assert.match(said.join('\n'), /installing Debian's chromium and fonts-noto-cjk/);
  assert.is(ensureChromium({ path: chromium, apt, root: true, run }), undefined, 'there now: nothing more to do');
});

test('not root, or apt-get failing: the one line says so', () => {
  const apt = join(dir, 'apt-get-fails');
  writeFileSync(apt, '#!/bin/sh\nexit 100\n');
  chmodSync(apt, 0o755);
  const run = (cmd: string, args: string[]) => spawnSync(cmd, args).status === 0;
  assert.match(ensureChromium({ path: join(dir, 'none'), apt, root: false, run })!, /install it with `sudo apt-get install chromium fonts-noto-cjk`/);
  assert.match(ensureChromium({ path: join(dir, 'none'), apt, root: true, run, log: () => undefined })!, /^apt-get could not install chromium fonts-noto-cjk; /);
});

test('.ci/run installs the same Debian packages', () => {
  const ci = readFileSync(join(root, '.ci', 'run'), 'utf8');
  assert.match(ci, /PACKAGES=\(chromium fonts-noto-cjk\)/);
});

test.run();
