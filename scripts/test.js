#!/usr/bin/env node
// Runs every uvu suite under spec/ (files named *.test.ts) through tsx and
// ends with one line "N passed, N failed". Exits non-zero on any failure,
// including a suite that fails to load. First makes sure the browser tests
// have their Chromium (scripts/chromium.js): installed when it can be, else
// one line saying what to install, and no tests run.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { ensureChromium } from './chromium.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const missing = ensureChromium();
if (missing) {
  console.error(missing);
  process.exit(1);
}
const color = process.stdout.isTTY ? [] : ['--no-color'];
const args = ['--import', 'tsx', join(root, 'node_modules/uvu/bin.js'), 'spec', '\\.test\\.ts$', ...color, ...process.argv.slice(2)];
const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : '0' } });

let out = '';
child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
child.stderr.on('data', (d) => process.stderr.write(d));
child.on('close', (code) => {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  if (Number.isNaN(total) || Number.isNaN(passed)) {
    console.log(`\n0 passed, 1 failed`);
    console.error('the test runner did not finish (a suite failed to load?)');
    process.exit(code || 1);
  }
  // uvu's Total leaves skipped tests out already.
  const failed = total - passed;
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code !== 0 || failed > 0 ? code || 1 : 0);
});
