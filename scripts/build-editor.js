#!/usr/bin/env node
// Builds the browser editor into dist/editor: the page, its script and styles,
// the language worker (the compiler itself, run off the main thread) and
// Monaco's own editor worker, each as a separate ES module (the page's script
// in chunks, see LAYERS). Every built file but the page has its content hash
// in its name, so the server lets browsers keep it for good; each is also
// stored compressed (brotli and gzip) so the server sends the smallest one
// the browser takes. Run by `npm install` (prepare) and by the browser tests
// when the build is stale.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/editor');

const common = {
  outdir: out, absWorkingDir: root, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true, sourcemap: true,
  entryNames: '[name]-[hash]', assetNames: '[name]-[hash]', loader: { '.ttf': 'file' }, metafile: true,
};

/** Where the page's script is cut into chunks (see buildEditor): each layer is what this module reaches, less the layers before it. */
const LAYERS = {
  'layer-model': 'editor/common/viewModel/viewModelImpl.js',
  'layer-widget': 'editor/browser/widget/codeEditor/codeEditorWidget.js',
  'layer-api': 'editor/editor.api.js',
};

/** Every chunk a built file imports, directly or not. */
function chunksOf(result, file) {
  const outputs = Object.entries(result.metafile.outputs);
  const seen = new Set();
  const visit = (f) => {
    const o = outputs.find(([p]) => basename(p) === f)?.[1];
    for (const i of o?.imports ?? []) {
      const c = basename(i.path);
      if (i.kind === 'import-statement' && !seen.has(c)) { seen.add(c); visit(c); }
    }
  };
  visit(file);
  return [...seen];
}

/** The built file of an entry point, by the entry's name. */
function outputOf(result, name) {
  const file = Object.keys(result.metafile.outputs).find((o) => basename(o).startsWith(`${name}-`) && o.endsWith('.js'));
  if (!file) throw new Error(`the build has no output for ${name}`);
  return basename(file);
}

export async function buildEditor({ quiet = false } = {}) {
  const started = Date.now();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const logLevel = quiet ? 'error' : 'warning';
  // Workers first: the page is told their hashed names.
  const workers = await build({
    ...common, logLevel,
    entryPoints: {
      'language-worker': join(root, 'editor/client/language-worker.ts'),
      'editor.worker': join(root, 'node_modules/monaco-editor/esm/vs/editor/editor.worker.js'),
    },
  });
  // The boot script alone, first: it shares nothing the page must wait for.
  const boot = await build({ ...common, logLevel, entryPoints: { boot: join(root, 'editor/client/boot.ts') } });
  // The page's script is split in layers, each a chunk the page preloads: V8
  // parses each script on a thread of its own while the page waits, so three
  // chunks of ~1 MB are parsed at once where one of 3.8 MB was parsed alone.
  // A layer's entry point only marks where a chunk ends (what it reaches goes
  // in one chunk); its own tiny file is not kept.
  const page = await build({
    ...common, logLevel, splitting: true, chunkNames: 'chunk-[hash]',
    entryPoints: { main: join(root, 'editor/client/main.ts'), ...Object.fromEntries(Object.entries(LAYERS).map(([k, v]) => [k, join(root, 'node_modules/monaco-editor/esm/vs', v)])) },
    define: {
      LANGUAGE_WORKER_URL: JSON.stringify(`/${outputOf(workers, 'language-worker')}`),
      EDITOR_WORKER_URL: JSON.stringify(`/${outputOf(workers, 'editor.worker')}`),
    },
  });
  // The metafile's paths are relative to absWorkingDir (root), wherever the build is run from.
  for (const [o, v] of Object.entries(page.metafile.outputs)) {
    if (Object.keys(LAYERS).some((l) => basename(o).startsWith(`${l}-`)) || (v.entryPoint && !v.entryPoint.endsWith('main.ts') && o.endsWith('.css'))) {
      rmSync(join(root, o), { force: true });
      rmSync(join(root, `${o}.map`), { force: true });
    }
  }
  const mainJs = outputOf(page, 'main');
  const mainCss = basename(Object.entries(page.metafile.outputs).find(([o]) => basename(o) === mainJs)?.[1].cssBundle ?? '');
  if (!mainCss) throw new Error('the build has no stylesheet for the page');
  const html = readFileSync(join(root, 'editor/client/index.html'), 'utf8')
    .replaceAll('{{preload}}', [mainJs, ...chunksOf(page, mainJs)].map((f) => `<link rel="modulepreload" href="/${f}">`).join('\n'))
    .replaceAll('{{main.js}}', mainJs).replaceAll('{{main.css}}', mainCss).replaceAll('{{boot.js}}', outputOf(boot, 'boot'));
  writeFileSync(join(out, 'index.html'), html);
  copyFileSync(join(root, 'editor/client/favicon.svg'), join(out, 'favicon.svg'));
  for (const f of readdirSync(out)) {
    if (!/\.(js|css|html|svg|ttf)$/.test(f)) continue;
    const body = readFileSync(join(out, f));
    writeFileSync(join(out, `${f}.br`), brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }));
    writeFileSync(join(out, `${f}.gz`), gzipSync(body, { level: 9 }));
  }
  if (!quiet) console.log(`editor built in dist/editor (${Date.now() - started} ms)`);
}

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Rebuilds dist/editor when any browser-side source is newer than it (the tests' check; npm test runs it before its processes start). */
export async function ensureEditorBuilt() {
  const main = join(root, 'dist/editor/index.html');
  const sources = Math.max(...['editor/client', 'compiler', 'runtime'].map((d) => newest(join(root, d))));
  if (existsSync(main) && statSync(main).mtimeMs >= sources) return;
  await buildEditor({ quiet: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildEditor();
