#!/usr/bin/env node
// Builds the browser editor into dist/editor: the page, its script and styles,
// the language worker (the compiler itself, run off the main thread) and
// Monaco's own editor worker, each as a separate ES module. Run by
// `npm install` (prepare) and by the browser tests when the build is stale.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/editor');

export async function buildEditor({ quiet = false } = {}) {
  const started = Date.now();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: {
      main: join(root, 'editor/client/main.ts'),
      'language-worker': join(root, 'editor/client/language-worker.ts'),
      'editor.worker': join(root, 'node_modules/monaco-editor/esm/vs/editor/editor.worker.js'),
    },
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    loader: { '.ttf': 'file' },
    logLevel: quiet ? 'error' : 'warning',
  });
  for (const f of ['index.html', 'favicon.svg']) copyFileSync(join(root, 'editor/client', f), join(out, f));
  if (!quiet) console.log(`editor built in dist/editor (${Date.now() - started} ms)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildEditor();
