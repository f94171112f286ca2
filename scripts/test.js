#!/usr/bin/env node
// Runs every uvu suite under spec/ (files named *.test.ts) through tsx and
// ends with one line "N passed, N failed". Exits non-zero on any failure,
// including a suite that fails to load. First makes sure the browser tests
// have their Chromium (scripts/chromium.js): installed when it can be, else
// one line saying what to install, and no tests run.
//
// The suites run in two processes side by side (one where the machine has a
// single core, or ZHIYU_TEST_PROCESSES=1): one runs the suites that drive
// other processes — Chromium, PostgreSQL, `zhiyu serve` worker clusters —
// and so spend much of their time waiting; the other runs the rest, which
// compute. Which suite runs where is fixed (by what the file uses, below),
// never decided by timing, and each process has its own Chromium and its own
// PostgreSQL server (spec/browser.ts, spec/pg-server.ts). The first
// process's output is shown as it runs, the second's after it (so the two
// never interleave); the last line sums both.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { ensureChromium } from './chromium.js';
import { ensureEditorBuilt } from './build-editor.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const missing = ensureChromium();
if (missing) {
  console.error(missing);
  process.exit(1);
}
// Built once here, before either process runs: neither rebuilds it while the other's suites serve it.
await ensureEditorBuilt();

/** A suite that drives other processes: the editor's and PostgreSQL's (Chromium, the server), `zhiyu serve` worker clusters, and any other that uses the shared browser or server. */
const drivesProcesses = (file) => /^(editor|postgres|serve-workers)/.test(file) || /from '\.\/(browser|editor-fixture|pg-server)\.ts'/.test(readFileSync(join(root, 'spec', file), 'utf8'));
const suites = readdirSync(join(root, 'spec')).filter((f) => f.endsWith('.test.ts')).sort();
const processes = Number(process.env.ZHIYU_TEST_PROCESSES ?? Math.min(2, availableParallelism()));
const groups = processes > 1
  ? [suites.filter(drivesProcesses), suites.filter((f) => !drivesProcesses(f))].filter((g) => g.length > 0)
  : [suites];
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const color = process.stdout.isTTY ? [] : ['--no-color'];
const env = { ...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : '0' };

/** One uvu process over `files`; `show` starts passing its output through (what came before it at once). */
function run(files) {
  const pattern = `^(?:${files.map(escape).join('|')})$`;
  const args = ['--import', 'tsx', join(root, 'node_modules/uvu/bin.js'), 'spec', pattern, ...color, ...process.argv.slice(2)];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let held = [];
  let live = false;
  const emit = (stream, d) => { if (live) stream.write(d); else held.push([stream, d]); };
  child.stdout.on('data', (d) => { out += d; emit(process.stdout, d); });
  child.stderr.on('data', (d) => emit(process.stderr, d));
  const done = new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
  return {
    done,
    show() {
      live = true;
      for (const [stream, d] of held) stream.write(d);
      held = [];
    },
  };
}

const runs = groups.map(run);
const results = [];
for (const r of runs) {
  r.show();
  results.push(await r.done);
}

let passed = 0;
let failed = 0;
let skipped = 0;
let code = 0;
for (const r of results) {
  const plain = r.out.replace(/\x1b\[[0-9;]*m/g, '');
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
  const ok = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
  if (Number.isNaN(total) || Number.isNaN(ok)) {
    console.error('\nthe test runner did not finish (a suite failed to load?)');
    failed += 1;
    code ||= r.code || 1;
    continue;
  }
  // uvu's Total leaves skipped tests out already.
  passed += ok;
  failed += total - ok;
  skipped += Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  if (r.code !== 0 || total > ok) code ||= r.code || 1;
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(code);
