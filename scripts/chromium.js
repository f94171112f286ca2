// The editor's browser tests run in Debian's Chromium (/usr/bin/chromium),
// never a downloaded browser. `npm test` makes sure it is there first: when
// it is missing and the tests run as root with apt-get (as .ci/run does),
// it installs Debian's chromium and fonts-noto-cjk (the CJK fonts the
// editor's screenshots show); otherwise it says, in one line, what to
// install — rather than letting every browser test fail without a word.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** ZHIYU_CHROMIUM names another Chromium binary (e.g. /usr/bin/chromium-browser). */
export const CHROMIUM = process.env.ZHIYU_CHROMIUM || '/usr/bin/chromium';
export const PACKAGES = ['chromium', 'fonts-noto-cjk'];

/**
 * Returns undefined when Chromium is there (installing it if it can), else
 * the one line to show. `apt` is the apt-get to use (ZHIYU_APT_GET in tests).
 */
export function ensureChromium({
  path = CHROMIUM,
  apt = process.env.ZHIYU_APT_GET || '/usr/bin/apt-get',
  root = typeof process.getuid === 'function' && process.getuid() === 0,
  run = (cmd, args) => spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0,
  log = (line) => console.error(line),
} = {}) {
  if (existsSync(path)) return undefined;
  const how = `the editor's browser tests need Debian's Chromium at ${path}: install it with \`sudo apt-get install ${PACKAGES.join(' ')}\` (npm test installs it itself when run as root with apt-get)`;
  if (!root || !existsSync(apt)) return how;
  log(`${path} is missing: installing Debian's ${PACKAGES.join(' and ')} with apt-get …`);
  const ok = run(apt, ['update', '-qq']) && run(apt, ['install', '-y', '-qq', '--no-install-recommends', ...PACKAGES]);
  if (ok && existsSync(path)) return undefined;
  return `apt-get could not install ${PACKAGES.join(' ')}; ${how}`;
}
