#!/usr/bin/env node
// Builds the `zhiyu` command as one ESM file, dist/cli.js (dependencies stay
// external), so the command starts without tsx: tsx's loader hooks cost some
// 1.5 s of CPU at every start, and its keep-names helper runs on every named
// closure a decision creates. cli/bin.js runs this file only while no source
// is newer than it (cli/built.js); otherwise it runs the sources through tsx.
// Run by `npm install` (prepare); tests bundle their own copy (spec/cli-run.ts).
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bundles cli/main.ts into `outfile`. Each source's `import.meta` is its own
 * file's (written in as a constant), so the command finds itself as
 * cli/bin.js, and worker threads, the calendar and the editor's files are
 * found where they are, wherever the bundle lives.
 */
export async function bundleCli(outfile) {
  const { metafile } = await build({
    entryPoints: [join(root, 'cli', 'main.ts')], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20',
    packages: 'external', logLevel: 'warning', metafile: true, absWorkingDir: root,
    plugins: [{
      name: 'zhiyu-import-meta',
      setup(b) {
        b.onLoad({ filter: /\.[jt]s$/ }, (a) => {
          if (a.path.includes(`${sep}node_modules${sep}`)) return undefined;
          const text = readFileSync(a.path, 'utf8');
          if (!text.includes('import.meta')) return undefined;
          const contents = text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(a.path).href)).replaceAll('import.meta.dirname', JSON.stringify(dirname(a.path)));
          return { contents, loader: a.path.endsWith('.ts') ? 'ts' : 'js' };
        });
      },
    }],
  });
  // The checkout's files it was built from (cli/built.js checks that none is newer).
  const sources = Object.keys(metafile.inputs).filter((f) => !f.startsWith('node_modules/')).sort();
  return { outfile, sources };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { sources } = await bundleCli(join(root, 'dist', 'cli.js'));
  // The paths written into the bundle are this checkout's: a bundle moved elsewhere is not used.
  writeFileSync(join(root, 'dist', 'cli.json'), `${JSON.stringify({ root, sources })}\n`);
}
